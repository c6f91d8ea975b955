#ifndef AWS_XML_H
#define AWS_XML_H

/*
 * Small helpers on libxml2 for reading AWS responses and writing request
 * bodies.  Elements are matched by local name, so a document that puts
 * its elements in a namespace (S3's http://s3.amazonaws.com/doc/...,
 * Route 53's, SES's) reads the same as one that does not.
 */
#include <stddef.h>

#include <libxml/tree.h>

#include "common/buf.h"

/* Largest document xml_parse() accepts, in bytes. */
#define XML_MAX_DOCUMENT (16 * 1024 * 1024)

/*
 * Parses an XML document from memory without network access, without
 * substituting entities and without a DTD: a document that declares one is
 * rejected, because no AWS response has one.  Returns NULL when the text is
 * empty, too large or not well-formed; the libxml2 message is logged at
 * debug level only, because callers often try to parse bodies that are not
 * XML (an HTML error page) and report that themselves.  Free with
 * xml_free().
 */
xmlDoc *xml_parse(const void *data, size_t len);

/* Frees a document from xml_parse(); NULL is allowed. */
void xml_free(xmlDoc *doc);

/*
 * Returns the root element when its local name is root_name (any name when
 * root_name is NULL), otherwise NULL.
 */
const xmlNode *xml_root(const xmlDoc *doc, const char *root_name);

/* Returns the first child element of parent named name, or NULL. */
const xmlNode *xml_child(const xmlNode *parent, const char *name);

/*
 * Returns the next sibling element after node named name, or NULL.  With
 * xml_child() it iterates over repeated elements:
 *	for (n = xml_child(p, "Contents"); n; n = xml_next(n, "Contents"))
 */
const xmlNode *xml_next(const xmlNode *node, const char *name);

/*
 * Follows a path of child element names separated by '/' from node
 * ("Contents/Owner/ID"); the first one found at each step is taken.
 * Returns the element, or NULL when a step is missing.
 */
const xmlNode *xml_path(const xmlNode *node, const char *path);

/*
 * Returns the element's text content (entities and character references
 * decoded) as a newly allocated string, or NULL when node is NULL.
 */
char *xml_text(const xmlNode *node);

/* xml_text(xml_path(node, path)): NULL when the element is missing. */
char *xml_path_text(const xmlNode *node, const char *path);

/*
 * Returns the text of the element at "ROOT/CHILD/..." in doc, where the
 * first name must be the root element's, or NULL when it is missing.
 */
char *xml_doc_text(const xmlDoc *doc, const char *path);

/*
 * Appends text escaped for element content or an attribute value, by
 * libxml2's xmlEncodeSpecialChars(): & < > " and carriage return become
 * references.  Other control characters are copied, and XML 1.0 does not
 * allow them, so callers must reject them in names they accept.
 */
void xml_escape(struct buf *out, const char *text);

#endif
