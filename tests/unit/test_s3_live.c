/*
 * A driver for the S3 module against a live endpoint, run by the
 * integration tests.  Without ACM_INBOX_S3_PROBE in the environment it
 * only reports a skip, so the unit test run stays offline.  With it, argv
 * is a sequence of operations, and each prints one JSON line:
 *
 *   create-bucket BUCKET REGION|-     head-bucket BUCKET
 *   delete-bucket BUCKET              put BUCKET KEY FILE
 *   put-if-none-match BUCKET KEY FILE put-if-match BUCKET KEY FILE ETAG
 *   get BUCKET KEY MAX_SIZE           get-file BUCKET KEY MAX_SIZE FILE
 *   head BUCKET KEY                   list BUCKET PREFIX|-
 *   list-from BUCKET PREFIX|- START_AFTER MAX_TOTAL
 *   copy BUCKET SRC DST               copy-if-none-match BUCKET SRC DST
 *   delete BUCKET KEY                 put-policy BUCKET FILE
 *   get-policy BUCKET                 public-access-block BUCKET
 *   encryption BUCKET                 lifecycle BUCKET ID PREFIX DAYS
 *   json SERVICE TARGET BODY
 *   query SERVICE ACTION VERSION NAME VALUE  (one parameter)
 *
 * Client options come from ACM_INBOX_PROBE_RETRIES, _TIMEOUT (seconds),
 * _CONNECT_TO and _VERBOSITY.  The exit status is 0 when every operation
 * returned 0.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/s3.h"
#include "common/buf.h"
#include "common/log.h"
#include "tests/unit/tap.h"

struct probe {
	struct aws_client *client;
	char **argv;
	int argc;
	int next;
	int failures;
};

static const char *
probe_arg(struct probe *p)
{
	if (p->next >= p->argc) {
		fprintf(stderr, "test_s3_live: missing argument\n");
		exit(2);
	}
	return p->argv[p->next++];
}

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
emit(struct probe *p, const char *op, int rc, json_object *result)
{
	json_object_object_add(result, "op", json_object_new_string(op));
	json_object_object_add(result, "rc", json_object_new_int(rc));
	printf("%s\n", json_object_to_json_string_ext(result,
	    JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(result);
	if (rc != 0)
		p->failures++;
}

static void
add_string(json_object *obj, const char *name, const char *value)
{
	json_object_object_add(obj, name,
	    value ? json_object_new_string(value) : NULL);
}

static int
op_put(struct probe *p, const char *op, json_object *result)
{
	const char *bucket = probe_arg(p), *key = probe_arg(p);
	const char *path = probe_arg(p);
	struct s3_put_options opts = {0};
	struct buf data = {0};
	char *etag = NULL;
	int rc;

	if (strcmp(op, "put-if-none-match") == 0)
		opts.if_none_match = true;
	if (strcmp(op, "put-if-match") == 0)
		opts.if_match = probe_arg(p);
	if (read_file(path, &data) != 0)
		return -1;
	rc = s3_put_object(p->client, bucket, key, data.data, data.len,
	    &opts, &etag);
	add_string(result, "etag", etag);
	free(etag);
	buf_free(&data);
	return rc;
}

static int
op_get(struct probe *p, const char *op, json_object *result)
{
	const char *bucket = probe_arg(p), *key = probe_arg(p);
	size_t max_size = (size_t)strtoul(probe_arg(p), NULL, 10);
	struct buf data = {0};
	char *etag = NULL;
	int rc;

	if (strcmp(op, "get-file") == 0) {
		FILE *f = fopen(probe_arg(p), "wb");

		if (f == NULL)
			return -1;
		rc = s3_get_object_to_file(p->client, bucket, key, max_size,
		    f, &etag);
		fclose(f);
	} else {
		rc = s3_get_object(p->client, bucket, key, max_size, &data,
		    &etag);
		add_string(result, "body", data.data ? data.data : "");
	}
	add_string(result, "etag", etag);
	free(etag);
	buf_free(&data);
	return rc;
}

static int
op_head(struct probe *p, json_object *result)
{
	const char *bucket = probe_arg(p), *key = probe_arg(p);
	struct s3_object info;
	int rc = s3_head_object(p->client, bucket, key, &info);

	if (rc == 0) {
		json_object_object_add(result, "size",
		    json_object_new_int64(info.size));
		add_string(result, "etag", info.etag);
	}
	s3_object_clear(&info);
	return rc;
}

static int
op_list(struct probe *p, const char *op, json_object *result)
{
	const char *bucket = probe_arg(p), *prefix = probe_arg(p);
	struct s3_list_options opts = {
		.prefix = strcmp(prefix, "-") ? prefix : NULL,
	};
	struct s3_object_list list;
	json_object *keys = json_object_new_array();
	int rc;

	if (strcmp(op, "list-from") == 0) {
		opts.start_after = probe_arg(p);
		opts.max_total = (size_t)strtoul(probe_arg(p), NULL, 10);
	}
	rc = s3_list_objects(p->client, bucket, &opts, &list);

	for (size_t i = 0; i < list.count; i++)
		json_object_array_add(keys,
		    json_object_new_string(list.items[i].key));
	json_object_object_add(result, "keys", keys);
	json_object_object_add(result, "count",
	    json_object_new_int64((long long)list.count));
	if (list.count > 0) {
		json_object_object_add(result, "first_size",
		    json_object_new_int64(list.items[0].size));
		add_string(result, "first_etag", list.items[0].etag);
	}
	s3_object_list_free(&list);
	return rc;
}

static int
op_policy(struct probe *p, const char *op, json_object *result)
{
	const char *bucket = probe_arg(p);
	struct buf data = {0};
	char *policy = NULL;
	int rc;

	if (strcmp(op, "get-policy") == 0) {
		rc = s3_get_bucket_policy(p->client, bucket, &policy);
		add_string(result, "policy", policy);
		free(policy);
		return rc;
	}
	if (read_file(probe_arg(p), &data) != 0)
		return -1;
	rc = s3_put_bucket_policy(p->client, bucket, data.data);
	buf_free(&data);
	return rc;
}

static int
op_lifecycle(struct probe *p)
{
	const char *bucket = probe_arg(p);
	struct s3_lifecycle_rule rule = {
		.id = probe_arg(p), .prefix = probe_arg(p),
	};

	rule.expiration_days = atoi(probe_arg(p));
	return s3_put_bucket_lifecycle(p->client, bucket, &rule, 1);
}

/* Raw protocol calls, for the fault tests' error documents. */
static int
op_protocol(struct probe *p, const char *op, json_object *result)
{
	const char *service = probe_arg(p), *a = probe_arg(p);
	const char *b = probe_arg(p);
	struct aws_response resp;
	char *error;
	int rc;

	if (strcmp(op, "json") == 0) {
		rc = aws_json(p->client, service, a, b, &resp);
	} else {
		struct aws_param param;

		param.name = probe_arg(p);
		param.value = probe_arg(p);
		rc = aws_query(p->client, service, a, b, &param, 1, &resp);
	}
	json_object_object_add(result, "status",
	    json_object_new_int((int)resp.status));
	add_string(result, "code", resp.error_code);
	add_string(result, "message", resp.error_message);
	error = rc ? aws_error_string(&resp) : NULL;
	add_string(result, "error", error);
	add_string(result, "body", rc ? NULL : resp.body.data);
	free(error);
	aws_response_free(&resp);
	return rc;
}

static int
run_bucket_op(struct probe *p, const char *op)
{
	const char *bucket = probe_arg(p);

	if (strcmp(op, "create-bucket") == 0) {
		const char *region = probe_arg(p);

		return s3_create_bucket(p->client, bucket,
		    strcmp(region, "-") ? region : NULL);
	}
	if (strcmp(op, "head-bucket") == 0)
		return s3_head_bucket(p->client, bucket);
	if (strcmp(op, "delete-bucket") == 0)
		return s3_delete_bucket(p->client, bucket);
	if (strcmp(op, "public-access-block") == 0)
		return s3_put_public_access_block(p->client, bucket);
	if (strcmp(op, "encryption") == 0)
		return s3_put_bucket_encryption(p->client, bucket);
	if (strcmp(op, "delete") == 0)
		return s3_delete_object(p->client, bucket, probe_arg(p));
	if (strncmp(op, "copy", 4) == 0) {
		const char *src = probe_arg(p), *dst = probe_arg(p);

		return s3_copy_object(p->client, bucket, src, bucket, dst,
		    strcmp(op, "copy-if-none-match") == 0);
	}
	fprintf(stderr, "test_s3_live: unknown operation %s\n", op);
	exit(2);
}

static int
run_op(struct probe *p, const char *op, json_object *result)
{
	if (strncmp(op, "put-policy", 10) == 0 ||
	    strcmp(op, "get-policy") == 0)
		return op_policy(p, op, result);
	if (strncmp(op, "put", 3) == 0)
		return op_put(p, op, result);
	if (strncmp(op, "get", 3) == 0)
		return op_get(p, op, result);
	if (strcmp(op, "head") == 0)
		return op_head(p, result);
	if (strncmp(op, "list", 4) == 0)
		return op_list(p, op, result);
	if (strcmp(op, "lifecycle") == 0)
		return op_lifecycle(p);
	if (strcmp(op, "json") == 0 || strcmp(op, "query") == 0)
		return op_protocol(p, op, result);
	return run_bucket_op(p, op);
}

int
main(int argc, char **argv)
{
	struct strlist connect_to = {0};
	struct aws_client_options opts = {0};
	struct probe p = { .argv = argv, .argc = argc, .next = 1 };

	if (getenv("ACM_INBOX_S3_PROBE") == NULL) {
		tap_skip("S3 probe: run by tests/integration/test_s3.py");
		return tap_done();
	}
	log_setup((int)env_long("ACM_INBOX_PROBE_VERBOSITY", 0),
	    LOG_FORMAT_TEXT);
	if (getenv("ACM_INBOX_PROBE_CONNECT_TO") != NULL)
		strlist_add(&connect_to, getenv("ACM_INBOX_PROBE_CONNECT_TO"));
	opts.connect_to = &connect_to;
	opts.retries = (int)env_long("ACM_INBOX_PROBE_RETRIES", -1);
	opts.request_timeout = env_long("ACM_INBOX_PROBE_TIMEOUT", 0);
	p.client = aws_client_new(&opts);
	if (p.client == NULL)
		return 2;
	while (p.next < argc) {
		const char *op = argv[p.next++];
		json_object *result = json_object_new_object();

		emit(&p, op, run_op(&p, op, result), result);
	}
	aws_client_free(p.client);
	strlist_free(&connect_to);
	log_clear_secrets();
	return p.failures ? 1 : 0;
}
