#include "ingest/notify.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/log.h"

struct ingest_notifier {
	struct aws_client *client;
	char *topic_arn;
	pthread_mutex_t lock;	/* the client serves one request at a time */
};

struct ingest_notifier *
ingest_notifier_new(const struct aws_client_options *opts,
    const char *topic_arn)
{
	struct ingest_notifier *n = xcalloc(1, sizeof(*n));

	n->client = aws_client_new(opts);
	if (n->client == NULL) {
		free(n);
		return NULL;
	}
	n->topic_arn = xstrdup(topic_arn);
	pthread_mutex_init(&n->lock, NULL);
	return n;
}

/* {"source": "acm-inbox", "outcome": ..., "record": {...}} */
static char *
event_json(enum ingest_outcome outcome, const char *record)
{
	struct json_object *event = json_object_new_object();
	struct json_object *parsed = json_tokener_parse(record);
	char *text;

	json_object_object_add(event, "source",
	    json_object_new_string("acm-inbox"));
	json_object_object_add(event, "outcome",
	    json_object_new_string(ingest_outcome_name(outcome)));
	json_object_object_add(event, "record", parsed);
	text = xstrdup(json_object_to_json_string_ext(event,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(event);
	return text;
}

void
ingest_notifier_send(void *arg, enum ingest_outcome outcome,
    const char *record)
{
	struct ingest_notifier *n = arg;
	char *message = event_json(outcome, record);
	char *subject = xasprintf("acm-inbox: a message was %s",
	    ingest_outcome_name(outcome));
	struct aws_param params[] = {
		{ "TopicArn", n->topic_arn },
		{ "Subject", subject },
		{ "Message", message },
	};
	struct aws_response resp;

	pthread_mutex_lock(&n->lock);
	if (aws_query(n->client, "sns", "Publish", "2010-03-31", params, 3,
	    &resp) != 0) {
		char *why = aws_error_string(&resp);

		log_warn("notify: publishing to %s failed: %s; the result "
		    "record is in the store", n->topic_arn, why);
		free(why);
	}
	pthread_mutex_unlock(&n->lock);
	aws_response_free(&resp);
	free(subject);
	free(message);
}

void
ingest_notifier_free(struct ingest_notifier *n)
{
	if (n == NULL)
		return;
	aws_client_free(n->client);
	pthread_mutex_destroy(&n->lock);
	free(n->topic_arn);
	free(n);
}
