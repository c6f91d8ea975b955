#ifndef AWS_ROUTE53_H
#define AWS_ROUTE53_H

/*
 * Route 53 (REST, 2013-04-01): finding a public hosted zone, reading and
 * changing record sets, waiting for a change.  Every call returns 0 on
 * success and -1 on failure with resp holding the status and AWS error
 * (not logged); free resp with aws_response_free() in both cases.
 */
#include <stdbool.h>
#include <stddef.h>

#include "aws/aws.h"
#include "common/str.h"

/* A record set; name without the trailing dot, values as in the zone. */
struct route53_rrset {
	char *name;
	char *type;
	long ttl;
	struct strlist values;
};

void route53_rrset_free(struct route53_rrset *rrset);

/*
 * Finds the public hosted zone for domain: the longest zone name that
 * equals domain or one of its parent domains.  On 0, *zone_id (the bare
 * ID, without "/hostedzone/") and *zone_name (no trailing dot) are newly
 * allocated, or both NULL when no zone matches.
 */
int route53_find_zone(struct aws_client *client, const char *domain,
    char **zone_id, char **zone_name, struct aws_response *resp);

/*
 * GetHostedZone: *zone_name (no trailing dot, newly allocated) and
 * *private_zone of zone_id.  Fails with NoSuchHostedZone when absent.
 */
int route53_get_zone(struct aws_client *client, const char *zone_id,
    char **zone_name, bool *private_zone, struct aws_response *resp);

/*
 * Reads the record set NAME/TYPE from zone_id into rrset (zeroed first);
 * rrset->name is NULL when there is none.
 */
int route53_get_rrset(struct aws_client *client, const char *zone_id,
    const char *name, const char *type, struct route53_rrset *rrset,
    struct aws_response *resp);

struct route53_change {
	const char *action;		/* "UPSERT", "DELETE", "CREATE" */
	const struct route53_rrset *rrset;
};

/*
 * Returns a ChangeResourceRecordSetsRequest document (newly allocated).
 * Exposed for tests.
 */
char *route53_change_batch_xml(const char *comment,
    const struct route53_change *changes, size_t count);

/*
 * ChangeResourceRecordSets with changes applied as one batch (all or
 * nothing).  *change_id is the bare change ID (newly allocated).
 */
int route53_change_rrsets(struct aws_client *client, const char *zone_id,
    const char *comment, const struct route53_change *changes, size_t count,
    char **change_id, struct aws_response *resp);

/* GetChange; *status is "PENDING" or "INSYNC" (newly allocated). */
int route53_get_change(struct aws_client *client, const char *change_id,
    char **status, struct aws_response *resp);

#endif
