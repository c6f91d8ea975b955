#include "aws/xml.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "common/log.h"

/*
 * XML_PARSE_NOENT is left out on purpose: with it libxml2 would substitute
 * entities, including external ones.  NONET forbids fetching anything.
 */
#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | \
	XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

xmlDoc *
xml_parse(const void *data, size_t len)
{
	xmlParserCtxt *ctxt;
	xmlDoc *doc = NULL;

	if (data == NULL || len == 0 || len > XML_MAX_DOCUMENT)
		return NULL;
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
		return NULL;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
	    XML_OPTIONS);
	if (doc == NULL) {
		const xmlError *error = xmlCtxtGetLastError(ctxt);

		log_debug("xml: not well-formed: %s",
		    error && error->message ? error->message : "unknown");
	} else if (doc->intSubset != NULL || doc->extSubset != NULL) {
		log_debug("xml: document has a DTD; rejected");
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

void
xml_free(xmlDoc *doc)
{
	if (doc != NULL)
		xmlFreeDoc(doc);
}

static bool
is_named(const xmlNode *node, const char *name)
{
	if (node->type != XML_ELEMENT_NODE)
		return false;
	return name == NULL || strcmp((const char *)node->name, name) == 0;
}

const xmlNode *
xml_root(const xmlDoc *doc, const char *root_name)
{
	const xmlNode *root;

	if (doc == NULL)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !is_named(root, root_name))
		return NULL;
	return root;
}

const xmlNode *
xml_next(const xmlNode *node, const char *name)
{
	if (node == NULL)
		return NULL;
	for (node = node->next; node != NULL; node = node->next) {
		if (is_named(node, name))
			return node;
	}
	return NULL;
}

const xmlNode *
xml_child(const xmlNode *parent, const char *name)
{
	const xmlNode *node;

	if (parent == NULL || parent->children == NULL)
		return NULL;
	node = parent->children;
	if (is_named(node, name))
		return node;
	return xml_next(node, name);
}

const xmlNode *
xml_path(const xmlNode *node, const char *path)
{
	char name[128];

	while (node != NULL && *path != '\0') {
		size_t n = strcspn(path, "/");

		if (n >= sizeof(name))
			return NULL;
		memcpy(name, path, n);
		name[n] = '\0';
		node = xml_child(node, name);
		path += n;
		if (*path == '/')
			path++;
	}
	return node;
}

char *
xml_text(const xmlNode *node)
{
	xmlChar *content;
	char *text;

	if (node == NULL)
		return NULL;
	content = xmlNodeGetContent(node);
	text = xstrdup(content ? (const char *)content : "");
	xmlFree(content);
	return text;
}

char *
xml_path_text(const xmlNode *node, const char *path)
{
	return xml_text(xml_path(node, path));
}

char *
xml_doc_text(const xmlDoc *doc, const char *path)
{
	char root_name[128];
	size_t n = strcspn(path, "/");
	const xmlNode *root;

	if (n >= sizeof(root_name))
		return NULL;
	memcpy(root_name, path, n);
	root_name[n] = '\0';
	root = xml_root(doc, root_name);
	if (root == NULL)
		return NULL;
	return xml_path_text(root, path[n] == '/' ? path + n + 1 : path + n);
}

void
xml_escape(struct buf *out, const char *text)
{
	xmlChar *escaped = xmlEncodeSpecialChars(NULL,
	    (const xmlChar *)text);

	if (escaped == NULL) {
		log_error("xml: escaping text failed: out of memory");
		abort();
	}
	buf_append_str(out, (const char *)escaped);
	xmlFree(escaped);
}
