#include "cli/cmd_infra.h"

#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "infra/lifecycle.h"
#include "infra/names.h"

enum {
	OPT_BUCKET = 2000,
	OPT_PREFIX,
	OPT_TOPIC,
	OPT_RULE_SET,
	OPT_RECIPIENTS,
	OPT_HOSTED_ZONE,
	OPT_REPLACE_MX,
	OPT_DRY_RUN,
	OPT_NO_WAIT,
	OPT_WAIT_TIMEOUT,
	OPT_EXPIRE_DAYS,
	OPT_DELETE_BUCKET,
	OPT_FORCE,
};

static const struct option setup_options[] = {
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "topic", required_argument, NULL, OPT_TOPIC },
	{ "rule-set", required_argument, NULL, OPT_RULE_SET },
	{ "recipients", required_argument, NULL, OPT_RECIPIENTS },
	{ "hosted-zone", required_argument, NULL, OPT_HOSTED_ZONE },
	{ "expire-days", required_argument, NULL, OPT_EXPIRE_DAYS },
	{ "replace-mx", no_argument, NULL, OPT_REPLACE_MX },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
	{ "wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

/* status takes the options that name resources, and nothing else. */
static const struct option status_options[] = {
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "topic", required_argument, NULL, OPT_TOPIC },
	{ "rule-set", required_argument, NULL, OPT_RULE_SET },
	{ "recipients", required_argument, NULL, OPT_RECIPIENTS },
	{ "hosted-zone", required_argument, NULL, OPT_HOSTED_ZONE },
	{ "expire-days", required_argument, NULL, OPT_EXPIRE_DAYS },
	{ NULL, 0, NULL, 0 },
};

static const struct option teardown_options[] = {
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "topic", required_argument, NULL, OPT_TOPIC },
	{ "rule-set", required_argument, NULL, OPT_RULE_SET },
	{ "hosted-zone", required_argument, NULL, OPT_HOSTED_ZONE },
	{ "delete-bucket", no_argument, NULL, OPT_DELETE_BUCKET },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ NULL, 0, NULL, 0 },
};

/* Option values as given, before validation. */
struct raw_options {
	const char *bucket;
	const char *prefix;
	const char *topic;
	const char *rule_set;
	const char *recipients;
	const char *hosted_zone;
	const char *wait_timeout;
	const char *expire_days;
	bool replace_mx;
	bool dry_run;
	bool no_wait;
	bool delete_bucket;
	bool force;
};

static void
take_option(struct raw_options *raw, int opt, const char *arg)
{
	switch (opt) {
	case OPT_BUCKET: raw->bucket = arg; break;
	case OPT_PREFIX: raw->prefix = arg; break;
	case OPT_TOPIC: raw->topic = arg; break;
	case OPT_RULE_SET: raw->rule_set = arg; break;
	case OPT_RECIPIENTS: raw->recipients = arg; break;
	case OPT_HOSTED_ZONE: raw->hosted_zone = arg; break;
	case OPT_WAIT_TIMEOUT: raw->wait_timeout = arg; break;
	case OPT_EXPIRE_DAYS: raw->expire_days = arg; break;
	case OPT_REPLACE_MX: raw->replace_mx = true; break;
	case OPT_DRY_RUN: raw->dry_run = true; break;
	case OPT_NO_WAIT: raw->no_wait = true; break;
	case OPT_DELETE_BUCKET: raw->delete_bucket = true; break;
	case OPT_FORCE: raw->force = true; break;
	default: break;
	}
}

/* Values that struct infra_options points into. */
struct validated {
	char *domain;
	char *prefix;
	char *hosted_zone;
	struct strlist recipients;
};

static void
validated_free(struct validated *v)
{
	free(v->domain);
	free(v->prefix);
	free(v->hosted_zone);
	strlist_free(&v->recipients);
}

/* Accepts "Z123" and "/hostedzone/Z123". */
static char *
zone_id(const char *arg)
{
	const char *slash = strrchr(arg, '/');
	const char *id = slash ? slash + 1 : arg;

	if (*id == '\0' || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789") != strlen(id))
		return NULL;
	return xstrdup(id);
}

static bool
valid_bucket(const char *name)
{
	size_t len = strlen(name);

	return len >= 3 && len <= 63 &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789.-") == len &&
	    name[0] != '.' && name[0] != '-' && name[len - 1] != '.' &&
	    name[len - 1] != '-';
}

static int
validate_names(struct cli *cli, const struct raw_options *raw,
    struct infra_options *opts)
{
	if (opts->bucket != NULL && !valid_bucket(opts->bucket))
		return cli_usage_error(cli, "invalid bucket name '%s': use 3 "
		    "to 63 lower-case letters, digits, '.' and '-'",
		    opts->bucket);
	if (!infra_valid_ses_name(opts->topic) || strchr(opts->topic, '.'))
		return cli_usage_error(cli, "invalid topic name '%s': use "
		    "letters, digits, '-' and '_'", opts->topic);
	if (opts->rule_set != NULL && !infra_valid_ses_name(opts->rule_set))
		return cli_usage_error(cli, "invalid rule set name '%s': use "
		    "up to 64 letters, digits, '_', '.' and '-', starting and "
		    "ending with a letter or digit", opts->rule_set);
	return 0;
}

static int
validate_numbers(struct cli *cli, const struct raw_options *raw,
    struct infra_options *opts)
{
	if (raw->wait_timeout != NULL && str_parse_long(raw->wait_timeout, 0,
	    86400, &opts->wait_timeout) != 0)
		return cli_usage_error(cli, "invalid --wait-timeout '%s': "
		    "expected seconds from 0 to 86400", raw->wait_timeout);
	if (raw->expire_days != NULL && str_parse_long(raw->expire_days, 1,
	    36500, &opts->expire_days) != 0)
		return cli_usage_error(cli, "invalid --expire-days '%s': "
		    "expected days from 1 to 36500", raw->expire_days);
	return 0;
}

/* Fills opts; returns 0 or the usage error's exit status. */
static int
build_options(struct cli *cli, const struct raw_options *raw,
    const char *domain_arg, struct validated *v, struct infra_options *opts)
{
	const struct config *c = &cli->config;
	const char *why = NULL;
	char *bad = NULL;
	int rc;

	v->domain = infra_domain_normalize(domain_arg, &why);
	if (v->domain == NULL)
		return cli_usage_error(cli, "invalid domain '%s': %s",
		    domain_arg, why);
	opts->domain = v->domain;
	opts->bucket = raw->bucket ? raw->bucket : c->bucket;
	opts->topic = raw->topic ? raw->topic : c->topic ? c->topic :
	    INFRA_DEFAULT_TOPIC;
	opts->rule_set = raw->rule_set ? raw->rule_set : c->rule_set;
	v->prefix = infra_normalize_prefix(raw->prefix ? raw->prefix :
	    c->prefix ? c->prefix : "acm-inbox/");
	if (v->prefix == NULL)
		return cli_usage_error(cli, "invalid prefix: it contains "
		    "control characters");
	if (strlen(v->prefix) > LIFECYCLE_PREFIX_MAX)
		return cli_usage_error(cli, "invalid prefix: longer than %zu "
		    "bytes, which S3's lifecycle rule IDs cannot hold",
		    (size_t)LIFECYCLE_PREFIX_MAX);
	opts->prefix = v->prefix;
	if (raw->hosted_zone != NULL &&
	    (v->hosted_zone = zone_id(raw->hosted_zone)) == NULL)
		return cli_usage_error(cli, "invalid --hosted-zone '%s': "
		    "expected an ID such as Z0123456789ABC", raw->hosted_zone);
	opts->hosted_zone = v->hosted_zone;
	if (raw->recipients != NULL && infra_parse_recipients(raw->recipients,
	    v->domain, &v->recipients, &bad) != 0) {
		rc = cli_usage_error(cli, "invalid recipient '%s': expected "
		    "addresses at %s or its subdomains, comma-separated", bad,
		    v->domain);
		free(bad);
		return rc;
	}
	opts->recipients = &v->recipients;
	opts->expire_days = INFRA_DEFAULT_EXPIRE_DAYS;
	opts->wait_timeout = INFRA_DEFAULT_WAIT_TIMEOUT;
	opts->replace_mx = raw->replace_mx;
	opts->dry_run = raw->dry_run;
	opts->wait = !raw->no_wait;
	opts->delete_bucket = raw->delete_bucket;
	opts->force = raw->force;
	if ((rc = validate_names(cli, raw, opts)) != 0)
		return rc;
	return validate_numbers(cli, raw, opts);
}

static int
exit_status(enum infra_result r)
{
	switch (r) {
	case INFRA_DONE:
		return EXIT_DONE;
	case INFRA_PROBLEM:
		return EXIT_HELD;
	case INFRA_CONFIG:
		return EXIT_USAGE;
	default:
		return EXIT_AWS;
	}
}

static int
run_with_client(struct cli *cli, const struct infra_options *opts,
    infra_command_fn fn)
{
	const struct config *c = &cli->config;
	struct aws_client_options copts = {
		.region = c->region,
		.profile = c->profile,
		.ca_bundle = c->ca_bundle,
		.connect_to = &cli->connect_to,
		.connect_timeout = c->connect_timeout,
		.request_timeout = c->request_timeout,
		.retries = (int)c->retries,
	};
	struct aws_client *client = aws_client_new(&copts);
	enum infra_result r;

	if (client == NULL)
		return EXIT_USAGE;
	r = fn(client, opts, stdout);
	aws_client_free(client);
	return exit_status(r);
}

int
cmd_infra_run(struct cli *cli, int argc, char **argv, int which,
    const char *usage, infra_command_fn fn)
{
	const struct option *longopts = which == INFRA_CMD_SETUP ?
	    setup_options : which == INFRA_CMD_STATUS ? status_options :
	    teardown_options;
	const struct cli_command_spec spec = { "", longopts, usage };
	struct raw_options raw = {0};
	struct infra_options opts = {0};
	struct validated v = {0};
	int opt, status = EXIT_USAGE;

	while ((opt = cli_getopt(cli, argc, argv, &spec, &status)) >= 0)
		take_option(&raw, opt, optarg);
	if (opt == CLI_GETOPT_EXIT)
		return status;
	if (optind != argc - 1)
		return cli_usage_error(cli, "expected one DOMAIN");
	if (cli_load_config(cli) != 0)
		return EXIT_USAGE;
	status = build_options(cli, &raw, argv[optind], &v, &opts);
	if (status == 0)
		status = run_with_client(cli, &opts, fn);
	validated_free(&v);
	return status;
}
