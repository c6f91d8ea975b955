#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "aws/aws.h"
#include "cli/config.h"
#include "common/log.h"
#include "common/str.h"

/* Exit statuses, documented in acm-inbox(1). */
enum {
	EXIT_DONE = 0,		/* success, including nothing to do */
	EXIT_HELD = 1,		/* a message failed or was held */
	EXIT_USAGE = 2,		/* usage or configuration error */
	EXIT_AWS = 3,		/* AWS or network failure before any message */
};

/*
 * State shared by every command: the options that may appear before or
 * after the command name, and the loaded configuration.
 */
struct cli {
	const char *command;
	const char *config_path;	/* NULL: the default path if present */
	int verbosity;
	int log_format;			/* -1 unset */
	char *region;
	char *profile;
	char *ca_bundle;
	struct strlist connect_to;
	struct config config;
	bool config_loaded;
	struct aws_client *aws;		/* created by cli_aws_client() */
};

/*
 * One command's option table and help.  usage is printed for --help and
 * after a usage error.
 */
struct cli_command_spec {
	const char *shortopts;
	const struct option *longopts;
	const char *usage;
};

enum {
	CLI_GETOPT_END = -1,
	CLI_GETOPT_EXIT = -2,	/* stop: *status holds the exit status */
};

/*
 * Returns the next command-specific option (as getopt_long would, with
 * optarg set), handling the shared options itself.  Returns
 * CLI_GETOPT_END when the options are done (optind is the first operand)
 * and CLI_GETOPT_EXIT after --help or a usage error, with *status set.
 */
int cli_getopt(struct cli *cli, int argc, char **argv,
    const struct cli_command_spec *spec, int *status);

/*
 * Loads the config file (-c FILE, else /etc/acm-inbox.conf when present),
 * applies the shared flags on top and sets up logging.  Returns 0, or -1
 * after reporting the error (exit with EXIT_USAGE).
 */
int cli_load_config(struct cli *cli);

/*
 * Returns the state directory (config state-dir, else $STATE_DIRECTORY as
 * systemd sets it, else $XDG_CACHE_HOME/acm-inbox, else
 * ~/.cache/acm-inbox), newly allocated.  The directory is not created.
 */
char *cli_state_dir(const struct cli *cli);

/* Prints "acm-inbox COMMAND: message" and the usage hint; returns 2. */
int cli_usage_error(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void cli_free(struct cli *cli);

/*
 * Returns the command's AWS client, created on first use from the config
 * (region, profile, CA bundle, timeouts, retries) and --connect-to.  It is
 * freed by cli_free().  Call after cli_load_config().
 */
struct aws_client *cli_aws_client(struct cli *cli);

/*
 * Parses the shared options of a command that is not built yet, then
 * reports that it is unavailable.  Returns EXIT_USAGE (EXIT_DONE for
 * --help).
 */
int cli_not_built(struct cli *cli, int argc, char **argv,
    const char *usage);

/* Commands: each parses its own options from argv[0] = command name. */
int cmd_setup(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_teardown(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_approve(struct cli *cli, int argc, char **argv);
int cmd_inspect(struct cli *cli, int argc, char **argv);

#endif
