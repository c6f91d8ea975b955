#ifndef APPROVE_EXCHANGE_H
#define APPROVE_EXCHANGE_H

/*
 * The approval HTTP exchange: GET the approval link with a cookie jar,
 * find the approval form on the page, POST it back and classify the
 * result page.  Every request goes to an approval host over verified TLS.
 */
#include <stdbool.h>

#include "common/str.h"

struct approve_exchange_options {
	const char *ca_bundle;		/* NULL: libcurl's default CA store */
	const struct strlist *connect_to; /* HOST:PORT:HOST2:PORT2; or NULL */
	long connect_timeout;		/* seconds; 0: 10 */
	long request_timeout;		/* seconds per request; 0: 60 */
	const char *save_dir;		/* unexpected pages go here; or NULL */
	bool dry_run;			/* stop before the POST */
};

enum approve_result {
	APPROVE_APPROVED,		/* the page confirmed the approval */
	APPROVE_ALREADY_APPROVED,	/* approved earlier */
	APPROVE_EXPIRED,		/* HTTP 400 or the expired-link page */
	APPROVE_UNKNOWN_REQUEST,	/* HTTP 404 or "could not be found" */
	APPROVE_FAILED,			/* network, TLS or timeout */
	APPROVE_UNEXPECTED,		/* any other page; saved when possible */
	APPROVE_DRY_RUN,		/* form found, nothing submitted */
};

struct approve_outcome {
	enum approve_result result;
	long http_status;	/* of the last response; 0 when none */
	char *detail;		/* one line for people, redacted; never NULL */
	char *saved_page;	/* path of the saved page, or NULL */
	bool submitted;		/* the approval form was sent (a POST began) */
};

/*
 * Runs the exchange for one approval link, which must pass link_validate
 * (parse/links.h).  Fills *outcome (free it with
 * approve_outcome_free()) and returns 0 when the result is APPROVED,
 * ALREADY_APPROVED or DRY_RUN, -1 for every other result.  The link's
 * code and context, the CSRF and validation tokens and every cookie value
 * are registered with log_add_secret() as soon as they are seen.
 */
int approve_exchange_run(const char *url,
    const struct approve_exchange_options *opts,
    struct approve_outcome *outcome);

/* Returns a stable lower-case name ("approved", "expired", ...). */
const char *approve_result_name(enum approve_result result);

void approve_outcome_free(struct approve_outcome *outcome);

/*
 * The approval form as found on the page.  action is the attribute as
 * written (resolve it against the page URL); fields are the name/value
 * pairs a browser would submit, in document order.
 */
struct approve_form_field {
	char *name;
	char *value;
	bool hidden;
};

struct approve_form {
	char *action;
	struct approve_form_field *fields;
	size_t count;
};

/*
 * Finds the approval form in an HTML page: the first form whose action
 * contains "approv" (any case) and no refusal word such as "disapprov"
 * or "reject".  charset may be NULL (UTF-8).  Returns 0
 * and fills *form (free with approve_form_free()), or -1 when the page
 * has no such form.
 */
int approve_page_find_form(const char *html, size_t len,
    const char *charset, struct approve_form *form);
void approve_form_free(struct approve_form *form);

/*
 * Classifies a response page by its HTTP status and visible text.
 * Returns APPROVED, ALREADY_APPROVED, EXPIRED, UNKNOWN_REQUEST or
 * UNEXPECTED (never FAILED or DRY_RUN).  html may be NULL.
 */
enum approve_result approve_page_classify(long status, const char *html,
    size_t len, const char *charset);

/*
 * Returns true when url is https on an approval host: port 443 or none,
 * no user information, and a host of the form REGION.acm-certificates.
 * amazon.com, REGION.acm-certificates.amazonaws.cn, REGION.certificates.
 * amazon.com or certificates.amazon.com.  Unlike link_validate it accepts
 * any path and query, as redirects and the form's action need.
 */
bool approve_url_is_approval_host(const char *url);

#endif
