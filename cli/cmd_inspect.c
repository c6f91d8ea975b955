/*
 * inspect: parse messages and show what the policy would decide, without
 * changing anything and without any network access.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "approve/policy.h"
#include "cli/cli.h"
#include "parse/acm.h"

static const char usage[] =
"Usage: acm-inbox inspect [--json] [--allow-account ID]...\n"
"                         [--allow-domain DOMAIN]... SOURCE...\n"
"\n"
"Parse each message and show what acm-inbox would do with it and why.\n"
"Nothing is approved, moved or sent. SOURCE is a file or - for stdin.\n"
"\n"
"Options:\n"
"      --json                one JSON object per source and line; it\n"
"                            includes the approval link with its code\n"
"      --allow-account ID    allow this 12-digit AWS account ID (repeat;\n"
"                            replaces allow-account from the config file)\n"
"      --allow-domain DOMAIN allow DOMAIN and its subdomains (repeat;\n"
"                            replaces allow-domain and domain from the\n"
"                            config file)\n"
"  -h, --help                show this help\n"
"\n"
"The text output never shows an approval code or context.\n"
"\n"
"Exit status: 0 when every source was read, whatever the decisions;\n"
"2 on a usage error or when a source could not be read.\n";

enum {
	OPT_JSON = 1,
	OPT_ALLOW_ACCOUNT,
	OPT_ALLOW_DOMAIN,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "allow-account", required_argument, NULL, OPT_ALLOW_ACCOUNT },
	{ "allow-domain", required_argument, NULL, OPT_ALLOW_DOMAIN },
	{ NULL, 0, NULL, 0 },
};

struct inspect {
	bool json;
	struct strlist flag_accounts;
	struct strlist flag_domains;
	struct policy policy;
	struct mail_limits limits;
};

/* Returns the 12-digit form of an account ID ("1111-2222-3333" too),
 * newly allocated, or NULL when id is not one. */
static char *
normalize_account(const char *id)
{
	size_t len = strlen(id), digits = 0;
	char out[13];

	if (len != 12 && len != 14)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		bool dash_place = len == 14 && (i == 4 || i == 9);

		if (dash_place && id[i] == '-')
			continue;
		if (dash_place || !isdigit((unsigned char)id[i]))
			return NULL;
		out[digits++] = id[i];
	}
	out[digits] = '\0';
	return xstrdup(out);
}

static int
add_accounts(struct strlist *out, const struct strlist *in,
    const char *where)
{
	for (size_t i = 0; i < in->count; i++) {
		char *id = normalize_account(in->items[i]);

		if (id == NULL) {
			fprintf(stderr, "acm-inbox inspect: %s: invalid AWS "
			    "account ID '%s': expected 12 digits\n", where,
			    in->items[i]);
			return -1;
		}
		strlist_add_owned(out, id);
	}
	return 0;
}

/* Builds the policy: flags replace the config file's lists. */
static int
build_policy(struct inspect *in, const struct config *config)
{
	const struct strlist *domains = &in->flag_domains;

	if (in->flag_accounts.count > 0) {
		if (add_accounts(&in->policy.allow_accounts,
		    &in->flag_accounts, "--allow-account") != 0)
			return -1;
	} else if (add_accounts(&in->policy.allow_accounts,
	    &config->allow_accounts, "allow-account") != 0) {
		return -1;
	}
	if (domains->count == 0)
		domains = config->allow_domains.count ?
		    &config->allow_domains : &config->domains;
	for (size_t i = 0; i < domains->count; i++)
		strlist_add(&in->policy.allow_domains, domains->items[i]);
	in->limits.max_size = (size_t)config->max_message_size;
	in->limits.max_depth = (int)config->max_mime_depth;
	in->limits.max_parts = (int)config->max_mime_parts;
	return 0;
}

/*
 * Reads a source into data.  A source larger than max is not read:
 * *size gets its size (or max + 1 for a stream) so the parser reports it.
 */
static int
read_source(const char *path, size_t max, struct buf *data, size_t *size)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO :
	    open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > max) {
			*size = (size_t)st.st_size;
			goto done;
		}
		buf_reserve(data, (size_t)st.st_size + 1);
	}
	for (;;) {
		buf_reserve(data, 65536);
		n = read(fd, data->data + data->len, data->cap - data->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		data->len += (size_t)n;
		data->data[data->len] = '\0';
		if (data->len > max)
			break;
	}
	*size = data->len;
done:
	if (fd != STDIN_FILENO)
		close(fd);
	return 0;
fail:
	fprintf(stderr, "acm-inbox inspect: %s: cannot read: %s\n", path,
	    strerror(errno));
	if (fd > STDIN_FILENO)
		close(fd);
	return -1;
}

static json_object *
json_string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *
json_findings(const struct findings *list)
{
	json_object *array = json_object_new_array();

	for (size_t i = 0; i < list->count; i++) {
		json_object *item = json_object_new_object();

		json_object_object_add(item, "code",
		    json_object_new_string(list->items[i].code));
		json_object_object_add(item, "message",
		    json_object_new_string(list->items[i].text));
		json_object_array_add(array, item);
	}
	return array;
}

static json_object *
json_authentication(const struct ses_auth *auth)
{
	json_object *obj = json_object_new_object();
	json_object *domains = json_object_new_array();

	json_object_object_add(obj, "ses_receipt",
	    json_object_new_boolean(auth->has_receipt));
	json_object_object_add(obj, "spf", json_string_or_null(auth->spf));
	json_object_object_add(obj, "dkim", json_string_or_null(auth->dkim));
	json_object_object_add(obj, "dmarc", json_string_or_null(auth->dmarc));
	json_object_object_add(obj, "spam", json_string_or_null(auth->spam));
	json_object_object_add(obj, "virus", json_string_or_null(auth->virus));
	for (size_t i = 0; i < auth->dkim_pass_domains.count; i++)
		json_object_array_add(domains, json_object_new_string(
		    auth->dkim_pass_domains.items[i]));
	json_object_object_add(obj, "dkim_pass_domains", domains);
	return obj;
}

static json_object *
json_decision(const struct policy_decision *decision)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "action", json_object_new_string(
	    policy_action_name(decision->action)));
	json_object_object_add(obj, "reasons",
	    json_findings(&decision->reasons));
	json_object_object_add(obj, "certificate_check_needed",
	    json_object_new_boolean(decision->certificate_check_needed));
	return obj;
}

static void
print_json(const char *source, const struct acm_email *e,
    const struct policy_decision *decision)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "source", json_object_new_string(source));
	json_object_object_add(obj, "is_acm",
	    json_object_new_boolean(e->is_acm));
	json_object_object_add(obj, "from", json_string_or_null(e->from));
	json_object_object_add(obj, "subject",
	    json_string_or_null(e->subject));
	json_object_object_add(obj, "domain", json_string_or_null(e->domain));
	json_object_object_add(obj, "requested_domain",
	    json_string_or_null(e->requested_domain));
	json_object_object_add(obj, "account_id",
	    json_string_or_null(e->account_id));
	json_object_object_add(obj, "region", json_string_or_null(e->region));
	json_object_object_add(obj, "certificate_arn",
	    json_string_or_null(e->certificate_arn));
	json_object_object_add(obj, "certificate_id",
	    json_string_or_null(e->certificate_id));
	json_object_object_add(obj, "approval_url",
	    json_string_or_null(e->has_link ? e->link.url : NULL));
	json_object_object_add(obj, "authentication",
	    json_authentication(&e->auth));
	json_object_object_add(obj, "problems", json_findings(&e->problems));
	json_object_object_add(obj, "decision", json_decision(decision));
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

static void
print_field(const char *label, const char *value)
{
	char *escaped = str_escaped(value ? value : "-");

	printf("  %-15s %s\n", label, escaped);
	free(escaped);
}

static void
print_findings(const char *label, const struct findings *list)
{
	for (size_t i = 0; i < list->count; i++) {
		char *text = str_escaped(list->items[i].text);

		printf("  %-15s %s: %s\n", label, list->items[i].code, text);
		free(text);
	}
}

static const char *
verdict(const char *value)
{
	return value ? value : "none";
}

static void
print_text(const char *source, const struct acm_email *e,
    const struct policy_decision *decision)
{
	const struct ses_auth *a = &e->auth;
	char *name = str_escaped(source);

	printf("%s: %s\n", name, policy_action_name(decision->action));
	free(name);
	print_field("ACM email:", e->is_acm ? "yes" : "no");
	print_field("from:", e->from);
	print_field("subject:", e->subject);
	print_field("domain:", e->domain);
	print_field("requested:", e->requested_domain);
	print_field("account:", e->account_id);
	print_field("region:", e->region);
	print_field("certificate:", e->certificate_arn ? e->certificate_arn :
	    e->certificate_id);
	print_field("approval host:", e->has_link ? e->link.host : NULL);
	printf("  %-15s spf=%s dkim=%s dmarc=%s spam=%s virus=%s%s\n",
	    "verdicts:", verdict(a->spf), verdict(a->dkim),
	    verdict(a->dmarc), verdict(a->spam), verdict(a->virus),
	    a->has_receipt ? "" : " (no X-SES-RECEIPT: none trusted)");
	print_findings("problem:", &e->problems);
	print_findings("reason:", &decision->reasons);
	if (decision->certificate_check_needed)
		printf("  %-15s %s\n", "note:", "approval still depends on "
		    "the optional ACM certificate check");
}

static int
inspect_source(struct inspect *in, const char *source)
{
	struct buf data = { 0 };
	struct acm_email email;
	struct policy_decision decision;
	size_t size = 0;

	if (read_source(source, in->limits.max_size, &data, &size) != 0) {
		buf_free(&data);
		return -1;
	}
	/* A size over the limit is reported without reading data. */
	acm_email_parse(data.data ? data.data : "", size, &in->limits,
	    &email);
	policy_decide(&in->policy, &email, &decision);
	if (in->json)
		print_json(source, &email, &decision);
	else
		print_text(source, &email, &decision);
	fflush(stdout);
	policy_decision_free(&decision);
	acm_email_free(&email);
	buf_free(&data);
	return 0;
}

static int
parse_options(struct cli *cli, struct inspect *in, int argc, char **argv)
{
	const struct cli_command_spec spec = { "", longopts, usage };
	int opt, status = EXIT_USAGE;

	while ((opt = cli_getopt(cli, argc, argv, &spec, &status)) >= 0) {
		if (opt == OPT_JSON)
			in->json = true;
		else if (opt == OPT_ALLOW_ACCOUNT)
			strlist_add(&in->flag_accounts, optarg);
		else if (opt == OPT_ALLOW_DOMAIN)
			strlist_add(&in->flag_domains, optarg);
	}
	if (opt == CLI_GETOPT_EXIT)
		return status;
	if (optind >= argc)
		return cli_usage_error(cli, "missing SOURCE");
	for (int i = optind; i < argc; i++)
		/* TODO: read s3://BUCKET/KEY once the S3 client is built. */
		if (strncmp(argv[i], "s3://", 5) == 0)
			return cli_usage_error(cli, "'%s': s3:// sources are "
			    "not supported yet; copy the object to a file",
			    argv[i]);
	return -1;
}

int
cmd_inspect(struct cli *cli, int argc, char **argv)
{
	struct inspect in = { 0 };
	int status;

	status = parse_options(cli, &in, argc, argv);
	if (status >= 0)
		goto out;
	status = EXIT_USAGE;
	if (cli_load_config(cli) != 0 || build_policy(&in, &cli->config) != 0)
		goto out;
	status = EXIT_DONE;
	for (int i = optind; i < argc; i++)
		if (inspect_source(&in, argv[i]) != 0)
			status = EXIT_USAGE;
out:
	strlist_free(&in.flag_accounts);
	strlist_free(&in.flag_domains);
	policy_free(&in.policy);
	return status;
}
