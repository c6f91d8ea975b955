#include "cli/cmd_infra.h"

static const char usage[] =
"Usage: acm-inbox teardown DOMAIN [OPTIONS]\n"
"\n"
"Remove what setup made for DOMAIN: the receipt rule, the TXT and MX\n"
"records (only while they hold the values setup writes), the identity,\n"
"the topic (unless another rule uses it), the bucket policy statement\n"
"setup added, and the lifecycle rules (unless another domain stores\n"
"mail under the same prefix).  Prints what it removed and what it kept.\n"
"\n"
"Options:\n"
"      --delete-bucket      delete the bucket too, if it is empty\n"
"      --force              with --delete-bucket: delete its objects first\n"
"      --dry-run            print what would be removed, change nothing\n"
"      --bucket NAME  --prefix PREFIX  --topic NAME  --rule-set NAME\n"
"      --hosted-zone ID     as given to setup\n"
"\n"
"Exit status: 0 done, 1 the bucket was kept because it is not empty,\n"
"2 usage error, 3 AWS failure.\n";

int
cmd_teardown(struct cli *cli, int argc, char **argv)
{
	return cmd_infra_run(cli, argc, argv, INFRA_CMD_TEARDOWN, usage,
	    infra_teardown);
}
