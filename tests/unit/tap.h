#ifndef TESTS_TAP_H
#define TESTS_TAP_H

/*
 * A small TAP producer for the C unit tests: each check prints "ok N - name"
 * or "not ok N - name" with the file, line and values on failure;
 * tap_done() prints the plan and returns the exit status.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_run_count;
static int tap_fail_count;

__attribute__((format(printf, 4, 5), unused)) static bool
tap_check(bool pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_run_count++;
	if (!pass)
		tap_fail_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_run_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass)
		printf("#   failed at %s:%d\n", file, line);
	fflush(stdout);
	return pass;
}

#define ok(cond, ...) tap_check((cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, expected, ...) do { \
	long long tap_got_ = (long long)(got); \
	long long tap_expected_ = (long long)(expected); \
	if (!ok(tap_got_ == tap_expected_, __VA_ARGS__)) \
		printf("#   got %lld, expected %lld\n", tap_got_, \
		    tap_expected_); \
} while (0)

#define is_str(got, expected, ...) do { \
	const char *tap_got_ = (got); \
	const char *tap_expected_ = (expected); \
	bool tap_same_ = (tap_got_ == NULL && tap_expected_ == NULL) || \
	    (tap_got_ != NULL && tap_expected_ != NULL && \
	    strcmp(tap_got_, tap_expected_) == 0); \
	if (!ok(tap_same_, __VA_ARGS__)) \
		printf("#   got      \"%s\"\n#   expected \"%s\"\n", \
		    tap_got_ ? tap_got_ : "(null)", \
		    tap_expected_ ? tap_expected_ : "(null)"); \
} while (0)

__attribute__((format(printf, 1, 2), unused)) static void
tap_skip(const char *fmt, ...)
{
	va_list ap;

	tap_run_count++;
	printf("ok %d # SKIP ", tap_run_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

__attribute__((unused)) static int
tap_done(void)
{
	printf("1..%d\n", tap_run_count);
	return tap_fail_count == 0 ? 0 : 1;
}

#endif
