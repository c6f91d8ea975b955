#ifndef AWS_AWS_H
#define AWS_AWS_H

/*
 * The AWS client: one struct aws_client per process (not thread-safe;
 * give each thread its own), holding the resolved region, endpoints,
 * credentials, TLS settings and a reusable libcurl handle.  Requests are
 * signed with SigV4, retried with jittered exponential backoff on
 * throttling, 5xx, RequestTimeout and transport errors, and corrected for
 * clock skew.  This layer has no notion of mail.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "common/buf.h"
#include "common/str.h"

struct aws_client_options {
	const char *region;		/* NULL: AWS_REGION, ..., profile */
	const char *profile;		/* NULL: AWS_PROFILE or "default" */
	const char *ca_bundle;		/* NULL: AWS_CA_BUNDLE or system */
	const struct strlist *connect_to; /* HOST:PORT:HOST2:PORT2 items */
	long connect_timeout;		/* seconds; 0: 10 */
	long request_timeout;		/* seconds, whole request; 0: 60 */
	int retries;			/* extra attempts; -1: default 4 */
};

struct aws_client;

/*
 * Creates a client.  Nothing is resolved or contacted yet: a missing
 * region or credentials are reported by the first call that needs them.
 * Free with aws_client_free().
 */
struct aws_client *aws_client_new(const struct aws_client_options *opts);
void aws_client_free(struct aws_client *client);

/* Returns the resolved region, or NULL (reported) when there is none. */
const char *aws_client_region(struct aws_client *client);

struct aws_param {
	const char *name;
	const char *value;
};

struct aws_request {
	const char *service;	/* "s3", "ses", "sns", "route53", "acm", "sts" */
	const char *region;	/* NULL: the client's; ignored by Route 53 */
	const char *method;	/* "GET", "PUT", ... */
	const char *bucket;	/* S3 only; NULL for service-level calls */
	const char *path;	/* decoded, starts with '/' (after the bucket) */
	const struct aws_param *query;	/* decoded names and values */
	size_t query_count;
	const struct aws_param *headers;
	size_t header_count;
	const void *body;
	size_t body_len;
	size_t max_response_size;	/* 0: 16 MiB; larger is an error */
	FILE *response_file;	/* when set, a 2xx body is written here */
	bool unsigned_request;	/* send without credentials */
};

struct aws_response {
	long status;		/* HTTP status, 0 when none was received */
	struct buf body;	/* body (error bodies always land here) */
	struct strlist headers;	/* "name: value", names in lower case */
	char *error_code;	/* AWS error code, or a transport error */
	char *error_message;
	char *request_id;
	char *endpoint;		/* the URL's scheme and host, for messages */
};

/*
 * Sends a request, retrying what may be retried.  Returns 0 when the
 * final answer is 2xx, -1 otherwise; resp then holds the status and the
 * parsed AWS error (status 0: no answer, error_message says why and names
 * the endpoint).  Retries are logged at debug level; the final failure is
 * not logged here, so the caller can say what it was doing.  Free resp
 * with aws_response_free() in both cases.
 */
int aws_send(struct aws_client *client, const struct aws_request *req,
    struct aws_response *resp);

/* Returns a header's value (name case-insensitive), or NULL. */
const char *aws_response_header(const struct aws_response *resp,
    const char *name);

/*
 * Returns a newly allocated one-line description of a failed response:
 * "403 SignatureDoesNotMatch: The request signature we calculated ..."
 * or "no response from https://host: Connection timed out after ...".
 * The AWS text is escaped for printing.
 */
char *aws_error_string(const struct aws_response *resp);

void aws_response_free(struct aws_response *resp);

/*
 * The query protocol (SES v1, SNS, STS): POST / with a form body
 * Action=ACTION&Version=VERSION&params.  Same contract as aws_send().
 */
int aws_query(struct aws_client *client, const char *service,
    const char *action, const char *version, const struct aws_param *params,
    size_t param_count, struct aws_response *resp);

/*
 * The JSON 1.1 protocol (ACM): POST / with X-Amz-Target: TARGET and a
 * JSON body.  Same contract as aws_send().
 */
int aws_json(struct aws_client *client, const char *service,
    const char *target, const char *json_body, struct aws_response *resp);

/*
 * aws_json() in region instead of the client's, for a resource that
 * lives in a region of its own (an ACM certificate named by its ARN).
 * A NULL region is the client's.
 */
int aws_json_region(struct aws_client *client, const char *region,
    const char *service, const char *target, const char *json_body,
    struct aws_response *resp);

/*
 * Building blocks of aws_send(), exposed for the unit tests and for
 * modules that need one piece of the request layer.
 */

/* The destination of a request, from aws_target_build(). */
struct aws_target {
	char *base;	/* "https://host[:port]", bucket included when
			 * virtual-hosted; no default port */
	char *host;	/* the Host header's value */
	char *path;	/* encoded path to send and sign */
};

/*
 * Resolves the URL parts of req against endpoint ("https://host[:port]").
 * S3 uses virtual-hosted addressing (BUCKET.host) unless path_style is
 * set (the endpoint was overridden) or the bucket name is not a valid DNS
 * label (dots, upper case, underscores).  Path style puts the bucket in the
 * first path segment.  S3 paths are encoded once and not normalized;
 * other services' paths are normalized.  Returns 0, or -1 (logged) when
 * endpoint is not an http(s) URL without a path.  Free with
 * aws_target_free().
 */
int aws_target_build(const char *endpoint, bool path_style,
    const struct aws_request *req, struct aws_target *out);
void aws_target_free(struct aws_target *target);

/* Returns the newly allocated URL: base, path and encoded query. */
char *aws_target_url(const struct aws_target *target,
    const struct aws_request *req);

/*
 * Fills resp->error_code, error_message and request_id from the body and
 * headers: S3 <Error>, query and Route 53 <ErrorResponse>, Route 53
 * <InvalidChangeBatch>, JSON 1.1 __type (namespace before '#' dropped)
 * and message, and the x-amzn-ErrorType header.  Leaves them NULL when
 * nothing is recognised.
 */
void aws_error_parse(struct aws_response *resp);

/*
 * Returns true when a failed attempt may be retried: no response after a
 * connection failure, timeout or reset (transport_retryable), 429, 5xx,
 * throttling codes, RequestTimeout, 409 ConditionalRequestConflict.
 */
bool aws_error_retryable(const struct aws_response *resp,
    bool transport_retryable);

/*
 * Returns true when resp shows that the request's clock is off: S3
 * RequestTimeTooSkewed, InvalidSignatureException "Signature expired",
 * or SignatureDoesNotMatch while the server's Date differs from
 * local_time by more than five minutes.
 */
bool aws_error_clock_skewed(const struct aws_response *resp,
    time_t local_time);

/*
 * Returns the delay before retry number attempt (0 for the first retry)
 * in milliseconds: "full jitter", a uniform draw (random01 in [0, 1))
 * between 0 and min(cap_ms, base_ms * 2^attempt).
 */
long aws_backoff_ms(int attempt, long base_ms, long cap_ms,
    double random01);

#endif
