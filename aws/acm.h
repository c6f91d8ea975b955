#ifndef AWS_ACM_H
#define AWS_ACM_H

/*
 * ACM DescribeCertificate, reduced to what deciding on a validation
 * request needs.  Strings are owned and NULL when the response lacks them;
 * values are ACM's own ("PENDING_VALIDATION", "EMAIL", ...).
 */
#include <stddef.h>

#include "aws/aws.h"
#include "common/str.h"

/* One DomainValidationOptions entry. */
struct acm_domain_validation {
	char *domain_name;
	char *validation_method;	/* "EMAIL" or "DNS" */
	char *validation_status;	/* "PENDING_VALIDATION", ... */
	char *validation_domain;
};

struct acm_certificate {
	char *arn;
	char *domain_name;
	char *status;		/* "PENDING_VALIDATION", "ISSUED", ... */
	char *type;		/* "AMAZON_ISSUED", "IMPORTED", "PRIVATE" */
	struct strlist subject_alternative_names;
	struct acm_domain_validation *validations;
	size_t validation_count;
	char *renewal_status;	/* RenewalSummary.RenewalStatus */
	struct acm_domain_validation *renewal_validations;
	size_t renewal_validation_count;
};

/* How a DescribeCertificate call ended. */
enum acm_status {
	ACM_OK,
	ACM_NOT_FOUND,		/* ResourceNotFoundException */
	ACM_INVALID_ARN,	/* InvalidArnException, ValidationException */
	ACM_ACCESS_DENIED,	/* AccessDeniedException and the like */
	ACM_UNAVAILABLE,	/* no response, throttling, 5xx: retry */
	ACM_FAILED,		/* any other error, or an unreadable body */
};

/*
 * Describes the certificate arn, sending the request to region (NULL:
 * the client's), which must be the region the ARN names.  On ACM_OK, out
 * holds the certificate; free it with acm_certificate_free().  Otherwise
 * out is empty and *error is a newly allocated one-line explanation
 * (AWS text escaped) for the caller to log; nothing is logged here.
 */
enum acm_status acm_describe_certificate(struct aws_client *client,
    const char *region, const char *arn, struct acm_certificate *out,
    char **error);

/*
 * Parses a DescribeCertificate response body (JSON, len bytes).  Returns 0,
 * or -1 when it is not JSON or has no Certificate object with a Status;
 * out is then empty.  Free out with acm_certificate_free() in both cases.
 */
int acm_certificate_parse(const char *json, size_t len,
    struct acm_certificate *out);

void acm_certificate_free(struct acm_certificate *cert);

/* Returns the name of status ("not-found", ...), for messages and JSON. */
const char *acm_status_name(enum acm_status status);

#endif
