/*
 * SNS envelope checks that need no network: which certificate URLs are
 * accepted, and which envelopes are rejected before any fetch.
 */
#include <string.h>

#include "common/log.h"
#include "ingest/sns.h"
#include "tests/unit/tap.h"

static const struct {
	const char *url;
	int valid;
} urls[] = {
	{ "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-"
	    "abc.pem", 1 },
	{ "https://sns.cn-north-1.amazonaws.com.cn/cert.pem", 1 },
	{ "https://sns.us-east-1.amazonaws.com:443/cert.pem", 1 },
	{ "http://sns.us-east-1.amazonaws.com/cert.pem", 0 },
	{ "https://sns.us-east-1.amazonaws.com:8443/cert.pem", 0 },
	{ "https://sns.us-east-1.amazonaws.com/cert.pem.txt", 0 },
	{ "https://sns.us-east-1.amazonaws.com/cert", 0 },
	{ "https://sns.amazonaws.com/cert.pem", 0 },
	{ "https://sns..amazonaws.com/cert.pem", 0 },
	{ "https://sns.us_east.amazonaws.com/cert.pem", 0 },
	{ "https://sns.us-east-1.amazonaws.com.evil.test/cert.pem", 0 },
	{ "https://evil.test/sns.us-east-1.amazonaws.com/cert.pem", 0 },
	{ "https://user@sns.us-east-1.amazonaws.com/cert.pem", 0 },
	{ "https://s3.us-east-1.amazonaws.com/cert.pem", 0 },
	{ "https://sns.us-east-1.amazonaws.com/cert.pem#x", 0 },
	{ "not a url", 0 },
};

static const char *const rejected[] = {
	"{not json",
	"[]",
	"{\"Type\": \"SubscriptionConfirmation\"}",
	/* Every field but the signature. */
	"{\"Type\": \"Notification\", \"MessageId\": \"m\", \"TopicArn\": "
	"\"arn:aws:sns:us-east-1:111122223333:t\", \"Message\": \"{}\", "
	"\"Timestamp\": \"2026-01-01T00:00:00Z\", \"SignatureVersion\": \"2\","
	" \"SigningCertURL\": \"https://sns.us-east-1.amazonaws.com/c.pem\"}",
	/* Another topic. */
	"{\"Type\": \"Notification\", \"MessageId\": \"m\", \"TopicArn\": "
	"\"arn:aws:sns:us-east-1:999988887777:t\", \"Message\": \"{}\", "
	"\"Timestamp\": \"2026-01-01T00:00:00Z\", \"SignatureVersion\": \"2\","
	" \"Signature\": \"AAAA\", "
	"\"SigningCertURL\": \"https://sns.us-east-1.amazonaws.com/c.pem\"}",
	/* An unknown signature version. */
	"{\"Type\": \"Notification\", \"MessageId\": \"m\", \"TopicArn\": "
	"\"arn:aws:sns:us-east-1:111122223333:t\", \"Message\": \"{}\", "
	"\"Timestamp\": \"2026-01-01T00:00:00Z\", \"SignatureVersion\": \"3\","
	" \"Signature\": \"AAAA\", "
	"\"SigningCertURL\": \"https://sns.us-east-1.amazonaws.com/c.pem\"}",
	/* A certificate URL off SNS's hosts. */
	"{\"Type\": \"Notification\", \"MessageId\": \"m\", \"TopicArn\": "
	"\"arn:aws:sns:us-east-1:111122223333:t\", \"Message\": \"{}\", "
	"\"Timestamp\": \"2026-01-01T00:00:00Z\", \"SignatureVersion\": \"1\","
	" \"Signature\": \"AAAA\", "
	"\"SigningCertURL\": \"https://evil.test/c.pem\"}",
};

int
main(void)
{
	struct sns_verify_options o = {
		.topic = "arn:aws:sns:us-east-1:111122223333:t",
		.connect_timeout = 1, .request_timeout = 1,
	};

	log_setup(-2, LOG_FORMAT_TEXT);
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		is_int(sns_cert_url_valid(urls[i].url), urls[i].valid,
		    "cert URL %s", urls[i].url);
	for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
		char *bucket = NULL, *key = NULL;
		int rc = sns_notification_verify(rejected[i],
		    strlen(rejected[i]), &o, &bucket, &key);

		is_int(rc, SNS_REJECTED, "envelope %zu rejected", i);
		ok(bucket == NULL && key == NULL, "envelope %zu names no object",
		    i);
	}
	/* A bare topic name is compared with the ARN's last part. */
	o.topic = "other";
	{
		char *bucket = NULL, *key = NULL;

		is_int(sns_notification_verify(rejected[4], strlen(rejected[4]),
		    &o, &bucket, &key), SNS_REJECTED,
		    "bare topic name compared");
	}
	return tap_done();
}
