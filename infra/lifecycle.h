#ifndef INFRA_LIFECYCLE_H
#define INFRA_LIFECYCLE_H

/*
 * The bucket lifecycle rules setup adds: one rule per outcome prefix
 * (PREFIX/approved/, held/, ignored/, expired/, failed/ and results/)
 * expiring objects after a number of days.  The inbox prefix never gets
 * a rule, so unprocessed mail is never expired.  Rules of others, found
 * by ID, are kept as they are.
 */
#include <stdbool.h>

/* Rule IDs setup writes start with this, followed by the key prefix. */
#define LIFECYCLE_ID_PREFIX "acm-inbox-expire:"

/*
 * The longest key prefix whose rule IDs fit S3's limit of 255 characters
 * for a lifecycle rule ID: the ID prefix, the key prefix and the longest
 * outcome folder ("approved/").
 */
#define LIFECYCLE_PREFIX_MAX \
	(255 - (sizeof(LIFECYCLE_ID_PREFIX) - 1) - (sizeof("approved/") - 1))

/*
 * Returns the LifecycleConfiguration document that keeps every rule of
 * existing (NULL: none) not made by setup for prefix, and adds setup's
 * rules for prefix with days.  *changed is false when existing already
 * contains exactly those rules.  Returns NULL when existing is not a
 * lifecycle document.  Free with free().
 */
char *lifecycle_merge(const char *existing, const char *prefix, long days,
    bool *changed);

/*
 * Returns the document without setup's rules for prefix (newly
 * allocated), or NULL with *none_left true when no rule remains.
 * *changed is true when a rule was removed.
 */
char *lifecycle_remove(const char *existing, const char *prefix,
    bool *changed, bool *none_left);

#endif
