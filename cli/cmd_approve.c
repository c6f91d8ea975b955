/*
 * approve: read one message, show the request, apply the policy and,
 * when it passes (or --force overrides it), run the approval exchange.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "approve/exchange.h"
#include "approve/policy.h"
#include "approve/verify.h"
#include "cli/cli.h"
#include "cli/message.h"
#include "parse/acm.h"

static const char usage[] =
"Usage: acm-inbox approve [--dry-run] [--force] SOURCE\n"
"\n"
"Read one message, show the certificate request in it, apply the policy\n"
"and, when the policy allows it, approve the request on the approval\n"
"page.  Unless verify-certificate is no, the policy includes asking ACM\n"
"whether the certificate waits for validation of the domain.  SOURCE is\n"
"a file, - for standard input, or s3://BUCKET/KEY.\n"
"\n"
"Options:\n"
"      --dry-run   load the approval page and show the form, but do not\n"
"                  submit it\n"
"      --force     approve even when the policy would hold the request;\n"
"                  the approval link is still checked, and the override\n"
"                  is logged\n"
"  -h, --help      show this help\n"
"\n"
"Exit status: 0 approved or already approved (or a dry run that found\n"
"the form); 1 held, expired, unknown, failed or unexpected; 2 usage or\n"
"configuration error; 3 AWS or network failure before the approval was\n"
"sent, the certificate check included.\n";

enum {
	OPT_DRY_RUN = 1,
	OPT_FORCE,
};

static const struct option longopts[] = {
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ NULL, 0, NULL, 0 },
};

struct approve_command {
	bool dry_run;
	bool force;
	const char *source;
	struct policy policy;
	struct acm_email email;
	struct policy_decision decision;
	bool checked;		/* the ACM check ran: see check */
	struct verify_result check;
};

/* Prints the request and the policy's decision; never the link's code. */
static void
print_request(const struct approve_command *ac)
{
	const struct acm_email *e = &ac->email;
	const struct ses_auth *a = &e->auth;
	char *source = str_escaped(ac->source);

	printf("%s: %s\n", source, policy_action_name(ac->decision.action));
	free(source);
	cli_print_field("domain:", e->domain);
	cli_print_field("account:", e->account_id);
	cli_print_field("region:", e->region);
	cli_print_field("certificate:", e->certificate_arn != NULL ?
	    e->certificate_arn : e->certificate_id);
	cli_print_field("from:", e->from);
	cli_print_field("approval host:", e->has_link ? e->link.host : NULL);
	cli_print_verdicts("sender checks:", a);
	cli_print_findings("problem:", &e->problems);
	cli_print_findings("reason:", &ac->decision.reasons);
	/* The check's text has its untrusted values escaped already. */
	if (ac->checked && ac->check.status == VERIFY_VERIFIED)
		printf("  %-15s %s\n", "checked:", ac->check.text);
	else if (ac->decision.certificate_check_needed)
		printf("  %-15s %s\n", "note:", ac->checked ?
		    ac->check.text : "the certificate was not checked with "
		    "ACM DescribeCertificate");
}

/* Joins the decision's reason codes for one log line. */
static char *
reason_codes(const struct findings *reasons)
{
	struct buf codes = {0};

	for (size_t i = 0; i < reasons->count; i++)
		buf_printf(&codes, "%s%s", i > 0 ? ", " : "",
		    reasons->items[i].code);
	if (codes.data == NULL)
		buf_append_str(&codes, "none");
	return buf_steal(&codes);
}

/*
 * Returns true when the request may go to the approval page: the policy
 * approves it, or --force overrides a hold.  A missing or invalid
 * approval link is never overridden.
 */
static bool
approve_allowed(const struct approve_command *ac)
{
	char *codes;

	if (!ac->email.has_link) {
		printf("held: the message has no valid approval link; "
		    "--force does not override this\n");
		return false;
	}
	if (ac->decision.action == POLICY_APPROVE)
		return true;

	codes = reason_codes(&ac->decision.reasons);
	if (!ac->force) {
		printf("held: %s; see the reasons above\n",
		    ac->checked && ac->check.status == VERIFY_ERROR ?
		    "the certificate could not be checked with ACM" :
		    "the policy does not allow this request");
		free(codes);
		return false;
	}
	log_warn("approve: --force: approving %s for account %s despite: %s",
	    ac->email.domain != NULL ? ac->email.domain : "(no domain)",
	    ac->email.account_id != NULL ? ac->email.account_id :
	    "(no account)", codes);
	free(codes);
	return true;
}

/* Returns the state directory, created when missing, or NULL. */
static char *
state_dir_prepare(const struct cli *cli)
{
	char *dir = cli_state_dir(cli);

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_warn("approve: cannot create the state directory %s: %s; "
		    "unexpected pages will not be saved", dir,
		    strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

static int
exit_status(const struct approve_outcome *outcome)
{
	switch (outcome->result) {
	case APPROVE_APPROVED:
	case APPROVE_ALREADY_APPROVED:
	case APPROVE_DRY_RUN:
		return EXIT_DONE;
	case APPROVE_FAILED:
		return outcome->submitted ? EXIT_HELD : EXIT_AWS;
	default:
		return EXIT_HELD;
	}
}

static int
run_exchange(struct approve_command *ac, struct cli *cli)
{
	struct approve_exchange_options opts = {0};
	struct approve_outcome outcome;
	char *state_dir = state_dir_prepare(cli);
	int status;

	opts.ca_bundle = cli->config.ca_bundle;
	opts.connect_to = &cli->connect_to;
	opts.connect_timeout = cli->config.connect_timeout;
	opts.request_timeout = cli->config.request_timeout;
	opts.save_dir = state_dir;
	opts.dry_run = ac->dry_run;

	approve_exchange_run(ac->email.link.url, &opts, &outcome);
	printf("result: %s: %s\n", approve_result_name(outcome.result),
	    outcome.detail);
	if (outcome.saved_page != NULL)
		printf("saved page: %s\n", outcome.saved_page);
	status = exit_status(&outcome);
	approve_outcome_free(&outcome);
	free(state_dir);
	return status;
}

static int
parse_options(struct cli *cli, struct approve_command *ac, int argc,
    char **argv)
{
	const struct cli_command_spec spec = { "", longopts, usage };
	int opt, status = EXIT_USAGE;

	while ((opt = cli_getopt(cli, argc, argv, &spec, &status)) >= 0) {
		if (opt == OPT_DRY_RUN)
			ac->dry_run = true;
		else if (opt == OPT_FORCE)
			ac->force = true;
	}
	if (opt == CLI_GETOPT_EXIT)
		return status;
	if (optind >= argc)
		return cli_usage_error(cli, "missing SOURCE");
	if (optind + 1 < argc)
		return cli_usage_error(cli, "one SOURCE at a time, not %d",
		    argc - optind);
	ac->source = argv[optind];
	return -1;
}

/*
 * Runs the ACM certificate check on a request the policy approves,
 * unless verify-certificate is no, and folds its result into the
 * decision.  Returns 0, or EXIT_AWS when no AWS client can be created.
 */
static int
check_certificate(struct approve_command *ac, struct cli *cli)
{
	enum verify_setting setting =
	    cli_verify_setting(cli->config.verify_certificate);
	struct verify_context ctx;
	struct aws_client *client;

	if (!ac->decision.certificate_check_needed ||
	    setting == VERIFY_SETTING_NO)
		return 0;
	client = cli_aws_client(cli);
	if (client == NULL)
		return EXIT_AWS;
	verify_context_init(&ctx, client, setting);
	verify_certificate(&ctx, &ac->email, &ac->check);
	verify_context_free(&ctx);
	ac->checked = true;
	verify_apply(&ac->check, &ac->decision);
	return 0;
}

/* Reads, parses and decides; returns 0 or an exit status. */
static int
load_request(struct approve_command *ac, struct cli *cli)
{
	const struct config *c = &cli->config;
	struct mail_limits limits = {
		.max_size = (size_t)c->max_message_size,
		.max_depth = (int)c->max_mime_depth,
		.max_parts = (int)c->max_mime_parts,
	};
	struct strlist none = {0};
	struct buf data = {0};
	size_t size = 0;
	int status;

	if (cli_policy_build("approve", &none, &none, c, &ac->policy) != 0)
		return EXIT_USAGE;
	status = cli_message_fetch(cli, ac->source, limits.max_size, &data,
	    &size);
	if (status != 0)
		return status;
	acm_email_parse(data.data != NULL ? data.data : "", size, &limits,
	    &ac->email);
	buf_free(&data);
	if (ac->email.has_link) {
		log_add_secret(ac->email.link.code);
		log_add_secret(ac->email.link.context);
	}
	policy_decide(&ac->policy, &ac->email, &ac->decision);
	return check_certificate(ac, cli);
}

int
cmd_approve(struct cli *cli, int argc, char **argv)
{
	struct approve_command ac = {0};
	int status;

	status = parse_options(cli, &ac, argc, argv);
	if (status >= 0)
		return status;
	if (cli_load_config(cli) != 0)
		return EXIT_USAGE;

	status = load_request(&ac, cli);
	if (status != 0)
		goto out;
	print_request(&ac);
	fflush(stdout);
	/* ACM or STS failed: the request may pass once AWS responds. */
	status = ac.checked && ac.check.status == VERIFY_ERROR ?
	    EXIT_AWS : EXIT_HELD;
	if (approve_allowed(&ac))
		status = run_exchange(&ac, cli);
out:
	verify_result_free(&ac.check);
	policy_decision_free(&ac.decision);
	acm_email_free(&ac.email);
	policy_free(&ac.policy);
	return status;
}
