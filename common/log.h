#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>

/*
 * Logging to stderr.  Every message passes through the redactor before it
 * is written, so secrets registered with log_add_secret() and well-known
 * secret-bearing fields (Authorization and Cookie headers, session tokens,
 * signatures, the approval link's code and context) never reach the log.
 */
enum log_level {
	LOG_ERROR,	/* always shown, also with -q */
	LOG_WARN,	/* default */
	LOG_INFO,	/* -v: progress */
	LOG_DEBUG,	/* -vv: requests */
	LOG_TRACE,	/* -vvv: headers, redacted */
	LOG_WIRE,	/* -vvvv: libcurl's own verbose output, redacted */
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

/* Sets the threshold from -v/-q counts (0 shows errors and warnings). */
void log_setup(int verbosity, enum log_format format);
bool log_enabled(enum log_level level);
int log_verbosity(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_trace(...) log_msg(LOG_TRACE, __VA_ARGS__)

/*
 * Registers a value that must never be logged (a secret key, a session
 * token, an approval code, a cookie).  Values shorter than 6 bytes are
 * ignored because they would redact ordinary words.  The string is copied.
 */
void log_add_secret(const char *secret);

/* Forgets every registered secret (tests, and at exit). */
void log_clear_secrets(void);

/*
 * Returns a newly allocated copy of text with secrets replaced by
 * "[REDACTED]".  Used by the log itself and by anything that writes text
 * meant for people (saved pages, result records).
 */
char *log_redact(const char *text);

#endif
