#include "cli/cli.h"

static const char usage[] =
"Usage: acm-inbox status DOMAIN\n";

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	return cli_not_built(cli, argc, argv, usage);
}
