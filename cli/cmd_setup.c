#include "cli/cmd_infra.h"

static const char usage[] =
"Usage: acm-inbox setup DOMAIN [OPTIONS]\n"
"\n"
"Create or update, idempotently, what receives ACM validation email for\n"
"DOMAIN: the S3 bucket and its policy, the SES domain identity and its\n"
"_amazonses TXT record, the MX record, the SNS topic and its policy, and\n"
"an SES receipt rule in the active rule set.  Prints a plan first, then\n"
"applies it, waits for DNS and verification, and prints a status table.\n"
"\n"
"Options:\n"
"      --bucket NAME        bucket (default acm-inbox-ACCOUNT-REGION)\n"
"      --prefix PREFIX      key prefix (default acm-inbox/); mail is\n"
"                           stored under PREFIXinbox/\n"
"      --topic NAME         SNS topic (default acm-inbox)\n"
"      --rule-set NAME      receipt rule set (default: the active one,\n"
"                           or a new acm-inbox set made active)\n"
"      --recipients LIST    comma-separated addresses (default admin@,\n"
"                           administrator@, hostmaster@, postmaster@,\n"
"                           webmaster@ DOMAIN)\n"
"      --hosted-zone ID     Route 53 zone (default: found by name)\n"
"      --expire-days DAYS   delete processed mail after DAYS (default 90)\n"
"      --replace-mx         replace an MX record that points elsewhere\n"
"      --dry-run            print the plan and change nothing\n"
"      --no-wait            do not wait for DNS and verification\n"
"      --wait-timeout SECONDS  how long to wait (default 600)\n"
"\n"
"Exit status: 0 done, 1 a conflict or not yet in effect, 2 usage or\n"
"configuration error, 3 AWS failure (see what was made and what not).\n";

int
cmd_setup(struct cli *cli, int argc, char **argv)
{
	return cmd_infra_run(cli, argc, argv, INFRA_CMD_SETUP, usage,
	    infra_setup);
}
