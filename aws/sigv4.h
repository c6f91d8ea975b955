#ifndef AWS_SIGV4_H
#define AWS_SIGV4_H

/*
 * AWS Signature Version 4 (AWS4-HMAC-SHA256): signing in the Authorization
 * header and presigned URLs, on OpenSSL.  The caller describes the request
 * with decoded values and this module encodes them.  The request layer
 * builds its URL from sigv4_encode_path() and sigv4_encode_query(), or from
 * a result's url_path and url_query, so it sends exactly what was signed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/aws.h"
#include "common/buf.h"
#include "common/str.h"

/* The payload hash to sign for a body that is not hashed (S3 only). */
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* Hex SHA-256 digest length, without and with the terminating NUL. */
#define SIGV4_HASH_HEX_LEN 64
#define SIGV4_HASH_HEX_SIZE (SIGV4_HASH_HEX_LEN + 1)

/* The maximum validity of a presigned URL that AWS accepts, in seconds. */
#define SIGV4_MAX_EXPIRES 604800L

enum sigv4_flag {
	/* Keep the path as given: no dot-segment removal, no collapsing
	 * of "//" (S3 object keys may contain both). */
	SIGV4_NO_NORMALIZE = 1 << 0,
	/* The canonical path is the wire path itself.  Without this flag
	 * each segment of the wire path is URI-encoded once more, as every
	 * service but S3 expects. */
	SIGV4_SINGLE_ENCODE = 1 << 1,
	/* The path is given as it goes on the wire, already percent-encoded,
	 * and is not encoded again for the URL. */
	SIGV4_PATH_ENCODED = 1 << 2,
	/* Add x-amz-content-sha256 with the payload hash and sign it (S3
	 * requires it).  Presigning ignores this flag. */
	SIGV4_CONTENT_SHA256 = 1 << 3,
	/* Send the session token but leave it out of the signature, for
	 * the few services that want it so. */
	SIGV4_TOKEN_UNSIGNED = 1 << 4,
	/* The S3 path rules.  S3 also needs SIGV4_CONTENT_SHA256 when
	 * signing headers. */
	SIGV4_S3 = SIGV4_NO_NORMALIZE | SIGV4_SINGLE_ENCODE,
};

struct sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;	/* NULL when there is none */
};

struct sigv4_request {
	const char *method;		/* "GET", "PUT", ... */
	/* Decoded ("/my key/\xe1\x88\xb4"), or the wire form with
	 * SIGV4_PATH_ENCODED.  NULL or "" means "/". */
	const char *path;
	const struct aws_param *query;	/* decoded names and values */
	size_t query_count;
	/* Every header to sign, which must include host (any case).
	 * Names are matched case-insensitively and repeated names are
	 * joined with ','.  Values are trimmed and runs of white space,
	 * line breaks included, become one space.  Authorization and the
	 * x-amz-* headers that signing adds are rejected. */
	const struct aws_param *headers;
	size_t header_count;
	/* Lower-case hex SHA-256 of the body, or SIGV4_UNSIGNED_PAYLOAD.
	 * NULL: the hash of payload (payload_len bytes; NULL and 0 for no
	 * body) is computed here. */
	const char *payload_hash;
	const void *payload;
	size_t payload_len;
	const char *region;		/* "us-east-1" */
	const char *service;		/* signing name: "s3", "ses", ... */
	const struct sigv4_credentials *credentials;
	time_t time;			/* signing time, UTC */
	unsigned int flags;		/* enum sigv4_flag bits */
};

/*
 * The output of signing.  The result owns every string, and
 * sigv4_result_free() frees them.  A zeroed result is empty.
 */
struct sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *signature;	/* 64 lower-case hex digits */
	/* Header signing: the Authorization header's value.  NULL after
	 * presigning. */
	char *authorization;
	/* Header signing: the headers the caller must add besides
	 * Authorization, as "name: value": x-amz-date, then
	 * x-amz-security-token when there is a token, then
	 * x-amz-content-sha256 with SIGV4_CONTENT_SHA256.  Empty after
	 * presigning. */
	struct strlist headers;
	char *url_path;		/* the path to send, percent-encoded */
	/* The query to send after '?', encoded and sorted ("" when there is
	 * none).  After presigning it carries the X-Amz-* parameters and
	 * X-Amz-Signature last. */
	char *url_query;
};

/*
 * Signs req for the Authorization header.  Returns 0, or -1 after logging
 * the cause, and out is then empty.  Causes: no host header, a header
 * that signing adds itself, missing credentials, region or service, an
 * invalid time, an OpenSSL failure.
 * The secret key and session token are registered with log_add_secret().
 * Signatures are not, because each request has its own and the list would
 * grow without bound.  The log redacts them anyway, as Authorization and
 * X-Amz-Signature values.
 */
int sigv4_sign_headers(const struct sigv4_request *req,
    struct sigv4_result *out);

/*
 * Presigns req: the credentials, date, validity (expires seconds, 1 to
 * SIGV4_MAX_EXPIRES) and signature go into the query string (url_query),
 * and only the request's headers are signed, so host is usually the only
 * one.  For S3 pass SIGV4_UNSIGNED_PAYLOAD as payload_hash.  Returns 0 or
 * -1 as sigv4_sign_headers() does.
 */
int sigv4_presign(const struct sigv4_request *req, long expires,
    struct sigv4_result *out);

void sigv4_result_free(struct sigv4_result *res);

/*
 * Appends path as it goes on the wire for these flags: normalized unless
 * SIGV4_NO_NORMALIZE, then percent-encoded once with '/' kept (as given
 * with SIGV4_PATH_ENCODED).  NULL or "" becomes "/", and a missing
 * leading '/' is added.
 */
void sigv4_encode_path(struct buf *out, const char *path,
    unsigned int flags);

/*
 * Appends the canonical query string: names and values URI-encoded (only
 * A-Z a-z 0-9 - _ . ~ kept), sorted by encoded name and then by encoded
 * value, joined with '&'; an empty value keeps its '='.  A NULL value
 * counts as empty.  The same string is the one to send.
 */
void sigv4_encode_query(struct buf *out, const struct aws_param *query,
    size_t count);

/*
 * Writes the lower-case hex SHA-256 of len bytes of data (NULL when len
 * is 0) and a NUL into hex.  Returns 0, or -1 after logging an OpenSSL
 * failure.
 */
int sigv4_hash_hex(const void *data, size_t len,
    char hex[SIGV4_HASH_HEX_SIZE]);

#endif
