#include "cli/cli.h"

static const char usage[] =
"Usage: acm-inbox approve SOURCE [--dry-run] [--force]\n";

int
cmd_approve(struct cli *cli, int argc, char **argv)
{
	return cli_not_built(cli, argc, argv, usage);
}
