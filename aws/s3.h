#ifndef AWS_S3_H
#define AWS_S3_H

/*
 * S3 operations on the request layer.  Every function returns 0 on
 * success and -1 on failure, after logging the cause once as
 * "s3://BUCKET/KEY: OPERATION failed: STATUS CODE: MESSAGE" (names and AWS
 * text escaped).  Two outcomes that callers act on get codes of their
 * own and are logged at debug level only:
 * S3_PRECONDITION_FAILED (a conditional write's condition did not hold)
 * and S3_NOT_FOUND (for the functions documented to return it).  Keys and bucket names are
 * passed decoded; this module encodes them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "aws/aws.h"
#include "common/buf.h"

#define S3_PRECONDITION_FAILED (-2)
#define S3_NOT_FOUND (-3)

/* One object from a listing or a HEAD request; strings owned. */
struct s3_object {
	char *key;
	long long size;
	char *etag;		/* with its double quotes, as S3 sends it */
	char *last_modified;	/* ISO 8601 from listings, HTTP date from HEAD */
};

struct s3_object_list {
	struct s3_object *items;
	size_t count;
	size_t cap;
};

struct s3_list_options {
	const char *prefix;		/* NULL: the whole bucket */
	const char *start_after;	/* NULL: from the first key */
	size_t max_total;		/* 0: every key */
};

/*
 * Lists keys with ListObjectsV2, page after page, in S3's order (UTF-8
 * binary).  Keys are requested URL-encoded and decoded here, so any key
 * survives the XML.  out is zeroed first and contains what was listed even
 * on failure; free it with s3_object_list_free().  opts may be NULL.
 */
int s3_list_objects(struct aws_client *client, const char *bucket,
    const struct s3_list_options *opts, struct s3_object_list *out);

void s3_object_list_free(struct s3_object_list *list);
void s3_object_clear(struct s3_object *object);

/*
 * Reads an object into out (appended to) when it has at most max_size
 * bytes (0: 16 MiB); a larger one fails.  *etag (may be NULL) receives
 * the object's ETag, newly allocated.  Returns S3_NOT_FOUND for a missing
 * key or bucket.
 */
int s3_get_object(struct aws_client *client, const char *bucket,
    const char *key, size_t max_size, struct buf *out, char **etag);

/*
 * Streams an object into file from its current position, with the same
 * limit and results as s3_get_object().  On failure the file may hold
 * part of the object; the caller discards it.
 */
int s3_get_object_to_file(struct aws_client *client, const char *bucket,
    const char *key, size_t max_size, FILE *file, char **etag);

/*
 * Fills info (zeroed first; free with s3_object_clear()) with the
 * object's size, ETag and Last-Modified.  Returns S3_NOT_FOUND when there
 * is no such key.
 */
int s3_head_object(struct aws_client *client, const char *bucket,
    const char *key, struct s3_object *info);

struct s3_put_options {
	const char *content_type;	/* NULL: S3's default */
	bool if_none_match;	/* create only: If-None-Match: * */
	const char *if_match;	/* replace only this version (an ETag) */
};

/*
 * Writes an object from memory.  With a condition that does not hold
 * (the key exists for if_none_match, has another ETag for if_match, or
 * is missing for if_match) returns S3_PRECONDITION_FAILED and nothing is
 * written.  A 409 ConditionalRequestConflict is retried by the request
 * layer.  *etag (may be NULL) receives the new ETag.  opts may be NULL.
 */
int s3_put_object(struct aws_client *client, const char *bucket,
    const char *key, const void *data, size_t len,
    const struct s3_put_options *opts, char **etag);

/*
 * Copies src_bucket/src_key to bucket/key.  With if_none_match the copy
 * is made only when the destination does not exist, and otherwise
 * returns S3_PRECONDITION_FAILED.  An <Error> document in a 200 response
 * counts as a failure.
 * NOTE: moto 5 ignores If-None-Match on CopyObject, so the tests cannot
 * show that an existing destination is kept.
 */
int s3_copy_object(struct aws_client *client, const char *src_bucket,
    const char *src_key, const char *bucket, const char *key,
    bool if_none_match);

/* Deletes a key; deleting a missing key succeeds, as in S3. */
int s3_delete_object(struct aws_client *client, const char *bucket,
    const char *key);

/*
 * Creates a bucket in region (NULL: the client's region): no body in
 * us-east-1, a LocationConstraint elsewhere.  A bucket this account
 * already owns counts as created.
 * NOTE: the request is signed for the client's region; a region other
 * than the client's has only been tried against moto, which does not
 * check signatures.
 */
int s3_create_bucket(struct aws_client *client, const char *bucket,
    const char *region);

/* Returns 0 when the bucket exists and is reachable, S3_NOT_FOUND if not. */
int s3_head_bucket(struct aws_client *client, const char *bucket);

/* Deletes an empty bucket; a missing bucket returns S3_NOT_FOUND. */
int s3_delete_bucket(struct aws_client *client, const char *bucket);

/* Sets the bucket policy to a JSON document. */
int s3_put_bucket_policy(struct aws_client *client, const char *bucket,
    const char *policy_json);

/*
 * Reads the bucket policy into *policy_json (newly allocated).  Returns
 * S3_NOT_FOUND when the bucket has no policy (NoSuchBucketPolicy).
 */
int s3_get_bucket_policy(struct aws_client *client, const char *bucket,
    char **policy_json);

/* Blocks every form of public access: the four settings all true. */
int s3_put_public_access_block(struct aws_client *client,
    const char *bucket);

/* Sets default encryption to SSE-S3 (AES256). */
int s3_put_bucket_encryption(struct aws_client *client, const char *bucket);

/* One lifecycle rule: expire objects under prefix after days days. */
struct s3_lifecycle_rule {
	const char *id;
	const char *prefix;
	int expiration_days;
};

/*
 * Replaces the bucket's lifecycle configuration with rules (count of
 * them), sent with the Content-MD5 that S3 requires.
 */
int s3_put_bucket_lifecycle(struct aws_client *client, const char *bucket,
    const struct s3_lifecycle_rule *rules, size_t count);

#endif
