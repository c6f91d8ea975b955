#include "cli/cli.h"

static const char usage[] =
"Usage: acm-inbox teardown DOMAIN [--delete-bucket] [--force]\n";

int
cmd_teardown(struct cli *cli, int argc, char **argv)
{
	return cli_not_built(cli, argc, argv, usage);
}
