/*
 * Credentials from the shared files: static keys in ~/.aws/credentials,
 * credential_process, static keys in ~/.aws/config (the AWS CLI's order).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/*
 * Starts /bin/sh -c command in a process group of its own, with its
 * stdout on a pipe; returns the read end, or -1 (logged).
 */
static int
creds_spawn(const char *command, const char *where, pid_t *pid)
{
	int fds[2];

	if (pipe(fds) != 0) {
		log_error("%s: cannot create a pipe: %s", where,
		    strerror(errno));
		return -1;
	}
	fflush(stderr);
	*pid = fork();
	if (*pid < 0) {
		log_error("%s: cannot start /bin/sh: %s", where,
		    strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (*pid == 0) {
		/* Only async-signal-safe calls: the parent may have threads. */
		setpgid(0, 0);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	return fds[0];
}

/* Returns the milliseconds left until deadline (CLOCK_MONOTONIC), >= 0. */
static int
creds_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	/* poll() takes an int, so one wait lasts at most a minute. */
	if (ms < 0)
		return 0;
	if (ms > 60000)
		return 60000;
	return (int)ms;
}

/*
 * Reads the command's output until it closes stdout and exits, or until
 * the deadline.  Returns 0 with *status set, -1 when the output is too
 * large or the time ran out (logged; the process group is then killed).
 */
static int
creds_collect(int fd, pid_t pid, const struct timespec *deadline,
    long timeout, const char *where, struct buf *out, int *status)
{
	bool open_pipe = true;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int left = creds_ms_left(deadline);

		if (!open_pipe) {
			pid_t done = waitpid(pid, status, WNOHANG);

			if (done == pid)
				return 0;
			if (done < 0 && errno != EINTR) {
				log_error("%s: cannot wait for the command: "
				    "%s", where, strerror(errno));
				return -1;
			}
			if (left == 0)
				break;
			poll(NULL, 0, left < 50 ? left : 50);
			continue;
		}
		if (left == 0)
			break;
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			break;
		if (pfd.revents != 0) {
			char chunk[4096];
			ssize_t n = read(fd, chunk, sizeof(chunk));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				open_pipe = false;
				continue;
			}
			if (out->len + (size_t)n > CREDS_MAX_RESPONSE) {
				log_error("%s: output larger than 64 KiB",
				    where);
				goto kill;
			}
			buf_append(out, chunk, (size_t)n);
		}
	}
	log_error("%s: the command did not finish within %ld s; stopped it",
	    where, timeout);
kill:
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
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
 * A command still running after timeout seconds is killed, so a hung
 * helper cannot stall every later run.
 */
static int
creds_run_process(const char *command, const char *name, long timeout,
    struct aws_credentials *c)
{
	char *where = xasprintf("profile '%s': credential_process", name);
	struct buf out = { 0 };
	struct timespec deadline;
	int rc = -1, fd, status = 0;
	pid_t pid;

	log_debug("%s: running the command", where);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	fd = creds_spawn(command, where, &pid);
	if (fd < 0)
		goto out;
	rc = creds_collect(fd, pid, &deadline, timeout, where, &out,
	    &status);
	close(fd);
	if (rc != 0)
		goto out;
	rc = -1;
	if (creds_check_status(status, where) != 0)
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
		return creds_run_process(command, ctx->profile,
		    ctx->process_timeout, c) == 0 ?
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
