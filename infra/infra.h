#ifndef INFRA_INFRA_H
#define INFRA_INFRA_H

/*
 * setup, status and teardown of one domain's receiving mailbox: the S3
 * bucket and its policy, the SES domain identity and its TXT record, the
 * MX record, the SNS topic and its policy, and the SES receipt rule.
 * Everything is read first; setup prints a plan and writes only what
 * differs.  Human output goes to out, errors to the log.
 */
#include <stdbool.h>
#include <stdio.h>

#include "aws/aws.h"
#include "common/str.h"

#define INFRA_DEFAULT_TOPIC "acm-inbox"
#define INFRA_DEFAULT_RULE_SET "acm-inbox"
#define INFRA_DEFAULT_EXPIRE_DAYS 90
#define INFRA_DEFAULT_WAIT_TIMEOUT 600

struct infra_options {
	const char *domain;		/* from infra_domain_normalize() */
	const char *bucket;		/* NULL: acm-inbox-ACCOUNT-REGION */
	const char *prefix;		/* from infra_normalize_prefix() */
	const char *topic;		/* topic name */
	const char *rule_set;		/* NULL: active one, else acm-inbox */
	const struct strlist *recipients; /* empty: the five ACM addresses */
	const char *hosted_zone;	/* NULL: found by the domain's name */
	long expire_days;		/* lifecycle expiry of outcomes */
	bool replace_mx;		/* replace an MX pointing elsewhere */
	bool dry_run;			/* print the plan, write nothing */
	bool wait;			/* wait for INSYNC and verification */
	long wait_timeout;		/* seconds */
	bool delete_bucket;		/* teardown: delete the bucket too */
	bool force;			/* teardown: delete its objects first */
};

/* Results; cli maps them to exit statuses. */
enum infra_result {
	INFRA_DONE = 0,		/* all done, or status found all right */
	INFRA_PROBLEM = 1,	/* a conflict, or something missing/wrong */
	INFRA_CONFIG = 2,	/* a region without SES receiving, ... */
	INFRA_AWS_FAILED = 3,	/* AWS unreachable or a call refused */
};

/* Plans and applies the mailbox for opts->domain. */
enum infra_result infra_setup(struct aws_client *client,
    const struct infra_options *opts, FILE *out);

/* Checks every resource and prints a table; writes nothing. */
enum infra_result infra_status(struct aws_client *client,
    const struct infra_options *opts, FILE *out);

/* Removes what setup made for opts->domain and prints what it removed. */
enum infra_result infra_teardown(struct aws_client *client,
    const struct infra_options *opts, FILE *out);

#endif
