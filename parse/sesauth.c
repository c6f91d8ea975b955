#include "parse/sesauth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"

/* Copies s without RFC 5322 comments, so "(spfCheck: ...)" disappears. */
static char *
strip_comments(const char *s)
{
	struct buf out = { 0 };
	int depth = 0;

	for (; *s; s++) {
		if (*s == '\\' && s[1] != '\0' && depth > 0) {
			s++;
		} else if (*s == '(') {
			depth++;
		} else if (*s == ')' && depth > 0) {
			depth--;
		} else if (depth == 0) {
			buf_append_char(&out, *s);
		}
	}
	return out.data ? buf_steal(&out) : xstrdup("");
}

static void
set_once(char **field, const char *value)
{
	if (*field == NULL)
		*field = str_lower(xstrdup(value));
}

/* Returns the signing domain of "header.i=@d" or "header.d=d" in props. */
static char *
dkim_domain(char *props)
{
	char *save = NULL;

	for (char *tok = strtok_r(props, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (strncasecmp(tok, "header.d=", 9) == 0)
			return str_lower(xstrdup(tok + 9));
		if (strncasecmp(tok, "header.i=", 9) == 0) {
			char *at = strchr(tok + 9, '@');

			return str_lower(xstrdup(at ? at + 1 : tok + 9));
		}
	}
	return NULL;
}

/* Reads one "method=result props" clause of Authentication-Results. */
static void
read_resinfo(struct ses_auth *auth, char *clause)
{
	char *method = str_trim(clause), *result, *props, *domain;
	size_t n;

	result = strchr(method, '=');
	if (result == NULL)
		return;
	*result++ = '\0';
	n = strcspn(result, " \t");
	props = result[n] ? result + n + 1 : result + n;
	result[n] = '\0';
	str_trim(method);
	if (strcasecmp(method, "spf") == 0) {
		set_once(&auth->spf, result);
	} else if (strcasecmp(method, "dmarc") == 0) {
		set_once(&auth->dmarc, result);
	} else if (strcasecmp(method, "dkim") == 0) {
		if (strcasecmp(result, "pass") == 0) {
			free(auth->dkim);
			auth->dkim = xstrdup("pass");
			domain = dkim_domain(props);
			if (domain != NULL)
				strlist_add_owned(&auth->dkim_pass_domains,
				    domain);
		} else {
			set_once(&auth->dkim, result);
		}
	}
}

static void
read_authentication_results(struct ses_auth *auth, const char *value)
{
	char *text = strip_comments(value), *save = NULL, *clause;
	char *authserv;

	authserv = strtok_r(text, ";", &save);
	if (authserv == NULL)
		goto out;
	/* authserv-id may be followed by a version number. */
	authserv = str_trim(authserv);
	authserv[strcspn(authserv, " \t")] = '\0';
	if (strcasecmp(authserv, "amazonses.com") != 0)
		goto out;
	while ((clause = strtok_r(NULL, ";", &save)) != NULL)
		read_resinfo(auth, clause);
out:
	free(text);
}

/* Received-SPF: "pass (comment) key=value; ..." */
static void
read_received_spf(struct ses_auth *auth, const char *value)
{
	char *copy = xstrdup(value), *word = str_trim(copy);

	word[strcspn(word, " \t(;")] = '\0';
	if (*word != '\0')
		set_once(&auth->spf, word);
	free(copy);
}

void
ses_auth_read(const struct mail_header *headers, size_t count,
    struct ses_auth *auth)
{
	struct ses_auth received = { 0 };
	size_t receipt = count;

	memset(auth, 0, sizeof(*auth));
	for (size_t i = 0; i < count && receipt == count; i++)
		if (strcasecmp(headers[i].name, "X-SES-RECEIPT") == 0)
			receipt = i;
	if (receipt == count)
		return;
	auth->has_receipt = true;
	for (size_t i = 0; i < receipt; i++) {
		const char *name = headers[i].name;
		char *value = str_trim(xstrdup(headers[i].value));

		if (strcasecmp(name, "Authentication-Results") == 0)
			read_authentication_results(auth, value);
		else if (strcasecmp(name, "X-SES-Spam-Verdict") == 0)
			set_once(&auth->spam, value);
		else if (strcasecmp(name, "X-SES-Virus-Verdict") == 0)
			set_once(&auth->virus, value);
		else if (strcasecmp(name, "Received-SPF") == 0)
			read_received_spf(&received, value);
		free(value);
	}
	/* Authentication-Results is preferred; Received-SPF fills in. */
	if (auth->spf == NULL && received.spf != NULL) {
		auth->spf = received.spf;
		received.spf = NULL;
	}
	ses_auth_free(&received);
}

bool
ses_auth_dkim_passed(const struct ses_auth *auth, const char *domain)
{
	size_t len = strlen(domain);

	for (size_t i = 0; i < auth->dkim_pass_domains.count; i++) {
		const char *d = auth->dkim_pass_domains.items[i];
		size_t dlen = strlen(d);

		if (strcmp(d, domain) == 0)
			return true;
		if (dlen > len && d[dlen - len - 1] == '.' &&
		    strcmp(d + dlen - len, domain) == 0)
			return true;
	}
	return false;
}

void
ses_auth_free(struct ses_auth *auth)
{
	free(auth->spf);
	free(auth->dkim);
	free(auth->dmarc);
	free(auth->spam);
	free(auth->virus);
	strlist_free(&auth->dkim_pass_domains);
	memset(auth, 0, sizeof(*auth));
}
