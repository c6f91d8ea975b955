#ifndef PARSE_ACM_H
#define PARSE_ACM_H

#include <stdbool.h>
#include <stddef.h>

#include "parse/findings.h"
#include "parse/links.h"
#include "parse/mail.h"
#include "parse/sesauth.h"

/*
 * What a message says about an ACM validation request, in the formats
 * used since 2017.  Strings are owned, NULL when the message does not
 * carry them.  Nothing here is trusted yet: the policy decides.
 */
struct acm_email {
	bool is_acm;			/* subject or body is ACM's */
	bool is_setup_notification;	/* SES's receipt rule test message */
	char *from;			/* lower-case address, one mailbox */
	char *subject;
	char *domain;			/* the Domain: line */
	char *requested_domain;		/* NAME of the subject, maybe *.NAME */
	char *account_id;		/* 12 digits */
	char *region;			/* the AWS Region name: line */
	char *certificate_arn;
	char *certificate_id;		/* the UUID */
	char *arn_partition;		/* parts of certificate_arn */
	char *arn_region;
	char *arn_account;
	bool has_link;			/* link holds the only approval link */
	struct approval_link link;
	struct ses_auth auth;
	struct findings problems;
};

/*
 * Parses a message held in data[0..len) (not copied, not changed) and
 * extracts the ACM fields, the approval link and the SES verdicts.
 * Problems found on the way ("conflicting-domain",
 * "invalid-approval-link", "ambiguous-approval-link", the limits of
 * mail_parse, ...) go to email->problems.  When len is over
 * limits->max_size, data is not read and may be NULL, so a caller can
 * pass the size of a message it did not load.  Returns 0, or -1 when the
 * input could not be read as a message at all (email then holds the
 * problem).  Free with acm_email_free in both cases.
 */
int acm_email_parse(const char *data, size_t len,
    const struct mail_limits *limits, struct acm_email *email);

void acm_email_free(struct acm_email *email);

/* The sender of every ACM validation email. */
#define ACM_EMAIL_FROM "no-reply@certificates.amazon.com"

#endif
