#include "ingest/store.h"

#include <stdlib.h>
#include <string.h>

int
store_list(struct store *s, struct store_entries *out)
{
	int status = s->ops->list(s, out);

	if (status == STORE_OK)
		store_entries_sort(out);
	return status;
}

int
store_stat(struct store *s, const char *name, struct store_entry *out)
{
	memset(out, 0, sizeof(*out));
	return s->ops->stat(s, name, out);
}

int
store_read(struct store *s, const struct store_entry *e, size_t max_size,
    struct buf *out)
{
	buf_reset(out);
	return s->ops->read(s, e, max_size, out);
}

int
store_claim_create(struct store *s, const char *id, const char *body,
    char **version)
{
	*version = NULL;
	return s->ops->claim_create(s, id, body, version);
}

int
store_claim_read(struct store *s, const char *id, struct buf *body,
    char **version)
{
	*version = NULL;
	buf_reset(body);
	return s->ops->claim_read(s, id, body, version);
}

int
store_claim_replace(struct store *s, const char *id, const char *body,
    const char *version, char **new_version)
{
	char *ignored = NULL;
	int status;

	status = s->ops->claim_replace(s, id, body, version,
	    new_version != NULL ? new_version : &ignored);
	free(ignored);
	return status;
}

int
store_claim_delete(struct store *s, const char *id)
{
	return s->ops->claim_delete(s, id);
}

int
store_claim_list(struct store *s, struct store_entries *out)
{
	return s->ops->claim_list(s, out);
}

int
store_result_read(struct store *s, const char *id, struct buf *out)
{
	buf_reset(out);
	return s->ops->result_read(s, id, out);
}

int
store_result_write(struct store *s, const char *id, const char *json)
{
	return s->ops->result_write(s, id, json);
}

int
store_file(struct store *s, const struct store_entry *e, const char *outcome)
{
	return s->ops->file(s, e, outcome);
}

struct store *
store_clone(struct store *s)
{
	return s->ops->clone(s);
}

void
store_free(struct store *s)
{
	if (s != NULL)
		s->ops->free(s);
}

void
store_entry_clear(struct store_entry *e)
{
	free(e->id);
	free(e->name);
	memset(e, 0, sizeof(*e));
}

void
store_entries_add(struct store_entries *list, const char *id,
    const char *name, long long size, time_t stored_at)
{
	struct store_entry *e;

	if (list->count == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 64;
		list->items = xrealloc(list->items,
		    list->cap * sizeof(*list->items));
	}
	e = &list->items[list->count++];
	e->id = xstrdup(id);
	e->name = xstrdup(name);
	e->size = size;
	e->stored_at = stored_at;
}

void
store_entries_free(struct store_entries *list)
{
	for (size_t i = 0; i < list->count; i++)
		store_entry_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

static int
compare_entries(const void *a, const void *b)
{
	const struct store_entry *x = a, *y = b;

	if (x->stored_at != y->stored_at)
		return x->stored_at < y->stored_at ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
store_entries_sort(struct store_entries *list)
{
	if (list->count > 1)
		qsort(list->items, list->count, sizeof(*list->items),
		    compare_entries);
}
