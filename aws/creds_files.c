/*
 * Credentials from the shared files: static keys in ~/.aws/credentials,
 * credential_process, static keys in ~/.aws/config (the AWS CLI's order).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "aws/config.h"
#include "aws/creds_internal.h"
#include "common/log.h"

/* One profile as read from both shared files. */
struct creds_profile {
	char *config_path;	/* NULL when HOME is unset */
	char *creds_path;
	struct aws_profile config;
	struct aws_profile creds;
};

static int
creds_profile_load(struct creds_profile *cp, const char *name)
{
	int rc = 0;

	memset(cp, 0, sizeof(*cp));
	cp->config_path = aws_config_file_path(true);
	cp->creds_path = aws_config_file_path(false);
	if (cp->creds_path != NULL &&
	    aws_profile_load(&cp->creds, cp->creds_path, false, name) != 0)
		rc = -1;
	if (cp->config_path != NULL &&
	    aws_profile_load(&cp->config, cp->config_path, true, name) != 0)
		rc = -1;
	return rc;
}

static void
creds_profile_free(struct creds_profile *cp)
{
	aws_profile_free(&cp->config);
	aws_profile_free(&cp->creds);
	free(cp->config_path);
	free(cp->creds_path);
}

/* Returns key from the credentials file, else from the config file. */
static const char *
creds_profile_get(const struct creds_profile *cp, const char *key)
{
	const char *value = aws_profile_get(&cp->creds, key);

	return value != NULL ? value : aws_profile_get(&cp->config, key);
}

/*
 * Takes static keys from one file's profile.  Returns 1, 0 when the
 * profile has none, or -1 when only half of a key pair is there.
 */
static int
creds_static_keys(const struct aws_profile *p, const char *path,
    const char *name, struct aws_credentials *c)
{
	const char *id = aws_profile_get(p, "aws_access_key_id");
	const char *secret = aws_profile_get(p, "aws_secret_access_key");

	if (id == NULL && secret == NULL)
		return 0;
	if (id == NULL || secret == NULL) {
		log_error("%s: profile '%s' has %s but no %s", path, name,
		    id != NULL ? "aws_access_key_id" : "aws_secret_access_key",
		    id != NULL ? "aws_secret_access_key" : "aws_access_key_id");
		return -1;
	}
	creds_fill(c, id, secret, aws_profile_get(p, "aws_session_token"), 0,
	    "shared files");
	return 1;
}

/* Reads the command's whole output; returns 0, or -1 when too large. */
static int
creds_read_output(FILE *f, struct buf *out)
{
	char chunk[4096];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > CREDS_MAX_RESPONSE)
			return -1;
		buf_append(out, chunk, n);
	}
	return 0;
}

/* Returns 0 when status is a normal exit 0, else -1 (logged). */
static int
creds_check_status(int status, const char *where)
{
	if (status == -1) {
		log_error("%s: cannot wait for the command: %s", where,
		    strerror(errno));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		log_error("%s: the command was killed by signal %d", where,
		    WTERMSIG(status));
		return -1;
	}
	if (WEXITSTATUS(status) != 0) {
		log_error("%s: the command exited with status %d; its "
		    "messages are above", where, WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

/*
 * Runs credential_process with /bin/sh -c and parses its JSON output.
 * The command's stderr goes to ours, so its own messages reach the user.
 */
static int
creds_run_process(const char *command, const char *name,
    struct aws_credentials *c)
{
	char *where = xasprintf("profile '%s': credential_process", name);
	struct buf out = { 0 };
	int rc = -1;
	FILE *f;

	log_debug("%s: running the command", where);
	fflush(stderr);
	f = popen(command, "r");
	if (f == NULL) {
		log_error("%s: cannot start /bin/sh: %s", where,
		    strerror(errno));
		goto out;
	}
	if (creds_read_output(f, &out) != 0) {
		log_error("%s: output larger than 64 KiB", where);
		pclose(f);
		goto out;
	}
	if (creds_check_status(pclose(f), where) != 0)
		goto out;
	buf_append_char(&out, '\0');
	rc = creds_parse_json(out.data, "SessionToken", true, where,
	    "credential_process", c);
out:
	buf_free(&out);
	free(where);
	return rc;
}

/* Rejects profiles that need a source this tool does not implement. */
static int
creds_check_unsupported(const struct creds_profile *cp, const char *name)
{
	static const char *const keys[] = {
		"role_arn", "sso_session", "sso_start_url",
		"web_identity_token_file",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (creds_profile_get(cp, keys[i]) == NULL)
			continue;
		/*
		 * TODO: role_arn with source_profile (sts:AssumeRole) and
		 * SSO profiles are not implemented; such profiles need
		 * exported keys for now.
		 */
		log_error("profile '%s': %s is not supported by acm-inbox; "
		    "export credentials with 'aws configure "
		    "export-credentials --profile %s --format env'", name,
		    keys[i], name);
		return -1;
	}
	return 0;
}

static int
creds_from_loaded(struct creds_ctx *ctx, const struct creds_profile *cp,
    struct aws_credentials *c)
{
	const char *command;
	int rc;

	rc = creds_static_keys(&cp->creds, cp->creds_path, ctx->profile, c);
	if (rc != 0)
		return rc;
	command = creds_profile_get(cp, "credential_process");
	if (command != NULL)
		return creds_run_process(command, ctx->profile, c) == 0 ?
		    1 : -1;
	rc = creds_static_keys(&cp->config, cp->config_path, ctx->profile,
	    c);
	if (rc != 0)
		return rc;
	if (creds_check_unsupported(cp, ctx->profile) != 0)
		return -1;
	creds_tried(ctx, "profile '%s' in %s and %s (%s)", ctx->profile,
	    cp->creds_path ? cp->creds_path : "(HOME unset)",
	    cp->config_path ? cp->config_path : "(HOME unset)",
	    cp->creds.found || cp->config.found ?
	    "no keys or credential_process" : "no such profile");
	return 0;
}

int
creds_from_profile(struct creds_ctx *ctx, struct aws_credentials *c)
{
	struct creds_profile cp;
	int rc = -1;

	if (creds_profile_load(&cp, ctx->profile) != 0)
		goto out;
	if (!cp.creds.found && !cp.config.found &&
	    strcmp(ctx->profile, "default") != 0) {
		log_error("credentials: profile '%s' not found in %s or %s; "
		    "check --profile and AWS_PROFILE", ctx->profile,
		    cp.creds_path ? cp.creds_path : "(HOME unset)",
		    cp.config_path ? cp.config_path : "(HOME unset)");
		goto out;
	}
	rc = creds_from_loaded(ctx, &cp, c);
out:
	creds_profile_free(&cp);
	return rc;
}
