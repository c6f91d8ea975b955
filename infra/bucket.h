#ifndef INFRA_BUCKET_H
#define INFRA_BUCKET_H

/*
 * The S3 bucket calls setup, status and teardown make: existence,
 * creation and the bucket's sub-resources (policy, public access block,
 * default encryption, lifecycle).  Each returns 0 on success and -1 on
 * failure with resp holding the status and AWS error (not logged); free
 * resp with aws_response_free() in both cases.  Getters return 0 with
 * *out NULL when the sub-resource is not configured.
 * TODO: move these into aws/s3.c once it has getters for the public
 * access block, encryption and lifecycle and hands back the response,
 * because status and teardown tell "not configured" apart by error code.
 */
#include <stdbool.h>

#include "aws/aws.h"

enum bucket_owner {
	BUCKET_MISSING,
	BUCKET_OURS,		/* HeadBucket 200 */
	BUCKET_FOREIGN,		/* HeadBucket 403: someone else's */
};

/* The S3 namespace of request and response documents. */
#define BUCKET_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

int bucket_head(struct aws_client *client, const char *bucket,
    enum bucket_owner *owner, struct aws_response *resp);

/* CreateBucket with a LocationConstraint outside us-east-1. */
int bucket_create(struct aws_client *client, const char *bucket,
    const char *region, struct aws_response *resp);

int bucket_delete(struct aws_client *client, const char *bucket,
    struct aws_response *resp);

/*
 * Reads a sub-resource ("policy", "publicAccessBlock", "encryption",
 * "lifecycle") into *out (newly allocated document text), NULL when the
 * bucket has none (the NoSuch... error codes).
 */
int bucket_get_config(struct aws_client *client, const char *bucket,
    const char *sub, char **out, struct aws_response *resp);

/*
 * Writes a sub-resource document.  Content-MD5 is sent, which
 * PutBucketLifecycleConfiguration requires.
 */
int bucket_put_config(struct aws_client *client, const char *bucket,
    const char *sub, const char *document, struct aws_response *resp);

int bucket_delete_config(struct aws_client *client, const char *bucket,
    const char *sub, struct aws_response *resp);

/* The public access block document with all four settings true. */
const char *bucket_public_access_block_xml(void);

/* The default encryption document for SSE-S3 (AES256). */
const char *bucket_encryption_xml(void);

/* Returns true when document turns all four public access blocks on. */
bool bucket_public_access_blocked(const char *document);

/* Returns the default SSEAlgorithm, newly allocated, or NULL. */
char *bucket_encryption_algorithm(const char *document);

/*
 * Deletes every object (every key under the bucket, one page of
 * ListObjectsV2 at a time).  *deleted counts them.
 */
int bucket_empty(struct aws_client *client, const char *bucket,
    long *deleted, struct aws_response *resp);

/* Returns 0 with *empty set from one ListObjectsV2 with max-keys 1. */
int bucket_is_empty(struct aws_client *client, const char *bucket,
    bool *empty, struct aws_response *resp);

#endif
