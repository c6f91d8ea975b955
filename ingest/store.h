#ifndef INGEST_STORE_H
#define INGEST_STORE_H

/*
 * A message store: where the inbox, the claims, the result records and the
 * outcome folders live.  Implementations exist for an S3 prefix, a local
 * directory and a Maildir.  A store object is used by one thread at a time;
 * store_clone() gives each worker thread its own.
 *
 * Every operation returns STORE_OK, STORE_CONFLICT (a condition failed: the
 * object exists, or its version changed), STORE_NOT_FOUND, or STORE_ERROR
 * after logging the cause.  STORE_ERROR is transient from the caller's point
 * of view: the message stays where it is and a later run tries again.
 */
#include <stddef.h>
#include <time.h>

#include "common/buf.h"

enum store_status {
	STORE_OK = 0,
	STORE_ERROR = -1,
	STORE_CONFLICT = 1,
	STORE_NOT_FOUND = 2,
};

/* One message waiting in the inbox. */
struct store_entry {
	char *id;		/* name under claims/, results/ and OUTCOME/ */
	char *name;		/* S3 key or path relative to the store */
	long long size;		/* bytes; -1 when unknown */
	time_t stored_at;	/* when the store received it; 0 unknown */
};

struct store_entries {
	struct store_entry *items;
	size_t count;
	size_t cap;
};

struct store;

struct store_ops {
	const char *kind;	/* "s3", "dir", "maildir" */
	int (*list)(struct store *s, struct store_entries *out);
	int (*stat)(struct store *s, const char *name, struct store_entry *out);
	int (*read)(struct store *s, const struct store_entry *e,
	    size_t max_size, struct buf *out);
	int (*claim_create)(struct store *s, const char *id, const char *body,
	    char **version);
	int (*claim_read)(struct store *s, const char *id, struct buf *body,
	    char **version);
	int (*claim_replace)(struct store *s, const char *id, const char *body,
	    const char *version, char **new_version);
	int (*claim_delete)(struct store *s, const char *id);
	int (*claim_list)(struct store *s, struct store_entries *out);
	int (*result_read)(struct store *s, const char *id, struct buf *out);
	int (*result_write)(struct store *s, const char *id, const char *json);
	int (*file)(struct store *s, const struct store_entry *e,
	    const char *outcome);
	struct store *(*clone)(struct store *s);
	void (*free)(struct store *s);
};

/* Implementations embed this as their first member. */
struct store {
	const struct store_ops *ops;
};

/* Outcome folder names. */
#define STORE_APPROVED "approved"
#define STORE_HELD "held"
#define STORE_IGNORED "ignored"
#define STORE_EXPIRED "expired"
#define STORE_FAILED "failed"

/*
 * Lists the inbox into out (appended; free with store_entries_free()),
 * oldest first.  Returns STORE_OK or STORE_ERROR.
 */
int store_list(struct store *s, struct store_entries *out);

/*
 * Fills out for one inbox message named as in store_entry.name.  Returns
 * STORE_OK, STORE_NOT_FOUND (not in the inbox), or STORE_ERROR.  Free out
 * with store_entry_clear().
 */
int store_stat(struct store *s, const char *name, struct store_entry *out);

/*
 * Reads a message into out (reset first).  A message larger than max_size
 * bytes returns STORE_CONFLICT without reading it all.
 */
int store_read(struct store *s, const struct store_entry *e,
    size_t max_size, struct buf *out);

/*
 * Creates claims/ID only when it does not exist (else STORE_CONFLICT), and
 * sets *version (newly allocated) as store_claim_read() would.
 */
int store_claim_create(struct store *s, const char *id, const char *body,
    char **version);

/*
 * Reads claims/ID into body (reset first) and sets *version (newly
 * allocated) to an opaque token for store_claim_replace().
 */
int store_claim_read(struct store *s, const char *id, struct buf *body,
    char **version);

/*
 * Replaces claims/ID only while it still has version (else
 * STORE_CONFLICT, also when it is gone).  *new_version (may be NULL) gets
 * the version of what was written.
 */
int store_claim_replace(struct store *s, const char *id, const char *body,
    const char *version, char **new_version);

/* Deletes claims/ID; a missing claim is STORE_OK. */
int store_claim_delete(struct store *s, const char *id);

/*
 * Lists claims/ into out (appended): id and name are the claim's id,
 * stored_at its last change.
 */
int store_claim_list(struct store *s, struct store_entries *out);

/* Reads results/ID.json into out (reset first). */
int store_result_read(struct store *s, const char *id, struct buf *out);

/* Writes results/ID.json, replacing an earlier one. */
int store_result_write(struct store *s, const char *id, const char *json);

/*
 * Moves the message to the outcome folder: the copy first, then the inbox
 * copy is deleted, so nothing is lost at any point.  Filing a message that
 * is already filed (a run that stopped half-way) is STORE_OK.
 */
int store_file(struct store *s, const struct store_entry *e,
    const char *outcome);

/*
 * Returns an independent store on the same place for another thread, or
 * NULL (logged).
 */
struct store *store_clone(struct store *s);

/* Frees the store; NULL is allowed. */
void store_free(struct store *s);

/*
 * Opens a local directory (kind "dir") or Maildir ("maildir") store at
 * path, creating the folders it needs.  Returns NULL (logged) when path is
 * not a directory or a folder cannot be created.
 */
struct store *store_dir_open(const char *path);
struct store *store_maildir_open(const char *path);

void store_entry_clear(struct store_entry *e);
void store_entries_add(struct store_entries *list, const char *id,
    const char *name, long long size, time_t stored_at);
void store_entries_free(struct store_entries *list);

/* Sorts by stored_at, then by name. */
void store_entries_sort(struct store_entries *list);

#endif
