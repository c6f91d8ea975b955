#include "cli/message.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Returns the 12-digit form of id, newly allocated, or NULL if invalid. */
static char *
account_normalize(const char *id)
{
	size_t len = strlen(id), count = 0;
	bool dashed = len == 14;
	char digits[13];

	if (len != 12 && !dashed)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (dashed && (i == 4 || i == 9)) {
			if (id[i] != '-')
				return NULL;
			continue;
		}
		if (!isdigit((unsigned char)id[i]))
			return NULL;
		digits[count++] = id[i];
	}
	digits[count] = '\0';
	return xstrdup(digits);
}

int
cli_policy_build(const char *command, const struct strlist *accounts,
    const struct strlist *domains, const struct config *config,
    struct policy *policy)
{
	const char *where = "--allow-account";

	if (accounts->count == 0) {
		accounts = &config->allow_accounts;
		where = "allow-account";
	}
	for (size_t i = 0; i < accounts->count; i++) {
		char *id = account_normalize(accounts->items[i]);

		if (id == NULL) {
			fprintf(stderr, "acm-inbox %s: %s: invalid AWS account "
			    "ID '%s': expected 12 digits\n", command, where,
			    accounts->items[i]);
			return -1;
		}
		strlist_add_owned(&policy->allow_accounts, id);
	}

	if (domains->count == 0)
		domains = config->allow_domains.count > 0 ?
		    &config->allow_domains : &config->domains;
	for (size_t i = 0; i < domains->count; i++)
		strlist_add(&policy->allow_domains, domains->items[i]);
	return 0;
}

/* Reads fd to its end or to max + 1 bytes; returns 0 or -1 (errno set). */
static int
read_all(int fd, size_t max, struct buf *data)
{
	for (;;) {
		ssize_t n;

		buf_reserve(data, 65536);
		n = read(fd, data->data + data->len, data->cap - data->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		data->len += (size_t)n;
		data->data[data->len] = '\0';
		if (data->len > max)
			return 0;
	}
}

int
cli_message_read(const char *command, const char *source, size_t max,
    struct buf *data, size_t *size)
{
	bool is_stdin = strcmp(source, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(source, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int status = -1;

	if (fd < 0)
		goto out;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > max) {
		*size = (size_t)st.st_size;
		status = 0;
		goto out;
	}
	if (read_all(fd, max, data) != 0)
		goto out;
	*size = data->len;
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "acm-inbox %s: %s: cannot read: %s\n", command,
		    source, strerror(errno));
	if (fd >= 0 && !is_stdin)
		close(fd);
	return status;
}
