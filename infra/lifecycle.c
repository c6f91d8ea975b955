#include "infra/lifecycle.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "aws/xml.h"
#include "common/buf.h"
#include "common/str.h"
#include "infra/bucket.h"

static const char *const outcomes[] = {
	"approved/", "held/", "ignored/", "expired/", "failed/", "results/",
};

#define OUTCOME_COUNT (sizeof(outcomes) / sizeof(outcomes[0]))

static void
append_rule(struct buf *out, const char *prefix, const char *outcome,
    long days)
{
	buf_append_str(out, "<Rule><ID>" LIFECYCLE_ID_PREFIX);
	xml_escape(out, prefix);
	xml_escape(out, outcome);
	buf_append_str(out, "</ID><Filter><Prefix>");
	xml_escape(out, prefix);
	xml_escape(out, outcome);
	buf_printf(out, "</Prefix></Filter><Status>Enabled</Status>"
	    "<Expiration><Days>%ld</Days></Expiration></Rule>", days);
}

/* Returns true when rule is one of setup's for prefix. */
static bool
is_ours(const xmlNode *rule, const char *prefix)
{
	char *id = xml_path_text(rule, "ID");
	char *ours = xasprintf(LIFECYCLE_ID_PREFIX "%s", prefix);
	bool match = false;

	if (id != NULL && str_starts_with(id, ours)) {
		const char *rest = id + strlen(ours);

		for (size_t i = 0; i < OUTCOME_COUNT; i++)
			if (strcmp(rest, outcomes[i]) == 0)
				match = true;
	}
	free(id);
	free(ours);
	return match;
}

/* Returns true when rule equals setup's rule for its outcome. */
static bool
is_current(const xmlNode *rule, const char *prefix, long days)
{
	char *id = xml_path_text(rule, "ID");
	char *filter = xml_path_text(rule, "Filter/Prefix");
	char *status = xml_path_text(rule, "Status");
	char *expire = xml_path_text(rule, "Expiration/Days");
	char *want_days = xasprintf("%ld", days);
	bool same = id != NULL && filter != NULL && status != NULL &&
	    expire != NULL && strcmp(status, "Enabled") == 0 &&
	    strcmp(expire, want_days) == 0 &&
	    strcmp(id + strlen(LIFECYCLE_ID_PREFIX), filter) == 0 &&
	    str_starts_with(filter, prefix);

	free(id);
	free(filter);
	free(status);
	free(expire);
	free(want_days);
	return same;
}

static void
append_node(struct buf *out, xmlDoc *doc, const xmlNode *node)
{
	xmlBuffer *xbuf = xmlBufferCreate();

	xmlNodeDump(xbuf, doc, (xmlNode *)node, 0, 0);
	buf_append(out, xmlBufferContent(xbuf), (size_t)xmlBufferLength(xbuf));
	xmlBufferFree(xbuf);
}

/*
 * Copies the rules of existing that are not setup's for prefix into
 * out; counts setup's current ones in *current and all rules in
 * *others.  Returns -1 when existing is not a lifecycle document.
 */
static int
copy_other_rules(const char *existing, const char *prefix, long days,
    struct buf *out, size_t *current, size_t *ours, size_t *others)
{
	xmlDoc *doc;
	const xmlNode *root, *rule;

	*current = *ours = *others = 0;
	if (existing == NULL || *existing == '\0')
		return 0;
	doc = xml_parse(existing, strlen(existing));
	root = xml_root(doc, "LifecycleConfiguration");
	if (root == NULL) {
		xml_free(doc);
		return -1;
	}
	for (rule = xml_child(root, "Rule"); rule != NULL;
	    rule = xml_next(rule, "Rule")) {
		if (is_ours(rule, prefix)) {
			(*ours)++;
			if (is_current(rule, prefix, days))
				(*current)++;
			continue;
		}
		(*others)++;
		append_node(out, doc, rule);
	}
	xml_free(doc);
	return 0;
}

static const char head[] = "<LifecycleConfiguration xmlns=\""
    BUCKET_XMLNS "\">";
static const char tail[] = "</LifecycleConfiguration>";

char *
lifecycle_merge(const char *existing, const char *prefix, long days,
    bool *changed)
{
	struct buf out = {0};
	size_t current, ours, others;

	buf_append_str(&out, head);
	if (copy_other_rules(existing, prefix, days, &out, &current, &ours,
	    &others) != 0) {
		buf_free(&out);
		return NULL;
	}
	*changed = current != OUTCOME_COUNT || ours != OUTCOME_COUNT;
	for (size_t i = 0; i < OUTCOME_COUNT; i++)
		append_rule(&out, prefix, outcomes[i], days);
	buf_append_str(&out, tail);
	return buf_steal(&out);
}

char *
lifecycle_remove(const char *existing, const char *prefix, bool *changed,
    bool *none_left)
{
	struct buf out = {0};
	size_t current, ours, others;

	*changed = false;
	*none_left = false;
	buf_append_str(&out, head);
	if (copy_other_rules(existing, prefix, 0, &out, &current, &ours,
	    &others) != 0 || ours == 0) {
		buf_free(&out);
		return NULL;
	}
	*changed = true;
	if (others == 0) {
		*none_left = true;
		buf_free(&out);
		return NULL;
	}
	buf_append_str(&out, tail);
	return buf_steal(&out);
}
