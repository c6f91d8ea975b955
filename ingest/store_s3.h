#ifndef INGEST_STORE_S3_H
#define INGEST_STORE_S3_H

#include "aws/aws.h"
#include "ingest/store.h"

/*
 * Opens the S3 store for bucket and prefix ("acm-inbox/"; a missing
 * trailing '/' is added) with its own AWS client.  opts and its strings
 * must outlive the store and its clones.  Nothing is contacted yet.
 * Returns NULL (logged) when the client cannot be made.
 */
struct store *store_s3_open(const struct aws_client_options *opts,
    const char *bucket, const char *prefix);

/* Returns the key prefix of the inbox ("acm-inbox/inbox/"). */
const char *store_s3_inbox_prefix(struct store *s);

#endif
