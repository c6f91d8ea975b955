#ifndef CLI_MESSAGE_H
#define CLI_MESSAGE_H

/*
 * What the commands that read one message by hand share: reading the
 * source and building the policy from the flags and the config file.
 */
#include <stddef.h>

#include "approve/policy.h"
#include "approve/verify.h"
#include "parse/sesauth.h"
#include "cli/cli.h"
#include "cli/config.h"
#include "common/buf.h"
#include "common/str.h"

/*
 * Reads a message from source, a file path or "-" for standard input,
 * into data.  A file larger than max is not read and a stream is read
 * only to max + 1 bytes, so *size (the full size when known) lets the
 * parser report the message as too large.  Returns 0, or -1 after
 * printing "acm-inbox COMMAND: SOURCE: cannot read: ..." on stderr.
 */
int cli_message_read(const char *command, const char *source, size_t max,
    struct buf *data, size_t *size);

/*
 * Reads a message like cli_message_read(), and also from
 * s3://BUCKET/KEY through the command's AWS client.  An object larger
 * than max is not fetched; *size then holds its size.  Returns 0, or the
 * exit status after printing the error: EXIT_USAGE for a local source or
 * a malformed s3:// source, EXIT_AWS when S3 could not be read.
 */
int cli_message_fetch(struct cli *cli, const char *source, size_t max,
    struct buf *data, size_t *size);

/*
 * Fills policy from the flag lists when they are not empty, else from the
 * config file (allow-domain, else domain).  Account IDs may be written
 * 1111-2222-3333.  Returns 0, or -1 after printing the invalid ID.
 */
int cli_policy_build(const char *command, const struct strlist *accounts,
    const struct strlist *domains, const struct config *config,
    struct policy *policy);

/* Prints "  LABEL VALUE" for a request's field, escaped; NULL as "-". */
void cli_print_field(const char *label, const char *value);

/* Prints one "  LABEL CODE: TEXT" line per finding, the text escaped. */
void cli_print_findings(const char *label, const struct findings *list);

/* Prints the trusted SES verdicts of a message on one line. */
void cli_print_verdicts(const char *label, const struct ses_auth *auth);

/* Returns the certificate check setting for a config verify-certificate. */
enum verify_setting cli_verify_setting(enum verify_mode mode);

#endif
