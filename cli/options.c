#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_LOG_FORMAT = 1000,
	OPT_REGION,
	OPT_PROFILE,
	OPT_CA_BUNDLE,
	OPT_CONNECT_TO,
	OPT_HELP,
};

#define COMMON_SHORTOPTS "c:vqh"

static const struct option common_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "ca-bundle", required_argument, NULL, OPT_CA_BUNDLE },
	{ "connect-to", required_argument, NULL, OPT_CONNECT_TO },
	{ "help", no_argument, NULL, OPT_HELP },
};

#define COMMON_COUNT (sizeof(common_longopts) / sizeof(common_longopts[0]))

static void
replace(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* HOST:PORT:HOST2:PORT2 as libcurl's CURLOPT_CONNECT_TO takes it. */
static bool
valid_connect_to(const char *s)
{
	int colons = 0;

	for (const char *p = s; *p; p++)
		if (*p == ':')
			colons++;
	return colons >= 3 && strchr(s, ' ') == NULL;
}

/* Returns 1 when handled, 0 when not a shared option, -1 on error. */
static int
handle_common(struct cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		cli->config_path = arg;
		return 1;
	case 'v':
		cli->verbosity++;
		return 1;
	case 'q':
		cli->verbosity--;
		return 1;
	case OPT_LOG_FORMAT:
		if (strcmp(arg, "text") == 0)
			cli->log_format = LOG_FORMAT_TEXT;
		else if (strcmp(arg, "json") == 0)
			cli->log_format = LOG_FORMAT_JSON;
		else
			return cli_usage_error(cli, "invalid --log-format "
			    "'%s': expected text or json", arg), -1;
		return 1;
	case OPT_REGION:
		replace(&cli->region, arg);
		return 1;
	case OPT_PROFILE:
		replace(&cli->profile, arg);
		return 1;
	case OPT_CA_BUNDLE:
		replace(&cli->ca_bundle, arg);
		return 1;
	case OPT_CONNECT_TO:
		if (!valid_connect_to(arg))
			return cli_usage_error(cli, "invalid --connect-to '%s':"
			    " expected HOST:PORT:CONNECT-HOST:CONNECT-PORT",
			    arg), -1;
		strlist_add(&cli->connect_to, arg);
		return 1;
	default:
		return 0;
	}
}

/* Prints a getopt error: opt is '?' (unknown) or ':' (missing value). */
static void
report_option_error(const struct cli *cli, int opt, const char *arg)
{
	char *shown = str_escaped(arg);

	if (opt == ':')
		cli_usage_error(cli, "option '%s' needs a value", shown);
	else if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		cli_usage_error(cli, "unknown option '-%c'", optopt);
	else
		cli_usage_error(cli, "unknown option '%s'", shown);
	free(shown);
}

int
cli_getopt(struct cli *cli, int argc, char **argv,
    const struct cli_command_spec *spec, int *status)
{
	static struct option merged[64];
	static char shortopts[128];
	size_t n = 0;
	int opt;

	if (spec->longopts != NULL)
		for (; spec->longopts[n].name != NULL && n < 48; n++)
			merged[n] = spec->longopts[n];
	memcpy(merged + n, common_longopts, sizeof(common_longopts));
	memset(merged + n + COMMON_COUNT, 0, sizeof(merged[0]));
	/* Before the command name, stop at the first operand (the command);
	 * after it, operands and options may be mixed. */
	snprintf(shortopts, sizeof(shortopts), "%s:%s%s",
	    cli->command == NULL ? "+" : "",
	    spec->shortopts ? spec->shortopts : "", COMMON_SHORTOPTS);
	/* Report option errors here, under the tool's name rather than
	 * argv[0], which may be a long path or the command name. */
	opterr = 0;

	for (;;) {
		int handled;

		opt = getopt_long(argc, argv, shortopts, merged, NULL);
		if (opt == -1)
			return CLI_GETOPT_END;
		if (opt == 'h' || opt == OPT_HELP) {
			fputs(spec->usage, stdout);
			*status = EXIT_DONE;
			return CLI_GETOPT_EXIT;
		}
		if (opt == '?' || opt == ':') {
			report_option_error(cli, opt, argv[optind - 1]);
			*status = EXIT_USAGE;
			return CLI_GETOPT_EXIT;
		}
		handled = handle_common(cli, opt, optarg);
		if (handled < 0) {
			*status = EXIT_USAGE;
			return CLI_GETOPT_EXIT;
		}
		if (handled == 0)
			return opt;
	}
}

int
cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->command != NULL)
		fprintf(stderr, "acm-inbox %s: ", cli->command);
	else
		fputs("acm-inbox: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'acm-inbox %s%s--help'.\n",
	    cli->command ? cli->command : "", cli->command ? " " : "");
	return EXIT_USAGE;
}

int
cli_load_config(struct cli *cli)
{
	const char *path = cli->config_path;
	int format;

	if (!cli->config_loaded) {
		config_init(&cli->config);
		cli->config_loaded = true;
	}
	if (path == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
	if (path != NULL && config_load(&cli->config, path) != 0)
		return -1;
	if (cli->region != NULL)
		replace(&cli->config.region, cli->region);
	if (cli->profile != NULL)
		replace(&cli->config.profile, cli->profile);
	if (cli->ca_bundle != NULL)
		replace(&cli->config.ca_bundle, cli->ca_bundle);
	format = cli->log_format >= 0 ? cli->log_format :
	    cli->config.log_format >= 0 ? cli->config.log_format :
	    LOG_FORMAT_TEXT;
	log_setup(cli->verbosity, (enum log_format)format);
	return 0;
}

void
cli_free(struct cli *cli)
{
	free(cli->region);
	free(cli->profile);
	free(cli->ca_bundle);
	strlist_free(&cli->connect_to);
	if (cli->aws != NULL)
		aws_client_free(cli->aws);
	if (cli->config_loaded)
		config_free(&cli->config);
}

int
cli_not_built(struct cli *cli, int argc, char **argv, const char *usage)
{
	const struct cli_command_spec spec = { "", NULL, usage };
	int opt, status = EXIT_USAGE;

	while ((opt = cli_getopt(cli, argc, argv, &spec, &status)) >= 0)
		;
	if (opt == CLI_GETOPT_EXIT)
		return status;
	if (cli_load_config(cli) != 0)
		return EXIT_USAGE;
	fprintf(stderr, "acm-inbox %s: this command is not available in "
	    "this version yet\n", cli->command);
	return EXIT_USAGE;
}

char *
cli_state_dir(const struct cli *cli)
{
	const char *dir;

	if (cli->config_loaded && cli->config.state_dir != NULL)
		return xstrdup(cli->config.state_dir);
	dir = getenv("STATE_DIRECTORY");
	if (dir != NULL && *dir != '\0') {
		/* systemd may pass several directories separated by ':'. */
		size_t n = strcspn(dir, ":");

		return xstrndup(dir, n);
	}
	dir = getenv("XDG_CACHE_HOME");
	if (dir != NULL && *dir == '/')
		return xasprintf("%s/acm-inbox", dir);
	dir = getenv("HOME");
	if (dir != NULL && *dir == '/')
		return xasprintf("%s/.cache/acm-inbox", dir);
	return xstrdup("/var/lib/acm-inbox");
}

struct aws_client *
cli_aws_client(struct cli *cli)
{
	struct aws_client_options options = {
		.region = cli->config.region,
		.profile = cli->config.profile,
		.ca_bundle = cli->config.ca_bundle,
		.connect_to = &cli->connect_to,
		.connect_timeout = cli->config.connect_timeout,
		.request_timeout = cli->config.request_timeout,
		.retries = (int)cli->config.retries,
	};

	if (cli->aws == NULL)
		cli->aws = aws_client_new(&options);
	return cli->aws;
}
