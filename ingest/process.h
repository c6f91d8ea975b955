#ifndef INGEST_PROCESS_H
#define INGEST_PROCESS_H

/*
 * The real processor for the run loop: GMime parsing and ACM field
 * extraction, the approval policy, and the approval HTTP exchange.
 */
#include "approve/exchange.h"
#include "approve/policy.h"
#include "approve/verify.h"
#include "aws/aws.h"
#include "ingest/worker.h"
#include "parse/mail.h"

struct ingest_process_config {
	struct policy policy;
	struct mail_limits limits;
	struct approve_exchange_options exchange;
	enum verify_setting verify;	/* the ACM certificate check */
	const struct aws_client_options *aws;	/* for that check */
};

/*
 * Fills p with the real processor's functions and arg = config (not
 * copied; it must outlive every thread of the run).
 */
void ingest_process_init(struct ingest_processor *p,
    struct ingest_process_config *config);

#endif
