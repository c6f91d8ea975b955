/*
 * run: process every new message in the inbox (an S3 prefix, a local
 * directory or a Maildir), once or every --watch seconds, and print a
 * summary.  The work itself is in ingest/.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/message.h"
#include "ingest/notify.h"
#include "ingest/process.h"
#include "ingest/run.h"
#include "ingest/sns.h"
#include "ingest/store.h"
#include "ingest/store_s3.h"

static const char usage[] =
"Usage: acm-inbox run [--source s3|dir:PATH|maildir:PATH]\n"
"                     [--sns-message FILE|-] [--dry-run] [--max N]\n"
"                     [--watch SECONDS] [--jobs N] [--bucket NAME]\n"
"                     [--prefix PREFIX]\n"
"\n"
"Process every new message in the inbox: claim it, decide, approve the\n"
"requests the policy allows, write a result record and file the message\n"
"under approved/, held/, ignored/, expired/ or failed/.\n"
"\n"
"Options:\n"
"      --source SOURCE     s3 (default: the configured bucket and prefix),\n"
"                          dir:PATH (a local directory) or maildir:PATH\n"
"      --sns-message FILE  process only the object named by this SNS\n"
"                          notification (- reads standard input), after\n"
"                          checking its signature and topic\n"
"      --dry-run           decide and report; claim, approve, write and\n"
"                          move nothing\n"
"      --max N             process at most N messages\n"
"      --watch SECONDS     run again every SECONDS until SIGTERM or SIGINT\n"
"      --jobs N            process N messages at a time (default: config\n"
"                          jobs, else 1)\n"
"      --bucket NAME       S3 bucket (default: config bucket)\n"
"      --prefix PREFIX     key prefix (default: config prefix)\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 done (also when there was nothing to do), 1 a message\n"
"was held, failed or left in the inbox for a retry, 2 usage or\n"
"configuration error, 3 AWS or network failure before any message was\n"
"processed.\n";

enum {
	OPT_SOURCE = 1,
	OPT_SNS_MESSAGE,
	OPT_DRY_RUN,
	OPT_MAX,
	OPT_WATCH,
	OPT_JOBS,
	OPT_BUCKET,
	OPT_PREFIX,
};

static const struct option longopts[] = {
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "sns-message", required_argument, NULL, OPT_SNS_MESSAGE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "max", required_argument, NULL, OPT_MAX },
	{ "watch", required_argument, NULL, OPT_WATCH },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ NULL, 0, NULL, 0 },
};

/* Envelopes are small: SNS messages are limited to 256 KiB. */
#define SNS_MAX_MESSAGE (256 * 1024)

struct run_args {
	const char *source;
	const char *sns_message;
	bool dry_run;
	long max;
	long watch;
	long jobs;
	const char *bucket;
	const char *prefix;
};

static volatile sig_atomic_t stop_requested;

/* The AWS settings every thread's client is made from. */
static struct aws_client_options aws_opts;

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int
parse_number(struct cli *cli, const char *option, const char *value,
    long min, long max, long *out)
{
	if (str_parse_long(value, min, max, out) == 0)
		return 0;
	cli_usage_error(cli, "invalid %s '%s': expected an integer from %ld "
	    "to %ld", option, value, min, max);
	return -1;
}

/* Returns 0, 1 after --help, or -1 after a usage error (*status set). */
static int
parse_args(struct cli *cli, int argc, char **argv, struct run_args *a,
    int *status)
{
	const struct cli_command_spec spec = { "", longopts, usage };
	int opt, bad = 0;

	while ((opt = cli_getopt(cli, argc, argv, &spec, status)) >= 0) {
		switch (opt) {
		case OPT_SOURCE: a->source = optarg; break;
		case OPT_SNS_MESSAGE: a->sns_message = optarg; break;
		case OPT_DRY_RUN: a->dry_run = true; break;
		case OPT_BUCKET: a->bucket = optarg; break;
		case OPT_PREFIX: a->prefix = optarg; break;
		case OPT_MAX:
			bad |= parse_number(cli, "--max", optarg, 1,
			    1000000000, &a->max);
			break;
		case OPT_WATCH:
			bad |= parse_number(cli, "--watch", optarg, 1, 86400,
			    &a->watch);
			break;
		case OPT_JOBS:
			bad |= parse_number(cli, "--jobs", optarg, 1, 64,
			    &a->jobs);
			break;
		}
	}
	if (opt == CLI_GETOPT_EXIT)
		return *status == EXIT_DONE ? 1 : -1;
	if (bad == 0 && optind < argc) {
		cli_usage_error(cli, "unexpected argument '%s'", argv[optind]);
		bad = -1;
	}
	if (bad == 0 && a->sns_message != NULL && (a->watch != 0 ||
	    (a->source != NULL && strcmp(a->source, "s3") != 0))) {
		cli_usage_error(cli, "--sns-message works with the s3 source "
		    "only, and without --watch");
		bad = -1;
	}
	*status = EXIT_USAGE;
	return bad ? -1 : 0;
}

static int
build_process_config(struct cli *cli, struct ingest_process_config *pc,
    const char *save_dir)
{
	const struct config *c = &cli->config;
	struct strlist none = { 0 };

	if (cli_policy_build("run", &none, &none, c, &pc->policy) != 0)
		return -1;
	if (pc->policy.allow_accounts.count == 0)
		log_warn("run: no allow-account is configured, so every "
		    "validation request is held for a person");
	pc->limits.max_size = (size_t)c->max_message_size;
	pc->limits.max_depth = (int)c->max_mime_depth;
	pc->limits.max_parts = (int)c->max_mime_parts;
	pc->exchange.ca_bundle = c->ca_bundle;
	pc->exchange.connect_to = &cli->connect_to;
	pc->exchange.connect_timeout = c->connect_timeout;
	pc->exchange.request_timeout = c->request_timeout;
	pc->exchange.save_dir = save_dir;
	pc->verify = cli_verify_setting(c->verify_certificate);
	pc->aws = &aws_opts;
	return 0;
}

static void
set_aws_options(const struct cli *cli)
{
	const struct config *c = &cli->config;

	aws_opts.region = c->region;
	aws_opts.profile = c->profile;
	aws_opts.ca_bundle = c->ca_bundle;
	aws_opts.connect_to = &cli->connect_to;
	aws_opts.connect_timeout = c->connect_timeout;
	aws_opts.request_timeout = c->request_timeout;
	aws_opts.retries = (int)c->retries;
}

static struct store *
open_s3(struct cli *cli, const struct run_args *a)
{
	const struct config *c = &cli->config;
	const char *bucket = a->bucket ? a->bucket : c->bucket;
	const char *prefix = a->prefix ? a->prefix : c->prefix;

	if (bucket == NULL) {
		cli_usage_error(cli, "no bucket: set 'bucket' in the config "
		    "file or pass --bucket");
		return NULL;
	}
	return store_s3_open(&aws_opts, bucket, prefix);
}

/* Opens --source; NULL after reporting (a usage or AWS error). */
static struct store *
open_store(struct cli *cli, const struct run_args *a)
{
	const char *source = a->source ? a->source : "s3";

	if (str_starts_with(source, "dir:") && source[4] != '\0')
		return store_dir_open(source + 4);
	if (str_starts_with(source, "maildir:") && source[8] != '\0')
		return store_maildir_open(source + 8);
	if (strcmp(source, "s3") == 0)
		return open_s3(cli, a);
	cli_usage_error(cli, "invalid --source '%s': expected s3, dir:PATH "
	    "or maildir:PATH", source);
	return NULL;
}

static void
print_summary(const struct ingest_summary *sum, bool dry_run)
{
	static const enum ingest_outcome order[] = {
		INGEST_APPROVED, INGEST_HELD, INGEST_IGNORED, INGEST_EXPIRED,
		INGEST_FAILED, INGEST_RETRY, INGEST_BUSY,
	};
	bool quiet = log_verbosity() < 0;

	if (!quiet && sum->processed == 0) {
		printf("acm-inbox run: no new messages\n");
		return;
	}
	if (!quiet) {
		printf("acm-inbox run: %ld message%s%s:", sum->processed,
		    sum->processed == 1 ? "" : "s",
		    dry_run ? " (dry run: nothing changed)" : "");
		/* The five outcomes always; retry and busy when they occur. */
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			if (sum->counts[order[i]] > 0 || i < 5)
				printf("%s %ld %s", i ? "," : "",
				    sum->counts[order[i]],
				    ingest_outcome_name(order[i]));
		printf("\n");
	}
	for (size_t i = 0; i < sum->notable_count; i++) {
		const struct ingest_report *r = &sum->notable[i];

		printf("%-7s %s%s%s: %s\n", ingest_outcome_name(r->outcome),
		    r->id, r->domain ? " " : "", r->domain ? r->domain : "",
		    r->reason ? r->reason : "no reason recorded");
	}
}

static int
exit_status(const struct ingest_summary *sum, int pass_status)
{
	if (pass_status != 0 && sum->processed == 0)
		return EXIT_AWS;
	if (sum->counts[INGEST_HELD] || sum->counts[INGEST_FAILED] ||
	    sum->counts[INGEST_RETRY] || pass_status != 0)
		return EXIT_HELD;
	return EXIT_DONE;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* Sleeps up to seconds, returning early when a stop is requested. */
static void
wait_interval(long seconds)
{
	for (long i = 0; i < seconds * 10 && !stop_requested; i++) {
		struct timespec tenth = { 0, 100000000L };

		nanosleep(&tenth, NULL);
	}
}

/* Adds a pass's counts to the run's totals. */
static void
add_counts(struct ingest_summary *total, const struct ingest_summary *pass)
{
	for (int i = 0; i < INGEST_OUTCOME_COUNT; i++)
		total->counts[i] += pass->counts[i];
	total->processed += pass->processed;
}

/*
 * Runs one pass, or with --watch a pass every interval until a stop is
 * requested.  Each watch pass that processed something prints its own
 * summary and then forgets its messages, so memory stays bounded; total
 * keeps the counts for the exit status.  Returns -1 when a pass failed.
 */
static int
run_passes(struct store *s, struct ingest_run_options *o,
    const struct run_args *a, struct ingest_summary *total)
{
	int failed = 0;

	for (;;) {
		struct ingest_summary pass = { 0 };
		int status;

		if (a->max > 0)
			o->max = a->max - total->processed;
		status = ingest_run_pass(s, o, &pass);
		if (status != 0)
			failed = -1;
		if (a->watch ? pass.processed > 0 :
		    status == 0 || pass.processed > 0)
			print_summary(&pass, a->dry_run);
		add_counts(total, &pass);
		ingest_summary_free(&pass);
		if (a->watch == 0 || stop_requested)
			break;
		if (a->max > 0 && total->processed >= a->max)
			break;
		wait_interval(a->watch);
		if (stop_requested)
			break;
	}
	return failed;
}

/* mkdir -p: creates path and its missing parents. */
static int
make_dirs(const char *path)
{
	char *copy = xstrdup(path);
	int status = 0;

	for (char *p = copy + 1; *p && status == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST)
			status = -1;
		*p = '/';
	}
	if (status == 0 && mkdir(copy, 0700) != 0 && errno != EEXIST)
		status = -1;
	free(copy);
	return status;
}

/* Reads a notification from a file or standard input ("-"). */
static int
read_notification(const char *path, struct buf *out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char chunk[8192];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "acm-inbox run: cannot open %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	    out->len < SNS_MAX_MESSAGE)
		buf_append(out, chunk, n);
	if (f != stdin)
		fclose(f);
	if (out->len >= SNS_MAX_MESSAGE) {
		fprintf(stderr, "acm-inbox run: %s: larger than %d bytes, "
		    "which no SNS notification is\n", path, SNS_MAX_MESSAGE);
		return -1;
	}
	return 0;
}

/*
 * Verifies --sns-message and returns the inbox key it names (newly
 * allocated), or NULL with *status set.
 */
static char *
notification_key(struct cli *cli, const struct run_args *a,
    const char *state_dir, int *status)
{
	const struct config *c = &cli->config;
	struct sns_verify_options o = {
		c->topic, state_dir, c->ca_bundle, &cli->connect_to,
		c->connect_timeout, c->request_timeout,
	};
	const char *want = a->bucket ? a->bucket : c->bucket;
	struct buf json = { 0 };
	char *bucket = NULL, *key = NULL;
	int rc;

	*status = EXIT_USAGE;
	if (c->topic == NULL) {
		cli_usage_error(cli, "--sns-message needs 'topic' in the config "
		    "file, the topic SES notifies");
		goto out;
	}
	if (read_notification(a->sns_message, &json) != 0)
		goto out;
	rc = sns_notification_verify(json.data, json.len, &o, &bucket, &key);
	*status = rc == SNS_FETCH_FAILED ? EXIT_AWS : EXIT_HELD;
	if (rc == SNS_OK && want != NULL && strcmp(bucket, want) != 0) {
		log_error("sns: the notification names bucket %s, not the "
		    "configured %s", bucket, want);
		rc = SNS_REJECTED;
	}
	if (rc != SNS_OK) {
		free(key);
		key = NULL;
	}
out:
	free(bucket);
	buf_free(&json);
	return key;
}

struct run_setup {
	struct ingest_process_config process;
	struct ingest_processor processor;
	struct ingest_worker_options worker;
	struct ingest_run_options run;
	char *state_dir;
	char *worker_id;
	struct ingest_notifier *notifier;
};

static int
prepare(struct cli *cli, const struct run_args *a, struct run_setup *rs)
{
	const struct config *c = &cli->config;
	bool json_logs;

	rs->state_dir = cli_state_dir(cli);
	if (make_dirs(rs->state_dir) != 0)
		log_warn("run: cannot create the state directory %s: %s; "
		    "set state-dir", rs->state_dir, strerror(errno));
	set_aws_options(cli);
	if (build_process_config(cli, &rs->process, rs->state_dir) != 0)
		return -1;
	ingest_process_init(&rs->processor, &rs->process);
	rs->worker_id = ingest_worker_id_new();
	rs->worker.worker_id = rs->worker_id;
	rs->worker.lease_seconds = c->lease_seconds;
	rs->worker.max_attempts = c->max_attempts;
	rs->worker.link_max_age = c->link_max_age;
	rs->worker.max_message_size = (size_t)c->max_message_size;
	rs->worker.dry_run = a->dry_run;
	/* An approval exchange is a GET and a POST, each up to the timeout. */
	if (c->lease_seconds <= 2 * c->request_timeout)
		log_warn("run: lease-seconds (%ld) should exceed twice "
		    "request-timeout (%ld), or a slow approval may outlive its "
		    "lease", c->lease_seconds, c->request_timeout);
	rs->run.worker = &rs->worker;
	rs->run.processor = &rs->processor;
	rs->run.jobs = a->jobs ? a->jobs : c->jobs;
	rs->run.max = a->max;
	json_logs = cli->log_format >= 0 ? cli->log_format == LOG_FORMAT_JSON :
	    c->log_format == LOG_FORMAT_JSON;
	rs->run.progress = isatty(STDERR_FILENO) && log_verbosity() >= 0 &&
	    !json_logs;
	rs->run.stop = &stop_requested;
	if (c->notify_topic != NULL && !a->dry_run) {
		rs->notifier = ingest_notifier_new(&aws_opts, c->notify_topic);
		if (rs->notifier == NULL)
			return -1;
		rs->worker.notify = ingest_notifier_send;
		rs->worker.notify_arg = rs->notifier;
	}
	return 0;
}

static void
release_setup(struct run_setup *rs)
{
	policy_free(&rs->process.policy);
	free(rs->state_dir);
	free(rs->worker_id);
	ingest_notifier_free(rs->notifier);
}

int
cmd_run(struct cli *cli, int argc, char **argv)
{
	struct run_args args = { 0 };
	struct run_setup rs;
	struct ingest_summary sum = { 0 };
	struct store *store = NULL;
	char *sns_key = NULL;
	int status = EXIT_USAGE, parsed;

	memset(&rs, 0, sizeof(rs));
	parsed = parse_args(cli, argc, argv, &args, &status);
	if (parsed != 0)
		return parsed > 0 ? EXIT_DONE : status;
	if (cli_load_config(cli) != 0 || prepare(cli, &args, &rs) != 0)
		goto out;
	if (args.sns_message != NULL) {
		sns_key = notification_key(cli, &args, rs.state_dir, &status);
		if (sns_key == NULL)
			goto out;
		rs.run.only = sns_key;
	}
	status = EXIT_USAGE;
	store = open_store(cli, &args);
	if (store == NULL)
		goto out;
	install_signals();
	status = exit_status(&sum, run_passes(store, &rs.run, &args, &sum));
out:
	free(sns_key);
	store_free(store);
	ingest_summary_free(&sum);
	release_setup(&rs);
	return status;
}
