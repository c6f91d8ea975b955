#include "ingest/run.h"

#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* Passes with at least this many messages show a progress line. */
#define PROGRESS_MIN 20

struct pass {
	const struct ingest_run_options *o;
	struct store_entries entries;
	size_t next;
	size_t done;
	pthread_mutex_t lock;
	struct ingest_summary *sum;
};

struct thread_arg {
	struct pass *pass;
	struct store *store;
	pthread_t thread;
	int status;
};

/* Returns the next message, or NULL when done or a stop was requested. */
static const struct store_entry *
take_next(struct pass *p)
{
	const struct store_entry *e = NULL;
	long max = p->o->max;

	pthread_mutex_lock(&p->lock);
	if (p->next < p->entries.count && !(p->o->stop && *p->o->stop) &&
	    (max <= 0 || p->sum->processed < max)) {
		e = &p->entries.items[p->next++];
		p->sum->processed++;
	}
	pthread_mutex_unlock(&p->lock);
	return e;
}

static void
record_report(struct pass *p, struct ingest_report *r)
{
	struct ingest_summary *sum = p->sum;

	pthread_mutex_lock(&p->lock);
	sum->counts[r->outcome]++;
	p->done++;
	if (r->outcome == INGEST_HELD || r->outcome == INGEST_FAILED ||
	    r->outcome == INGEST_RETRY) {
		if (sum->notable_count == sum->notable_cap) {
			sum->notable_cap = sum->notable_cap ?
			    sum->notable_cap * 2 : 16;
			sum->notable = xrealloc(sum->notable,
			    sum->notable_cap * sizeof(*sum->notable));
		}
		sum->notable[sum->notable_count++] = *r;
		memset(r, 0, sizeof(*r));
	}
	if (p->o->progress && p->entries.count >= PROGRESS_MIN)
		fprintf(stderr, "\racm-inbox run: %zu of %zu messages", p->done,
		    p->entries.count);
	pthread_mutex_unlock(&p->lock);
	ingest_report_clear(r);
}

static void *
run_thread(void *arg)
{
	struct thread_arg *t = arg;
	const struct ingest_run_options *o = t->pass->o;
	struct ingest_worker w = { t->store, o->processor, NULL, o->worker };
	const struct store_entry *e;

	w.ctx = o->processor->open(o->processor->arg);
	if (w.ctx == NULL) {
		t->status = -1;
		return NULL;
	}
	while ((e = take_next(t->pass)) != NULL) {
		struct ingest_report r;

		ingest_worker_process(&w, e, &r);
		log_info("%s: %s", r.id, ingest_outcome_name(r.outcome));
		record_report(t->pass, &r);
	}
	o->processor->close(w.ctx);
	return NULL;
}

static int
list_inbox(struct store *s, const struct ingest_run_options *o,
    struct store_entries *out)
{
	struct store_entry e;
	int status;

	if (o->only == NULL)
		return store_list(s, out) == STORE_OK ? 0 : -1;
	status = store_stat(s, o->only, &e);
	if (status == STORE_OK)
		store_entries_add(out, e.id, e.name, e.size, e.stored_at);
	else if (status == STORE_NOT_FOUND)
		log_info("%s is no longer in the inbox", o->only);
	store_entry_clear(&e);
	return status == STORE_ERROR ? -1 : 0;
}

static int
run_threads(struct pass *p, struct store *s, long jobs)
{
	struct thread_arg *threads = xcalloc((size_t)jobs, sizeof(*threads));
	long started = 0;
	int status = 0;

	/* libxml2 wants its global state set up before threads use it. */
	xmlInitParser();

	for (long i = 0; i < jobs; i++) {
		threads[i].pass = p;
		threads[i].store = i == 0 ? s : store_clone(s);
		if (threads[i].store == NULL ||
		    pthread_create(&threads[i].thread, NULL, run_thread,
		    &threads[i]) != 0) {
			log_error("run: cannot start worker thread %ld", i + 1);
			if (i > 0)
				store_free(threads[i].store);
			status = -1;
			break;
		}
		started++;
	}
	for (long i = 0; i < started; i++) {
		pthread_join(threads[i].thread, NULL);
		status |= threads[i].status;
		if (i > 0)
			store_free(threads[i].store);
	}
	free(threads);
	return status;
}

static bool
listed(const struct store_entries *entries, const char *id)
{
	for (size_t i = 0; i < entries->count; i++)
		if (strcmp(entries->items[i].id, id) == 0)
			return true;
	return false;
}

/*
 * Removes the claims that crashed workers left behind after filing their
 * message.  Only runs that had messages pay for the extra listing, so an
 * idle run stays at one ListObjectsV2 call.
 */
static void
sweep_claims(struct store *s, const struct ingest_run_options *o,
    const struct store_entries *inbox)
{
	struct ingest_worker w = { s, o->processor, NULL, o->worker };
	struct store_entries claims = { 0 };
	time_t stale_before = ingest_now() - o->worker->lease_seconds;

	if (store_claim_list(s, &claims) != STORE_OK) {
		store_entries_free(&claims);
		return;
	}
	for (size_t i = 0; i < claims.count; i++) {
		const struct store_entry *c = &claims.items[i];

		if (c->stored_at < stale_before && !listed(inbox, c->id))
			ingest_worker_sweep_claim(&w, c->id);
	}
	store_entries_free(&claims);
}

int
ingest_run_pass(struct store *s, const struct ingest_run_options *o,
    struct ingest_summary *sum)
{
	struct pass p = { .o = o, .sum = sum };
	long jobs = o->jobs > 0 ? o->jobs : 1;
	int status;

	if (list_inbox(s, o, &p.entries) != 0) {
		store_entries_free(&p.entries);
		return -1;
	}
	if (p.entries.count == 0)
		return 0;
	log_info("run: %zu messages in the inbox", p.entries.count);
	if ((size_t)jobs > p.entries.count)
		jobs = (long)p.entries.count;
	pthread_mutex_init(&p.lock, NULL);
	if (jobs == 1) {
		struct thread_arg t = { .pass = &p, .store = s };

		run_thread(&t);
		status = t.status;
	} else {
		status = run_threads(&p, s, jobs);
	}
	if (o->progress && p.entries.count >= PROGRESS_MIN)
		fputc('\n', stderr);
	if (!o->worker->dry_run && o->only == NULL &&
	    !(o->stop && *o->stop))
		sweep_claims(s, o, &p.entries);
	pthread_mutex_destroy(&p.lock);
	store_entries_free(&p.entries);
	return status;
}

void
ingest_summary_free(struct ingest_summary *sum)
{
	for (size_t i = 0; i < sum->notable_count; i++)
		ingest_report_clear(&sum->notable[i]);
	free(sum->notable);
	memset(sum, 0, sizeof(*sum));
}
