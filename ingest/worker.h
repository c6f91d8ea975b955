#ifndef INGEST_WORKER_H
#define INGEST_WORKER_H

/*
 * The per-message state machine of `run`: claim, read, decide, approve,
 * write the result record, file, release.  Every step leaves a state from
 * which a later run finishes the job after a crash, without losing a
 * message or approving one twice (see ingest_worker_process()).
 *
 * Deciding and approving sit behind struct ingest_processor, so the loop
 * can be driven by the real parser and approval exchange or by a fake.
 */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/str.h"
#include "ingest/store.h"

enum ingest_action {
	INGEST_ACTION_IGNORE,
	INGEST_ACTION_HOLD,
	INGEST_ACTION_APPROVE,
};

/* What the processor found in a message.  Strings are owned; may be NULL. */
struct ingest_decision {
	enum ingest_action action;
	struct strlist reasons;
	char *domain;
	char *account_id;
	char *region;
	char *certificate;	/* ARN, or the bare id of older messages */
	char *certificate_check; /* "code: text" of the ACM check, or NULL */
	time_t sent_at;		/* the Date header; 0 when unknown */
};

enum ingest_approval {
	INGEST_APPROVAL_APPROVED,
	INGEST_APPROVAL_ALREADY,	/* approved earlier */
	INGEST_APPROVAL_EXPIRED,	/* the site says the link expired */
	INGEST_APPROVAL_UNKNOWN,	/* the site does not know the request */
	INGEST_APPROVAL_UNEXPECTED,	/* a page the client cannot classify */
	INGEST_APPROVAL_FAILED,		/* transient: network or 5xx */
};

struct ingest_approval_result {
	enum ingest_approval outcome;
	long http_status;	/* of the last response; 0 when none */
	char *detail;		/* owned; may be NULL */
};

/*
 * decide() fills out (zeroed by the caller) and returns 0, or -1 for a
 * transient failure (logged; its last reason, if any, says why).  approve() runs the approval exchange for
 * the message decide() last saw and returns 0 with out filled.  open()
 * makes a per-thread context from arg (NULL is an error, logged), passed
 * to decide(), approve() and close().
 */
struct ingest_processor {
	void *(*open)(void *arg);
	int (*decide)(void *ctx, const struct store_entry *e,
	    const struct buf *message, struct ingest_decision *out);
	int (*approve)(void *ctx, struct ingest_approval_result *out);
	void (*close)(void *ctx);
	void *arg;
};

/* What happened to one message in this run. */
enum ingest_outcome {
	INGEST_APPROVED,
	INGEST_HELD,
	INGEST_IGNORED,
	INGEST_EXPIRED,
	INGEST_FAILED,
	INGEST_RETRY,		/* transient failure: left in the inbox */
	INGEST_BUSY,		/* another worker holds the claim */
	INGEST_OUTCOME_COUNT,
};

struct ingest_report {
	enum ingest_outcome outcome;
	char *id;		/* escaped for printing */
	char *reason;		/* last reason, escaped; may be NULL */
	char *domain;		/* may be NULL */
};

/* Called with the result record of each filed message; may be NULL. */
typedef void (*ingest_notify_fn)(void *arg, enum ingest_outcome outcome,
    const char *record);

struct ingest_worker_options {
	const char *worker_id;	/* "host:pid:random" */
	long lease_seconds;
	long max_attempts;
	long link_max_age;	/* seconds */
	size_t max_message_size;
	bool dry_run;		/* decide only: no claim, request or write */
	ingest_notify_fn notify;
	void *notify_arg;
};

struct ingest_worker {
	struct store *store;
	const struct ingest_processor *processor;
	void *ctx;		/* from processor->open() */
	const struct ingest_worker_options *opts;
};

/*
 * Processes one inbox message through every step and fills report (free
 * with ingest_report_clear()).  Returns 0 when the message reached a final
 * outcome, was left for another worker, or was left for a later attempt;
 * all three are in report->outcome.
 */
int ingest_worker_process(struct ingest_worker *w,
    const struct store_entry *e, struct ingest_report *report);

/*
 * Deletes claims/ID when its lease has expired and its message is no
 * longer in the inbox: a worker stopped between filing the message and
 * deleting the claim.  Returns 1 when deleted, 0 when the claim is left
 * alone, -1 on a store error (logged).
 */
int ingest_worker_sweep_claim(struct ingest_worker *w, const char *id);

/* Returns the outcome's folder name ("approved") or "retry", "busy". */
const char *ingest_outcome_name(enum ingest_outcome outcome);

/* Returns a newly allocated "HOST:PID:RANDOM" worker id. */
char *ingest_worker_id_new(void);

/* Returns the time the worker uses (see ingest/hook.h). */
time_t ingest_now(void);

void ingest_decision_clear(struct ingest_decision *d);
void ingest_report_clear(struct ingest_report *r);

#endif
