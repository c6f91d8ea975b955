/*
 * The run loop's state machine on the local directory and Maildir stores,
 * with a fake processor: a message's first line says what to decide
 * ("approve", "hold", "ignore", "transient", "steal"), and approvals are
 * appended to a log file, answering "already approved" the second time as
 * AWS's approval page does.  Crashes are real: a child process runs the
 * pass with ACM_INBOX_TEST_CRASH_AT set and dies by SIGKILL.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "ingest/run.h"
#include "ingest/store.h"
#include "ingest/worker.h"
#include "tests/unit/tap.h"

#define LEASE 300

struct fake {
	char *approvals;	/* log of approved ids */
	char *last_id;
	char mode[32];		/* "approve MODE": how the site behaves */
	int approve_calls;
};

static char *
log_path(const char *root)
{
	return xasprintf("%s.approvals", root);
}

static void *
fake_open(void *arg)
{
	struct fake *f = xcalloc(1, sizeof(*f));

	f->approvals = log_path(arg);
	return f;
}

static void
fake_close(void *ctx)
{
	struct fake *f = ctx;

	free(f->approvals);
	free(f->last_id);
	free(f);
}

/* Rewrites the claim so that the worker's renewal finds a new version. */
static void
steal_claim(const char *root, const char *id)
{
	char *path = xasprintf("%s/claims/%s", root, id);
	char *tmp = xasprintf("%s.new", path);
	FILE *f = fopen(tmp, "w");

	fprintf(f, "{\"worker\": \"thief\", \"lease_expires\": %lld}\n",
	    (long long)time(NULL) + 10000);
	fclose(f);
	rename(tmp, path);
	free(tmp);
	free(path);
}

static const char *test_root;

static int
fake_decide(void *ctx, const struct store_entry *e, const struct buf *msg,
    struct ingest_decision *out)
{
	struct fake *f = ctx;

	free(f->last_id);
	f->last_id = xstrdup(e->id);
	f->mode[0] = '\0';
	out->domain = xstrdup("www.example.com");
	if (str_starts_with(msg->data, "transient"))
		return -1;
	if (str_starts_with(msg->data, "approve")) {
		out->action = INGEST_ACTION_APPROVE;
		sscanf(msg->data, "approve %31s", f->mode);
	} else if (str_starts_with(msg->data, "steal")) {
		out->action = INGEST_ACTION_APPROVE;
		steal_claim(test_root, e->id);
	} else if (str_starts_with(msg->data, "hold")) {
		out->action = INGEST_ACTION_HOLD;
		strlist_add(&out->reasons, "account 999999999999 not allowed");
	} else {
		out->action = INGEST_ACTION_IGNORE;
		strlist_add(&out->reasons, "not an ACM validation email");
	}
	return 0;
}

static bool
log_has(const char *path, const char *id)
{
	FILE *f = fopen(path, "r");
	char line[512];
	bool found = false;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, id) == 0)
			found = true;
	}
	fclose(f);
	return found;
}

static int
fake_approve(void *ctx, struct ingest_approval_result *out)
{
	struct fake *f = ctx;
	FILE *log;

	f->approve_calls++;
	out->http_status = 200;
	if (strcmp(f->mode, "expired") == 0) {
		out->outcome = INGEST_APPROVAL_EXPIRED;
		out->http_status = 400;
		return 0;
	}
	if (strcmp(f->mode, "unknown") == 0) {
		out->outcome = INGEST_APPROVAL_UNKNOWN;
		out->http_status = 404;
		return 0;
	}
	if (strcmp(f->mode, "down") == 0) {
		out->outcome = INGEST_APPROVAL_FAILED;
		out->http_status = 0;
		out->detail = xstrdup("connection refused");
		return 0;
	}
	if (log_has(f->approvals, f->last_id)) {
		out->outcome = INGEST_APPROVAL_ALREADY;
		return 0;
	}
	log = fopen(f->approvals, "a");
	fprintf(log, "%s\n", f->last_id);
	fclose(log);
	out->outcome = INGEST_APPROVAL_APPROVED;
	return 0;
}

static struct ingest_processor processor = {
	fake_open, fake_decide, fake_approve, fake_close, NULL,
};

static struct ingest_worker_options worker_opts = {
	.worker_id = "test:1:0",
	.lease_seconds = LEASE,
	.max_attempts = 3,
	.link_max_age = 72 * 3600,
	.max_message_size = 4096,
};

static char *
make_root(void)
{
	char *root = xstrdup("/tmp/test-ingest-XXXXXX");

	if (mkdtemp(root) == NULL)
		abort();
	test_root = root;
	processor.arg = root;
	return root;
}

static void
put_message(const char *dir, const char *name, const char *body)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	fputs(body, f);
	fclose(f);
	free(path);
}

static bool
exists(const char *root, const char *sub, const char *name)
{
	char *path = xasprintf("%s/%s/%s", root, sub, name);
	bool found = access(path, F_OK) == 0;

	free(path);
	return found;
}

static int
count_files(const char *root, const char *sub)
{
	char *path = xasprintf("%s/%s", root, sub);
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	free(path);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && de->d_type == DT_REG)
			n++;
	closedir(d);
	return n;
}

static int
count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int
run_pass(struct store *s, long jobs, struct ingest_summary *sum)
{
	struct ingest_run_options o = {
		.worker = &worker_opts, .processor = &processor, .jobs = jobs,
	};

	return ingest_run_pass(s, &o, sum);
}

static int
run_dir_pass(const char *root, long jobs, struct ingest_summary *sum)
{
	struct store *s = store_dir_open(root);
	int status = s ? run_pass(s, jobs, sum) : -1;

	store_free(s);
	return status;
}

static void
remove_tree(const char *root)
{
	char *cmd = xasprintf("rm -rf '%s' '%s.approvals' '%s.acm-inbox'",
	    root, root, root);

	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
	free(cmd);
}

static void
test_mixed_inbox(void)
{
	char *root = make_root();
	struct ingest_summary sum = { 0 };
	char *approvals = log_path(root);
	struct buf record = { 0 };
	struct store *s;

	put_message(root, "m-approve", "approve\n");
	put_message(root, "m-hold", "hold\n");
	put_message(root, "m-ignore", "ignore\n");
	is_int(run_dir_pass(root, 1, &sum), 0, "mixed: pass succeeds");
	ok(exists(root, "approved", "m-approve"), "mixed: approved filed");
	ok(exists(root, "held", "m-hold"), "mixed: held filed");
	ok(exists(root, "ignored", "m-ignore"), "mixed: ignored filed");
	is_int(count_files(root, "."), 0, "mixed: inbox empty");
	is_int(count_files(root, "claims"), 0, "mixed: no claim left");
	is_int(count_files(root, "results"), 3, "mixed: three records");
	is_int(count_lines(approvals), 1, "mixed: one approval sent");
	is_int(sum.counts[INGEST_APPROVED], 1, "mixed: approved counted");
	is_int(sum.counts[INGEST_HELD], 1, "mixed: held counted");
	is_int(sum.notable_count, 1, "mixed: held listed");
	if (sum.notable_count == 1)
		is_str(sum.notable[0].reason,
		    "account 999999999999 not allowed", "mixed: held reason");

	s = store_dir_open(root);
	is_int(store_result_read(s, "m-approve", &record), STORE_OK,
	    "mixed: record readable");
	ok(strstr(record.data, "\"outcome\":\"approved\"") != NULL ||
	    strstr(record.data, "\"outcome\": \"approved\"") != NULL,
	    "mixed: record has outcome");
	ok(strstr(record.data, "\"http_status\"") != NULL,
	    "mixed: record has approval status");
	store_free(s);
	buf_free(&record);
	ingest_summary_free(&sum);
	free(approvals);
	remove_tree(root);
	free(root);
}

static const char *const crash_steps[] = {
	"after-claim", "after-renew", "after-approval", "after-result",
	"after-file", "after-delete-claim",
};

/* Runs one pass in a child that crashes at step; returns how it ended. */
static int
crash_pass(const char *root, const char *step)
{
	pid_t pid = fork();
	int wstatus;

	if (pid == 0) {
		struct ingest_summary sum = { 0 };

		setenv("ACM_INBOX_TEST_CRASH_AT", step, 1);
		run_dir_pass(root, 1, &sum);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &wstatus, 0) != pid)
		return -1;
	return WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
}

static void
check_crash_at(const char *step)
{
	char *root = make_root();
	char *approvals = log_path(root);
	char offset[32];
	struct ingest_summary sum = { 0 };

	put_message(root, "a1", "approve\n");
	put_message(root, "h1", "hold\n");
	put_message(root, "i1", "ignore\n");
	is_int(crash_pass(root, step), SIGKILL, "crash %s: worker killed",
	    step);
	/* A message that arrives meanwhile makes the re-run sweep claims. */
	put_message(root, "late", "ignore\n");
	/* One second more than the lease: a file's mtime comes from a
	 * finer clock than time(2) and may lead it across a second. */
	snprintf(offset, sizeof(offset), "%d", LEASE + 2);
	setenv("ACM_INBOX_TEST_TIME_OFFSET", offset, 1);
	is_int(run_dir_pass(root, 1, &sum), 0, "crash %s: re-run succeeds",
	    step);
	unsetenv("ACM_INBOX_TEST_TIME_OFFSET");
	is_int(count_files(root, "."), 0, "crash %s: inbox empty", step);
	ok(exists(root, "approved", "a1") && !exists(root, "held", "a1"),
	    "crash %s: approved once filed", step);
	ok(exists(root, "held", "h1"), "crash %s: held filed", step);
	ok(exists(root, "ignored", "i1"), "crash %s: ignored filed", step);
	is_int(count_lines(approvals), 1, "crash %s: one approval", step);
	is_int(count_files(root, "results"), 4, "crash %s: four records",
	    step);
	is_int(count_files(root, "claims"), 0, "crash %s: no claim left",
	    step);
	ingest_summary_free(&sum);
	free(approvals);
	remove_tree(root);
	free(root);
}

static void
test_crashes(void)
{
	for (size_t i = 0; i < sizeof(crash_steps) / sizeof(crash_steps[0]);
	    i++)
		check_crash_at(crash_steps[i]);
}

static void
write_claim_by(const char *root, const char *id, const char *worker,
    long long lease, int tries)
{
	char *path = xasprintf("%s/claims/%s", root, id);
	FILE *f = fopen(path, "w");

	fprintf(f, "{\"worker\": \"%s\", \"lease_expires\": %lld, "
	    "\"attempts\": %d}\n", worker, lease, tries);
	fclose(f);
	free(path);
}

static void
write_claim(const char *root, const char *id, long long lease, int tries)
{
	char *path = xasprintf("%s/claims/%s", root, id);
	FILE *f = fopen(path, "w");

	fprintf(f, "{\"worker\": \"other:1:0\", \"lease_expires\": %lld, "
	    "\"attempts\": %d}\n", lease, tries);
	fclose(f);
	free(path);
}

static void
test_claims(void)
{
	char *root = make_root();
	struct ingest_summary sum = { 0 };
	struct store *s = store_dir_open(root);
	struct buf record = { 0 };

	put_message(root, "busy", "hold\n");
	put_message(root, "stale", "hold\n");
	put_message(root, "own", "hold\n");
	write_claim_by(root, "own", worker_opts.worker_id,
	    (long long)time(NULL) + 100, 0);
	write_claim(root, "busy", (long long)time(NULL) + 100, 0);
	write_claim(root, "stale", (long long)time(NULL) - 100, 1);
	is_int(run_pass(s, 1, &sum), 0, "claims: pass succeeds");
	is_int(sum.counts[INGEST_BUSY], 1, "claims: fresh claim respected");
	ok(exists(root, ".", "busy"), "claims: busy message stays");
	ok(exists(root, "claims", "busy"), "claims: busy claim stays");
	ok(exists(root, "held", "stale"), "claims: stale claim taken over");
	ok(exists(root, "held", "own"), "claims: own lost claim reused");
	is_int(store_result_read(s, "stale", &record), STORE_OK,
	    "claims: taken-over record written");
	ok(strstr(record.data, "\"attempts\": 3") != NULL ||
	    strstr(record.data, "\"attempts\":3") != NULL,
	    "claims: crashed attempt counted");
	buf_free(&record);
	ingest_summary_free(&sum);
	store_free(s);
	remove_tree(root);
	free(root);
}

static long
claim_attempts(const char *root, const char *id)
{
	char *path = xasprintf("%s/claims/%s", root, id);
	FILE *f = fopen(path, "r");
	char text[1024] = "";
	const char *p;

	free(path);
	if (f == NULL)
		return -1;
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	p = strstr(text, "\"attempts\"");
	return p ? strtol(p + strcspn(p, "0123456789"), NULL, 10) : -1;
}

static void
test_attempts(void)
{
	char *root = make_root();
	struct store *s = store_dir_open(root);

	put_message(root, "flaky", "transient\n");
	for (long pass = 1; pass < worker_opts.max_attempts; pass++) {
		struct ingest_summary sum = { 0 };

		run_pass(s, 1, &sum);
		is_int(sum.counts[INGEST_RETRY], 1, "attempts: pass %ld retries",
		    pass);
		ok(exists(root, ".", "flaky"), "attempts: pass %ld leaves it",
		    pass);
		is_int(claim_attempts(root, "flaky"), pass,
		    "attempts: pass %ld counted", pass);
		ingest_summary_free(&sum);
	}
	{
		struct ingest_summary sum = { 0 };

		run_pass(s, 1, &sum);
		is_int(sum.counts[INGEST_FAILED], 1, "attempts: last fails");
		ok(exists(root, "failed", "flaky"), "attempts: filed failed");
		ok(!exists(root, "claims", "flaky"), "attempts: claim gone");
		ok(exists(root, "results", "flaky.json"), "attempts: record");
		if (sum.notable_count == 1)
			ok(strstr(sum.notable[0].reason, "gave up after 3") !=
			    NULL, "attempts: reason says gave up");
		ingest_summary_free(&sum);
	}
	store_free(s);
	remove_tree(root);
	free(root);
}

static void
test_expired_link(void)
{
	char *root = make_root();
	char *path = xasprintf("%s/old", root);
	char *approvals = log_path(root);
	struct timeval times[2] = { { time(NULL) - 80 * 3600, 0 },
	    { time(NULL) - 80 * 3600, 0 } };
	struct ingest_summary sum = { 0 };

	put_message(root, "old", "approve\n");
	utimes(path, times);
	run_dir_pass(root, 1, &sum);
	ok(exists(root, "expired", "old"), "expiry: filed expired");
	is_int(count_lines(approvals), 0, "expiry: no approval sent");
	ingest_summary_free(&sum);
	free(approvals);
	free(path);
	remove_tree(root);
	free(root);
}

static void
test_lost_claim(void)
{
	char *root = make_root();
	char *approvals = log_path(root);
	struct ingest_summary sum = { 0 };

	put_message(root, "stolen", "steal\n");
	run_dir_pass(root, 1, &sum);
	is_int(sum.counts[INGEST_BUSY], 1, "lost claim: reported busy");
	is_int(count_lines(approvals), 0, "lost claim: no approval sent");
	ok(exists(root, ".", "stolen"), "lost claim: message stays");
	ingest_summary_free(&sum);
	free(approvals);
	remove_tree(root);
	free(root);
}

static void
test_dry_run(void)
{
	char *root = make_root();
	char *approvals = log_path(root);
	struct ingest_summary sum = { 0 };

	worker_opts.dry_run = true;
	put_message(root, "a", "approve\n");
	put_message(root, "h", "hold\n");
	run_dir_pass(root, 1, &sum);
	worker_opts.dry_run = false;
	is_int(sum.counts[INGEST_APPROVED], 1, "dry run: would approve");
	is_int(sum.counts[INGEST_HELD], 1, "dry run: would hold");
	is_int(count_files(root, "."), 2, "dry run: inbox unchanged");
	is_int(count_files(root, "claims"), 0, "dry run: no claim");
	is_int(count_files(root, "results"), 0, "dry run: no record");
	is_int(count_lines(approvals), 0, "dry run: no approval");
	ingest_summary_free(&sum);
	free(approvals);
	remove_tree(root);
	free(root);
}

static void
test_too_large(void)
{
	char *root = make_root();
	struct ingest_summary sum = { 0 };
	char *big = xcalloc(1, 8192);

	memset(big, 'x', 8191);
	memcpy(big, "approve\n", 8);
	put_message(root, "big", big);
	run_dir_pass(root, 1, &sum);
	ok(exists(root, "held", "big"), "size limit: held");
	if (sum.notable_count == 1)
		ok(strstr(sum.notable[0].reason, "max-message-size") != NULL,
		    "size limit: reason names the setting");
	ingest_summary_free(&sum);
	free(big);
	remove_tree(root);
	free(root);
}

static void
test_maildir(void)
{
	char *root = make_root();
	char *sub;
	struct store *s;
	struct ingest_summary sum = { 0 };

	ok(store_maildir_open(root) == NULL, "maildir: plain folder refused");
	for (int i = 0; i < 3; i++) {
		sub = xasprintf("%s/%s", root, (const char *[]){ "new", "cur",
		    "tmp" }[i]);
		mkdir(sub, 0700);
		free(sub);
	}
	sub = xasprintf("%s/new", root);
	put_message(sub, "1700000000.1.host", "approve\n");
	free(sub);
	sub = xasprintf("%s/cur", root);
	put_message(sub, "1700000000.2.host:2,S", "hold\n");
	free(sub);
	s = store_maildir_open(root);
	ok(s != NULL, "maildir: opens");
	if (s == NULL)
		goto out;
	run_pass(s, 1, &sum);
	ok(exists(root, ".approved/new", "1700000000.1.host"),
	    "maildir: approved into subfolder");
	ok(exists(root, ".held/cur", "1700000000.2.host:2,S"),
	    "maildir: held keeps flags");
	sub = xasprintf("%s.acm-inbox", root);
	ok(exists(sub, "results", "1700000000.2.host.json"),
	    "maildir: record in sibling folder");
	is_int(count_files(sub, "claims"), 0, "maildir: no claim left");
	free(sub);
	store_free(s);
out:
	ingest_summary_free(&sum);
	remove_tree(root);
	free(root);
}

static void
test_claim_versions(void)
{
	char *root = make_root();
	struct store *s = store_dir_open(root);
	struct buf body = { 0 };
	char *v1 = NULL, *v2 = NULL, *v3 = NULL;

	is_int(store_claim_create(s, "x", "one", &v1), STORE_OK,
	    "claim: created");
	is_int(store_claim_create(s, "x", "two", &v2), STORE_CONFLICT,
	    "claim: second create conflicts");
	free(v2);
	is_int(store_claim_read(s, "x", &body, &v2), STORE_OK, "claim: read");
	is_str(body.data, "one", "claim: body read back");
	is_str(v2, v1, "claim: read version matches create");
	is_int(store_claim_replace(s, "x", "three", v1, &v3), STORE_OK,
	    "claim: replaced with current version");
	is_int(store_claim_replace(s, "x", "four", v1, NULL), STORE_CONFLICT,
	    "claim: old version conflicts");
	is_int(store_claim_delete(s, "x"), STORE_OK, "claim: deleted");
	free(v2);
	is_int(store_claim_replace(s, "x", "five", v3, NULL), STORE_CONFLICT,
	    "claim: replacing a deleted claim conflicts");
	is_int(store_claim_read(s, "x", &body, &v2), STORE_NOT_FOUND,
	    "claim: gone");
	free(v1);
	free(v2);
	free(v3);
	buf_free(&body);
	store_free(s);
	remove_tree(root);
	free(root);
}

static void
test_concurrent(void)
{
	char *root = make_root();
	char *approvals = log_path(root);
	struct ingest_summary sum = { 0 };
	pid_t pids[3];

	for (int i = 0; i < 200; i++) {
		char name[32];

		snprintf(name, sizeof(name), "m%03d", i);
		put_message(root, name, i % 10 == 0 ? "approve\n" : "hold\n");
	}
	for (int i = 0; i < 3; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct ingest_summary child = { 0 };

			worker_opts.worker_id = xasprintf("test:%d:0",
			    (int)getpid());
			run_dir_pass(root, 2, &child);
			_exit(0);
		}
	}
	run_dir_pass(root, 2, &sum);
	for (int i = 0; i < 3; i++)
		waitpid(pids[i], NULL, 0);
	is_int(count_files(root, "."), 0, "concurrent: inbox empty");
	is_int(count_files(root, "approved"), 20, "concurrent: 20 approved");
	is_int(count_files(root, "held"), 180, "concurrent: 180 held");
	is_int(count_files(root, "results"), 200, "concurrent: 200 records");
	is_int(count_files(root, "claims"), 0, "concurrent: no claims");
	is_int(count_lines(approvals), 20, "concurrent: one approval each");
	ingest_summary_free(&sum);
	free(approvals);
	remove_tree(root);
	free(root);
}

static int notified[INGEST_OUTCOME_COUNT];

static void
count_notification(void *arg, enum ingest_outcome outcome,
    const char *record)
{
	(void)arg;
	if (strstr(record, "\"outcome\"") != NULL)
		notified[outcome]++;
}

static void
test_site_answers(void)
{
	char *root = make_root();
	struct ingest_summary sum = { 0 };

	worker_opts.notify = count_notification;
	put_message(root, "site-expired", "approve expired\n");
	put_message(root, "site-unknown", "approve unknown\n");
	put_message(root, "site-down", "approve down\n");
	put_message(root, "plain", "ignore\n");
	run_dir_pass(root, 1, &sum);
	worker_opts.notify = NULL;
	ok(exists(root, "expired", "site-expired"), "site: expired link filed");
	ok(exists(root, "failed", "site-unknown"), "site: unknown filed failed");
	ok(exists(root, ".", "site-down"), "site: outage left in the inbox");
	is_int(claim_attempts(root, "site-down"), 1, "site: outage counted");
	is_int(sum.counts[INGEST_RETRY], 1, "site: outage reported as retry");
	is_int(notified[INGEST_EXPIRED], 1, "notify: expired event");
	is_int(notified[INGEST_FAILED], 1, "notify: failed event");
	is_int(notified[INGEST_IGNORED], 0, "notify: no event when ignored");
	ingest_summary_free(&sum);
	remove_tree(root);
	free(root);
}

static void
test_crash_after_release(void)
{
	char *root = make_root();
	struct ingest_summary sum = { 0 };

	put_message(root, "flaky", "transient\n");
	is_int(crash_pass(root, "after-release"), SIGKILL,
	    "crash after-release: worker killed");
	is_int(claim_attempts(root, "flaky"), 1,
	    "crash after-release: attempt recorded");
	run_dir_pass(root, 1, &sum);
	is_int(claim_attempts(root, "flaky"), 2,
	    "crash after-release: no extra attempt counted");
	ingest_summary_free(&sum);
	remove_tree(root);
	free(root);
}

int
main(void)
{
	log_setup(-1, LOG_FORMAT_TEXT);
	test_claim_versions();
	test_mixed_inbox();
	test_crashes();
	test_claims();
	test_attempts();
	test_expired_link();
	test_lost_claim();
	test_dry_run();
	test_too_large();
	test_maildir();
	test_concurrent();
	test_site_answers();
	test_crash_after_release();
	return tap_done();
}
