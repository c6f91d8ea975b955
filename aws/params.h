#ifndef AWS_PARAMS_H
#define AWS_PARAMS_H

/*
 * A growable list of query parameters whose names and values the list
 * owns, for the query protocol's flattened members
 * ("Rule.Recipients.member.1").  A zeroed struct aws_params is empty.
 */
#include <stddef.h>

#include "aws/aws.h"

struct aws_params {
	struct aws_param *items;
	size_t count;
	size_t cap;
};

void aws_params_add(struct aws_params *p, const char *name,
    const char *value);
void aws_params_addf(struct aws_params *p, const char *value,
    const char *name_fmt, ...) __attribute__((format(printf, 3, 4)));
void aws_params_free(struct aws_params *p);

/*
 * Marks a 2xx response whose body could not be read as failed: sets
 * resp->error_code to "MalformedResponse" and error_message to what.
 * Returns -1 for the caller to return.
 */
int aws_response_malformed(struct aws_response *resp, const char *what);

#endif
