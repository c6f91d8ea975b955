#include "parse/mail.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/str.h"

struct walk {
	const struct mail_limits *limits;
	struct mail *mail;
	bool depth_reported;
	bool parts_reported;
};

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
init_gmime(void)
{
	g_mime_init();
}

static void
add_text(struct mail *mail, GByteArray *bytes, bool html)
{
	struct mail_text *t;
	gchar *valid;

	/* A NUL would end the C string early and hide what follows. */
	for (guint i = 0; i < bytes->len; i++)
		if (bytes->data[i] == '\0')
			bytes->data[i] = ' ';
	/* An empty part leaves the array without storage. */
	valid = g_utf8_make_valid(bytes->len ? (const gchar *)bytes->data :
	    "", bytes->len);
	if (mail->text_count == mail->text_cap) {
		mail->text_cap = mail->text_cap ? mail->text_cap * 2 : 4;
		mail->texts = xrealloc(mail->texts,
		    mail->text_cap * sizeof(mail->texts[0]));
	}
	t = &mail->texts[mail->text_count++];
	t->text = xstrdup(valid);
	t->len = strlen(t->text);
	t->html = html;
	g_free(valid);
}

/* Copies header text that may hold bytes of an unknown charset as UTF-8. */
static char *
copy_valid_utf8(const char *s)
{
	gchar *valid = g_utf8_make_valid(s, -1);
	char *copy = xstrdup(valid);

	g_free(valid);
	return copy;
}

static bool
charset_is_utf8(const char *charset)
{
	return g_ascii_strcasecmp(charset, "utf-8") == 0 ||
	    g_ascii_strcasecmp(charset, "utf8") == 0 ||
	    g_ascii_strcasecmp(charset, "us-ascii") == 0;
}

/* Decodes the transfer encoding and converts the charset to UTF-8. */
static void
decode_text_part(struct walk *w, GMimePart *part, bool html)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	const char *charset;
	GMimeStream *mem, *filtered;
	GMimeFilter *filter;

	if (content == NULL)
		return;
	mem = g_mime_stream_mem_new();
	filtered = g_mime_stream_filter_new(mem);
	charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	    "charset");
	if (charset != NULL && !charset_is_utf8(charset)) {
		filter = g_mime_filter_charset_new(charset, "UTF-8");
		if (filter != NULL) {
			g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered),
			    filter);
			g_object_unref(filter);
		} else {
			findings_add(&w->mail->problems, "unknown-charset",
			    "a text part has an unknown charset; it was read "
			    "as UTF-8");
		}
	}
	filter = g_mime_filter_dos2unix_new(FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), filter);
	g_object_unref(filter);
	g_mime_data_wrapper_write_to_stream(content, filtered);
	g_mime_stream_flush(filtered);
	add_text(w->mail, g_mime_stream_mem_get_byte_array(
	    GMIME_STREAM_MEM(mem)), html);
	g_object_unref(filtered);
	g_object_unref(mem);
}

static void walk_object(struct walk *w, GMimeObject *obj, int depth);

static void
walk_message(struct walk *w, GMimeMessage *msg, int depth)
{
	struct mail *mail = w->mail;
	InternetAddressList *from;
	InternetAddress *addr;

	if (mail->embedded_subject == NULL && msg != NULL &&
	    g_mime_message_get_subject(msg) != NULL) {
		mail->embedded_subject = copy_valid_utf8(
		    g_mime_message_get_subject(msg));
		from = g_mime_message_get_from(msg);
		addr = from && internet_address_list_length(from) > 0 ?
		    internet_address_list_get_address(from, 0) : NULL;
		if (addr != NULL && INTERNET_ADDRESS_IS_MAILBOX(addr))
			mail->embedded_from = str_lower(copy_valid_utf8(
			    internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(addr))));
	}
	if (msg != NULL && g_mime_message_get_mime_part(msg) != NULL)
		walk_object(w, g_mime_message_get_mime_part(msg), depth + 1);
}

static void
walk_object(struct walk *w, GMimeObject *obj, int depth)
{
	GMimeContentType *type;

	if (depth > w->limits->max_depth) {
		if (!w->depth_reported)
			findings_add(&w->mail->problems, "mime-too-deep",
			    "MIME parts nest deeper than %d levels "
			    "(max-mime-depth)", w->limits->max_depth);
		w->depth_reported = true;
		return;
	}
	if (++w->mail->part_count > w->limits->max_parts) {
		if (!w->parts_reported)
			findings_add(&w->mail->problems, "too-many-parts",
			    "the message has more than %d MIME parts "
			    "(max-mime-parts)", w->limits->max_parts);
		w->parts_reported = true;
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		walk_message(w, g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj)), depth);
	} else if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);

		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			walk_object(w, g_mime_multipart_get_part(mp, i),
			    depth + 1);
	} else if (GMIME_IS_PART(obj)) {
		type = g_mime_object_get_content_type(obj);
		if (g_mime_content_type_is_type(type, "text", "plain"))
			decode_text_part(w, GMIME_PART(obj), false);
		else if (g_mime_content_type_is_type(type, "text", "html"))
			decode_text_part(w, GMIME_PART(obj), true);
	}
}

/* Copies the top-level headers in message order, unfolded. */
static void
read_headers(struct mail *mail, GMimeMessage *msg)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(
	    GMIME_OBJECT(msg));
	int count = g_mime_header_list_get_count(list);

	mail->headers = xcalloc((size_t)count + 1, sizeof(mail->headers[0]));
	for (int i = 0; i < count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *raw = g_mime_header_get_raw_value(h);
		char *value = xstrdup(raw ? raw : "");

		for (char *p = value; *p; p++)
			if (*p == '\r' || *p == '\n')
				*p = ' ';
		mail->headers[i].name = xstrdup(g_mime_header_get_name(h));
		mail->headers[i].value = value;
	}
	mail->header_count = (size_t)count;
}

static void
read_sender(struct mail *mail, GMimeMessage *msg)
{
	InternetAddressList *from = g_mime_message_get_from(msg);
	InternetAddress *addr;
	const char *subject = g_mime_message_get_subject(msg);
	size_t from_headers = 0;

	mail->from_count = from ? internet_address_list_length(from) : 0;
	/* GMime reads the first From header; a second one is a forgery. */
	for (size_t i = 0; i < mail->header_count; i++)
		if (strcasecmp(mail->headers[i].name, "From") == 0)
			from_headers++;
	if (from_headers > 1)
		mail->from_count += (int)from_headers - 1;
	if (mail->from_count == 1) {
		addr = internet_address_list_get_address(from, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(addr))
			mail->from = str_lower(copy_valid_utf8(
			    internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(addr))));
	}
	if (subject != NULL)
		mail->subject = copy_valid_utf8(subject);
}

/*
 * Returns whether the top-level header block (up to the first empty line)
 * has a NUL byte.  RFC 5322 forbids NUL, and C strings end at it, so
 * "From: a@b\0@c" would otherwise be read as a@b.
 */
static bool
header_has_nul(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\0')
			return true;
		if (data[i] == '\n' && (i + 1 < len) && (data[i + 1] == '\n' ||
		    (data[i + 1] == '\r' && i + 2 < len &&
		    data[i + 2] == '\n')))
			return false;
	}
	return false;
}

int
mail_parse(const char *data, size_t len, const struct mail_limits *limits,
    struct mail *mail)
{
	struct walk w = { limits, mail, false, false };
	GByteArray *bytes;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;

	memset(mail, 0, sizeof(*mail));
	if (len > limits->max_size || len > G_MAXUINT) {
		findings_add(&mail->problems, "message-too-large",
		    "the message has %zu bytes, more than max-message-size "
		    "(%zu)", len, limits->max_size);
		return -1;
	}
	if (header_has_nul(data, len))
		findings_add(&mail->problems, "nul-in-header",
		    "a header of the message has a NUL byte, so what GMime "
		    "reads may differ from what other mail software reads");
	pthread_once(&gmime_once, init_gmime);

	/* Wrap data without copying: the stream does not own the array,
	 * and the array's storage is handed back below. */
	bytes = g_byte_array_new_take((guint8 *)(len ? data : ""), len);
	stream = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	if (msg != NULL) {
		read_headers(mail, msg);
		read_sender(mail, msg);
		if (g_mime_message_get_mime_part(msg) != NULL)
			walk_object(&w, g_mime_message_get_mime_part(msg), 1);
		g_object_unref(msg);
	} else {
		findings_add(&mail->problems, "malformed-message",
		    "the input is not a readable MIME message");
	}
	g_object_unref(parser);
	g_object_unref(stream);
	g_byte_array_free(bytes, FALSE);
	return msg != NULL ? 0 : -1;
}

void
mail_free(struct mail *mail)
{
	for (size_t i = 0; i < mail->header_count; i++) {
		free(mail->headers[i].name);
		free(mail->headers[i].value);
	}
	free(mail->headers);
	for (size_t i = 0; i < mail->text_count; i++)
		free(mail->texts[i].text);
	free(mail->texts);
	free(mail->from);
	free(mail->subject);
	free(mail->embedded_subject);
	free(mail->embedded_from);
	findings_free(&mail->problems);
	memset(mail, 0, sizeof(*mail));
}
