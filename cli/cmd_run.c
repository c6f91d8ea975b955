#include "cli/cli.h"

static const char usage[] =
"Usage: acm-inbox run [--dry-run] [--max N] [--watch SECONDS]\n";

int
cmd_run(struct cli *cli, int argc, char **argv)
{
	return cli_not_built(cli, argc, argv, usage);
}
