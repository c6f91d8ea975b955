#include "cli/cmd_infra.h"

static const char usage[] =
"Usage: acm-inbox status DOMAIN [OPTIONS]\n"
"\n"
"Check everything setup makes for DOMAIN and print what is missing or\n"
"wrong.  Changes nothing.\n"
"\n"
"Options (as given to setup):\n"
"      --bucket NAME  --prefix PREFIX  --topic NAME  --rule-set NAME\n"
"      --recipients LIST  --hosted-zone ID  --expire-days DAYS\n"
"\n"
"Exit status: 0 all is right, 1 something is missing, wrong or not yet\n"
"in effect, 2 usage error, 3 AWS unreachable or a request denied.\n";

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	return cmd_infra_run(cli, argc, argv, INFRA_CMD_STATUS, usage,
	    infra_status);
}
