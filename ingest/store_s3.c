/*
 * The S3 store.  Under PREFIX: inbox/ (where SES writes), claims/ID
 * (created with If-None-Match: *, replaced with If-Match: ETAG),
 * results/ID.json, and one folder per outcome.  Filing copies the message
 * with If-None-Match: * and deletes the inbox copy only after the copy
 * exists, so a crash between the two leaves both and the next run
 * finishes the job.
 */
#include "ingest/store_s3.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "aws/s3.h"
#include "common/log.h"
#include "ingest/hook.h"

struct s3_store {
	struct store base;
	struct aws_client_options opts;	/* strings owned by the caller */
	struct aws_client *client;
	char *bucket;
	char *prefix;		/* ends in '/' unless empty */
	char *inbox;		/* PREFIX "inbox/" */
};

static struct s3_store *
s3_of(struct store *s)
{
	return (struct s3_store *)s;
}

static int
status_of(int rc)
{
	switch (rc) {
	case 0:
		return STORE_OK;
	case S3_PRECONDITION_FAILED:
		return STORE_CONFLICT;
	case S3_NOT_FOUND:
		return STORE_NOT_FOUND;
	default:
		return STORE_ERROR;
	}
}

/* Listings carry ISO 8601 times, HEAD responses carry HTTP dates. */
static time_t
parse_s3_time(const char *text)
{
	time_t t;

	if (text == NULL)
		return 0;
	if (aws_creds_parse_time(text, &t) == 0)
		return t;
	t = curl_getdate(text, NULL);
	return t > 0 ? t : 0;
}

/* Only direct children of inbox/ are messages; "inbox/" itself is not. */
static const char *
inbox_id(const struct s3_store *st, const char *key)
{
	const char *id;

	if (!str_starts_with(key, st->inbox))
		return NULL;
	id = key + strlen(st->inbox);
	if (*id == '\0' || strchr(id, '/') != NULL)
		return NULL;
	return id;
}

static int
s3_store_list(struct store *s, struct store_entries *out)
{
	struct s3_store *st = s3_of(s);
	struct s3_list_options lo = { .prefix = st->inbox };
	struct s3_object_list list;
	int rc = s3_list_objects(st->client, st->bucket, &lo, &list);
	size_t skipped = 0;

	for (size_t i = 0; rc == 0 && i < list.count; i++) {
		const struct s3_object *o = &list.items[i];
		const char *id = inbox_id(st, o->key);

		if (id != NULL)
			store_entries_add(out, id, o->key, o->size,
			    parse_s3_time(o->last_modified));
		else if (strcmp(o->key, st->inbox) != 0)
			skipped++;
	}
	/* SES writes each message directly under the prefix it is given,
	 * so an object in a sub-folder was put there by something else. */
	if (skipped > 0)
		log_warn("store: s3://%s/%s: skipped %zu objects in "
		    "sub-folders; only objects directly under it are "
		    "messages", st->bucket, st->inbox, skipped);
	s3_object_list_free(&list);
	return rc == 0 ? STORE_OK : STORE_ERROR;
}

static int
s3_store_stat(struct store *s, const char *name, struct store_entry *out)
{
	struct s3_store *st = s3_of(s);
	const char *id = inbox_id(st, name);
	struct s3_object info;
	int rc;

	if (id == NULL)
		return STORE_NOT_FOUND;
	rc = s3_head_object(st->client, st->bucket, name, &info);
	if (rc == 0) {
		out->id = xstrdup(id);
		out->name = xstrdup(name);
		out->size = info.size;
		out->stored_at = parse_s3_time(info.last_modified);
	}
	s3_object_clear(&info);
	return status_of(rc);
}

static int
s3_store_read(struct store *s, const struct store_entry *e,
    size_t max_size, struct buf *out)
{
	struct s3_store *st = s3_of(s);

	if (e->size >= 0 && (unsigned long long)e->size > max_size)
		return STORE_CONFLICT;
	return status_of(s3_get_object(st->client, st->bucket, e->name,
	    max_size, out, NULL));
}

static char *
claim_key(const struct s3_store *st, const char *id)
{
	return xasprintf("%sclaims/%s", st->prefix, id);
}

static int
s3_store_claim_create(struct store *s, const char *id, const char *body,
    char **version)
{
	struct s3_store *st = s3_of(s);
	struct s3_put_options po = {
		.content_type = "application/json", .if_none_match = true,
	};
	char *key = claim_key(st, id);
	int rc = s3_put_object(st->client, st->bucket, key, body,
	    strlen(body), &po, version);

	free(key);
	return status_of(rc);
}

static int
s3_store_claim_read(struct store *s, const char *id, struct buf *body,
    char **version)
{
	struct s3_store *st = s3_of(s);
	char *key = claim_key(st, id);
	int rc = s3_get_object(st->client, st->bucket, key, 1 << 16, body,
	    version);

	free(key);
	return status_of(rc);
}

static int
s3_store_claim_replace(struct store *s, const char *id, const char *body,
    const char *version, char **new_version)
{
	struct s3_store *st = s3_of(s);
	struct s3_put_options po = {
		.content_type = "application/json", .if_match = version,
	};
	char *key = claim_key(st, id);
	int rc = s3_put_object(st->client, st->bucket, key, body,
	    strlen(body), &po, new_version);

	free(key);
	rc = status_of(rc);
	return rc == STORE_NOT_FOUND ? STORE_CONFLICT : rc;
}

static int
s3_store_claim_delete(struct store *s, const char *id)
{
	struct s3_store *st = s3_of(s);
	char *key = claim_key(st, id);
	int rc = s3_delete_object(st->client, st->bucket, key);

	free(key);
	return status_of(rc);
}

static int
s3_store_claim_list(struct store *s, struct store_entries *out)
{
	struct s3_store *st = s3_of(s);
	char *prefix = xasprintf("%sclaims/", st->prefix);
	struct s3_list_options lo = { .prefix = prefix };
	struct s3_object_list list;
	int rc = s3_list_objects(st->client, st->bucket, &lo, &list);

	for (size_t i = 0; rc == 0 && i < list.count; i++) {
		const struct s3_object *o = &list.items[i];
		const char *id = o->key + strlen(prefix);

		if (*id != '\0' && strchr(id, '/') == NULL)
			store_entries_add(out, id, id, o->size,
			    parse_s3_time(o->last_modified));
	}
	s3_object_list_free(&list);
	free(prefix);
	return rc == 0 ? STORE_OK : STORE_ERROR;
}

static char *
result_key(const struct s3_store *st, const char *id)
{
	return xasprintf("%sresults/%s.json", st->prefix, id);
}

static int
s3_store_result_read(struct store *s, const char *id, struct buf *out)
{
	struct s3_store *st = s3_of(s);
	char *key = result_key(st, id);
	int rc = s3_get_object(st->client, st->bucket, key, 1 << 20, out,
	    NULL);

	free(key);
	return status_of(rc);
}

static int
s3_store_result_write(struct store *s, const char *id, const char *json)
{
	struct s3_store *st = s3_of(s);
	struct s3_put_options po = { .content_type = "application/json" };
	char *key = result_key(st, id);
	int rc = s3_put_object(st->client, st->bucket, key, json,
	    strlen(json), &po, NULL);

	free(key);
	return status_of(rc);
}

/*
 * The copy failed: it is only fine when an earlier run already copied
 * the message and deleted the inbox copy.
 */
static int
check_filed(struct s3_store *st, const char *src, const char *dst)
{
	struct s3_object info;
	int in_inbox = s3_head_object(st->client, st->bucket, src, &info);
	int filed;

	s3_object_clear(&info);
	if (in_inbox != S3_NOT_FOUND)
		return STORE_ERROR;
	filed = s3_head_object(st->client, st->bucket, dst, &info);
	s3_object_clear(&info);
	return filed == 0 ? STORE_OK : status_of(filed);
}

static int
s3_store_file(struct store *s, const struct store_entry *e,
    const char *outcome)
{
	struct s3_store *st = s3_of(s);
	char *dst = xasprintf("%s%s/%s", st->prefix, outcome, e->id);
	int rc = s3_copy_object(st->client, st->bucket, e->name, st->bucket,
	    dst, true);
	int status = STORE_OK;

	/* 412: the copy exists from an earlier, interrupted run. */
	if (rc != 0 && rc != S3_PRECONDITION_FAILED) {
		status = check_filed(st, e->name, dst);
		goto out;
	}
	ingest_hook_step("after-copy");
	if (s3_delete_object(st->client, st->bucket, e->name) != 0) {
		status = STORE_ERROR;
		goto out;
	}
	ingest_hook_step("after-delete-inbox");
out:
	free(dst);
	return status;
}

static struct store *s3_store_clone(struct store *s);
static void s3_store_free(struct store *s);

static const struct store_ops s3_ops = {
	"s3", s3_store_list, s3_store_stat, s3_store_read,
	s3_store_claim_create, s3_store_claim_read, s3_store_claim_replace,
	s3_store_claim_delete, s3_store_claim_list, s3_store_result_read,
	s3_store_result_write, s3_store_file, s3_store_clone, s3_store_free,
};

struct store *
store_s3_open(const struct aws_client_options *opts, const char *bucket,
    const char *prefix)
{
	struct s3_store *st = xcalloc(1, sizeof(*st));
	size_t len = prefix ? strlen(prefix) : 0;

	st->base.ops = &s3_ops;
	st->opts = *opts;
	st->client = aws_client_new(opts);
	if (st->client == NULL) {
		free(st);
		return NULL;
	}
	st->bucket = xstrdup(bucket);
	st->prefix = len == 0 || prefix[len - 1] == '/' ?
	    xstrdup(len ? prefix : "") : xasprintf("%s/", prefix);
	st->inbox = xasprintf("%sinbox/", st->prefix);
	return &st->base;
}

static struct store *
s3_store_clone(struct store *s)
{
	struct s3_store *st = s3_of(s);

	return store_s3_open(&st->opts, st->bucket, st->prefix);
}

static void
s3_store_free(struct store *s)
{
	struct s3_store *st = s3_of(s);

	aws_client_free(st->client);
	free(st->bucket);
	free(st->prefix);
	free(st->inbox);
	free(st);
}

const char *
store_s3_inbox_prefix(struct store *s)
{
	return s3_of(s)->inbox;
}
