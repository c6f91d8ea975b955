#include "infra/names.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

/*
 * Regions with an email receiving endpoint (inbound-smtp.REGION.amazonaws
 * .com), from the AWS General Reference page "Amazon Simple Email Service
 * endpoints and quotas", table "Email receiving endpoints".
 * NOTE: AWS adds receiving regions from time to time; extend this list
 * when that table grows.
 */
static const char *const receiving_regions[] = {
	"us-east-1", "us-east-2", "us-west-2",
	"ap-northeast-1", "ap-southeast-1", "ap-southeast-2",
	"ap-southeast-3", "ca-central-1", "eu-central-1",
	"eu-west-1", "eu-west-2",
};

#define REGION_COUNT (sizeof(receiving_regions) / sizeof(receiving_regions[0]))
#define SES_NAME_MAX 64

static const char *const acm_mailboxes[] = {
	"admin", "administrator", "hostmaster", "postmaster", "webmaster",
};

static bool
is_ldh(char c)
{
	return isalnum((unsigned char)c) || c == '-';
}

/* Checks one label of len bytes; returns NULL or the reason. */
static const char *
check_label(const char *label, size_t len)
{
	if (len == 0)
		return "empty label";
	if (len > 63)
		return "label longer than 63 characters";
	if (label[0] == '-' || label[len - 1] == '-')
		return "label starts or ends with '-'";
	for (size_t i = 0; i < len; i++)
		if (!is_ldh(label[i]))
			return "only letters, digits, '-' and '.' are allowed";
	return NULL;
}

static const char *
check_domain(const char *name)
{
	const char *label = name, *dot, *last = name;
	size_t labels = 0, len = strlen(name);
	const char *why;

	if (len == 0)
		return "empty name";
	if (len > INFRA_DOMAIN_MAX)
		return "name longer than 242 characters";
	for (;;) {
		dot = strchr(label, '.');
		why = check_label(label, dot ? (size_t)(dot - label) :
		    strlen(label));
		if (why != NULL)
			return why;
		labels++;
		last = label;
		if (dot == NULL)
			break;
		label = dot + 1;
	}
	if (labels < 2)
		return "a domain needs at least two labels (example.com)";
	if (strspn(last, "0123456789") == strlen(last))
		return "the top-level label is all digits";
	return NULL;
}

char *
infra_domain_normalize(const char *input, const char **why)
{
	char *name = str_lower(str_trim(xstrdup(input)));
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		name[len - 1] = '\0';
	*why = check_domain(name);
	if (*why != NULL) {
		free(name);
		return NULL;
	}
	return name;
}

bool
infra_region_receives_email(const char *region)
{
	for (size_t i = 0; i < REGION_COUNT; i++)
		if (strcmp(receiving_regions[i], region) == 0)
			return true;
	return false;
}

const char *
infra_receiving_regions(void)
{
	return "us-east-1, us-east-2, us-west-2, ap-northeast-1, "
	    "ap-southeast-1, ap-southeast-2, ap-southeast-3, ca-central-1, "
	    "eu-central-1, eu-west-1, eu-west-2";
}

/* Appends the first hex_len hex digits of SHA-256(s). */
static void
append_hash(struct buf *out, const char *s, size_t hex_len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	struct buf hex = {0};

	EVP_Digest(s, strlen(s), md, &md_len, EVP_sha256(), NULL);
	str_hex_encode(&hex, md, md_len);
	buf_append(out, hex.data, hex_len < hex.len ? hex_len : hex.len);
	buf_free(&hex);
}

char *
infra_rule_name(const char *domain)
{
	struct buf name = {0};
	const size_t hash_len = 8;
	size_t keep;

	buf_printf(&name, "acm-inbox-%s", domain);
	if (name.len <= SES_NAME_MAX)
		return buf_steal(&name);

	/* Keep a readable start, then "-" and a hash of the whole domain. */
	keep = SES_NAME_MAX - hash_len - 1;
	name.len = keep;
	while (name.len > 0 && !isalnum((unsigned char)name.data[name.len - 1]))
		name.len--;
	name.data[name.len] = '\0';
	buf_append_char(&name, '-');
	append_hash(&name, domain, hash_len);
	return buf_steal(&name);
}

char *
infra_statement_id(const char *domain)
{
	struct buf sid = {0};

	buf_append_str(&sid, "AcmInboxSesPut");
	append_hash(&sid, domain, 16);
	return buf_steal(&sid);
}

char *
infra_default_bucket(const char *account, const char *region)
{
	return xasprintf("acm-inbox-%s-%s", account, region);
}

void
infra_default_recipients(const char *domain, struct strlist *out)
{
	for (size_t i = 0; i < sizeof(acm_mailboxes) / sizeof(*acm_mailboxes);
	    i++)
		strlist_add_owned(out, xasprintf("%s@%s", acm_mailboxes[i],
		    domain));
}

/* Returns true when host is domain or a subdomain of it. */
static bool
within_domain(const char *host, const char *domain)
{
	size_t hlen = strlen(host), dlen = strlen(domain);

	if (hlen == dlen)
		return strcmp(host, domain) == 0;
	return hlen > dlen && host[hlen - dlen - 1] == '.' &&
	    strcmp(host + hlen - dlen, domain) == 0;
}

static bool
valid_recipient(const char *item, const char *domain)
{
	const char *at = strrchr(item, '@');
	const char *why;
	char *host;
	bool valid;

	if (at == item)
		return false;
	for (const char *p = item; at != NULL && p < at; p++)
		if (!isgraph((unsigned char)*p) || *p == '@')
			return false;
	host = infra_domain_normalize(at ? at + 1 : item, &why);
	valid = host != NULL && strcmp(host, at ? at + 1 : item) == 0 &&
	    within_domain(host, domain);
	free(host);
	return valid;
}

int
infra_parse_recipients(const char *list, const char *domain,
    struct strlist *out, char **bad)
{
	char *copy = xstrdup(list), *save = NULL, *item;
	int rc = 0;

	*bad = NULL;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		str_lower(str_trim(item));
		if (*item == '\0')
			continue;
		if (!valid_recipient(item, domain)) {
			*bad = xstrdup(item);
			rc = -1;
			break;
		}
		if (!strlist_contains(out, item))
			strlist_add(out, item);
	}
	if (rc == 0 && out->count == 0) {
		*bad = xstrdup(list);
		rc = -1;
	}
	free(copy);
	return rc;
}

char *
infra_normalize_prefix(const char *input)
{
	struct buf prefix = {0};

	while (*input == '/')
		input++;
	for (const char *p = input; *p; p++)
		if (iscntrl((unsigned char)*p))
			return NULL;
	buf_append_str(&prefix, input);
	if (prefix.len > 0 && prefix.data[prefix.len - 1] != '/')
		buf_append_char(&prefix, '/');
	if (prefix.data == NULL)
		return xstrdup("");
	return buf_steal(&prefix);
}

bool
infra_valid_ses_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > SES_NAME_MAX)
		return false;
	if (!isalnum((unsigned char)name[0]) ||
	    !isalnum((unsigned char)name[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    strchr("_.-", name[i]) == NULL)
			return false;
	return true;
}
