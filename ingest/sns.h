#ifndef INGEST_SNS_H
#define INGEST_SNS_H

/*
 * SNS notifications as a message source: the envelope SNS delivers for
 * SES's "Received" event, verified before the object it names is read.
 */
#include <stddef.h>

#include "common/str.h"

struct sns_verify_options {
	const char *topic;	/* ARN, or a bare topic name */
	const char *cache_dir;	/* signing certificates are kept here */
	const char *ca_bundle;	/* NULL: the system store */
	const struct strlist *connect_to;
	long connect_timeout;	/* seconds */
	long request_timeout;	/* seconds */
};

enum {
	SNS_OK = 0,
	SNS_REJECTED = -1,	/* not a valid notification for us */
	SNS_FETCH_FAILED = -2,	/* the signing certificate was unreachable */
};

/*
 * Verifies an SNS envelope: Type Notification, TopicArn equal to the
 * configured topic, SigningCertURL on https://sns.REGION.amazonaws.com
 * (or .amazonaws.com.cn) ending in .pem, and the RSA signature
 * (SignatureVersion 1: SHA1, 2: SHA256) over the string to sign, with the
 * certificate fetched once and then read from cache_dir.  Then reads the
 * SES "Received" event in Message and sets *bucket and *key (newly
 * allocated) to the S3 object it names.  Returns SNS_OK, SNS_REJECTED or
 * SNS_FETCH_FAILED, logging why.
 */
int sns_notification_verify(const char *json, size_t len,
    const struct sns_verify_options *opts, char **bucket, char **key);

/* Returns true when url may serve an SNS signing certificate. */
int sns_cert_url_valid(const char *url);

#endif
