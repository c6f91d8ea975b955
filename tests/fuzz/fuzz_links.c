/*
 * libFuzzer target: link extraction from text and HTML, unwrapping and
 * validation, and the Authentication-Results reader.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "parse/html.h"
#include "parse/links.h"
#include "parse/sesauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_link(const char *url, size_t len, void *arg)
{
	char *copy = xstrndup(url, len), *inner = link_unwrap(copy);
	struct approval_link link;
	const char *reason;

	if (inner != NULL && link_validate(inner, &link, &reason) == 0)
		approval_link_free(&link);
	link_looks_like_approval(copy);
	free(inner);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct buf rendered = { 0 };
	struct strlist hrefs = { 0 };
	struct mail_header headers[2] = {
		{ "Authentication-Results", text },
		{ "X-SES-RECEIPT", "x" },
	};
	struct ses_auth auth;

	link_extract_text(text, strlen(text), check_link, NULL);
	html_render((const char *)data, size, &rendered, &hrefs);
	for (size_t i = 0; i < hrefs.count; i++)
		check_link(hrefs.items[i], strlen(hrefs.items[i]), NULL);
	ses_auth_read(headers, 2, &auth);
	ses_auth_free(&auth);
	buf_free(&rendered);
	strlist_free(&hrefs);
	free(text);
	return 0;
}
