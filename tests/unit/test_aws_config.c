/*
 * Unit tests for the AWS settings (aws/config.c) and the credential chain
 * sources that need no network: environment, shared files and
 * credential_process.  The instance metadata service is disabled for the
 * whole run, so nothing here opens a connection.
 */
#include <fcntl.h>
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/config.h"
#include "aws/creds.h"
#include "aws/creds_internal.h"
#include "common/buf.h"
#include "common/log.h"
#include "tests/unit/tap.h"

/* Every variable the code under test reads; saved, cleared, restored. */
static const char *const env_names[] = {
	"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SES", "AWS_ENDPOINT_URL_SNS",
	"AWS_ENDPOINT_URL_ROUTE_53", "AWS_ENDPOINT_URL_ACM",
	"AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_CA_BUNDLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	"AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
};

#define ENV_COUNT (sizeof(env_names) / sizeof(env_names[0]))

static char *saved_env[ENV_COUNT];
static char tmp_dir[] = "/tmp/acm-inbox-aws-config-XXXXXX";

static void
env_save_and_clear(void)
{
	for (size_t i = 0; i < ENV_COUNT; i++) {
		const char *value = getenv(env_names[i]);

		saved_env[i] = value != NULL ? xstrdup(value) : NULL;
		unsetenv(env_names[i]);
	}
}

static void
env_restore(void)
{
	for (size_t i = 0; i < ENV_COUNT; i++) {
		if (saved_env[i] != NULL)
			setenv(env_names[i], saved_env[i], 1);
		else
			unsetenv(env_names[i]);
		free(saved_env[i]);
	}
}

/* Clears every variable, then points the shared files into tmp_dir. */
static void
env_reset(void)
{
	char *path;

	for (size_t i = 0; i < ENV_COUNT; i++)
		unsetenv(env_names[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	path = xasprintf("%s/config", tmp_dir);
	setenv("AWS_CONFIG_FILE", path, 1);
	free(path);
	path = xasprintf("%s/credentials", tmp_dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	free(path);
}

/* Writes text to tmp_dir/name; returns the path (free it). */
static char *
write_file_path(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmp_dir, name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static void
write_file(const char *name, const char *text, mode_t mode)
{
	free(write_file_path(name, text, mode));
}

static void
remove_file(const char *name)
{
	char *path = xasprintf("%s/%s", tmp_dir, name);

	unlink(path);
	free(path);
}

/* Redirects stderr into a file until capture_end(). */
struct capture {
	int saved_fd;
	char *path;
};

static void
capture_begin(struct capture *cap)
{
	int fd;

	cap->path = xasprintf("%s/stderr", tmp_dir);
	fflush(stderr);
	cap->saved_fd = dup(2);
	fd = open(cap->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
}

/* Restores stderr; returns what was written (free it). */
static char *
capture_end(struct capture *cap)
{
	struct buf text = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f;

	fflush(stderr);
	dup2(cap->saved_fd, 2);
	close(cap->saved_fd);
	f = fopen(cap->path, "r");
	while (f != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&text, chunk, n);
	if (f != NULL)
		fclose(f);
	unlink(cap->path);
	free(cap->path);
	buf_append_str(&text, "");
	return buf_steal(&text);
}

static bool
contains(const char *haystack, const char *needle)
{
	return haystack != NULL && strstr(haystack, needle) != NULL;
}

static const char config_text[] =
	"# a comment\n"
	"; another comment\n"
	"[default]\n"
	"region = eu-west-1\n"
	"output=json\n"
	"\n"
	"[profile work]\n"
	"region   =   us-west-2   # trailing comment\n"
	"s3 =\n"
	"  max_concurrent_requests = 20\n"
	"  addressing_style = path\n"
	"CA_Bundle = /etc/work-ca.pem\n"
	"[ profile   spaced ]\n"
	"region = ap-south-1\n"
	"[sso-session corp]\n"
	"region = sso-region\n"
	"[work2]\n"
	"region = bare-section\n"
	"[profile work]\n"
	"output = text\n";

static void
test_profile_sections(void)
{
	char *path = write_file_path("config", config_text, 0600);
	struct aws_profile p;

	is_int(aws_profile_load(&p, path, true, "work"), 0, "config loads");
	ok(p.found, "profile work found");
	is_str(aws_profile_get(&p, "region"), "us-west-2",
	    "spaces and trailing comment stripped");
	is_str(aws_profile_get(&p, "ca_bundle"), "/etc/work-ca.pem",
	    "key names are lower-cased");
	is_str(aws_profile_get(&p, "output"), "text",
	    "repeated section merges");
	is_str(aws_profile_get(&p, "s3"), NULL, "sub-section key skipped");
	is_str(aws_profile_get(&p, "addressing_style"), NULL,
	    "sub-section lines skipped");
	aws_profile_free(&p);

	is_int(aws_profile_load(&p, path, true, "default"), 0,
	    "default loads");
	is_str(aws_profile_get(&p, "region"), "eu-west-1", "default region");
	is_str(aws_profile_get(&p, "output"), "json", "default output");
	aws_profile_free(&p);

	is_int(aws_profile_load(&p, path, true, "spaced"), 0,
	    "spaced header loads");
	is_str(aws_profile_get(&p, "region"), "ap-south-1",
	    "header whitespace ignored");
	aws_profile_free(&p);

	is_int(aws_profile_load(&p, path, true, "work2"), 0,
	    "bare section loads");
	ok(!p.found, "bare [name] is no profile in the config file");
	aws_profile_free(&p);
	is_int(aws_profile_load(&p, path, false, "work2"), 0,
	    "credentials syntax loads");
	ok(p.found, "bare [name] is a profile in the credentials file");
	aws_profile_free(&p);
	is_int(aws_profile_load(&p, path, false, "work"), 0,
	    "credentials syntax loads again");
	ok(!p.found, "[profile work] is no profile in the credentials file");
	aws_profile_free(&p);
	free(path);
}

static void
test_crlf_lines(void)
{
	char *path = write_file_path("crlf", "[default]\r\nregion = eu-north-1"
	    "\r\n\r\n[profile x]\r\nregion=x-1\r\n", 0600);
	struct aws_profile p;

	is_int(aws_profile_load(&p, path, true, "x"), 0, "CRLF file loads");
	is_str(aws_profile_get(&p, "region"), "x-1", "CRLF value trimmed");
	aws_profile_free(&p);
	unlink(path);
	free(path);
}

static void
test_default_not_inherited(void)
{
	char *region;

	env_reset();
	write_file("config", config_text, 0600);
	region = aws_config_region(NULL, "spaced");
	is_str(region, "ap-south-1", "named profile region");
	free(region);
	region = aws_config_region(NULL, "missing");
	is_str(region, NULL, "default region not inherited");
	free(region);
	region = aws_config_region(NULL, NULL);
	is_str(region, "eu-west-1", "no profile means default");
	free(region);
}

static void
test_missing_and_unreadable(void)
{
	struct aws_profile p;
	struct capture cap;
	char *path = xasprintf("%s/absent", tmp_dir);
	char *err;

	is_int(aws_profile_load(&p, path, true, "default"), 0,
	    "missing file is no error");
	ok(!p.found, "missing file has no profile");
	aws_profile_free(&p);
	capture_begin(&cap);
	is_int(aws_profile_load(&p, tmp_dir, true, "default"), -1,
	    "a directory is an error");
	err = capture_end(&cap);
	ok(contains(err, tmp_dir), "error names the path");
	aws_profile_free(&p);
	free(err);
	free(path);
}

static void
check_malformed(const char *text, const char *where, const char *name)
{
	char *path = write_file_path("bad", text, 0600);
	char *expected = xasprintf("%s:%s", path, where);
	struct aws_profile p;
	struct capture cap;
	char *err;
	int rc;

	capture_begin(&cap);
	rc = aws_profile_load(&p, path, true, "default");
	err = capture_end(&cap);
	is_int(rc, -1, "%s: rejected", name);
	if (!ok(contains(err, expected), "%s: error has file:line", name))
		printf("#   stderr: %s", err);
	aws_profile_free(&p);
	free(err);
	free(expected);
	free(path);
}

static void
test_malformed(void)
{
	check_malformed("[default]\nregion = x\nnot a setting\n", "3:",
	    "line without =");
	check_malformed("region = x\n", "1:", "key before section");
	check_malformed("[default]\n[profile x\n", "2:",
	    "unterminated header");
	check_malformed("# c\n[default]\n= value\n", "3:", "empty key");
	check_malformed("[default] junk\n", "1:", "text after header");
	check_malformed("[profile ]\n", "1:", "empty profile name");
	check_malformed("[default]\n[ ]\n", "2:", "empty section name");
}

static void
test_profile_name(void)
{
	char *name;

	env_reset();
	name = aws_config_profile_name(NULL);
	is_str(name, "default", "profile defaults to default");
	free(name);
	setenv("AWS_PROFILE", "from-env", 1);
	name = aws_config_profile_name(NULL);
	is_str(name, "from-env", "AWS_PROFILE used");
	free(name);
	name = aws_config_profile_name("from-flag");
	is_str(name, "from-flag", "flag beats AWS_PROFILE");
	free(name);
}

static void
test_region_order(void)
{
	char *region;

	env_reset();
	write_file("config", "[profile r]\nregion = from-file\n", 0600);
	region = aws_config_region(NULL, "r");
	is_str(region, "from-file", "region from profile");
	free(region);
	setenv("AWS_DEFAULT_REGION", "from-default", 1);
	region = aws_config_region(NULL, "r");
	is_str(region, "from-default", "AWS_DEFAULT_REGION beats file");
	free(region);
	setenv("AWS_REGION", "from-region", 1);
	region = aws_config_region(NULL, "r");
	is_str(region, "from-region", "AWS_REGION beats AWS_DEFAULT_REGION");
	free(region);
	region = aws_config_region("from-flag", "r");
	is_str(region, "from-flag", "flag beats AWS_REGION");
	free(region);
	region = aws_config_region(NULL, "none");
	is_str(region, "from-region", "env applies to any profile");
	free(region);
	env_reset();
	region = aws_config_region(NULL, "none");
	is_str(region, NULL, "no region anywhere");
	free(region);
}

static void
check_endpoint(const char *service, const char *region, const char *want,
    bool want_overridden)
{
	bool overridden = !want_overridden;
	char *url = aws_config_endpoint(service, region, NULL, &overridden);

	is_str(url, want, "%s endpoint in %s", service,
	    region ? region : "no region");
	is_int(overridden, want_overridden, "%s overridden flag", service);
	free(url);
}

static void
test_default_endpoints(void)
{
	struct capture cap;
	char *err, *url;

	env_reset();
	check_endpoint("s3", "us-east-2", "https://s3.us-east-2.amazonaws.com",
	    false);
	check_endpoint("ses", "eu-west-1",
	    "https://email.eu-west-1.amazonaws.com", false);
	check_endpoint("sns", "eu-west-1",
	    "https://sns.eu-west-1.amazonaws.com", false);
	check_endpoint("route53", "eu-west-1", "https://route53.amazonaws.com",
	    false);
	check_endpoint("route53", NULL, "https://route53.amazonaws.com",
	    false);
	check_endpoint("acm", "us-west-2",
	    "https://acm.us-west-2.amazonaws.com", false);
	check_endpoint("sts", "us-west-2",
	    "https://sts.us-west-2.amazonaws.com", false);
	check_endpoint("s3", "cn-north-1",
	    "https://s3.cn-north-1.amazonaws.com.cn", false);
	check_endpoint("ses", "cn-northwest-1",
	    "https://email.cn-northwest-1.amazonaws.com.cn", false);
	check_endpoint("route53", "cn-north-1",
	    "https://route53.amazonaws.com.cn", false);

	capture_begin(&cap);
	url = aws_config_endpoint("s3", NULL, NULL, NULL);
	is_str(url, NULL, "regional service needs a region");
	free(url);
	url = aws_config_endpoint("ec2", "us-east-1", NULL, NULL);
	is_str(url, NULL, "unknown service rejected");
	free(url);
	err = capture_end(&cap);
	ok(contains(err, "no region set"), "missing region reported");
	ok(contains(err, "unknown AWS service 'ec2'"),
	    "unknown service reported");
	free(err);
}

/* A region is spliced into a host name; a bad one must not build a URL. */
static void
test_invalid_regions(void)
{
	static const char *const bad[] = {
		"evil.example#", "../../x", "us-east-1\x1b[31m", "\"us-east-1",
		"US-EAST-1", "us-east-1.", "-us-east-1", "us-east-1-",
		"us east 1", "us-east-1/x", "us-east-1:443", "",
	};
	struct capture cap;
	char *err, *url;

	env_reset();
	capture_begin(&cap);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		url = aws_config_endpoint("s3", bad[i], NULL, NULL);
		is_str(url, NULL, "region #%zu builds no endpoint", i);
		free(url);
	}
	url = aws_config_endpoint("route53", "evil.example#", NULL, NULL);
	is_str(url, "https://route53.amazonaws.com",
	    "a global service ignores the region");
	free(url);
	err = capture_end(&cap);
	ok(contains(err, "invalid region \"evil.example#\""),
	    "invalid region reported");
	ok(!contains(err, "\x1b"), "region escaped in the log");
	free(err);
	check_endpoint("s3", "us-gov-west-1",
	    "https://s3.us-gov-west-1.amazonaws.com", false);
	check_endpoint("s3", "ap-southeast-5",
	    "https://s3.ap-southeast-5.amazonaws.com", false);
}

static void
test_endpoint_overrides(void)
{
	env_reset();
	write_file("config", "[default]\nendpoint_url = http://profile:1/\n",
	    0600);
	check_endpoint("acm", "us-east-1", "http://profile:1", true);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/", 1);
	check_endpoint("s3", "us-east-1", "http://127.0.0.1:5000", true);
	check_endpoint("ses", "us-east-1", "http://127.0.0.1:5000", true);
	setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5001", 1);
	setenv("AWS_ENDPOINT_URL_ROUTE_53", "http://127.0.0.1:5002", 1);
	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5003", 1);
	check_endpoint("s3", "us-east-1", "http://127.0.0.1:5001", true);
	check_endpoint("route53", "us-east-1", "http://127.0.0.1:5002", true);
	check_endpoint("sts", "us-east-1", "http://127.0.0.1:5003", true);
	check_endpoint("sns", "us-east-1", "http://127.0.0.1:5000", true);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	check_endpoint("s3", "us-east-1", "https://s3.us-east-1.amazonaws.com",
	    false);
}

static void
test_signing(void)
{
	is_str(aws_config_signing_name("ses"), "ses", "SES signs as ses");
	is_str(aws_config_signing_name("route53"), "route53", "route53 name");
	is_str(aws_config_signing_name("nope"), NULL, "unknown service");
	is_str(aws_config_signing_region("s3", "eu-west-1"), "eu-west-1",
	    "regional signing region");
	is_str(aws_config_signing_region("route53", "eu-west-1"), "us-east-1",
	    "Route 53 signs in us-east-1");
	is_str(aws_config_signing_region("route53", "cn-north-1"),
	    "cn-northwest-1", "Route 53 in China signs in cn-northwest-1");
	is_str(aws_config_signing_region("sns", NULL), NULL,
	    "regional service without region");
}

static void
test_ca_bundle(void)
{
	char *path;

	env_reset();
	write_file("config", config_text, 0600);
	path = aws_config_ca_bundle(NULL, "work");
	is_str(path, "/etc/work-ca.pem", "CA bundle from profile");
	free(path);
	setenv("AWS_CA_BUNDLE", "/env/ca.pem", 1);
	path = aws_config_ca_bundle(NULL, "work");
	is_str(path, "/env/ca.pem", "AWS_CA_BUNDLE beats profile");
	free(path);
	path = aws_config_ca_bundle("/flag/ca.pem", "work");
	is_str(path, "/flag/ca.pem", "flag beats AWS_CA_BUNDLE");
	free(path);
	unsetenv("AWS_CA_BUNDLE");
	path = aws_config_ca_bundle(NULL, "default");
	is_str(path, NULL, "no CA bundle means system store");
	free(path);
}

static void
check_time(const char *text, long long want, const char *name)
{
	time_t t = 0;

	is_int(aws_creds_parse_time(text, &t), 0, "%s parses", name);
	is_int((long long)t, want, "%s value", name);
}

static void
test_parse_time(void)
{
	static const char *const bad[] = {
		"", "2026-12-04", "2026-12-04T16:00:00", "2026-02-30T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-12-04T24:00:00Z",
		"2026-12-04 16:00:00Z", "2026-12-04T16:00:00+1", "tomorrow",
		"2026-12-04T16:00:00Zjunk", "2026-12-04T16:00:00.Z",
	};
	time_t t;

	check_time("2026-12-04T16:00:00Z", 1796400000LL, "UTC time");
	check_time("2026-12-04T16:00:00.123Z", 1796400000LL,
	    "fractional seconds");
	check_time("2026-12-04T17:00:00+01:00", 1796400000LL, "plus offset");
	check_time("2026-12-04T13:30:00-0230", 1796400000LL, "minus offset");
	check_time("2024-02-29T00:00:00Z", 1709164800LL, "leap day");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(aws_creds_parse_time(bad[i], &t), -1,
		    "invalid time \"%s\" rejected", bad[i]);
	is_int(aws_creds_parse_time(NULL, &t), -1, "NULL time rejected");
}

/* Formats now + seconds as an ISO 8601 UTC time. */
static void
format_time(char *out, size_t size, long seconds)
{
	time_t t = time(NULL) + seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * Writes a credential_process script that records each run in
 * tmp_dir/runs, prints body on stdout and exits with status.
 */
static void
write_process(const char *body, int status)
{
	char *script = xasprintf(
	    "#!/bin/sh\n"
	    "echo run >> '%s/runs'\n"
	    "echo 'process says hello on stderr' >&2\n"
	    "cat <<'JSON'\n%s\nJSON\n"
	    "exit %d\n", tmp_dir, body, status);
	char *path = write_file_path("process.sh", script, 0700);
	char *config = xasprintf("[profile proc]\n"
	    "credential_process = /bin/sh %s --flag\n", path);

	write_file("config", config, 0600);
	remove_file("runs");
	free(config);
	free(path);
	free(script);
}

/* Returns the number of runs recorded by the script. */
static int
count_runs(void)
{
	char *path = xasprintf("%s/runs", tmp_dir);
	FILE *f = fopen(path, "r");
	int count = 0, c;

	while (f != NULL && (c = fgetc(f)) != EOF)
		count += c == '\n';
	if (f != NULL)
		fclose(f);
	free(path);
	return count;
}

/* Runs one aws_creds_get() with profile; returns its status. */
static int
get_once(const char *profile, char **err, char **key, const char **source)
{
	struct aws_creds_options opts = { .profile = profile };
	struct aws_creds_provider *p = aws_creds_provider_new(&opts);
	const struct aws_credentials *c = NULL;
	struct capture cap;
	int rc;

	capture_begin(&cap);
	rc = aws_creds_get(p, &c);
	*err = capture_end(&cap);
	*key = c != NULL ? xstrdup(c->access_key_id) : NULL;
	*source = c != NULL ? c->source : NULL;
	aws_creds_provider_free(p);
	return rc;
}

static void
test_process_good(void)
{
	const struct aws_credentials *c = NULL;
	struct aws_creds_options opts = { .profile = "proc" };
	struct aws_creds_provider *p;
	char when[32], *json;
	struct capture cap;
	time_t want;
	char *err;

	env_reset();
	format_time(when, sizeof(when), 3600);
	json = xasprintf("{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", "
	    "\"SecretAccessKey\": \"process-secret-key-0123\", "
	    "\"SessionToken\": \"process-session-token-0123\", "
	    "\"Expiration\": \"%s\"}", when);
	write_process(json, 0);
	log_setup(4, LOG_FORMAT_TEXT);
	p = aws_creds_provider_new(&opts);
	capture_begin(&cap);
	is_int(aws_creds_get(p, &c), 0, "credential_process succeeds");
	is_int(aws_creds_get(p, &c), 0, "second get succeeds");
	err = capture_end(&cap);
	log_setup(0, LOG_FORMAT_TEXT);
	is_str(c ? c->access_key_id : NULL, "AKIDPROCESS", "process key id");
	is_str(c ? c->secret_access_key : NULL, "process-secret-key-0123",
	    "process secret");
	is_str(c ? c->session_token : NULL, "process-session-token-0123",
	    "process session token");
	is_str(c ? c->source : NULL, "credential_process", "process source");
	aws_creds_parse_time(when, &want);
	is_int(c ? c->expiration : 0, want, "process expiration");
	is_int(count_runs(), 1, "valid credentials are cached");
	ok(contains(err, "process says hello on stderr"),
	    "command stderr passed through");
	ok(!contains(err, "process-secret-key-0123"), "secret not logged");
	ok(!contains(err, "process-session-token-0123"), "token not logged");
	aws_creds_provider_free(p);
	free(err);
	free(json);
}

static void
test_process_refresh(void)
{
	const struct aws_credentials *c = NULL;
	struct aws_creds_options opts = { .profile = "proc" };
	struct aws_creds_provider *p;
	char when[32], *json;
	struct capture cap;
	char *err;

	env_reset();
	format_time(when, sizeof(when), 60);
	json = xasprintf("{\"Version\": 1, \"AccessKeyId\": \"AKIDSHORT\", "
	    "\"SecretAccessKey\": \"short-lived-secret\", "
	    "\"Expiration\": \"%s\"}", when);
	write_process(json, 0);
	p = aws_creds_provider_new(&opts);
	capture_begin(&cap);
	is_int(aws_creds_get(p, &c), 0, "first get");
	is_int(aws_creds_get(p, &c), 0, "second get");
	err = capture_end(&cap);
	is_int(count_runs(), 2, "credentials expiring soon are fetched again");
	is_str(c ? c->session_token : "x", NULL, "no session token");
	aws_creds_invalidate(p);
	capture_begin(&cap);
	is_int(aws_creds_get(p, &c), 0, "get after invalidate");
	free(capture_end(&cap));
	is_int(count_runs(), 3, "invalidate forces a fetch");
	aws_creds_provider_free(p);
	free(err);
	free(json);
}

/*
 * Returns whether pid has exited: gone, or a zombie that its new parent
 * has not reaped yet.  Waits up to about 2 s for SIGKILL to land.
 */
static bool
process_gone(pid_t pid)
{
	for (int i = 0; i < 40; i++) {
		char path[64], state = '?';
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
		f = fopen(path, "r");
		if (f == NULL)
			return true;
		if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = '?';
		fclose(f);
		if (state == 'Z' || state == 'X')
			return true;
		usleep(50000);
	}
	return false;
}

static void
test_process_timeout(void)
{
	struct aws_creds_options opts = { .profile = "proc",
	    .process_timeout = 1 };
	const struct aws_credentials *c = NULL;
	struct aws_creds_provider *p;
	struct capture cap;
	char *err, *path, *config, *script, *pid_path;
	long pid = 0;
	FILE *f;

	env_reset();
	pid_path = xasprintf("%s/hang.pid", tmp_dir);
	script = xasprintf("#!/bin/sh\necho $$ > '%s'\nexec sleep 30\n",
	    pid_path);
	path = write_file_path("hang.sh", script, 0700);
	config = xasprintf("[profile proc]\ncredential_process = /bin/sh %s\n",
	    path);
	write_file("config", config, 0600);
	p = aws_creds_provider_new(&opts);
	capture_begin(&cap);
	is_int(aws_creds_get(p, &c), -1, "hung credential_process fails");
	err = capture_end(&cap);
	ok(contains(err, "did not finish within 1 s"),
	    "hung credential_process: timeout named");
	f = fopen(pid_path, "r");
	ok(f != NULL && fscanf(f, "%ld", &pid) == 1 && pid > 0,
	    "hung credential_process: started");
	ok(pid > 0 && process_gone((pid_t)pid),
	    "hung credential_process: killed");
	if (f != NULL)
		fclose(f);
	aws_creds_provider_free(p);
	free(err);
	free(config);
	free(path);
	free(script);
	free(pid_path);
}

static void
check_process_failure(const char *body, int status, const char *message,
    const char *name)
{
	const char *source;
	char *err, *key;

	env_reset();
	write_process(body, status);
	is_int(get_once("proc", &err, &key, &source), -1, "%s: fails", name);
	is_str(key, NULL, "%s: no credentials", name);
	if (!ok(contains(err, message), "%s: reported", name))
		printf("#   stderr: %s", err);
	ok(!contains(err, "no AWS credentials found"),
	    "%s: chain stops at the failing source", name);
	free(err);
	free(key);
}

static void
test_process_failures(void)
{
	check_process_failure("{\"Version\": 1, \"AccessKeyId\": \"AKID\", "
	    "\"SecretAccessKey\": \"abcdefgh\"}", 3,
	    "exited with status 3", "non-zero exit");
	check_process_failure("{\"Version\": 1, \"AccessKeyId\": ", 0,
	    "not a JSON object", "truncated JSON");
	check_process_failure("[1, 2]", 0, "not a JSON object", "JSON array");
	check_process_failure("{\"AccessKeyId\": \"AKID\", "
	    "\"SecretAccessKey\": \"abcdefgh\"}", 0, "\"Version\": 1",
	    "missing version");
	check_process_failure("{\"Version\": 2, \"AccessKeyId\": \"AKID\", "
	    "\"SecretAccessKey\": \"abcdefgh\"}", 0, "\"Version\": 1",
	    "wrong version");
	check_process_failure("{\"Version\": 1, \"AccessKeyId\": \"AKID\"}",
	    0, "SecretAccessKey missing", "missing secret");
	check_process_failure("{\"Version\": 1, \"AccessKeyId\": \"AKID\", "
	    "\"SecretAccessKey\": \"abcdefgh\", \"Expiration\": \"soon\"}",
	    0, "Expiration is not an ISO 8601 time", "bad expiration");
}

static void
test_env_first(void)
{
	const char *source;
	char *err, *key;

	env_reset();
	write_process("{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", "
	    "\"SecretAccessKey\": \"abcdefgh\"}", 0);
	setenv("AWS_PROFILE", "proc", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "environment-secret", 1);
	is_int(get_once(NULL, &err, &key, &source), 0, "environment works");
	is_str(key, "AKIDENVIRONMENT", "environment key id");
	is_str(source, "environment", "environment source");
	is_int(count_runs(), 0, "later sources are not consulted");
	free(err);
	free(key);

	unsetenv("AWS_SECRET_ACCESS_KEY");
	is_int(get_once(NULL, &err, &key, &source), -1,
	    "half of the environment pair fails");
	ok(contains(err, "AWS_SECRET_ACCESS_KEY is not"),
	    "missing half named");
	free(err);
	free(key);
}

static void
test_shared_keys(void)
{
	const char *source;
	char *err, *key;

	env_reset();
	write_file("credentials", "[default]\naws_access_key_id = AKIDFILE\n"
	    "aws_secret_access_key = file-secret-key\n"
	    "[half]\naws_access_key_id = AKIDHALF\n", 0600);
	write_file("config", "[default]\naws_access_key_id = AKIDCONFIG\n"
	    "aws_secret_access_key = config-secret-key\n"
	    "[profile cfg]\naws_access_key_id = AKIDCONFIG2\n"
	    "aws_secret_access_key = config-secret-key2\n"
	    "[profile role]\nrole_arn = arn:aws:iam::1:role/x\n"
	    "source_profile = default\n", 0600);
	is_int(get_once(NULL, &err, &key, &source), 0, "default profile");
	is_str(key, "AKIDFILE", "credentials file beats config file");
	is_str(source, "shared files", "shared files source");
	free(err);
	free(key);
	is_int(get_once("cfg", &err, &key, &source), 0, "config profile");
	is_str(key, "AKIDCONFIG2", "keys from the config file");
	free(err);
	free(key);
	is_int(get_once("half", &err, &key, &source), -1, "half a key pair");
	ok(contains(err, "has aws_access_key_id but no"), "half pair named");
	free(err);
	free(key);
	is_int(get_once("role", &err, &key, &source), -1, "role profile");
	ok(contains(err, "role_arn is not supported"), "role_arn reported");
	free(err);
	free(key);
	is_int(get_once("nope", &err, &key, &source), -1, "unknown profile");
	ok(contains(err, "profile 'nope' not found"), "unknown profile named");
	free(err);
	free(key);
}

static void
test_nothing_found(void)
{
	const char *source;
	char *err, *key;

	env_reset();
	remove_file("config");
	remove_file("credentials");
	is_int(get_once(NULL, &err, &key, &source), -1, "empty chain fails");
	ok(contains(err, "no AWS credentials found: tried environment"),
	    "one summary error");
	ok(contains(err, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE unset)"),
	    "web identity listed");
	ok(contains(err, "profile 'default' in"), "profile listed");
	ok(contains(err, "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
	    "container listed");
	ok(contains(err, "instance metadata (disabled by "
	    "AWS_EC2_METADATA_DISABLED)"), "instance metadata listed");
	free(err);
	free(key);

	write_file("config", "[default]\nbroken line\n", 0600);
	is_int(get_once(NULL, &err, &key, &source), -1, "bad file fails");
	ok(contains(err, "config:2:"), "bad file line reported");
	ok(!contains(err, "no AWS credentials found"),
	    "bad file stops the chain");
	free(err);
	free(key);
}

static void
test_full_uri_hosts(void)
{
	static const char *const allowed[] = {
		"https://creds.example.com/path", "http://127.0.0.1:8080/creds",
		"http://127.1.2.3/", "http://localhost/creds", "http://[::1]:80/",
		"http://169.254.170.2/v2/credentials",
		"http://169.254.170.23/v1/credentials",
		"http://[fd00:ec2::23]/v1/credentials", "HTTPS://UPPER.example/",
	};
	static const char *const rejected[] = {
		"http://192.0.2.10/creds", "http://example.com/creds",
		"http://128.0.0.1/", "http://[::2]/", "http://localhost.example/",
		"ftp://127.0.0.1/", "file:///etc/passwd", "not a url", "",
	};

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		ok(creds_full_uri_allowed(allowed[i]), "full URI %s allowed",
		    allowed[i]);
	for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++)
		ok(!creds_full_uri_allowed(rejected[i]),
		    "full URI \"%s\" rejected", rejected[i]);
}

static void
check_json(const char *json, int want, const char *name)
{
	struct aws_credentials c = { 0 };
	struct capture cap;

	capture_begin(&cap);
	is_int(creds_parse_json(json, "Token", false, "test", "test", &c),
	    want, "%s", name);
	free(capture_end(&cap));
	aws_credentials_clear(&c);
}

static void
test_metadata_json(void)
{
	struct aws_credentials c = { 0 };

	is_int(creds_parse_json("{\"Code\": \"Success\", \"AccessKeyId\": "
	    "\"AKIDJSON\", \"SecretAccessKey\": \"json-secret\", "
	    "\"Token\": \"json-token-value\", \"Expiration\": "
	    "\"2026-12-04T16:00:00Z\"}", "Token", false, "test", "test", &c),
	    0, "metadata JSON parses");
	is_str(c.access_key_id, "AKIDJSON", "metadata key id");
	is_str(c.session_token, "json-token-value", "metadata token member");
	is_int(c.expiration, 1796400000LL, "metadata expiration");
	aws_credentials_clear(&c);
	check_json("{\"Code\": \"AssumeRoleUnauthorizedAccess\", "
	    "\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\"}", -1,
	    "metadata failure code rejected");
	check_json("{\"AccessKeyId\": 5, \"SecretAccessKey\": \"B\"}", -1,
	    "non-string key id rejected");
	check_json("", -1, "empty answer rejected");
}

int
main(void)
{
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	env_save_and_clear();
	env_reset();
	test_profile_sections();
	test_crlf_lines();
	test_default_not_inherited();
	test_missing_and_unreadable();
	test_malformed();
	test_profile_name();
	test_region_order();
	test_default_endpoints();
	test_endpoint_overrides();
	test_signing();
	test_ca_bundle();
	test_parse_time();
	test_process_good();
	test_process_timeout();
	test_process_refresh();
	test_process_failures();
	test_env_first();
	test_shared_keys();
	test_invalid_regions();
	test_nothing_found();
	test_full_uri_hosts();
	test_metadata_json();
	env_restore();
	remove_file("config");
	remove_file("credentials");
	remove_file("process.sh");
	remove_file("runs");
	remove_file("bad");
	rmdir(tmp_dir);
	log_clear_secrets();
	return tap_done();
}
