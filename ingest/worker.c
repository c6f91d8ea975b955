/*
 * One message, start to finish.  The order of the steps is what makes a
 * crash harmless:
 *
 *   claim      claims/ID is created (or a stale one taken over) with a
 *              conditional write, so one worker at a time owns the message;
 *   result?    a result record left by a crashed worker is reused as is;
 *   decide     the message is read and decided in memory;
 *   renew      the lease is extended just before the approval request, so
 *              a worker whose claim was taken over does not send one;
 *   approve    a repeat after a crash is answered "already approved" by
 *              the approval page, so nothing is approved twice;
 *   result     results/ID.json is written before the message moves;
 *   file       copy to the outcome folder, then delete the inbox copy;
 *   release    the claim is deleted last.
 *
 * A transient failure writes the claim back with no lease and one more
 * attempt, leaving the message in the inbox; after max-attempts the
 * message is filed as failed.
 */
#include "ingest/worker.h"

#include <json-c/json.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "ingest/hook.h"

struct claim {
	char *version;
	long attempts;
	char *last_error;
};

/* Everything one pass over one message accumulates. */
struct job {
	struct ingest_worker *w;
	const struct store_entry *e;
	char *id;		/* e->id escaped, for messages */
	struct claim claim;
	struct ingest_decision decision;
	struct ingest_approval_result approval;
	bool approved_tried;
	enum ingest_outcome outcome;
	struct strlist reasons;
	time_t started;
};

static const char *const outcome_names[] = {
	STORE_APPROVED, STORE_HELD, STORE_IGNORED, STORE_EXPIRED,
	STORE_FAILED, "retry", "busy",
};

static const char *const approval_names[] = {
	"approved", "already approved", "expired", "unknown request",
	"unexpected page", "failed",
};

const char *
ingest_outcome_name(enum ingest_outcome outcome)
{
	return outcome_names[outcome];
}

time_t
ingest_now(void)
{
	return time(NULL) + ingest_hook_time_offset();
}

char *
ingest_worker_id_new(void)
{
	char host[256] = "localhost";
	unsigned char random[4] = { 0 };

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	if (RAND_bytes(random, sizeof(random)) != 1)
		log_warn("worker id: RAND_bytes failed; using the pid alone");
	return xasprintf("%s:%ld:%02x%02x%02x%02x", host, (long)getpid(),
	    random[0], random[1], random[2], random[3]);
}

void
ingest_decision_clear(struct ingest_decision *d)
{
	strlist_free(&d->reasons);
	free(d->domain);
	free(d->account_id);
	free(d->region);
	free(d->certificate);
	free(d->certificate_check);
	memset(d, 0, sizeof(*d));
}

void
ingest_report_clear(struct ingest_report *r)
{
	free(r->id);
	free(r->reason);
	free(r->domain);
	memset(r, 0, sizeof(*r));
}

static void
add_reason(struct job *job, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add_reason(struct job *job, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	strlist_add_owned(&job->reasons, buf_steal(&b));
}

static char *
iso_time(time_t t)
{
	char stamp[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(stamp);
}

static void
add_string(struct json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key, value != NULL ?
	    json_object_new_string(value) : NULL);
}

static void
add_time(struct json_object *obj, const char *key, time_t t)
{
	char *stamp = t != 0 ? iso_time(t) : NULL;

	add_string(obj, key, stamp);
	free(stamp);
}

static char *
json_take(struct json_object *obj)
{
	char *text = xstrdup(json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(obj);
	return text;
}

/* The claim body: which worker owns the message, until when, and after
 * how many failed attempts. */
static char *
claim_body(struct job *job, time_t lease_until)
{
	struct json_object *obj = json_object_new_object();

	add_string(obj, "worker", job->w->opts->worker_id);
	add_string(obj, "message", job->e->name);
	add_time(obj, "claimed_at", ingest_now());
	json_object_object_add(obj, "lease_expires",
	    json_object_new_int64(lease_until));
	json_object_object_add(obj, "attempts",
	    json_object_new_int64(job->claim.attempts));
	add_string(obj, "last_error", job->claim.last_error);
	return json_take(obj);
}

struct claim_fields {
	long long lease_expires;
	long attempts;
	char *worker;
	char *message;
	char *last_error;
};

/* A claim that cannot be parsed counts as stale, with no attempts. */
static void
parse_claim(const struct buf *body, struct claim_fields *out)
{
	struct json_object *obj = json_tokener_parse(body->data), *v;

	memset(out, 0, sizeof(*out));
	if (obj == NULL)
		return;
	if (json_object_object_get_ex(obj, "lease_expires", &v))
		out->lease_expires = json_object_get_int64(v);
	if (json_object_object_get_ex(obj, "attempts", &v))
		out->attempts = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(obj, "worker", &v) &&
	    json_object_is_type(v, json_type_string))
		out->worker = str_escaped(json_object_get_string(v));
	if (json_object_object_get_ex(obj, "message", &v) &&
	    json_object_is_type(v, json_type_string))
		out->message = xstrdup(json_object_get_string(v));
	if (json_object_object_get_ex(obj, "last_error", &v) &&
	    json_object_is_type(v, json_type_string))
		out->last_error = xstrdup(json_object_get_string(v));
	json_object_put(obj);
}

static struct store *
store_of(struct job *job)
{
	return job->w->store;
}

/*
 * Takes over a claim whose lease has run out.  A released lease (0)
 * already counted its failed attempt.  A lease that simply expired means
 * its worker died, and that counts as an attempt too, so a message that
 * crashes the worker every time still ends up in failed/.
 */
static int
take_over(struct job *job)
{
	struct buf body = { 0 };
	struct claim_fields f = { 0 };
	char *version = NULL, *text;
	time_t now = ingest_now();
	int status;

	status = store_claim_read(store_of(job), job->e->id, &body, &version);
	if (status != STORE_OK)
		goto out;
	parse_claim(&body, &f);
	/* Our own claim: its creation succeeded but the response was lost. */
	if (f.worker != NULL && strcmp(f.worker, job->w->opts->worker_id) == 0)
		f.lease_expires = 0;
	if (f.lease_expires > now) {
		log_debug("%s: claimed by %s until %lld; skipping", job->e->id,
		    f.worker ? f.worker : "another worker", f.lease_expires);
		status = STORE_CONFLICT;
		goto out;
	}
	if (f.lease_expires != 0)
		log_warn("%s: taking over the claim of %s, whose lease "
		    "expired %lld s ago", job->id,
		    f.worker ? f.worker : "a worker",
		    (long long)now - f.lease_expires);
	job->claim.attempts = f.attempts + (f.lease_expires != 0);
	free(job->claim.last_error);
	job->claim.last_error = f.last_error;
	f.last_error = NULL;
	text = claim_body(job, now + job->w->opts->lease_seconds);
	status = store_claim_replace(store_of(job), job->e->id, text, version,
	    &job->claim.version);
	free(text);
out:
	free(f.worker);
	free(f.message);
	free(f.last_error);
	free(version);
	buf_free(&body);
	return status;
}

/* Returns STORE_OK when the claim is ours, STORE_CONFLICT when busy. */
static int
claim_message(struct job *job)
{
	for (int round = 0; round < 3; round++) {
		time_t until = ingest_now() + job->w->opts->lease_seconds;
		char *body = claim_body(job, until);
		int status;

		status = store_claim_create(store_of(job), job->e->id, body,
		    &job->claim.version);
		free(body);
		if (status != STORE_CONFLICT)
			return status;
		status = take_over(job);
		/* Gone between the two calls: its holder finished. */
		if (status != STORE_NOT_FOUND)
			return status;
	}
	return STORE_CONFLICT;
}

/* Extends the lease; STORE_CONFLICT means another worker took over. */
static int
renew_claim(struct job *job, time_t lease_until)
{
	char *body = claim_body(job, lease_until);
	char *version = NULL;
	int status;

	status = store_claim_replace(store_of(job), job->e->id, body,
	    job->claim.version, &version);
	free(body);
	if (status == STORE_OK) {
		free(job->claim.version);
		job->claim.version = version;
	}
	return status;
}

static char *
result_record(struct job *job)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *reasons = json_object_new_array();
	const struct ingest_decision *d = &job->decision;

	add_string(obj, "id", job->e->id);
	add_string(obj, "message", job->e->name);
	add_string(obj, "outcome", outcome_names[job->outcome]);
	for (size_t i = 0; i < job->reasons.count; i++)
		json_object_array_add(reasons,
		    json_object_new_string(job->reasons.items[i]));
	json_object_object_add(obj, "reasons", reasons);
	add_string(obj, "domain", d->domain);
	add_string(obj, "account_id", d->account_id);
	add_string(obj, "region", d->region);
	add_string(obj, "certificate", d->certificate);
	add_string(obj, "certificate_check", d->certificate_check);
	if (job->approved_tried) {
		struct json_object *a = json_object_new_object();

		add_string(a, "result", approval_names[job->approval.outcome]);
		json_object_object_add(a, "http_status",
		    json_object_new_int64(job->approval.http_status));
		json_object_object_add(obj, "approval", a);
	} else {
		json_object_object_add(obj, "approval", NULL);
	}
	add_time(obj, "received_at", job->e->stored_at);
	add_time(obj, "sent_at", d->sent_at);
	add_time(obj, "started_at", job->started);
	add_time(obj, "finished_at", ingest_now());
	add_string(obj, "worker", job->w->opts->worker_id);
	json_object_object_add(obj, "attempts",
	    json_object_new_int64(job->claim.attempts + 1));
	return json_take(obj);
}

static void
copy_string(struct json_object *obj, const char *key, char **out)
{
	struct json_object *v;

	if (json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		*out = xstrdup(json_object_get_string(v));
}

/* Reads back a record written before a crash; -1 when it is not one. */
static int
parse_result(struct job *job, const char *text)
{
	struct json_object *obj = json_tokener_parse(text), *v;
	const char *name;
	int status = -1;

	if (obj == NULL || !json_object_object_get_ex(obj, "outcome", &v))
		goto out;
	name = json_object_get_string(v);
	for (int i = 0; i <= INGEST_FAILED; i++)
		if (name != NULL && strcmp(name, outcome_names[i]) == 0) {
			job->outcome = (enum ingest_outcome)i;
			status = 0;
		}
	if (json_object_object_get_ex(obj, "reasons", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < json_object_array_length(v); i++)
			strlist_add(&job->reasons, json_object_get_string(
			    json_object_array_get_idx(v, i)));
	copy_string(obj, "domain", &job->decision.domain);
out:
	json_object_put(obj);
	return status;
}

static void
set_outcome_from_action(struct job *job)
{
	switch (job->decision.action) {
	case INGEST_ACTION_IGNORE:
		job->outcome = INGEST_IGNORED;
		break;
	case INGEST_ACTION_HOLD:
		job->outcome = INGEST_HELD;
		break;
	case INGEST_ACTION_APPROVE:
		job->outcome = INGEST_APPROVED;
		break;
	}
}

/*
 * Reads and decides.  Returns 0 with job->outcome set, or -1 on a
 * transient failure (a reason added).
 */
static int
decide_message(struct job *job)
{
	const struct ingest_worker *w = job->w;
	struct buf message = { 0 };
	int status;

	status = store_read(w->store, job->e, w->opts->max_message_size,
	    &message);
	if (status == STORE_CONFLICT) {
		job->outcome = INGEST_HELD;
		add_reason(job, "message-too-large: the message is larger "
		    "than max-message-size (%zu bytes)",
		    w->opts->max_message_size);
		status = 0;
		goto out;
	}
	if (status != STORE_OK) {
		add_reason(job, "read-failed: the message could not be read");
		status = -1;
		goto out;
	}
	if (w->processor->decide(w->ctx, job->e, &message,
	    &job->decision) != 0) {
		const struct strlist *why = &job->decision.reasons;

		if (why->count > 0)
			add_reason(job, "%s", why->items[why->count - 1]);
		else
			add_reason(job, "decide-failed: the message could "
			    "not be decided");
		status = -1;
		goto out;
	}
	for (size_t i = 0; i < job->decision.reasons.count; i++)
		strlist_add(&job->reasons, job->decision.reasons.items[i]);
	set_outcome_from_action(job);
	status = 0;
out:
	buf_free(&message);
	return status;
}

/* A link older than link-max-age is expired without asking the site. */
static bool
link_expired(struct job *job)
{
	time_t sent = job->e->stored_at ? job->e->stored_at :
	    job->decision.sent_at;
	long max_age = job->w->opts->link_max_age;
	long long age = (long long)ingest_now() - sent;

	if (sent == 0 || age <= max_age)
		return false;
	job->outcome = INGEST_EXPIRED;
	add_reason(job, "link-expired: the validation link is %lld hours "
	    "old, older than link-max-age (%ld hours)", age / 3600,
	    max_age / 3600);
	return true;
}

/*
 * Runs the approval exchange.  Returns 0 with job->outcome set, -1 on a
 * transient failure, 1 when another worker took the claim over (nothing
 * was sent).
 */
static int
approve_message(struct job *job)
{
	const struct ingest_worker *w = job->w;
	struct ingest_approval_result *a = &job->approval;
	int status;

	status = renew_claim(job, ingest_now() + w->opts->lease_seconds);
	if (status == STORE_CONFLICT) {
		log_warn("%s: another worker took the claim over; not "
		    "approving", job->e->id);
		return 1;
	}
	if (status != STORE_OK) {
		add_reason(job, "claim-lost: the claim could not be renewed");
		return -1;
	}
	ingest_hook_step("after-renew");
	w->processor->approve(w->ctx, a);
	job->approved_tried = true;
	ingest_hook_step("after-approval");
	switch (a->outcome) {
	case INGEST_APPROVAL_APPROVED:
	case INGEST_APPROVAL_ALREADY:
		job->outcome = INGEST_APPROVED;
		return 0;
	case INGEST_APPROVAL_EXPIRED:
		job->outcome = INGEST_EXPIRED;
		add_reason(job, "approval-expired: the approval site says "
		    "the link has expired");
		return 0;
	case INGEST_APPROVAL_UNKNOWN:
		job->outcome = INGEST_FAILED;
		add_reason(job, "approval-unknown: the approval site does "
		    "not know the request (HTTP %ld)", a->http_status);
		return 0;
	case INGEST_APPROVAL_UNEXPECTED:
	case INGEST_APPROVAL_FAILED:
		break;
	}
	add_reason(job, "approval-failed: approval failed (%s, HTTP %ld): %s",
	    approval_names[a->outcome], a->http_status,
	    a->detail ? a->detail : "no detail");
	return -1;
}

/* The last steps: record, file, notify, release.  -1: transient. */
static int
finish_message(struct job *job, bool write_record)
{
	struct store *s = store_of(job);
	char *record = result_record(job);
	int status = -1;

	if (write_record &&
	    store_result_write(s, job->e->id, record) != STORE_OK) {
		add_reason(job, "result-write-failed: the result record "
		    "could not be written");
		goto out;
	}
	ingest_hook_step("after-result");
	status = store_file(s, job->e, outcome_names[job->outcome]);
	if (status == STORE_ERROR) {
		add_reason(job, "file-failed: the message could not be filed");
		status = -1;
		goto out;
	}
	ingest_hook_step("after-file");
	if (store_claim_delete(s, job->e->id) != STORE_OK)
		log_warn("%s: filed as %s, but its claim is left behind",
		    job->id, outcome_names[job->outcome]);
	ingest_hook_step("after-delete-claim");
	if (job->w->opts->notify != NULL && job->outcome != INGEST_IGNORED)
		job->w->opts->notify(job->w->opts->notify_arg, job->outcome,
		    record);
	status = 0;
out:
	free(record);
	return status;
}

/*
 * A transient failure: give the claim back with one more attempt, or file
 * the message as failed once max-attempts is reached.
 */
static void
retry_later(struct job *job)
{
	const char *why = job->reasons.count ?
	    job->reasons.items[job->reasons.count - 1] : "unknown error";

	job->claim.attempts++;
	free(job->claim.last_error);
	job->claim.last_error = xstrdup(why);
	if (job->claim.attempts >= job->w->opts->max_attempts) {
		job->outcome = INGEST_FAILED;
		add_reason(job, "max-attempts: gave up after %ld attempts: %s",
		    job->claim.attempts, job->claim.last_error);
		job->claim.attempts--;
		if (finish_message(job, true) == 0)
			return;
		job->claim.attempts++;
	}
	job->outcome = INGEST_RETRY;
	if (renew_claim(job, 0) != STORE_OK)
		log_warn("%s: the claim could not be released; it is retried "
		    "when its lease expires", job->e->id);
	ingest_hook_step("after-release");
}

/*
 * A result record with no inbox copy means another worker finished the
 * message between our listing and our claim: let go of it.
 */
static bool
still_in_inbox(struct job *job)
{
	struct store_entry now;
	int status = store_stat(store_of(job), job->e->name, &now);

	store_entry_clear(&now);
	if (status != STORE_NOT_FOUND)
		return true;
	log_debug("%s: already filed by another worker", job->id);
	store_claim_delete(store_of(job), job->e->id);
	job->outcome = INGEST_BUSY;
	return false;
}

static void
process_claimed(struct job *job)
{
	struct buf record = { 0 };
	int status;

	if (job->claim.attempts >= job->w->opts->max_attempts) {
		job->outcome = INGEST_FAILED;
		add_reason(job, "max-attempts: gave up after %ld attempts: %s",
		    job->claim.attempts, job->claim.last_error ?
		    job->claim.last_error : "the worker stopped");
		job->claim.attempts--;
		status = finish_message(job, true);
		goto out;
	}
	status = store_result_read(store_of(job), job->e->id, &record);
	if (status == STORE_OK && parse_result(job, record.data) == 0) {
		if (!still_in_inbox(job)) {
			status = 0;
			goto out;
		}
		log_info("%s: finishing as %s, decided by an earlier run",
		    job->id, outcome_names[job->outcome]);
		status = finish_message(job, false);
		goto out;
	}
	if (status == STORE_ERROR) {
		add_reason(job, "result-read-failed: the result record "
		    "could not be read");
		status = -1;
		goto out;
	}
	status = decide_message(job);
	if (status == 0 && job->outcome == INGEST_APPROVED &&
	    !link_expired(job))
		status = approve_message(job);
	if (status == 1) {
		job->outcome = INGEST_BUSY;
		goto out;
	}
	if (status == 0)
		status = finish_message(job, true);
out:
	if (status == -1)
		retry_later(job);
	buf_free(&record);
}

static void
dry_run(struct job *job)
{
	if (decide_message(job) != 0) {
		job->outcome = INGEST_RETRY;
		return;
	}
	if (job->outcome == INGEST_APPROVED)
		link_expired(job);
}

static void
fill_report(struct job *job, struct ingest_report *report)
{
	memset(report, 0, sizeof(*report));
	report->outcome = job->outcome;
	report->id = xstrdup(job->id);
	/* A hold lists every policy reason; for a retry or a failure the
	 * last reason is the one that ended the attempt. */
	if (job->outcome == INGEST_HELD && job->reasons.count > 1) {
		struct buf all = { 0 };

		for (size_t i = 0; i < job->reasons.count; i++)
			buf_printf(&all, "%s%s", i ? "; " : "",
			    job->reasons.items[i]);
		report->reason = str_escaped(all.data);
		buf_free(&all);
	} else if (job->reasons.count > 0) {
		report->reason = str_escaped(
		    job->reasons.items[job->reasons.count - 1]);
	}
	if (job->decision.domain != NULL)
		report->domain = str_escaped(job->decision.domain);
}

int
ingest_worker_process(struct ingest_worker *w, const struct store_entry *e,
    struct ingest_report *report)
{
	struct job job = { .w = w, .e = e, .started = ingest_now() };
	int status;

	job.id = str_escaped(e->id);
	if (w->opts->dry_run) {
		dry_run(&job);
		goto out;
	}
	status = claim_message(&job);
	if (status == STORE_CONFLICT) {
		job.outcome = INGEST_BUSY;
	} else if (status != STORE_OK) {
		job.outcome = INGEST_RETRY;
		add_reason(&job, "claim-failed: the message could not be "
		    "claimed");
	} else {
		ingest_hook_step("after-claim");
		process_claimed(&job);
	}
out:
	fill_report(&job, report);
	free(job.id);
	free(job.claim.version);
	free(job.claim.last_error);
	free(job.approval.detail);
	ingest_decision_clear(&job.decision);
	strlist_free(&job.reasons);
	return 0;
}

int
ingest_worker_sweep_claim(struct ingest_worker *w, const char *id)
{
	struct buf body = { 0 };
	struct claim_fields f = { 0 };
	struct store_entry e = { 0 };
	char *version = NULL, *shown;
	int status;

	status = store_claim_read(w->store, id, &body, &version);
	if (status != STORE_OK)
		goto out;
	parse_claim(&body, &f);
	if (f.lease_expires > ingest_now() || f.message == NULL)
		goto out;
	status = store_stat(w->store, f.message, &e);
	if (status != STORE_NOT_FOUND)
		goto out;
	shown = str_escaped(id);
	log_info("%s: removing the claim left by %s after the message was "
	    "filed", shown, f.worker ? f.worker : "a worker");
	free(shown);
	if (store_claim_delete(w->store, id) == STORE_OK)
		status = 1;
out:
	store_entry_clear(&e);
	free(f.worker);
	free(f.message);
	free(f.last_error);
	free(version);
	buf_free(&body);
	if (status == 1)
		return 1;
	if (status == STORE_ERROR)
		return -1;
	return 0;
}
