#include "cli/cli.h"

static const char usage[] =
"Usage: acm-inbox inspect [--json] SOURCE...\n";

int
cmd_inspect(struct cli *cli, int argc, char **argv)
{
	return cli_not_built(cli, argc, argv, usage);
}
