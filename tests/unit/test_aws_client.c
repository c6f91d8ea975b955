/*
 * Unit tests for the request layer's pure parts: URL building, error
 * documents, retry and skew decisions, backoff bounds, the XML helpers.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/xml.h"
#include "common/log.h"
#include "tests/unit/tap.h"

/* Builds the URL for req against endpoint; returns it newly allocated. */
static char *
url_for(const char *endpoint, bool path_style, const struct aws_request *req,
    char **host)
{
	struct aws_target target;
	char *url;

	if (aws_target_build(endpoint, path_style, req, &target) != 0)
		return NULL;
	url = aws_target_url(&target, req);
	if (host != NULL)
		*host = strdup(target.host);
	aws_target_free(&target);
	return url;
}

static void
test_url_virtual_host(void)
{
	struct aws_request req = {
		.service = "s3", .method = "GET", .bucket = "my-bucket",
		.path = "/inbox/a b+c%d~e*f=g/\xc3\xa9",
	};
	char *host = NULL;
	char *url = url_for("https://s3.eu-west-1.amazonaws.com", false,
	    &req, &host);

	is_str(url, "https://my-bucket.s3.eu-west-1.amazonaws.com"
	    "/inbox/a%20b%2Bc%25d~e%2Af%3Dg/%C3%A9",
	    "s3 virtual host: key encoded once, slashes kept");
	is_str(host, "my-bucket.s3.eu-west-1.amazonaws.com",
	    "s3 virtual host: Host header");
	free(url);
	free(host);
}

static void
test_url_bucket_names(void)
{
	static const char *const bad[] = {
		"../x", "a/b", "ab", "bucket?x", "bucket#x", "spa ce", "",
	};
	static const char *const good[] = {
		"my-bucket", "my.bucket.example", "Legacy_Bucket", "abc",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct aws_request req = {
			.service = "s3", .method = "GET", .bucket = bad[i],
			.path = "/key",
		};
		char *url = url_for("http://127.0.0.1:9", true, &req, NULL);

		ok(url == NULL, "bucket name \"%s\" rejected", bad[i]);
		free(url);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct aws_request req = {
			.service = "s3", .method = "GET", .bucket = good[i],
			.path = "/key",
		};
		char *url = url_for("http://127.0.0.1:9", true, &req, NULL);

		ok(url != NULL, "bucket name \"%s\" accepted", good[i]);
		free(url);
	}
}

static void
test_url_path_style(void)
{
	struct aws_request req = {
		.service = "s3", .method = "GET", .bucket = "my-bucket",
		.path = "/a/../b//c",
	};
	char *host = NULL;
	char *url = url_for("http://127.0.0.1:5000", true, &req, &host);

	is_str(url, "http://127.0.0.1:5000/my-bucket/a/../b//c",
	    "s3 path style: bucket first, path not normalized");
	is_str(host, "127.0.0.1:5000", "s3 path style: Host keeps the port");
	free(url);
	free(host);

	req.bucket = "mail.example.com";
	req.path = "/";
	url = url_for("https://s3.us-east-1.amazonaws.com:443", false, &req,
	    &host);
	is_str(url, "https://s3.us-east-1.amazonaws.com/mail.example.com",
	    "s3 bucket with dots: path style, default port dropped");
	is_str(host, "s3.us-east-1.amazonaws.com", "Host without :443");
	free(url);
	free(host);

	req.bucket = "Upper_Case";
	url = url_for("https://s3.us-east-1.amazonaws.com", false, &req,
	    NULL);
	is_str(url, "https://s3.us-east-1.amazonaws.com/Upper_Case",
	    "s3 bucket that is not a DNS label: path style");
	free(url);
}

static void
test_url_query(void)
{
	struct aws_param query[] = {
		{ "list-type", "2" },
		{ "continuation-token", "1/a+b=c==" },
		{ "prefix", "in box/" },
	};
	struct aws_request req = {
		.service = "s3", .method = "GET", .bucket = "bkt",
		.path = "/", .query = query, .query_count = 3,
	};
	char *url = url_for("https://s3.us-east-1.amazonaws.com", false,
	    &req, NULL);

	is_str(url, "https://bkt.s3.us-east-1.amazonaws.com/"
	    "?continuation-token=1%2Fa%2Bb%3Dc%3D%3D&list-type=2"
	    "&prefix=in%20box%2F",
	    "query encoded and sorted; token's / + = escaped");
	free(url);
}

static void
test_url_other_services(void)
{
	struct aws_request req = {
		.service = "route53", .method = "GET",
		.path = "/2013-04-01/hostedzone/Z1/../Z2",
	};
	char *url = url_for("https://route53.amazonaws.com", false, &req,
	    NULL);

	is_str(url, "https://route53.amazonaws.com/2013-04-01/hostedzone/Z2",
	    "route53 path normalized");
	free(url);

	req.service = "ses";
	req.path = NULL;
	url = url_for("https://email.us-east-1.amazonaws.com", false, &req,
	    NULL);
	is_str(url, "https://email.us-east-1.amazonaws.com/",
	    "query protocol posts to /");
	free(url);

	ok(url_for("ftp://example.com", false, &req, NULL) == NULL,
	    "non-http endpoint rejected");
	ok(url_for("https://example.com/base", false, &req, NULL) == NULL,
	    "endpoint with a path rejected");
}

/* Fills resp as if the server had sent status, body and one header. */
static void
fake_response(struct aws_response *resp, long status, const char *body,
    const char *header)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = status;
	if (body != NULL)
		buf_append_str(&resp->body, body);
	if (header != NULL)
		strlist_add(&resp->headers, header);
}

static void
test_error_s3(void)
{
	struct aws_response resp;
	char *text;

	fake_response(&resp, 403,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
	    "<Code>SignatureDoesNotMatch</Code><Message>The request "
	    "signature &amp; key&#x7f; differ</Message>"
	    "<RequestId>R1</RequestId></Error>", NULL);
	aws_error_parse(&resp);
	is_str(resp.error_code, "SignatureDoesNotMatch", "s3 error code");
	is_str(resp.error_message, "The request signature & key\x7f differ",
	    "s3 error message, entity decoded");
	is_str(resp.request_id, "R1", "s3 request id");
	text = aws_error_string(&resp);
	is_str(text, "403 SignatureDoesNotMatch: The request signature & "
	    "key\\x7f differ (request id R1)",
	    "error string escapes control characters");
	free(text);
	aws_response_free(&resp);
}

static void
test_error_query(void)
{
	struct aws_response resp;

	fake_response(&resp, 400,
	    "<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">"
	    "<Error><Type>Sender</Type><Code>AlreadyExists</Code>"
	    "<Message>Rule set exists</Message></Error>"
	    "<RequestId>Q1</RequestId></ErrorResponse>", NULL);
	aws_error_parse(&resp);
	is_str(resp.error_code, "AlreadyExists", "query error code");
	is_str(resp.error_message, "Rule set exists", "query error message");
	is_str(resp.request_id, "Q1", "query request id");
	aws_response_free(&resp);

	fake_response(&resp, 400,
	    "<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/"
	    "2013-04-01/\"><Messages><Message>Tried to create a record that "
	    "already exists</Message></Messages><RequestId>R53</RequestId>"
	    "</InvalidChangeBatch>", NULL);
	aws_error_parse(&resp);
	is_str(resp.error_code, "InvalidChangeBatch", "route53 batch code");
	is_str(resp.error_message, "Tried to create a record that already "
	    "exists", "route53 batch message");
	aws_response_free(&resp);
}

static void
test_error_json(void)
{
	struct aws_response resp;

	fake_response(&resp, 400,
	    "{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\","
	    "\"message\":\"The security token included in the request is "
	    "expired\"}", "x-amzn-requestid: J1");
	aws_error_parse(&resp);
	is_str(resp.error_code, "ExpiredTokenException",
	    "json __type namespace dropped");
	is_str(resp.error_message, "The security token included in the "
	    "request is expired", "json message");
	is_str(resp.request_id, "J1", "json request id from header");
	aws_response_free(&resp);

	fake_response(&resp, 400, "{\"Message\":\"Capitalised\"}",
	    "x-amzn-errortype: ValidationException:http://internal.amazon");
	aws_error_parse(&resp);
	is_str(resp.error_code, "ValidationException",
	    "x-amzn-ErrorType header, suffix dropped");
	is_str(resp.error_message, "Capitalised", "json Message");
	aws_response_free(&resp);

	fake_response(&resp, 404, NULL, NULL);
	aws_error_parse(&resp);
	is_str(resp.error_code, "NotFound", "HEAD 404 without body");
	aws_response_free(&resp);

	fake_response(&resp, 502, "<html>bad gateway</html>", NULL);
	aws_error_parse(&resp);
	ok(resp.error_code == NULL, "HTML body: no code invented");
	aws_response_free(&resp);
}

static void
test_error_string_transport(void)
{
	struct aws_response resp;
	char *text;

	memset(&resp, 0, sizeof(resp));
	resp.endpoint = strdup("https://127.0.0.1:4443");
	resp.error_message = strdup("Operation timed out after 2000 "
	    "milliseconds with 0 bytes received");
	text = aws_error_string(&resp);
	is_str(text, "no response from https://127.0.0.1:4443: Operation "
	    "timed out after 2000 milliseconds with 0 bytes received",
	    "transport error names the endpoint");
	free(text);
	free(resp.error_code);
	resp.error_code = strdup("RequestNotSent");
	free(resp.error_message);
	resp.error_message = strdup("signing failed");
	text = aws_error_string(&resp);
	is_str(text, "request to https://127.0.0.1:4443 not sent: signing "
	    "failed", "unsent request is not called a missing response");
	free(text);
	aws_response_free(&resp);
}

static void
test_retryable(void)
{
	static const struct {
		long status;
		const char *code;
		bool retry;
	} cases[] = {
		{ 503, "SlowDown", true },
		{ 500, "InternalError", true },
		{ 429, NULL, true },
		{ 400, "Throttling", true },
		{ 400, "ThrottlingException", true },
		{ 400, "TooManyRequestsException", true },
		{ 400, "RequestLimitExceeded", true },
		{ 400, "RequestTimeout", true },
		{ 409, "ConditionalRequestConflict", true },
		{ 200, "InternalError", true },
		{ 409, "BucketAlreadyExists", false },
		{ 403, "AccessDenied", false },
		{ 404, "NoSuchKey", false },
		{ 412, "PreconditionFailed", false },
	};
	struct aws_response resp;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&resp, 0, sizeof(resp));
		resp.status = cases[i].status;
		resp.error_code = (char *)cases[i].code;
		is_int(aws_error_retryable(&resp, false), cases[i].retry,
		    "retry %ld %s", cases[i].status,
		    cases[i].code ? cases[i].code : "-");
	}
	memset(&resp, 0, sizeof(resp));
	ok(aws_error_retryable(&resp, true), "transport error: retried");
	ok(!aws_error_retryable(&resp, false),
	    "transport error not retryable: not retried");
}

static void
test_clock_skew(void)
{
	struct aws_response resp;
	time_t now = 1764864000;	/* Thu, 04 Dec 2025 16:00:00 GMT */

	fake_response(&resp, 403, NULL,
	    "date: Thu, 04 Dec 2025 17:00:00 GMT");
	resp.error_code = strdup("SignatureDoesNotMatch");
	ok(aws_error_clock_skewed(&resp, now),
	    "SignatureDoesNotMatch with a Date an hour off: skew");
	ok(!aws_error_clock_skewed(&resp, now + 3600 - 60),
	    "SignatureDoesNotMatch with a close Date: not skew");
	free(resp.error_code);
	resp.error_code = strdup("RequestTimeTooSkewed");
	ok(aws_error_clock_skewed(&resp, now), "RequestTimeTooSkewed: skew");
	free(resp.error_code);
	resp.error_code = strdup("InvalidSignatureException");
	resp.error_message = strdup("Signature expired: 20251204T150000Z is "
	    "now earlier than ...");
	ok(aws_error_clock_skewed(&resp, now),
	    "InvalidSignatureException Signature expired: skew");
	aws_response_free(&resp);
}

static void
test_backoff(void)
{
	bool within = true, reaches_cap = false;

	is_int(aws_backoff_ms(0, 100, 5000, 0.0), 0, "backoff floor is 0");
	is_int(aws_backoff_ms(0, 100, 5000, 0.999), 99,
	    "first retry below the base");
	is_int(aws_backoff_ms(3, 100, 5000, 0.5), 400,
	    "fourth retry: half of 800");
	is_int(aws_backoff_ms(40, 100, 5000, 0.999), 4995,
	    "large attempt stays under the cap");
	is_int(aws_backoff_ms(2, 100, 5000, 1.5), 0,
	    "random value out of range treated as 0");
	for (int attempt = 0; attempt < 64; attempt++) {
		long ms = aws_backoff_ms(attempt, 100, 5000, 0.9999);

		if (ms < 0 || ms > 5000)
			within = false;
		if (ms >= 4990)
			reaches_cap = true;
	}
	ok(within, "backoff within [0, cap] for 64 attempts");
	ok(reaches_cap, "backoff grows up to the cap");
}

static void
test_xml(void)
{
	static const char doc_text[] =
	    "<?xml version=\"1.0\"?>\n<ListBucketResult xmlns=\"http://s3."
	    "amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
	    "<Contents><Key>a&amp;b&#x20;&lt;c&gt;</Key></Contents>"
	    "<Contents><Key>second</Key></Contents></ListBucketResult>";
	static const char dtd[] = "<!DOCTYPE x [<!ENTITY e SYSTEM "
	    "\"file:///etc/passwd\">]><x>&e;</x>";
	xmlDoc *doc = xml_parse(doc_text, strlen(doc_text));
	const xmlNode *root = xml_root(doc, "ListBucketResult");
	const xmlNode *n;
	char *text;
	int count = 0;
	struct buf b = {0};

	ok(root != NULL, "xml root by local name despite namespace");
	text = xml_path_text(root, "Contents/Key");
	is_str(text, "a&b <c>", "xml text with entities decoded");
	free(text);
	for (n = xml_child(root, "Contents"); n; n = xml_next(n, "Contents"))
		count++;
	is_int(count, 2, "xml iterates repeated elements");
	text = xml_doc_text(doc, "ListBucketResult/Name");
	is_str(text, "b", "xml_doc_text from the root");
	free(text);
	ok(xml_doc_text(doc, "Other/Name") == NULL, "xml wrong root: NULL");
	ok(xml_path(root, "Missing/Key") == NULL, "xml missing step: NULL");
	xml_free(doc);

	ok(xml_parse(dtd, strlen(dtd)) == NULL, "xml with a DTD rejected");
	ok(xml_parse("<a>", 3) == NULL, "xml not well-formed: NULL");
	ok(xml_parse("", 0) == NULL, "xml empty: NULL");
	xml_escape(&b, "a<b>&\"c\"");
	is_str(b.data, "a&lt;b&gt;&amp;&quot;c&quot;", "xml escape");
	buf_free(&b);
}

int
main(void)
{
	test_url_virtual_host();
	test_url_bucket_names();
	test_url_path_style();
	test_url_query();
	test_url_other_services();
	test_error_s3();
	test_error_query();
	test_error_json();
	test_error_string_transport();
	test_retryable();
	test_clock_skew();
	test_backoff();
	test_xml();
	return tap_done();
}
