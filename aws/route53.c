#include "aws/route53.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/params.h"
#include "aws/xml.h"

#define API "/2013-04-01"
#define NAMESPACE "https://route53.amazonaws.com/doc/2013-04-01/"

void
route53_rrset_free(struct route53_rrset *rrset)
{
	free(rrset->name);
	free(rrset->type);
	strlist_free(&rrset->values);
	memset(rrset, 0, sizeof(*rrset));
}

static int
get(struct aws_client *client, const char *path,
    const struct aws_param *query, size_t query_count,
    struct aws_response *resp)
{
	struct aws_request req = {
		.service = "route53",
		.method = "GET",
		.path = path,
		.query = query,
		.query_count = query_count,
	};

	return aws_send(client, &req, resp);
}

/* Returns name without one trailing dot, newly allocated. */
static char *
strip_dot(char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len > 0 && name[len - 1] == '.')
		name[len - 1] = '\0';
	return name;
}

/*
 * Looks for a public zone named exactly name among the zones listed from
 * name on.  Returns 1 and sets *zone_id when found, 0 when not, -1 on
 * failure.
 */
static int
find_exact_zone(struct aws_client *client, const char *name,
    char **zone_id, struct aws_response *resp)
{
	char *dnsname = xasprintf("%s.", name);
	const struct aws_param query[] = {
		{ "dnsname", dnsname }, { "maxitems", "10" },
	};
	const xmlNode *zone;
	xmlDoc *doc;
	int found = 0;

	if (get(client, API "/hostedzonesbyname", query, 2, resp) != 0) {
		free(dnsname);
		return -1;
	}
	free(dnsname);
	doc = xml_parse(resp->body.data, resp->body.len);
	zone = xml_path(xml_root(doc, "ListHostedZonesByNameResponse"),
	    "HostedZones/HostedZone");
	for (; zone != NULL && !found; zone = xml_next(zone, "HostedZone")) {
		char *zname = strip_dot(xml_path_text(zone, "Name"));
		char *private = xml_path_text(zone, "Config/PrivateZone");
		char *id = xml_path_text(zone, "Id");

		if (zname != NULL && id != NULL &&
		    strcasecmp(zname, name) == 0 &&
		    (private == NULL || strcmp(private, "true") != 0)) {
			const char *bare = strrchr(id, '/');

			*zone_id = xstrdup(bare ? bare + 1 : id);
			found = 1;
		}
		free(zname);
		free(private);
		free(id);
	}
	xml_free(doc);
	return found;
}

int
route53_find_zone(struct aws_client *client, const char *domain,
    char **zone_id, char **zone_name, struct aws_response *resp)
{
	const char *name = domain;

	*zone_id = *zone_name = NULL;
	/* Longest match first: the domain, then each parent domain. */
	while (name != NULL && strchr(name, '.') != NULL) {
		int found;

		aws_response_free(resp);
		memset(resp, 0, sizeof(*resp));
		found = find_exact_zone(client, name, zone_id, resp);
		if (found < 0)
			return -1;
		if (found) {
			*zone_name = xstrdup(name);
			return 0;
		}
		name = strchr(name, '.') + 1;
	}
	return 0;
}

int
route53_get_zone(struct aws_client *client, const char *zone_id,
    char **zone_name, bool *private_zone, struct aws_response *resp)
{
	char *path = xasprintf(API "/hostedzone/%s", zone_id);
	const xmlNode *zone;
	char *private;
	xmlDoc *doc;
	int rc;

	*zone_name = NULL;
	*private_zone = false;
	rc = get(client, path, NULL, 0, resp);
	free(path);
	if (rc != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	zone = xml_path(xml_root(doc, "GetHostedZoneResponse"), "HostedZone");
	*zone_name = strip_dot(xml_path_text(zone, "Name"));
	private = xml_path_text(zone, "Config/PrivateZone");
	*private_zone = private != NULL && strcmp(private, "true") == 0;
	free(private);
	xml_free(doc);
	if (*zone_name == NULL)
		return aws_response_malformed(resp,
		    "GetHostedZone: no HostedZone/Name");
	return 0;
}

static void
read_rrset(const xmlNode *node, struct route53_rrset *rrset)
{
	const xmlNode *rr;
	char *ttl;

	rrset->name = strip_dot(xml_path_text(node, "Name"));
	rrset->type = xml_path_text(node, "Type");
	ttl = xml_path_text(node, "TTL");
	rrset->ttl = ttl ? strtol(ttl, NULL, 10) : 0;
	free(ttl);
	for (rr = xml_path(node, "ResourceRecords/ResourceRecord");
	    rr != NULL; rr = xml_next(rr, "ResourceRecord")) {
		char *value = xml_path_text(rr, "Value");

		if (value != NULL)
			strlist_add_owned(&rrset->values, value);
	}
}

int
route53_get_rrset(struct aws_client *client, const char *zone_id,
    const char *name, const char *type, struct route53_rrset *rrset,
    struct aws_response *resp)
{
	char *path = xasprintf(API "/hostedzone/%s/rrset", zone_id);
	char *start = xasprintf("%s.", name);
	const struct aws_param query[] = {
		{ "name", start }, { "type", type }, { "maxitems", "1" },
	};
	const xmlNode *node;
	xmlDoc *doc;
	int rc;

	memset(rrset, 0, sizeof(*rrset));
	rc = get(client, path, query, 3, resp);
	free(path);
	free(start);
	if (rc != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	node = xml_path(xml_root(doc, "ListResourceRecordSetsResponse"),
	    "ResourceRecordSets/ResourceRecordSet");
	if (node != NULL) {
		read_rrset(node, rrset);
		/* The list starts at NAME/TYPE but may hold the next set. */
		if (rrset->name == NULL || rrset->type == NULL ||
		    strcasecmp(rrset->name, name) != 0 ||
		    strcmp(rrset->type, type) != 0)
			route53_rrset_free(rrset);
	}
	xml_free(doc);
	return 0;
}

static void
append_element(struct buf *out, const char *name, const char *text)
{
	buf_printf(out, "<%s>", name);
	xml_escape(out, text);
	buf_printf(out, "</%s>", name);
}

static void
append_change(struct buf *out, const struct route53_change *change)
{
	const struct route53_rrset *rr = change->rrset;

	buf_append_str(out, "<Change>");
	append_element(out, "Action", change->action);
	buf_append_str(out, "<ResourceRecordSet>");
	append_element(out, "Name", rr->name);
	append_element(out, "Type", rr->type);
	buf_printf(out, "<TTL>%ld</TTL><ResourceRecords>", rr->ttl);
	for (size_t i = 0; i < rr->values.count; i++) {
		buf_append_str(out, "<ResourceRecord>");
		append_element(out, "Value", rr->values.items[i]);
		buf_append_str(out, "</ResourceRecord>");
	}
	buf_append_str(out, "</ResourceRecords></ResourceRecordSet></Change>");
}

char *
route53_change_batch_xml(const char *comment,
    const struct route53_change *changes, size_t count)
{
	struct buf out = {0};

	buf_append_str(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ChangeResourceRecordSetsRequest xmlns=\"" NAMESPACE "\">"
	    "<ChangeBatch>");
	if (comment != NULL)
		append_element(&out, "Comment", comment);
	buf_append_str(&out, "<Changes>");
	for (size_t i = 0; i < count; i++)
		append_change(&out, &changes[i]);
	buf_append_str(&out, "</Changes></ChangeBatch>"
	    "</ChangeResourceRecordSetsRequest>");
	return buf_steal(&out);
}

/* Returns the bare change ID from a ChangeInfo/Id ("/change/C123"). */
static char *
bare_change_id(char *id)
{
	const char *slash = id ? strrchr(id, '/') : NULL;
	char *bare;

	if (slash == NULL)
		return id;
	bare = xstrdup(slash + 1);
	free(id);
	return bare;
}

int
route53_change_rrsets(struct aws_client *client, const char *zone_id,
    const char *comment, const struct route53_change *changes, size_t count,
    char **change_id, struct aws_response *resp)
{
	char *body = route53_change_batch_xml(comment, changes, count);
	char *path = xasprintf(API "/hostedzone/%s/rrset", zone_id);
	const struct aws_param ctype = { "Content-Type", "application/xml" };
	struct aws_request req = {
		.service = "route53",
		.method = "POST",
		.path = path,
		.headers = &ctype,
		.header_count = 1,
		.body = body,
		.body_len = strlen(body),
	};
	xmlDoc *doc;
	int rc;

	*change_id = NULL;
	rc = aws_send(client, &req, resp);
	free(body);
	free(path);
	if (rc != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	*change_id = bare_change_id(xml_doc_text(doc,
	    "ChangeResourceRecordSetsResponse/ChangeInfo/Id"));
	xml_free(doc);
	if (*change_id == NULL)
		return aws_response_malformed(resp,
		    "ChangeResourceRecordSets: no ChangeInfo/Id");
	return 0;
}

int
route53_get_change(struct aws_client *client, const char *change_id,
    char **status, struct aws_response *resp)
{
	char *path = xasprintf(API "/change/%s", change_id);
	xmlDoc *doc;
	int rc;

	*status = NULL;
	rc = get(client, path, NULL, 0, resp);
	free(path);
	if (rc != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	*status = xml_doc_text(doc, "GetChangeResponse/ChangeInfo/Status");
	xml_free(doc);
	if (*status == NULL)
		return aws_response_malformed(resp,
		    "GetChange: no ChangeInfo/Status");
	return 0;
}
