#ifndef INGEST_NOTIFY_H
#define INGEST_NOTIFY_H

/*
 * Events for people: one SNS Publish per approved, held, expired or
 * failed message, carrying the message's result record.  Shared by the
 * worker threads of a run.
 */
#include "aws/aws.h"
#include "ingest/worker.h"

struct ingest_notifier;

/*
 * Creates a notifier that publishes to topic_arn with its own AWS client
 * made from opts.  Returns NULL (logged) when the client cannot be made.
 */
struct ingest_notifier *ingest_notifier_new(
    const struct aws_client_options *opts, const char *topic_arn);

/*
 * Publishes one event (an ingest_notify_fn; arg is the notifier).  A
 * failure is logged and otherwise ignored: the result record in the
 * store remains the authority.
 */
void ingest_notifier_send(void *arg, enum ingest_outcome outcome,
    const char *record);

void ingest_notifier_free(struct ingest_notifier *n);

#endif
