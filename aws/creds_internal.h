#ifndef AWS_CREDS_INTERNAL_H
#define AWS_CREDS_INTERNAL_H

/*
 * Internals shared by the credential providers in aws/creds*.c, not
 * meant for other modules.  Each provider returns 1 when it filled the
 * credentials, 0 when it does not apply (with the reason appended to
 * ctx->tried), or -1 when it applies but failed (logged).  The chain
 * stops at a failure rather than fall back to other, unexpected
 * credentials.
 */
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "aws/creds.h"
#include "common/buf.h"

/* Largest response read from a credential source. */
#define CREDS_MAX_RESPONSE (64 * 1024)

struct creds_ctx {
	char *profile;		/* resolved profile name */
	char *region;		/* may be NULL */
	char *ca_bundle;	/* may be NULL */
	long connect_timeout;
	long request_timeout;
	long process_timeout;
	struct buf tried;	/* "environment (...), web identity (...)" */
};

/* Appends one "name (reason)" item to ctx->tried. */
void creds_tried(struct creds_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets c's fields to copies and registers the secrets with the log. */
void creds_fill(struct aws_credentials *c, const char *access_key_id,
    const char *secret_access_key, const char *session_token,
    time_t expiration, const char *source);

/*
 * Parses a JSON credentials document (credential_process output, the
 * container and instance metadata answers).  token_member names the
 * session token member ("SessionToken" or "Token").  need_version
 * requires the "Version": 1 that credential_process output carries.
 * where names the source for messages.  Returns 0, or -1 (logged).
 */
int creds_parse_json(const char *json, const char *token_member,
    bool need_version, const char *where, const char *source,
    struct aws_credentials *c);

/* Reads a small file, trimmed.  Returns NULL (logged) on failure. */
char *creds_read_file(const char *path, const char *what);

/* One HTTP exchange. */
struct creds_http {
	const char *method;		/* "GET", "PUT" or "POST" */
	const char *url;
	struct curl_slist *headers;
	const char *body;		/* POST body, or NULL */
	bool direct;			/* bypass proxies (local services) */
	long status;			/* out: HTTP status */
	struct buf response;		/* out: body, at most 64 KiB */
	char error[CURL_ERROR_SIZE];	/* out: transport error */
};

/*
 * Sends h.  Returns 0 when an answer arrived (any status), -1 on a
 * transport failure with h->error set (not logged).
 */
int creds_http_send(const struct creds_ctx *ctx, struct creds_http *h);

/* Adds "name: value", or returns -1 when value contains CR or LF. */
int creds_http_header(struct creds_http *h, const char *name,
    const char *value);

void creds_http_free(struct creds_http *h);

/* Returns the variable's value, or NULL when unset or empty. */
const char *creds_env(const char *name);

/*
 * Returns true when AWS_CONTAINER_CREDENTIALS_FULL_URI may be url: https,
 * or http to a loopback or the ECS and EKS link-local addresses, as the
 * SDKs require, so the authorization token never crosses a network in
 * clear text.
 */
bool creds_full_uri_allowed(const char *url);

int creds_from_env(struct creds_ctx *ctx, struct aws_credentials *c);
int creds_from_web_identity(struct creds_ctx *ctx,
    struct aws_credentials *c);
int creds_from_profile(struct creds_ctx *ctx, struct aws_credentials *c);
int creds_from_container(struct creds_ctx *ctx, struct aws_credentials *c);
int creds_from_imds(struct creds_ctx *ctx, struct aws_credentials *c);

#endif
