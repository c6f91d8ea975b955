#include "cli/cli.h"

static const char usage[] =
"Usage: acm-inbox setup DOMAIN [--bucket B] [--prefix P] [--dry-run]\n";

int
cmd_setup(struct cli *cli, int argc, char **argv)
{
	return cli_not_built(cli, argc, argv, usage);
}
