/*
 * A driver for the certificate check against a live endpoint, run by
 * tests/integration/test_verify.py.  Without ACM_INBOX_VERIFY_PROBE in
 * the environment it only reports a skip, so the unit test run stays
 * offline.  With it, the arguments are
 *
 *	yes|auto|no FILE...
 *
 * and each message file is parsed, checked with one shared context and
 * reported as one JSON line: file, rc, status, code, text, transient,
 * certificate_arn, certificate_status, renewal_status.  Client options
 * come from ACM_INBOX_PROBE_RETRIES and ACM_INBOX_PROBE_VERBOSITY; the
 * endpoint and region from the usual AWS_* variables.  The exit status is
 * 0 when every message was read.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approve/verify.h"
#include "aws/aws.h"
#include "common/buf.h"
#include "common/log.h"
#include "parse/acm.h"
#include "tests/unit/tap.h"

static long
env_long(const char *name, long fallback)
{
	const char *value = getenv(name);

	return value ? strtol(value, NULL, 10) : fallback;
}

static int
read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(out, chunk, n);
	fclose(f);
	return 0;
}

static void
add_string(json_object *obj, const char *name, const char *value)
{
	json_object_object_add(obj, name,
	    value ? json_object_new_string(value) : NULL);
}

static void
emit(const char *path, int rc, const struct verify_result *r)
{
	json_object *line = json_object_new_object();

	add_string(line, "file", path);
	json_object_object_add(line, "rc", json_object_new_int(rc));
	add_string(line, "status", verify_status_name(r->status));
	add_string(line, "code", r->code);
	add_string(line, "text", r->text);
	json_object_object_add(line, "transient",
	    json_object_new_boolean(r->transient));
	add_string(line, "certificate_arn", r->certificate_arn);
	add_string(line, "certificate_status", r->certificate_status);
	add_string(line, "renewal_status", r->renewal_status);
	printf("%s\n", json_object_to_json_string_ext(line,
	    JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(line);
}

/* Parses and checks one message; returns 0, or -1 when unreadable. */
static int
check_file(struct verify_context *ctx, const char *path)
{
	struct mail_limits limits = {
		.max_size = 40 * 1024 * 1024, .max_depth = 10, .max_parts = 100,
	};
	struct acm_email email;
	struct verify_result result;
	struct buf data = {0};
	int rc;

	if (read_file(path, &data) != 0 || data.len == 0) {
		fprintf(stderr, "test_verify_live: %s: cannot read\n", path);
		buf_free(&data);
		return -1;
	}
	acm_email_parse(data.data, data.len, &limits, &email);
	rc = verify_certificate(ctx, &email, &result);
	emit(path, rc, &result);
	verify_result_free(&result);
	acm_email_free(&email);
	buf_free(&data);
	return 0;
}

static int
parse_setting(const char *name, enum verify_setting *out)
{
	if (strcmp(name, "yes") == 0)
		*out = VERIFY_SETTING_YES;
	else if (strcmp(name, "auto") == 0)
		*out = VERIFY_SETTING_AUTO;
	else if (strcmp(name, "no") == 0)
		*out = VERIFY_SETTING_NO;
	else
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct aws_client_options opts = {0};
	struct verify_context ctx;
	enum verify_setting setting;
	struct aws_client *client;
	int failures = 0;

	if (getenv("ACM_INBOX_VERIFY_PROBE") == NULL) {
		tap_skip("run through test_verify.py");
		return tap_done();
	}
	if (argc < 2 || parse_setting(argv[1], &setting) != 0) {
		fprintf(stderr,
		    "usage: test_verify_live yes|auto|no FILE...\n");
		return 2;
	}
	log_setup((int)env_long("ACM_INBOX_PROBE_VERBOSITY", 0),
	    LOG_FORMAT_TEXT);
	opts.retries = (int)env_long("ACM_INBOX_PROBE_RETRIES", -1);
	client = aws_client_new(&opts);
	if (client == NULL)
		return 2;
	verify_context_init(&ctx, client, setting);
	for (int i = 2; i < argc; i++)
		if (check_file(&ctx, argv[i]) != 0)
			failures++;
	verify_context_free(&ctx);
	aws_client_free(client);
	log_clear_secrets();
	return failures ? 1 : 0;
}
