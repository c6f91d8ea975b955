#include "cli/message.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/s3.h"
#include "infra/names.h"

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

	where = "--allow-domain";
	if (domains->count == 0) {
		where = config->allow_domains.count > 0 ? "allow-domain" :
		    "domain";
		domains = config->allow_domains.count > 0 ?
		    &config->allow_domains : &config->domains;
	}
	for (size_t i = 0; i < domains->count; i++) {
		const char *why = NULL;
		char *domain = infra_domain_normalize(domains->items[i], &why);

		/* A single label such as "com" would allow every domain
		 * under it, so it is rejected with the other invalid names. */
		if (domain == NULL) {
			char *shown = str_escaped(domains->items[i]);

			fprintf(stderr, "acm-inbox %s: %s: invalid domain "
			    "'%s': %s\n", command, where, shown, why);
			free(shown);
			return -1;
		}
		strlist_add_owned(&policy->allow_domains, domain);
	}
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

/* Splits s3://BUCKET/KEY; returns 0 or -1 when either part is missing. */
static int
split_s3_source(const char *source, char **bucket, char **key)
{
	const char *rest = source + strlen("s3://");
	const char *slash = strchr(rest, '/');

	if (slash == NULL || slash == rest || slash[1] == '\0')
		return -1;
	*bucket = xstrndup(rest, (size_t)(slash - rest));
	*key = xstrdup(slash + 1);
	return 0;
}

static int
fetch_s3(struct cli *cli, const char *source, size_t max, struct buf *data,
    size_t *size)
{
	struct aws_client *client = cli_aws_client(cli);
	struct s3_object info = {0};
	char *bucket = NULL, *key = NULL;
	int status = EXIT_AWS, rc;

	if (split_s3_source(source, &bucket, &key) != 0) {
		cli_usage_error(cli, "invalid source '%s': expected "
		    "s3://BUCKET/KEY", source);
		return EXIT_USAGE;
	}
	rc = s3_head_object(client, bucket, key, &info);
	if (rc == S3_NOT_FOUND) {
		fprintf(stderr, "acm-inbox %s: %s: no such object\n",
		    cli->command, source);
		goto out;
	}
	if (rc != 0)
		goto out;
	*size = (size_t)info.size;
	if ((unsigned long long)info.size > max) {
		status = 0;
		goto out;
	}
	rc = s3_get_object(client, bucket, key, max, data, NULL);
	if (rc == 0) {
		*size = data->len;
		status = 0;
	} else if (rc == S3_NOT_FOUND) {
		fprintf(stderr, "acm-inbox %s: %s: no such object\n",
		    cli->command, source);
	}
out:
	s3_object_clear(&info);
	free(bucket);
	free(key);
	return status;
}

int
cli_message_fetch(struct cli *cli, const char *source, size_t max,
    struct buf *data, size_t *size)
{
	if (strncmp(source, "s3://", 5) == 0)
		return fetch_s3(cli, source, max, data, size);
	if (cli_message_read(cli->command, source, max, data, size) != 0)
		return EXIT_USAGE;
	return 0;
}

enum verify_setting
cli_verify_setting(enum verify_mode mode)
{
	switch (mode) {
	case VERIFY_YES:
		return VERIFY_SETTING_YES;
	case VERIFY_NO:
		return VERIFY_SETTING_NO;
	case VERIFY_AUTO:
		break;
	}
	return VERIFY_SETTING_AUTO;
}

void
cli_print_field(const char *label, const char *value)
{
	char *escaped = str_escaped(value != NULL ? value : "-");

	printf("  %-15s %s\n", label, escaped);
	free(escaped);
}

void
cli_print_findings(const char *label, const struct findings *list)
{
	for (size_t i = 0; i < list->count; i++) {
		char *text = str_escaped(list->items[i].text);

		printf("  %-15s %s: %s\n", label, list->items[i].code, text);
		free(text);
	}
}

static const char *
verdict(const char *value)
{
	return value != NULL ? value : "none";
}

void
cli_print_verdicts(const char *label, const struct ses_auth *auth)
{
	printf("  %-15s spf=%s dkim=%s dmarc=%s spam=%s virus=%s%s\n",
	    label, verdict(auth->spf), verdict(auth->dkim),
	    verdict(auth->dmarc), verdict(auth->spam), verdict(auth->virus),
	    auth->has_receipt ? "" : " (no X-SES-RECEIPT: none trusted)");
}
