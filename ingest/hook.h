#ifndef INGEST_HOOK_H
#define INGEST_HOOK_H

/*
 * Test hooks, read from the environment and set only by the test suite.
 *
 * ACM_INBOX_TEST_CRASH_AT=STEP[:N] makes the process raise SIGKILL right
 * after it passes the named step for the Nth time (default the first), to
 * show that a crash at that point leaves a state the next run finishes.
 * Steps: after-claim, after-renew, after-approval, after-result,
 * after-copy, after-delete-inbox, after-file, after-delete-claim,
 * after-release.
 *
 * ACM_INBOX_TEST_TIME_OFFSET=SECONDS shifts the worker's clock, so a test
 * can make a crashed worker's lease stale without waiting for it.
 */
#include <time.h>

/* Raises SIGKILL when ACM_INBOX_TEST_CRASH_AT names step (see above). */
void ingest_hook_step(const char *step);

/* Returns the offset in seconds from ACM_INBOX_TEST_TIME_OFFSET, or 0. */
long ingest_hook_time_offset(void);

#endif
