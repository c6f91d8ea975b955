#ifndef AWS_CREDS_H
#define AWS_CREDS_H

/*
 * The AWS credential chain, in the SDKs' order: environment, web identity
 * (STS AssumeRoleWithWebIdentity), shared files (static keys or
 * credential_process), ECS container endpoint, EC2 instance metadata
 * (IMDSv2).  Credentials are cached and fetched again when they expire
 * within AWS_CREDS_REFRESH_SECONDS.  Every secret obtained is registered
 * with log_add_secret().  A provider is not thread-safe.
 */
#include <time.h>

#define AWS_CREDS_REFRESH_SECONDS 300

struct aws_credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;	/* NULL when none */
	time_t expiration;	/* 0: does not expire */
	const char *source;	/* static: "environment", "web identity",
				 * "shared files", "credential_process",
				 * "container", "instance metadata" */
};

struct aws_creds_options {
	const char *profile;	/* NULL: AWS_PROFILE or "default" */
	const char *region;	/* for STS; NULL: resolved as usual */
	const char *ca_bundle;	/* NULL: AWS_CA_BUNDLE, profile, system */
	long connect_timeout;	/* seconds; 0: 2 */
	long request_timeout;	/* seconds, whole request; 0: 10 */
	long process_timeout;	/* seconds for credential_process; 0: 60 */
};

struct aws_creds_provider;

/*
 * Creates a provider.  Nothing is read or contacted until the first
 * aws_creds_get().  opts may be NULL, and its strings are copied.
 */
struct aws_creds_provider *aws_creds_provider_new(
    const struct aws_creds_options *opts);

/*
 * Sets *out to the cached credentials, walking the chain first when there
 * are none or they expire within AWS_CREDS_REFRESH_SECONDS.  *out stays
 * valid until the next aws_creds_get(), aws_creds_invalidate() or
 * aws_creds_provider_free().  Returns 0, or -1 with one logged error that
 * lists every source tried and why it gave nothing.
 */
int aws_creds_get(struct aws_creds_provider *provider,
    const struct aws_credentials **out);

/*
 * Drops the cached credentials so the next aws_creds_get() walks the chain
 * again (after an ExpiredToken answer, say).
 */
void aws_creds_invalidate(struct aws_creds_provider *provider);

void aws_creds_provider_free(struct aws_creds_provider *provider);

/* Frees the strings of c and zeroes it. */
void aws_credentials_clear(struct aws_credentials *c);

/*
 * Parses an ISO 8601 UTC time as AWS sends it ("2026-12-04T16:00:00Z",
 * fractional seconds and "+01:00" offsets accepted).  Returns 0, or -1
 * when s is not such a time.
 */
int aws_creds_parse_time(const char *s, time_t *out);

#endif
