/* Unit tests for common/: buffers, string helpers and log redaction. */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/str.h"
#include "tests/unit/tap.h"

static void
test_buf(void)
{
	struct buf b = {0};

	buf_append_str(&b, "abc");
	buf_printf(&b, "-%d-", 42);
	buf_append(&b, "\0x", 2);
	is_int(b.len, 9, "buf length counts embedded NUL");
	is_str(b.data, "abc-42-", "buf text up to the NUL");
	ok(b.data[b.len] == '\0', "buf stays NUL-terminated");
	buf_free(&b);
	ok(b.data == NULL && b.len == 0, "buf_free empties");

	buf_reserve(&b, 100);
	ok(b.data != NULL && b.data[0] == '\0',
	    "buf_reserve on an empty buf leaves an empty string");
	buf_free(&b);
}

static void
test_uri_encode(void)
{
	struct buf b = {0};

	str_uri_encode(&b, "a b/+=~*%\xc3\xa9", 11, false);
	is_str(b.data, "a%20b%2F%2B%3D~%2A%25%C3%A9", "uri encode all");
	buf_reset(&b);
	str_uri_encode(&b, "dir/a b", 7, true);
	is_str(b.data, "dir/a%20b", "uri encode keeps slash");
	buf_reset(&b);
	ok(str_uri_decode(&b, "a%20b+c", 7, true) == 0, "uri decode ok");
	is_str(b.data, "a b c", "uri decode plus as space");
	buf_reset(&b);
	ok(str_uri_decode(&b, "bad%2", 5, false) != 0,
	    "uri decode rejects truncated escape");
	buf_free(&b);
}

static void
test_escape(void)
{
	char *s = str_escaped("ok\x1b[31m\\\xff\xc3\xa9");

	is_str(s, "ok\\x1b[31m\\\\\\xff\xc3\xa9",
	    "escape control, backslash and invalid UTF-8");
	free(s);

	s = str_escaped("g\xe2\x80\xaeh\xe2\x81\xa6i\xe2\x80\xa8j"
	    "\xe2\x80\x8fk");
	is_str(s, "g\\xe2\\x80\\xaeh\\xe2\\x81\\xa6i\\xe2\\x80\\xa8j"
	    "\\xe2\\x80\\x8fk", "escape bidi controls and separators");
	free(s);
	s = str_escaped("\xe2\x80\x94 \xe2\x82\xac \xe2\x80\x8b");
	is_str(s, "\xe2\x80\x94 \xe2\x82\xac \xe2\x80\x8b",
	    "keep other three-byte characters");
	free(s);
}

static void
test_parse(void)
{
	long v = 0;
	bool b = false;

	ok(str_parse_long("42", 1, 100, &v) == 0 && v == 42, "parse long");
	ok(str_parse_long("420", 1, 100, &v) != 0, "parse long range");
	ok(str_parse_long("4x", 1, 100, &v) != 0, "parse long junk");
	ok(str_parse_long("", 1, 100, &v) != 0, "parse long empty");
	ok(str_parse_bool("Yes", &b) == 0 && b, "parse bool yes");
	ok(str_parse_bool("off", &b) == 0 && !b, "parse bool off");
	ok(str_parse_bool("maybe", &b) != 0, "parse bool invalid");
}

static void
test_redact(void)
{
	char *s;

	s = log_redact("GET https://us-east-1.acm-certificates.amazon.com/"
	    "approvals?code=abc-123&context=xyz789 done");
	is_str(s, "GET https://us-east-1.acm-certificates.amazon.com/"
	    "approvals?code=[REDACTED]&context=[REDACTED] done",
	    "redact approval code and context");
	free(s);

	s = log_redact("Authorization: AWS4-HMAC-SHA256 Credential=x\n"
	    "Host: s3\ncookie: session=1");
	is_str(s, "Authorization: [REDACTED]\nHost: s3\ncookie: [REDACTED]",
	    "redact headers");
	free(s);

	s = log_redact("{\"SecretAccessKey\": \"abc\\\"d\", \"Other\":\"x\"}");
	is_str(s, "{\"SecretAccessKey\": \"[REDACTED]\", \"Other\":\"x\"}",
	    "redact JSON member");
	free(s);

	log_add_secret("supersecretvalue");
	s = log_redact("key supersecretvalue in text");
	is_str(s, "key [REDACTED] in text", "redact registered secret");
	free(s);
	log_clear_secrets();

	s = log_redact("error_code=5 barcode=7");
	is_str(s, "error_code=5 barcode=7", "redact leaves similar names");
	free(s);
}

static void
test_json_escape(void)
{
	/* U+009B (CSI), U+202E (right-to-left override), then plain é. */
	const char *json = "{\"s\":\"a\xc2\x9b" "b\xe2\x80\xae" "c\xc3\xa9\"}";
	struct buf b = {0};

	str_json_escape_controls(&b, json, strlen(json));
	is_str(b.data, "{\"s\":\"a\\u009bb\\u202ec\xc3\xa9\"}",
	    "JSON escape C1 and bidirectional controls");
	buf_free(&b);
}

int
main(void)
{
	test_json_escape();
	test_buf();
	test_uri_encode();
	test_escape();
	test_parse();
	test_redact();
	return tap_done();
}
