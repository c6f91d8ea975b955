#include "parse/html.h"

#include <libxml/HTMLparser.h>
#include <limits.h>
#include <strings.h>

static bool
is_block(const char *name)
{
	static const char *const blocks[] = { "p", "br", "div", "tr", "li",
	    "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote",
	    "ul", "ol", "hr", "title", NULL };

	for (int i = 0; blocks[i] != NULL; i++)
		if (strcasecmp(name, blocks[i]) == 0)
			return true;
	return false;
}

/* Deeper elements are not rendered; their text is not needed. */
#define HTML_MAX_DEPTH 256

static void
render_node(xmlNode *node, struct buf *text, struct strlist *hrefs,
    int depth)
{
	if (depth > HTML_MAX_DEPTH)
		return;
	for (; node != NULL; node = node->next) {
		const char *name = (const char *)node->name;
		xmlChar *href;

		if (node->type == XML_TEXT_NODE ||
		    node->type == XML_CDATA_SECTION_NODE) {
			if (node->content != NULL)
				buf_append_str(text, (char *)node->content);
			continue;
		}
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (strcasecmp(name, "script") == 0 ||
		    strcasecmp(name, "style") == 0)
			continue;
		if (strcasecmp(name, "a") == 0 ||
		    strcasecmp(name, "area") == 0) {
			href = xmlGetProp(node, (const xmlChar *)"href");
			if (href != NULL)
				strlist_add(hrefs, (char *)href);
			xmlFree(href);
		}
		render_node(node->children, text, hrefs, depth + 1);
		if (is_block(name))
			buf_append_char(text, '\n');
		else if (strcasecmp(name, "td") == 0 ||
		    strcasecmp(name, "th") == 0)
			buf_append_char(text, ' ');
	}
}

void
html_render(const char *html, size_t len, struct buf *text,
    struct strlist *hrefs)
{
	htmlDocPtr doc;

	if (len == 0 || len > INT_MAX)
		return;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
	if (doc == NULL)
		return;
	render_node(xmlDocGetRootElement(doc), text, hrefs, 0);
	xmlFreeDoc(doc);
}
