#include "parse/regex.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/log.h"

/* Generous for the short anchored patterns used here, small enough to
 * stop catastrophic backtracking within milliseconds. */
#define REGEX_MATCH_LIMIT 200000
#define REGEX_DEPTH_LIMIT 2000

static pcre2_match_context *match_context;
static pthread_once_t context_once = PTHREAD_ONCE_INIT;

static void
create_match_context(void)
{
	match_context = pcre2_match_context_create(NULL);
	if (match_context == NULL)
		abort();
	pcre2_set_match_limit(match_context, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(match_context, REGEX_DEPTH_LIMIT);
}

pcre2_code *
regex_compile(const char *pattern, uint32_t options)
{
	PCRE2_UCHAR message[256];
	PCRE2_SIZE offset;
	pcre2_code *re;
	int error;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    options, &error, &offset, NULL);
	if (re == NULL) {
		pcre2_get_error_message(error, message, sizeof(message));
		log_error("regex: invalid pattern at offset %zu: %s",
		    (size_t)offset, (char *)message);
		abort();
	}
	/* Valgrind cannot follow JIT-compiled code and reports its wide
	 * reads as errors, so a memcheck run turns the JIT off. */
	if (getenv("ACM_INBOX_NO_JIT") == NULL)
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

int
regex_match(const pcre2_code *re, const char *subject, size_t len,
    size_t offset, size_t *ovector, int pairs)
{
	pcre2_match_data *md;
	PCRE2_SIZE *ov;
	int rc;

	pthread_once(&context_once, create_match_context);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	if (md == NULL)
		abort();
	rc = pcre2_match(re, (PCRE2_SPTR)subject, len, offset, 0, md,
	    match_context);
	if (rc == PCRE2_ERROR_NOMATCH) {
		rc = 0;
	} else if (rc < 0) {
		rc = -1;
	} else {
		ov = pcre2_get_ovector_pointer(md);
		if (rc > pairs)
			rc = pairs;
		for (int i = 0; i < rc * 2; i++)
			ovector[i] = ov[i];
		for (int i = rc * 2; i < pairs * 2; i++)
			ovector[i] = PCRE2_UNSET;
	}
	pcre2_match_data_free(md);
	return rc;
}

char *
regex_group(const char *subject, const size_t *ovector, int n)
{
	if (ovector[2 * n] == PCRE2_UNSET)
		return NULL;
	return xstrndup(subject + ovector[2 * n],
	    ovector[2 * n + 1] - ovector[2 * n]);
}
