#ifndef CLI_CMD_INFRA_H
#define CLI_CMD_INFRA_H

/*
 * What setup, status and teardown share on the command line: their
 * options, turning them into struct infra_options, and running one of
 * the infra functions with an AWS client.
 */
#include "cli/cli.h"
#include "infra/infra.h"

/* Which options a command accepts. */
enum {
	INFRA_CMD_SETUP,
	INFRA_CMD_STATUS,
	INFRA_CMD_TEARDOWN,
};

typedef enum infra_result (*infra_command_fn)(struct aws_client *client,
    const struct infra_options *opts, FILE *out);

/*
 * Parses the command's options and DOMAIN, validates them before any
 * AWS call, creates the client and runs fn.  Returns the exit status.
 */
int cmd_infra_run(struct cli *cli, int argc, char **argv, int which,
    const char *usage, infra_command_fn fn);

#endif
