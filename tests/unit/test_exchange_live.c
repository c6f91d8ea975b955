/*
 * Drives one approval exchange against a live server for the integration
 * tests.  Without ACM_INBOX_EXCHANGE_PROBE it only reports a skip, so the
 * unit test run passes over it.  With it, argv[1] is the approval link
 * and the environment sets the options:
 *
 *   ACM_INBOX_CA_BUNDLE        CA bundle file
 *   ACM_INBOX_CONNECT_TO       HOST:PORT:HOST2:PORT2, several separated by
 *                              spaces
 *   ACM_INBOX_CONNECT_TIMEOUT  seconds
 *   ACM_INBOX_REQUEST_TIMEOUT  seconds
 *   ACM_INBOX_SAVE_DIR         where unexpected pages are saved
 *   ACM_INBOX_DRY_RUN          1 to stop before the POST
 *   ACM_INBOX_VERBOSITY        log verbosity, as the count of -v
 *
 * It prints the outcome as one JSON object on stdout.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approve/exchange.h"
#include "common/log.h"
#include "common/str.h"
#include "tests/unit/tap.h"

static long
env_long(const char *name)
{
	const char *value = getenv(name);
	long n = 0;

	if (value != NULL && str_parse_long(value, 0, 86400, &n) != 0) {
		fprintf(stderr, "%s: not a number of seconds: %s\n", name,
		    value);
		exit(2);
	}
	return n;
}

static void
env_split(const char *name, struct strlist *list)
{
	const char *value = getenv(name);
	char *copy, *save = NULL;

	if (value == NULL)
		return;
	copy = strdup(value);
	for (char *p = strtok_r(copy, " ", &save); p != NULL;
	    p = strtok_r(NULL, " ", &save))
		strlist_add(list, p);
	free(copy);
}

static void
print_outcome(const struct approve_outcome *outcome, int status)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "result", json_object_new_string(
	    approve_result_name(outcome->result)));
	json_object_object_add(obj, "status", json_object_new_int(status));
	json_object_object_add(obj, "submitted",
	    json_object_new_boolean(outcome->submitted));
	json_object_object_add(obj, "http_status",
	    json_object_new_int64(outcome->http_status));
	json_object_object_add(obj, "detail",
	    json_object_new_string(outcome->detail));
	json_object_object_add(obj, "saved_page", outcome->saved_page != NULL ?
	    json_object_new_string(outcome->saved_page) : NULL);
	printf("%s\n", json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

int
main(int argc, char **argv)
{
	struct approve_exchange_options opts = {0};
	struct approve_outcome outcome;
	struct strlist connect_to = {0};
	const char *dry_run = getenv("ACM_INBOX_DRY_RUN");
	int status;

	if (getenv("ACM_INBOX_EXCHANGE_PROBE") == NULL) {
		tap_skip("run through test_approval_exchange.py");
		return tap_done();
	}
	if (argc != 2) {
		fprintf(stderr, "usage: test_exchange_live APPROVAL-URL\n");
		return 2;
	}

	log_setup((int)env_long("ACM_INBOX_VERBOSITY"), LOG_FORMAT_TEXT);
	env_split("ACM_INBOX_CONNECT_TO", &connect_to);
	opts.ca_bundle = getenv("ACM_INBOX_CA_BUNDLE");
	opts.connect_to = &connect_to;
	opts.connect_timeout = env_long("ACM_INBOX_CONNECT_TIMEOUT");
	opts.request_timeout = env_long("ACM_INBOX_REQUEST_TIMEOUT");
	opts.save_dir = getenv("ACM_INBOX_SAVE_DIR");
	opts.dry_run = dry_run != NULL && strcmp(dry_run, "1") == 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	status = approve_exchange_run(argv[1], &opts, &outcome);
	print_outcome(&outcome, status);
	approve_outcome_free(&outcome);
	strlist_free(&connect_to);
	log_clear_secrets();
	curl_global_cleanup();
	return 0;
}
