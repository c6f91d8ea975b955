#ifndef AWS_STS_H
#define AWS_STS_H

#include "aws/aws.h"

/*
 * STS GetCallerIdentity.  On 0, *account (12 digits) and *arn are newly
 * allocated.  On -1 resp contains the failure (not logged).  Free resp with
 * aws_response_free() in both cases.
 */
int sts_get_caller_identity(struct aws_client *client, char **account,
    char **arn, struct aws_response *resp);

#endif
