/*
 * Local stores.  A plain directory keeps its messages as the regular files
 * at its top level, and keeps claims/, results/ and one folder per outcome
 * beside them.  A Maildir holds messages in new/ and cur/, files them into
 * Maildir++ subfolders (.held/cur/...), and keeps claims and results in the
 * sibling folder PATH.acm-inbox/ so that mail clients never see them.
 *
 * Claims are created with link(2), which fails when the name exists, and
 * replaced with rename(2) under an flock(2) on the current claim, after
 * checking that the claim's inode and modification time are still the
 * version the caller read.  This is safe between processes on one host,
 * but not on network file systems.
 */
#include "ingest/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

struct dir_store {
	struct store base;
	bool maildir;
	char *root;		/* the directory or Maildir */
	char *meta;		/* where claims/ and results/ live */
};

static const char *const outcomes[] = {
	STORE_APPROVED, STORE_HELD, STORE_IGNORED, STORE_EXPIRED,
	STORE_FAILED,
};

static struct dir_store *
dir_of(struct store *s)
{
	return (struct dir_store *)s;
}

static int
make_dir(const char *path)
{
	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return 0;
	log_error("store: cannot create folder %s: %s", path,
	    strerror(errno));
	return -1;
}

/* Writes data to a new hidden file in dir; returns its path or NULL. */
static char *
write_temp(const char *dir, const char *data, size_t len)
{
	char *path = xasprintf("%s/.tmp-XXXXXX", dir);
	int fd = mkstemp(path);
	size_t done = 0;

	if (fd < 0)
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return path;
fail:
	log_error("store: cannot write %s: %s", path, strerror(errno));
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(path);
	return NULL;
}

/* Replaces path with data through a temporary file and rename(2). */
static int
write_atomic(const char *dir, const char *path, const char *data)
{
	char *tmp = write_temp(dir, data, strlen(data));

	if (tmp == NULL)
		return STORE_ERROR;
	if (rename(tmp, path) != 0) {
		log_error("store: cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		unlink(tmp);
		free(tmp);
		return STORE_ERROR;
	}
	free(tmp);
	return STORE_OK;
}

/* Reads fd to the end; STORE_CONFLICT when it is larger than max_size. */
static int
read_fd(int fd, size_t max_size, struct buf *out)
{
	struct stat st;
	char chunk[65536];
	ssize_t n;

	if (fstat(fd, &st) != 0)
		return STORE_ERROR;
	if ((unsigned long long)st.st_size > max_size)
		return STORE_CONFLICT;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return STORE_ERROR;
		if (out->len + (size_t)n > max_size)
			return STORE_CONFLICT;
		buf_append(out, chunk, (size_t)n);
	}
	return STORE_OK;
}

static int
read_file(const char *path, size_t max_size, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int status;

	if (fd < 0 && errno == ENOENT)
		return STORE_NOT_FOUND;
	status = fd < 0 ? STORE_ERROR : read_fd(fd, max_size, out);
	if (status == STORE_ERROR)
		log_error("store: cannot read %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return status;
}

static char *
version_of(const struct stat *st)
{
	return xasprintf("%llu:%lld.%09ld", (unsigned long long)st->st_ino,
	    (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec);
}

/* Message ids become file names: refuse anything that is not one. */
static bool
valid_name(const char *name)
{
	return *name != '\0' && *name != '.' && strchr(name, '/') == NULL;
}

static void
add_entry(struct store_entries *out, const char *sub, const char *file,
    const struct stat *st)
{
	char *name = sub ? xasprintf("%s/%s", sub, file) : xstrdup(file);
	char *id = xstrdup(file);
	char *colon = strchr(id, ':');

	/* Maildir's info suffix (":2,S") changes with flags; the id must not. */
	if (sub != NULL && colon != NULL)
		*colon = '\0';
	store_entries_add(out, id, name, (long long)st->st_size,
	    st->st_mtime);
	free(id);
	free(name);
}

static int
list_folder(const char *root, const char *sub, struct store_entries *out)
{
	char *path = sub ? xasprintf("%s/%s", root, sub) : xstrdup(root);
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		log_error("store: cannot open folder %s: %s", path,
		    strerror(errno));
		free(path);
		return STORE_ERROR;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (!valid_name(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		add_entry(out, sub, de->d_name, &st);
	}
	closedir(d);
	free(path);
	return STORE_OK;
}

static int
dir_list(struct store *s, struct store_entries *out)
{
	struct dir_store *d = dir_of(s);

	if (!d->maildir)
		return list_folder(d->root, NULL, out);
	if (list_folder(d->root, "new", out) != STORE_OK)
		return STORE_ERROR;
	return list_folder(d->root, "cur", out);
}

/* Splits a Maildir name "new/FILE" into its folder and file. */
static int
split_name(const struct dir_store *d, const char *name, char **sub,
    const char **file)
{
	*sub = NULL;
	*file = name;
	if (!d->maildir)
		return valid_name(name) ? 0 : -1;
	if (strncmp(name, "new/", 4) != 0 && strncmp(name, "cur/", 4) != 0)
		return -1;
	*sub = xstrndup(name, 3);
	*file = name + 4;
	return valid_name(*file) ? 0 : -1;
}

static int
dir_stat(struct store *s, const char *name, struct store_entry *out)
{
	struct dir_store *d = dir_of(s);
	struct store_entries one = { 0 };
	struct stat st;
	const char *file;
	char *sub, *path;
	int status = STORE_NOT_FOUND;

	if (split_name(d, name, &sub, &file) != 0)
		goto out;
	path = xasprintf("%s/%s", d->root, name);
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		add_entry(&one, sub, file, &st);
		*out = one.items[0];
		free(one.items);
		status = STORE_OK;
	}
	free(path);
out:
	free(sub);
	return status;
}

static int
dir_read(struct store *s, const struct store_entry *e, size_t max_size,
    struct buf *out)
{
	char *path = xasprintf("%s/%s", dir_of(s)->root, e->name);
	int status = read_file(path, max_size, out);

	free(path);
	return status;
}

static char *
claim_path(const struct dir_store *d, const char *id)
{
	return xasprintf("%s/claims/%s", d->meta, id);
}

static int
dir_claim_create(struct store *s, const char *id, const char *body,
    char **version)
{
	struct dir_store *d = dir_of(s);
	char *dir = xasprintf("%s/claims", d->meta);
	char *path = claim_path(d, id);
	char *tmp = write_temp(dir, body, strlen(body));
	struct stat st;
	int status = STORE_ERROR;

	if (tmp == NULL)
		goto out;
	if (link(tmp, path) == 0 && stat(path, &st) == 0) {
		*version = version_of(&st);
		status = STORE_OK;
	} else if (errno == EEXIST)
		status = STORE_CONFLICT;
	else
		log_error("store: cannot create claim %s: %s", path,
		    strerror(errno));
	unlink(tmp);
out:
	free(tmp);
	free(path);
	free(dir);
	return status;
}

static int
dir_claim_read(struct store *s, const char *id, struct buf *body,
    char **version)
{
	char *path = claim_path(dir_of(s), id);
	struct stat st;
	int status = STORE_ERROR;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		free(path);
		return STORE_NOT_FOUND;
	}
	/* The version and the body come from the same inode. */
	if (fd >= 0 && fstat(fd, &st) == 0)
		status = read_fd(fd, 1 << 16, body);
	if (status == STORE_OK)
		*version = version_of(&st);
	else
		log_error("store: cannot read claim %s: %s", path,
		    status == STORE_CONFLICT ? "too large" : strerror(errno));
	if (fd >= 0)
		close(fd);
	free(path);
	return status == STORE_OK ? STORE_OK : STORE_ERROR;
}

/*
 * Returns true when path is still the inode that fd has open and that
 * inode still has version.  The caller holds the flock(2) on fd.
 */
static bool
still_current(int fd, const char *path, const char *version)
{
	struct stat held, now;
	char *v;
	bool same;

	if (fstat(fd, &held) != 0 || stat(path, &now) != 0)
		return false;
	if (held.st_ino != now.st_ino || held.st_dev != now.st_dev)
		return false;
	v = version_of(&held);
	same = strcmp(v, version) == 0;
	free(v);
	return same;
}

static int
dir_claim_replace(struct store *s, const char *id, const char *body,
    const char *version, char **new_version)
{
	struct dir_store *d = dir_of(s);
	char *dir = xasprintf("%s/claims", d->meta);
	char *path = claim_path(d, id);
	char *tmp = NULL;
	struct stat st;
	int status = STORE_CONFLICT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		goto out;
	if (flock(fd, LOCK_EX) != 0 || !still_current(fd, path, version))
		goto out;
	status = STORE_ERROR;
	tmp = write_temp(dir, body, strlen(body));
	if (tmp == NULL)
		goto out;
	if (rename(tmp, path) != 0 || stat(path, &st) != 0) {
		log_error("store: cannot replace claim %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		goto out;
	}
	*new_version = version_of(&st);
	status = STORE_OK;
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(path);
	free(dir);
	return status;
}

static int
dir_claim_delete(struct store *s, const char *id)
{
	char *path = claim_path(dir_of(s), id);
	int status = STORE_OK;

	if (unlink(path) != 0 && errno != ENOENT) {
		log_error("store: cannot delete claim %s: %s", path,
		    strerror(errno));
		status = STORE_ERROR;
	}
	free(path);
	return status;
}

static int
dir_claim_list(struct store *s, struct store_entries *out)
{
	char *dir = xasprintf("%s/claims", dir_of(s)->meta);
	int status = list_folder(dir, NULL, out);

	free(dir);
	return status;
}

static int
dir_result_read(struct store *s, const char *id, struct buf *out)
{
	char *path = xasprintf("%s/results/%s.json", dir_of(s)->meta, id);
	int status = read_file(path, 1 << 20, out);

	free(path);
	return status == STORE_CONFLICT ? STORE_ERROR : status;
}

static int
dir_result_write(struct store *s, const char *id, const char *json)
{
	struct dir_store *d = dir_of(s);
	char *dir = xasprintf("%s/results", d->meta);
	char *path = xasprintf("%s/%s.json", dir, id);
	int status = write_atomic(dir, path, json);

	free(path);
	free(dir);
	return status;
}

/* The outcome folder's path for a message, "held/ID" or ".held/new/F". */
static char *
filed_path(const struct dir_store *d, const struct store_entry *e,
    const char *outcome)
{
	if (!d->maildir)
		return xasprintf("%s/%s/%s", d->root, outcome, e->id);
	return xasprintf("%s/.%s/%s", d->root, outcome, e->name);
}

static int
dir_file(struct store *s, const struct store_entry *e, const char *outcome)
{
	struct dir_store *d = dir_of(s);
	char *from = xasprintf("%s/%s", d->root, e->name);
	char *to = filed_path(d, e, outcome);
	int status = STORE_OK;

	if (rename(from, to) != 0) {
		if (errno == ENOENT && access(to, F_OK) == 0)
			goto out;	/* filed by an earlier, interrupted run */
		status = errno == ENOENT ? STORE_NOT_FOUND : STORE_ERROR;
		log_error("store: cannot move %s to %s: %s", from, to,
		    strerror(errno));
	}
out:
	free(to);
	free(from);
	return status;
}

static bool
is_maildir(const char *root)
{
	const char *sub[] = { "new", "cur" };

	for (size_t i = 0; i < 2; i++) {
		char *path = xasprintf("%s/%s", root, sub[i]);
		struct stat st;
		bool found = stat(path, &st) == 0 && S_ISDIR(st.st_mode);

		free(path);
		if (!found)
			return false;
	}
	return true;
}

static int
make_folders(const struct dir_store *d)
{
	const char *sub[] = { "tmp", "new", "cur" };
	int status = 0;

	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		char *path = d->maildir ?
		    xasprintf("%s/.%s", d->root, outcomes[i]) :
		    xasprintf("%s/%s", d->root, outcomes[i]);

		status |= make_dir(path);
		for (size_t j = 0; d->maildir && j < 3; j++) {
			char *child = xasprintf("%s/%s", path, sub[j]);

			status |= make_dir(child);
			free(child);
		}
		free(path);
	}
	return status;
}

static int
make_meta_folders(const struct dir_store *d)
{
	char *claims = xasprintf("%s/claims", d->meta);
	char *results = xasprintf("%s/results", d->meta);
	int status = make_dir(d->meta);

	status |= make_dir(claims);
	status |= make_dir(results);
	free(claims);
	free(results);
	return status;
}

static void dir_free(struct store *s);
static struct store *dir_clone(struct store *s);

static const struct store_ops dir_ops = {
	"dir", dir_list, dir_stat, dir_read, dir_claim_create,
	dir_claim_read, dir_claim_replace, dir_claim_delete,
	dir_claim_list, dir_result_read, dir_result_write, dir_file,
	dir_clone, dir_free,
};

static const struct store_ops maildir_ops = {
	"maildir", dir_list, dir_stat, dir_read, dir_claim_create,
	dir_claim_read, dir_claim_replace, dir_claim_delete,
	dir_claim_list, dir_result_read, dir_result_write, dir_file,
	dir_clone, dir_free,
};

static struct dir_store *
dir_new(const char *root, bool maildir)
{
	struct dir_store *d = xcalloc(1, sizeof(*d));
	size_t len = strlen(root);

	while (len > 1 && root[len - 1] == '/')
		len--;
	d->base.ops = maildir ? &maildir_ops : &dir_ops;
	d->maildir = maildir;
	d->root = xstrndup(root, len);
	d->meta = maildir ? xasprintf("%s.acm-inbox", d->root) :
	    xstrdup(d->root);
	return d;
}

static struct store *
dir_clone(struct store *s)
{
	struct dir_store *d = dir_of(s);

	return &dir_new(d->root, d->maildir)->base;
}

static void
dir_free(struct store *s)
{
	struct dir_store *d = dir_of(s);

	free(d->root);
	free(d->meta);
	free(d);
}

static struct store *
open_local(const char *path, bool maildir)
{
	struct dir_store *d = dir_new(path, maildir);
	struct stat st;

	if (stat(d->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_error("store: %s is not a folder: %s; create it or check "
		    "--source", d->root, errno ? strerror(errno) : "not a "
		    "directory");
		goto fail;
	}
	if (maildir && !is_maildir(d->root)) {
		log_error("store: %s is not a Maildir: it needs new/ and cur/",
		    d->root);
		goto fail;
	}
	if (make_folders(d) != 0 || make_meta_folders(d) != 0)
		goto fail;
	return &d->base;
fail:
	dir_free(&d->base);
	return NULL;
}

struct store *
store_dir_open(const char *path)
{
	return open_local(path, false);
}

struct store *
store_maildir_open(const char *path)
{
	return open_local(path, true);
}
