/* Unit tests for cli/message.c: policy lists and reading a source. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/message.h"
#include "tests/unit/tap.h"

static void
test_policy_flags(void)
{
	struct config config;
	struct policy policy = {0};
	struct strlist accounts = {0}, domains = {0};

	config_init(&config);
	strlist_add(&config.allow_accounts, "999999999999");
	strlist_add(&accounts, "1111-2222-3333");
	strlist_add(&accounts, "444455556666");
	strlist_add(&domains, "example.org");
	is_int(cli_policy_build("test", &accounts, &domains, &config,
	    &policy), 0, "flags: policy built");
	is_int(policy.allow_accounts.count, 2, "flags: replace the config");
	if (policy.allow_accounts.count == 2) {
		is_str(policy.allow_accounts.items[0], "111122223333",
		    "flags: dashed account normalized");
		is_str(policy.allow_accounts.items[1], "444455556666",
		    "flags: plain account kept");
	}
	ok(strlist_contains(&policy.allow_domains, "example.org"),
	    "flags: domain taken");
	policy_free(&policy);
	strlist_free(&accounts);
	strlist_free(&domains);
	config_free(&config);
}

static void
test_policy_config(void)
{
	static const char *const invalid[] = {
		"12345678901", "1111-2222-333", "11112222333a", "1111_2222_3333",
	};
	struct config config;
	struct policy policy = {0};
	struct strlist none = {0}, accounts = {0};

	config_init(&config);
	strlist_add(&config.allow_accounts, "123456789012");
	strlist_add(&config.domains, "example.com");
	is_int(cli_policy_build("test", &none, &none, &config, &policy), 0,
	    "config: policy built");
	ok(strlist_contains(&policy.allow_accounts, "123456789012"),
	    "config: account taken");
	ok(strlist_contains(&policy.allow_domains, "example.com"),
	    "config: domain falls back to domain");
	policy_free(&policy);

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		struct policy rejected = {0};

		strlist_add(&accounts, invalid[i]);
		is_int(cli_policy_build("test", &accounts, &none, &config,
		    &rejected), -1, "invalid account rejected: %s",
		    invalid[i]);
		policy_free(&rejected);
		strlist_free(&accounts);
	}
	config_free(&config);
}

static void
test_read(void)
{
	char path[] = "/tmp/acm-inbox-message-XXXXXX";
	int fd = mkstemp(path);
	struct buf data = {0};
	size_t size = 0;

	if (!ok(fd >= 0, "read: temporary file"))
		return;
	if (write(fd, "Subject: x\r\n\r\nbody\r\n", 20) != 20)
		printf("# short write\n");
	close(fd);

	is_int(cli_message_read("test", path, 100, &data, &size), 0,
	    "read: file read");
	is_int(size, 20, "read: size");
	is_str(data.data, "Subject: x\r\n\r\nbody\r\n", "read: content");
	buf_free(&data);

	size = 0;
	is_int(cli_message_read("test", path, 10, &data, &size), 0,
	    "read: oversize file accepted");
	is_int(size, 20, "read: oversize file reports its size");
	is_int(data.len, 0, "read: oversize file not read");
	buf_free(&data);

	unlink(path);
	is_int(cli_message_read("test", path, 100, &data, &size), -1,
	    "read: missing file fails");
	buf_free(&data);
}

int
main(void)
{
	test_policy_flags();
	test_policy_config();
	test_read();
	return tap_done();
}
