/*
 * inspect: parse messages and show what the policy would decide, changing
 * nothing.  It calls AWS only to read s3:// sources and for the optional
 * ACM certificate check.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approve/policy.h"
#include "approve/verify.h"
#include "cli/cli.h"
#include "cli/message.h"
#include "parse/acm.h"

static const char usage[] =
"Usage: acm-inbox inspect [--json] [--allow-account ID]...\n"
"                         [--allow-domain DOMAIN]... SOURCE...\n"
"\n"
"Parse each message and show what acm-inbox would do with it and why.\n"
"Nothing is approved, moved or sent. SOURCE is a file, - for stdin, or\n"
"s3://BUCKET/KEY. Unless verify-certificate is no, a request the policy\n"
"allows is also checked with ACM DescribeCertificate, as approve does.\n"
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
"2 on a usage error or when a source could not be read; 3 when S3 or\n"
"the certificate check could not be reached.\n";

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
	enum verify_setting setting;
	struct verify_context verify;
	bool verify_ready;
	struct verify_result verify_failure;	/* the first VERIFY_ERROR */
};

/*
 * Runs the certificate check on a request the policy allows, unless
 * verify-certificate is no.  After the first failure to reach AWS the
 * later requests get the same result without another attempt, so the
 * log shows the cause once.  Returns 0, or EXIT_AWS when no AWS client
 * can be created (the decision is then left as the policy made it).
 */
static int
check_certificate(struct inspect *in, struct cli *cli,
    const struct acm_email *email, struct policy_decision *decision,
    struct verify_result *result)
{
	struct aws_client *client;

	if (!decision->certificate_check_needed ||
	    in->setting == VERIFY_SETTING_NO)
		return 0;
	if (!in->verify_ready) {
		client = cli_aws_client(cli);
		if (client == NULL)
			return EXIT_AWS;
		verify_context_init(&in->verify, client, in->setting);
		in->verify_ready = true;
	}
	if (in->verify_failure.code != NULL) {
		result->status = in->verify_failure.status;
		result->code = in->verify_failure.code;
		result->text = xstrdup(in->verify_failure.text ?
		    in->verify_failure.text : "");
	} else {
		verify_certificate(&in->verify, email, result);
	}
	if (result->status == VERIFY_ERROR &&
	    in->verify_failure.code == NULL) {
		in->verify_failure.status = result->status;
		in->verify_failure.code = result->code;
		in->verify_failure.text = xstrdup(result->text ?
		    result->text : "");
	}
	verify_apply(result, decision);
	return 0;
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

static json_object *
json_check(const struct verify_result *check)
{
	json_object *obj;

	if (check->code == NULL)
		return NULL;
	obj = json_object_new_object();
	json_object_object_add(obj, "status", json_object_new_string(
	    verify_status_name(check->status)));
	json_object_object_add(obj, "code",
	    json_object_new_string(check->code));
	json_object_object_add(obj, "message",
	    json_string_or_null(check->text));
	return obj;
}

static void
print_json(const char *source, const struct acm_email *e,
    const struct policy_decision *decision,
    const struct verify_result *check)
{
	json_object *obj = json_object_new_object();
	struct buf line = {0};
	const char *text;

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
	json_object_object_add(obj, "certificate_check", json_check(check));
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	str_json_escape_controls(&line, text, strlen(text));
	puts(line.data);
	buf_free(&line);
	json_object_put(obj);
}

static void
print_text(const char *source, const struct acm_email *e,
    const struct policy_decision *decision,
    const struct verify_result *check)
{
	const struct ses_auth *a = &e->auth;
	char *name = str_escaped(source);

	printf("%s: %s\n", name, policy_action_name(decision->action));
	free(name);
	cli_print_field("ACM email:", e->is_acm ? "yes" : "no");
	cli_print_field("from:", e->from);
	cli_print_field("subject:", e->subject);
	cli_print_field("domain:", e->domain);
	cli_print_field("requested:", e->requested_domain);
	cli_print_field("account:", e->account_id);
	cli_print_field("region:", e->region);
	cli_print_field("certificate:", e->certificate_arn ? e->certificate_arn :
	    e->certificate_id);
	cli_print_field("approval host:", e->has_link ? e->link.host : NULL);
	cli_print_verdicts("verdicts:", a);
	cli_print_findings("problem:", &e->problems);
	if (check->code != NULL)
		printf("  %-15s %s\n", "certificate:",
		    verify_status_name(check->status));
	cli_print_findings("reason:", &decision->reasons);
	if (decision->certificate_check_needed)
		printf("  %-15s %s\n", "note:", "the ACM certificate check "
		    "did not run (verify-certificate)");
}

/* Returns 0, or the exit status of a source that could not be read. */
static int
inspect_source(struct inspect *in, struct cli *cli, const char *source)
{
	struct buf data = { 0 };
	struct acm_email email;
	struct policy_decision decision;
	struct verify_result check = { 0 };
	size_t size = 0;
	int status;

	status = cli_message_fetch(cli, source, in->limits.max_size, &data,
	    &size);
	if (status != 0) {
		buf_free(&data);
		return status;
	}
	/* A size over the limit is reported without reading data. */
	acm_email_parse(data.data ? data.data : "", size, &in->limits,
	    &email);
	policy_decide(&in->policy, &email, &decision);
	status = check_certificate(in, cli, &email, &decision, &check);
	if (in->json)
		print_json(source, &email, &decision, &check);
	else
		print_text(source, &email, &decision, &check);
	fflush(stdout);
	verify_result_free(&check);
	policy_decision_free(&decision);
	acm_email_free(&email);
	buf_free(&data);
	return status;
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
	return -1;
}

int
cmd_inspect(struct cli *cli, int argc, char **argv)
{
	struct inspect in = { 0 };
	const struct config *c = &cli->config;
	int status;

	status = parse_options(cli, &in, argc, argv);
	if (status >= 0)
		goto out;
	status = EXIT_USAGE;
	if (cli_load_config(cli) != 0 || cli_policy_build("inspect",
	    &in.flag_accounts, &in.flag_domains, c, &in.policy) != 0)
		goto out;
	in.limits.max_size = (size_t)c->max_message_size;
	in.limits.max_depth = (int)c->max_mime_depth;
	in.limits.max_parts = (int)c->max_mime_parts;
	in.setting = cli_verify_setting(c->verify_certificate);
	status = EXIT_DONE;
	for (int i = optind; i < argc; i++) {
		int source_status = inspect_source(&in, cli, argv[i]);

		if (source_status > status)
			status = source_status;
	}
out:
	if (in.verify_ready)
		verify_context_free(&in.verify);
	verify_result_free(&in.verify_failure);
	strlist_free(&in.flag_accounts);
	strlist_free(&in.flag_domains);
	policy_free(&in.policy);
	return status;
}
