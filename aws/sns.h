#ifndef AWS_SNS_H
#define AWS_SNS_H

/*
 * SNS (query protocol, 2010-03-31): topics and their access policy.
 * Every call returns 0 on success and -1 on failure with resp holding the
 * status and AWS error (not logged); free resp with aws_response_free()
 * in both cases.
 */
#include "aws/aws.h"

/* CreateTopic (idempotent for the same name); *arn newly allocated. */
int sns_create_topic(struct aws_client *client, const char *name,
    char **arn, struct aws_response *resp);

/*
 * GetTopicAttributes; *policy is the Policy attribute (newly allocated,
 * NULL when the topic has none).  A missing topic fails with NotFound.
 */
int sns_get_topic_policy(struct aws_client *client, const char *arn,
    char **policy, struct aws_response *resp);

/* SetTopicAttributes Policy. */
int sns_set_topic_policy(struct aws_client *client, const char *arn,
    const char *policy, struct aws_response *resp);

int sns_delete_topic(struct aws_client *client, const char *arn,
    struct aws_response *resp);

#endif
