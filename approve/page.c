/*
 * Reading the approval page: finding the approval form and classifying
 * the response to the approval.  Nothing here touches the network, so the
 * unit tests run it on HTML strings.
 */
#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "approve/exchange.h"
#include "common/buf.h"
#include "common/log.h"

/*
 * Phrases of the result pages, matched case-insensitively as whole words
 * against the page text with white space collapsed.
 */
static const char *const already_phrases[] = {
	"already been approved", "already approved",
};
static const char *const approved_phrases[] = {
	"success", "you have approved", "approved the request",
};
static const char *const expired_phrases[] = {
	"expired", "no longer valid", "link is invalid",
	"invalid approval link",
};
static const char *const unknown_phrases[] = {
	"could not be found", "cannot be found", "was not found",
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static htmlDocPtr
page_parse(const char *html, size_t len, const char *charset)
{
	if (html == NULL || len == 0 || len > INT32_MAX)
		return NULL;
	return htmlReadMemory(html, (int)len, NULL,
	    charset != NULL ? charset : "UTF-8",
	    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_RECOVER);
}

static bool
is_element(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE &&
	    strcasecmp((const char *)node->name, name) == 0;
}

/* Returns a copy of the attribute (NULL when absent), owned by the caller. */
static char *
node_attr(const xmlNode *node, const char *name)
{
	xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
	char *copy;

	if (value == NULL)
		return NULL;
	copy = xstrdup((const char *)value);
	xmlFree(value);
	return copy;
}

static bool
node_has_attr(const xmlNode *node, const char *name)
{
	return xmlHasProp(node, (const xmlChar *)name) != NULL;
}

static bool
contains_nocase(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (const char *p = haystack; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

/*
 * Words that mark a form as the opposite of an approval even though its
 * action contains "approv" (as "/disapprove" does).
 */
static const char *const refusal_words[] = {
	"disapprov", "reject", "deny", "decline", "cancel",
};

static bool
is_approval_action(const char *action)
{
	if (action == NULL || !contains_nocase(action, "approv"))
		return false;
	for (size_t i = 0; i < COUNT(refusal_words); i++)
		if (contains_nocase(action, refusal_words[i]))
			return false;
	return true;
}

static const xmlNode *
find_approval_form(const xmlNode *node)
{
	for (; node != NULL; node = node->next) {
		const xmlNode *found;

		if (is_element(node, "form")) {
			char *action = node_attr(node, "action");
			bool match = is_approval_action(action);

			free(action);
			if (match)
				return node;
		}
		found = find_approval_form(node->children);
		if (found != NULL)
			return found;
	}
	return NULL;
}

static void
form_add(struct approve_form *form, char *name, char *value, bool hidden)
{
	form->fields = xrealloc(form->fields,
	    (form->count + 1) * sizeof(form->fields[0]));
	form->fields[form->count].name = name;
	form->fields[form->count].value = value != NULL ? value : xstrdup("");
	form->fields[form->count].hidden = hidden;
	form->count++;
}

/* Returns the submitted type of an input: "text" when absent or unknown. */
static char *
input_type(const xmlNode *node)
{
	char *type = node_attr(node, "type");

	if (type == NULL)
		return xstrdup("text");
	for (char *p = type; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return type;
}

/*
 * Adds what a browser submits for one input: nothing for an unchecked
 * box, a file, an image or a reset button, and a submit button's value
 * only for the first named submit button (the one a person would press).
 */
static void
collect_input(const xmlNode *node, struct approve_form *form,
    bool *have_submit)
{
	char *type = input_type(node);
	char *name = node_attr(node, "name");
	bool skip = name == NULL || *name == '\0' ||
	    strcmp(type, "file") == 0 || strcmp(type, "image") == 0 ||
	    strcmp(type, "reset") == 0 || strcmp(type, "button") == 0;

	if ((strcmp(type, "checkbox") == 0 || strcmp(type, "radio") == 0) &&
	    !node_has_attr(node, "checked"))
		skip = true;
	if (strcmp(type, "submit") == 0) {
		skip = skip || *have_submit;
		*have_submit = true;
	}
	if (!skip) {
		char *value = node_attr(node, "value");

		if (value == NULL && (strcmp(type, "checkbox") == 0 ||
		    strcmp(type, "radio") == 0))
			value = xstrdup("on");
		form_add(form, name, value, strcmp(type, "hidden") == 0);
		name = NULL;
	}
	free(name);
	free(type);
}

/* A <button> submits the form unless its type is "button" or "reset". */
static void
collect_button(const xmlNode *node, struct approve_form *form,
    bool *have_submit)
{
	char *type = node_attr(node, "type");
	bool submits = type == NULL || strcasecmp(type, "submit") == 0;
	char *name = node_attr(node, "name");

	free(type);
	if (!submits || *have_submit) {
		free(name);
		return;
	}
	*have_submit = true;
	if (name == NULL || *name == '\0') {
		free(name);
		return;
	}
	form_add(form, name, node_attr(node, "value"), false);
}

static void
collect_textarea(const xmlNode *node, struct approve_form *form)
{
	char *name = node_attr(node, "name");
	xmlChar *text;

	if (name == NULL || *name == '\0') {
		free(name);
		return;
	}
	text = xmlNodeGetContent(node);
	form_add(form, name, xstrdup(text != NULL ? (char *)text : ""),
	    false);
	xmlFree(text);
}

static void
collect_fields(const xmlNode *node, struct approve_form *form,
    bool *have_submit)
{
	for (; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (node_has_attr(node, "disabled"))
			continue;
		if (is_element(node, "input"))
			collect_input(node, form, have_submit);
		else if (is_element(node, "button"))
			collect_button(node, form, have_submit);
		else if (is_element(node, "textarea"))
			collect_textarea(node, form);
		else
			collect_fields(node->children, form, have_submit);
	}
}

int
approve_page_find_form(const char *html, size_t len, const char *charset,
    struct approve_form *form)
{
	htmlDocPtr doc = page_parse(html, len, charset);
	const xmlNode *node;
	bool have_submit = false;
	int status = -1;

	memset(form, 0, sizeof(*form));
	if (doc == NULL)
		return -1;
	node = find_approval_form(xmlDocGetRootElement(doc));
	if (node == NULL)
		goto out;

	form->action = node_attr(node, "action");
	collect_fields(node->children, form, &have_submit);
	status = 0;
out:
	xmlFreeDoc(doc);
	return status;
}

void
approve_form_free(struct approve_form *form)
{
	if (form == NULL)
		return;
	for (size_t i = 0; i < form->count; i++) {
		free(form->fields[i].name);
		free(form->fields[i].value);
	}
	free(form->fields);
	free(form->action);
	memset(form, 0, sizeof(*form));
}

/* Appends the visible text below node, lower-cased, spaces collapsed. */
static void
collect_text(const xmlNode *node, struct buf *text)
{
	for (; node != NULL; node = node->next) {
		if (is_element(node, "script") || is_element(node, "style") ||
		    is_element(node, "noscript"))
			continue;
		if (node->type == XML_TEXT_NODE && node->content != NULL) {
			for (const xmlChar *p = node->content; *p; p++) {
				char c = (char)tolower(*p);

				if (isspace((unsigned char)c))
					c = ' ';
				if (c == ' ' && (text->len == 0 ||
				    text->data[text->len - 1] == ' '))
					continue;
				buf_append_char(text, c);
			}
			if (text->len > 0 && text->data[text->len - 1] != ' ')
				buf_append_char(text, ' ');
		}
		collect_text(node->children, text);
	}
}

static bool
is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Finds phrase in text as whole words ("success", not "unsuccessful"). */
static bool
text_has_phrase(const char *text, const char *phrase)
{
	size_t n = strlen(phrase);

	for (const char *p = strstr(text, phrase); p != NULL;
	    p = strstr(p + 1, phrase)) {
		bool starts = p == text || !is_word_char(p[-1]);
		bool ends = !is_word_char(p[n]);

		if (starts && ends)
			return true;
	}
	return false;
}

static bool
text_has_any(const char *text, const char *const *phrases, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (text_has_phrase(text, phrases[i]))
			return true;
	return false;
}

static enum approve_result
classify_text(const char *text)
{
	if (text_has_any(text, unknown_phrases, COUNT(unknown_phrases)))
		return APPROVE_UNKNOWN_REQUEST;
	if (text_has_any(text, expired_phrases, COUNT(expired_phrases)))
		return APPROVE_EXPIRED;
	if (text_has_any(text, already_phrases, COUNT(already_phrases)))
		return APPROVE_ALREADY_APPROVED;
	if (text_has_any(text, approved_phrases, COUNT(approved_phrases)))
		return APPROVE_APPROVED;
	return APPROVE_UNEXPECTED;
}

enum approve_result
approve_page_classify(long status, const char *html, size_t len,
    const char *charset)
{
	htmlDocPtr doc;
	struct buf text = {0};
	enum approve_result result = APPROVE_UNEXPECTED;

	if (status == 404)
		return APPROVE_UNKNOWN_REQUEST;
	if (status == 400)
		return APPROVE_EXPIRED;
	if (status < 200 || status > 299)
		return APPROVE_UNEXPECTED;

	doc = page_parse(html, len, charset);
	if (doc == NULL)
		return APPROVE_UNEXPECTED;
	collect_text(xmlDocGetRootElement(doc), &text);
	if (text.data != NULL)
		result = classify_text(text.data);
	buf_free(&text);
	xmlFreeDoc(doc);
	return result;
}
