/* Unit tests for the config file parser. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/config.h"
#include "tests/unit/tap.h"

static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/acm-inbox-config-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs(text, f);
	fclose(f);
	return path;
}

static int
load_text(struct config *c, const char *text)
{
	char *path = write_temp(text);
	int status;

	config_init(c);
	status = config_load(c, path);
	unlink(path);
	free(path);
	return status;
}

static void
test_valid_file(void)
{
	struct config c;
	int status = load_text(&c,
	    "# comment line\n"
	    "\n"
	    "region = eu-west-1   # trailing comment\n"
	    "bucket=\"my-bucket\"\n"
	    "allow-account = 111122223333, 444455556666\n"
	    "allow-account = 777788889999\n"
	    "allow-domain = example.com\n"
	    "verify-certificate = yes\n"
	    "max-message-size = 10M\n"
	    "max-attempts = 7\n"
	    "log-format = json\n");

	is_int(status, 0, "valid config loads");
	is_str(c.region, "eu-west-1", "region value");
	is_str(c.bucket, "my-bucket", "quoted value unquoted");
	is_int(c.allow_accounts.count, 3, "list keys accumulate");
	is_str(c.allow_accounts.items[2], "777788889999", "list order kept");
	is_int(c.verify_certificate, VERIFY_YES, "verify yes");
	is_int(c.max_message_size, 10L * 1024 * 1024, "size suffix M");
	is_int(c.max_attempts, 7, "number value");
	is_int(c.log_format, 1, "log format json");
	is_str(c.prefix, "acm-inbox/", "default prefix kept");
	config_free(&c);
}

static void
test_invalid_files(void)
{
	static const char *const bad[] = {
		"colour = blue\n",
		"max-attempts = many\n",
		"max-attempts = 0\n",
		"verify-certificate = perhaps\n",
		"just some words\n",
		"= value\n",
		"max-message-size = 12Q\n",
		"log-format = xml\n",
		"allow-account = , ,\n",
	};
	struct config c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(load_text(&c, bad[i]), -1, "rejects line %zu", i);
		config_free(&c);
	}
}

static void
test_missing_file(void)
{
	struct config c;

	config_init(&c);
	is_int(config_load(&c, "/nonexistent/acm-inbox.conf"), -1,
	    "missing file is an error");
	config_free(&c);
}

int
main(void)
{
	test_valid_file();
	test_invalid_files();
	test_missing_file();
	return tap_done();
}
