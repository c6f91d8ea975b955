#ifndef INGEST_RUN_H
#define INGEST_RUN_H

/*
 * One pass of `run` over the inbox: list it once, then process the
 * messages on one or more threads, each with its own store and processor
 * context.
 */
#include <signal.h>
#include <stdbool.h>

#include "ingest/store.h"
#include "ingest/worker.h"

struct ingest_run_options {
	const struct ingest_worker_options *worker;
	const struct ingest_processor *processor;
	long jobs;		/* threads; 1 runs on the caller's thread */
	long max;		/* messages to process at most; 0: all */
	const char *only;	/* process just this inbox name; NULL: list */
	bool progress;		/* progress line on stderr */
	volatile sig_atomic_t *stop;	/* set: finish the message in hand */
};

/* Counts over one or more passes, and the messages that need a person. */
struct ingest_summary {
	long counts[INGEST_OUTCOME_COUNT];
	long processed;
	struct ingest_report *notable;	/* held, failed and retried ones */
	size_t notable_count;
	size_t notable_cap;
};

/*
 * Processes the inbox once, adding to sum.  Returns 0, or -1 when the
 * inbox could not be listed or a thread could not start (logged).
 */
int ingest_run_pass(struct store *s, const struct ingest_run_options *o,
    struct ingest_summary *sum);

void ingest_summary_free(struct ingest_summary *sum);

#endif
