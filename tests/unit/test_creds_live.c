/*
 * The credential chain against live stand-ins.  Run alone it only prints
 * a skip: tests/integration/test_credentials.py runs it with
 * ACM_INBOX_CREDS_PROBE=1 and the environment of each case, and then it
 * fetches credentials ACM_INBOX_CREDS_GETS times (default 1) with the
 * most verbose logging and prints one line per fetch on stdout:
 * "SOURCE<TAB>ACCESS_KEY_ID<TAB>EXPIRATION".  Secrets are never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "aws/creds.h"
#include "common/log.h"
#include "common/str.h"
#include "tests/unit/tap.h"

static int
probe_run(void)
{
	const char *gets_env = getenv("ACM_INBOX_CREDS_GETS");
	struct aws_creds_options opts = { .profile = getenv("AWS_PROFILE") };
	const struct aws_credentials *c;
	struct aws_creds_provider *p;
	long gets = 1;
	int rc = 0;

	if (gets_env != NULL && str_parse_long(gets_env, 1, 10, &gets) != 0)
		return 2;
	log_setup(4, LOG_FORMAT_TEXT);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	p = aws_creds_provider_new(&opts);
	for (long i = 0; rc == 0 && i < gets; i++) {
		rc = aws_creds_get(p, &c);
		if (rc == 0)
			printf("%s\t%s\t%lld\n", c->source, c->access_key_id,
			    (long long)c->expiration);
	}
	aws_creds_provider_free(p);
	curl_global_cleanup();
	log_clear_secrets();
	return rc == 0 ? 0 : 1;
}

int
main(void)
{
	const char *probe = getenv("ACM_INBOX_CREDS_PROBE");

	if (probe != NULL && strcmp(probe, "1") == 0)
		return probe_run();
	tap_skip("run through test_credentials.py");
	return tap_done();
}
