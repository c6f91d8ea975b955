#include "ingest/hook.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long passes;

void
ingest_hook_step(const char *step)
{
	const char *spec = getenv("ACM_INBOX_TEST_CRASH_AT");
	size_t len;
	long nth = 1;

	if (spec == NULL || *spec == '\0')
		return;
	len = strcspn(spec, ":");
	if (strlen(step) != len || strncmp(spec, step, len) != 0)
		return;
	if (spec[len] == ':')
		nth = strtol(spec + len + 1, NULL, 10);
	if (atomic_fetch_add(&passes, 1) + 1 >= nth)
		raise(SIGKILL);
}

long
ingest_hook_time_offset(void)
{
	const char *value = getenv("ACM_INBOX_TEST_TIME_OFFSET");

	return value != NULL ? strtol(value, NULL, 10) : 0;
}
