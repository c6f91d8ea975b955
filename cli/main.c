/*
 * acm-inbox: a receiving mailbox for AWS Certificate Manager email
 * validation, and the worker that approves the requests policy allows.
 * main() only parses the shared options and dispatches to a command.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#ifndef ACM_INBOX_VERSION
#define ACM_INBOX_VERSION "0.0.0"
#endif

static const char usage[] =
"Usage: acm-inbox [OPTIONS] COMMAND [COMMAND-OPTIONS] [ARGS]\n"
"\n"
"Receive AWS Certificate Manager validation email in S3 through SES and\n"
"approve the requests that policy allows.\n"
"\n"
"Commands:\n"
"  setup DOMAIN      create the S3 bucket, SES rule, DNS records and topic\n"
"  status DOMAIN     check what setup made\n"
"  teardown DOMAIN   remove what setup made\n"
"  run               process every new message in the inbox\n"
"  approve SOURCE    approve the request in one message\n"
"  inspect SOURCE... show what would happen to messages, change nothing\n"
"  version           print the version\n"
"  help [COMMAND]    show this help or a command's help\n"
"\n"
"Options (also accepted after the command):\n"
"  -c, --config FILE       config file (default " CONFIG_DEFAULT_PATH
" if present)\n"
"  -v, --verbose           more log output; repeat up to -vvvv\n"
"  -q, --quiet             errors only\n"
"      --log-format FORMAT text (default) or json, one object a line\n"
"      --region REGION     AWS region\n"
"      --profile NAME      profile in the shared AWS config files\n"
"      --ca-bundle FILE    CA certificates for HTTPS\n"
"      --connect-to H:P:H2:P2  send connections for H:P to H2:P2\n"
"  -h, --help              show help\n"
"  -V, --version           print the version\n"
"\n"
"Exit status: 0 done, 1 a message failed or was held, 2 usage or\n"
"configuration error, 3 AWS or network failure. See acm-inbox(1).\n";

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
};

static const struct command commands[] = {
	{ "setup", cmd_setup },
	{ "status", cmd_status },
	{ "teardown", cmd_teardown },
	{ "run", cmd_run },
	{ "approve", cmd_approve },
	{ "inspect", cmd_inspect },
};

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* "help COMMAND" runs "COMMAND --help". */
static int
run_help(struct cli *cli, int argc, char **argv)
{
	const struct command *command;
	char *help_argv[3];

	if (argc < 2) {
		fputs(usage, stdout);
		return EXIT_DONE;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return EXIT_DONE;
	}
	command = find_command(argv[1]);
	if (command == NULL)
		return cli_usage_error(cli, "unknown command '%s'", argv[1]);
	help_argv[0] = argv[1];
	help_argv[1] = "--help";
	help_argv[2] = NULL;
	cli->command = command->name;
	optind = 0;
	return command->run(cli, 2, help_argv);
}

int
main(int argc, char **argv)
{
	static const struct option version_option[] = {
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cli_command_spec global = {
		"V", version_option, usage
	};
	struct cli cli = { .log_format = -1 };
	const struct command *command;
	int opt, status = EXIT_USAGE;

	while ((opt = cli_getopt(&cli, argc, argv, &global, &status)) >= 0) {
		if (opt == 'V') {
			printf("acm-inbox %s\n", ACM_INBOX_VERSION);
			status = EXIT_DONE;
			goto out;
		}
	}
	if (opt == CLI_GETOPT_EXIT)
		goto out;
	if (optind >= argc) {
		fputs(usage, stderr);
		goto out;
	}

	argc -= optind;
	argv += optind;
	optind = 0;
	if (strcmp(argv[0], "version") == 0) {
		printf("acm-inbox %s\n", ACM_INBOX_VERSION);
		status = EXIT_DONE;
	} else if (strcmp(argv[0], "help") == 0) {
		status = run_help(&cli, argc, argv);
	} else if ((command = find_command(argv[0])) != NULL) {
		cli.command = command->name;
		curl_global_init(CURL_GLOBAL_DEFAULT);
		status = command->run(&cli, argc, argv);
		curl_global_cleanup();
	} else {
		status = cli_usage_error(&cli, "unknown command '%s'",
		    argv[0]);
	}
out:
	cli_free(&cli);
	log_clear_secrets();
	return status;
}
