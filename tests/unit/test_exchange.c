/*
 * Unit tests for the approval page reader (form finder, result
 * classifier) and the approval host check.  No network.
 */
#include <stdlib.h>
#include <string.h>

#include "approve/exchange.h"
#include "common/log.h"
#include "tests/unit/tap.h"

static const char approval_page[] =
"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n"
"<form action=\"/search\" method=\"get\"><input name=\"q\" value=\"x\">"
"<input type=\"submit\" name=\"go\" value=\"Search\"></form>\n"
"<form action=\"/language\" method=\"post\">"
"<input type=\"hidden\" name=\"lang\" value=\"en\"></form>\n"
"<div><form action=\"/Approvals/APPROVE/abc123\" method=\"post\">\n"
"<input type=\"hidden\" name=\"utf8\" value=\"&#x2713;\">\n"
"<input type=\"hidden\" name=\"authenticity_token\" value=\"tok+/=\">\n"
"<input type=\"hidden\" name=\"validation_token\" value=\"val-1\">\n"
"<input type=\"hidden\" name=\"context\" value=\"ctx&amp;1\">\n"
"<input type=\"text\" name=\"note\" value=\"hello\">\n"
"<input type=\"checkbox\" name=\"unchecked\" value=\"1\">\n"
"<input type=\"checkbox\" name=\"agree\" checked>\n"
"<input type=\"hidden\" name=\"off\" value=\"1\" disabled>\n"
"<input type=\"text\" value=\"no name\">\n"
"<table><tr><td><input type=\"submit\" name=\"commit\" "
"value=\"I Approve\"></td></tr></table>\n"
"<button type=\"submit\" name=\"cancel\" value=\"Cancel\">Cancel</button>\n"
"<button type=\"button\" name=\"help\">Help</button>\n"
"</form></div></body></html>\n";

static const char *
field_value(const struct approve_form *form, const char *name)
{
	for (size_t i = 0; i < form->count; i++)
		if (strcmp(form->fields[i].name, name) == 0)
			return form->fields[i].value;
	return NULL;
}

static void
test_form_find(void)
{
	struct approve_form form;
	static const char *const names[] = {
		"utf8", "authenticity_token", "validation_token", "context",
		"note", "agree", "commit",
	};
	size_t n = sizeof(names) / sizeof(names[0]);

	if (!ok(approve_page_find_form(approval_page, strlen(approval_page),
	    NULL, &form) == 0, "form found"))
		return;
	is_str(form.action, "/Approvals/APPROVE/abc123",
	    "form: approval form chosen over earlier forms");
	is_int(form.count, n, "form: field count");
	for (size_t i = 0; i < n && i < form.count; i++)
		is_str(form.fields[i].name, names[i], "form: field %zu name",
		    i);
	is_str(field_value(&form, "utf8"), "\xe2\x9c\x93",
	    "form: utf8 check mark decoded");
	is_str(field_value(&form, "authenticity_token"), "tok+/=",
	    "form: CSRF token");
	is_str(field_value(&form, "context"), "ctx&1",
	    "form: entity decoded in value");
	is_str(field_value(&form, "agree"), "on",
	    "form: checked box without value");
	is_str(field_value(&form, "commit"), "I Approve",
	    "form: first submit button only");
	ok(field_value(&form, "cancel") == NULL,
	    "form: second submit button left out");
	ok(form.count > 1 && form.fields[1].hidden, "form: hidden flag set");
	ok(form.count > 4 && !form.fields[4].hidden,
	    "form: text input not hidden");
	approve_form_free(&form);
}

static void
test_form_button(void)
{
	static const char page[] =
	    "<form action=\"https://x/approve\"><input type=hidden "
	    "name=a value=1><button name=go value=yes>Go</button>"
	    "<input type=submit name=other value=no></form>";
	struct approve_form form;

	if (!ok(approve_page_find_form(page, strlen(page), "UTF-8",
	    &form) == 0, "button form found"))
		return;
	is_int(form.count, 2, "button: field count");
	is_str(field_value(&form, "go"), "yes",
	    "button: default type submits its value");
	ok(field_value(&form, "other") == NULL,
	    "button: later submit input left out");
	approve_form_free(&form);
}

static void
test_form_refusal(void)
{
	static const char page[] =
	    "<form action=\"/approvals/disapprove/1\" method=post>"
	    "<input type=hidden name=a value=no></form>"
	    "<form action=\"/approvals/reject\"></form>"
	    "<form action=\"/approvals/approve/2\" method=post>"
	    "<input type=hidden name=a value=yes></form>";
	struct approve_form form;

	if (!ok(approve_page_find_form(page, strlen(page), NULL, &form) == 0,
	    "refusal forms: approval form found"))
		return;
	is_str(form.action, "/approvals/approve/2",
	    "refusal forms: disapprove and reject skipped");
	is_str(field_value(&form, "a"), "yes", "refusal forms: right fields");
	approve_form_free(&form);
}

static void
test_form_missing(void)
{
	static const char page[] =
	    "<html><body><form action=\"/search\"><input name=q></form>"
	    "<p>Approve the request</p></body></html>";
	struct approve_form form;

	ok(approve_page_find_form(page, strlen(page), NULL, &form) != 0,
	    "no form whose action mentions approval");
	ok(form.action == NULL && form.count == 0, "missing form: empty");
	ok(approve_page_find_form("", 0, NULL, &form) != 0,
	    "empty page has no form");
	ok(approve_page_find_form(NULL, 0, NULL, &form) != 0,
	    "NULL page has no form");
}

static enum approve_result
classify(long status, const char *html)
{
	return approve_page_classify(status, html, strlen(html), NULL);
}

static void
test_classify(void)
{
	is_int(classify(200, "<h1>Success!</h1><p>You have approved the "
	    "request.</p>"), APPROVE_APPROVED, "classify success");
	is_int(classify(200, "<p>Amazon approved the request.</p>"),
	    APPROVE_APPROVED, "classify approved the request");
	is_int(classify(200, "<p>This request has already\n  been "
	    "approved.</p>"), APPROVE_ALREADY_APPROVED,
	    "classify already approved across lines");
	is_int(classify(200, "<p>This link has expired.</p>"),
	    APPROVE_EXPIRED, "classify expired text");
	is_int(classify(400, "<p>Success</p>"), APPROVE_EXPIRED,
	    "classify HTTP 400 as expired");
	is_int(classify(404, "<p>Success</p>"), APPROVE_UNKNOWN_REQUEST,
	    "classify HTTP 404 as unknown");
	is_int(classify(200, "<p>The request could not be found.</p>"),
	    APPROVE_UNKNOWN_REQUEST, "classify not found text");
	is_int(classify(200, "<p>Unsuccessful attempt</p>"),
	    APPROVE_UNEXPECTED, "classify: success only as a word");
	is_int(classify(200, "<script>var s='Success';</script><p>Hi</p>"),
	    APPROVE_UNEXPECTED, "classify ignores script text");
	is_int(classify(200, "<input type=hidden name=x value=Success>"),
	    APPROVE_UNEXPECTED, "classify ignores attribute values");
	is_int(classify(500, "<p>Success</p>"), APPROVE_UNEXPECTED,
	    "classify HTTP 500 as unexpected");
	is_int(classify(302, ""), APPROVE_UNEXPECTED,
	    "classify redirect as unexpected");
	is_int(approve_page_classify(200, NULL, 0, NULL), APPROVE_UNEXPECTED,
	    "classify empty body as unexpected");
}

static void
test_hosts(void)
{
	static const struct {
		const char *url;
		bool expected;
	} cases[] = {
		{"https://us-east-1.acm-certificates.amazon.com/approvals", true},
		{"https://EU-WEST-1.ACM-Certificates.Amazon.com/x", true},
		{"https://us-gov-west-1.acm-certificates.amazon.com/", true},
		{"https://ap-southeast-2.acm-certificates.amazon.com:443/", true},
		{"https://us-east-1.certificates.amazon.com/approvals", true},
		{"https://certificates.amazon.com/approvals", true},
		{"https://cn-north-1.acm-certificates.amazonaws.cn/a", true},
		{"https://us-east-1.acm-certificates.amazonaws.cn/a", false},
		{"https://cn-north-1.acm-certificates.amazon.com/a", false},
		{"https://us-iso-east-1.acm-certificates.amazon.com/", false},
		{"http://us-east-1.acm-certificates.amazon.com/", false},
		{"https://us-east-1.acm-certificates.amazon.com:8443/", false},
		{"https://u:p@us-east-1.acm-certificates.amazon.com/", false},
		{"https://u@us-east-1.acm-certificates.amazon.com/", false},
		{"https://acm-certificates.amazon.com/", false},
		{"https://evil.com.acm-certificates.amazon.com/", false},
		{"https://a.us-east-1.acm-certificates.amazon.com/", false},
		{"https://us-east-x.acm-certificates.amazon.com/", false},
		{"https://us-east-1.acm-certificates.amazon.com.evil/", false},
		{"https://us-east-1-acm-certificates.amazon.com/", false},
		{"https://login.example.net/approvals", false},
		{"/approvals/approve/abc", false},
		{"", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(approve_url_is_approval_host(cases[i].url),
		    cases[i].expected, "approval host: %s", cases[i].url);
	ok(!approve_url_is_approval_host(NULL), "approval host: NULL");
}

/* Links that fail validation are rejected before any connection. */
static void
test_invalid_links(void)
{
	static const char *const links[] = {
		"http://us-east-1.acm-certificates.amazon.com/approvals?"
		    "code=abcdef&context=ghijkl",
		"https://us-east-1.acm-certificates.amazon.com/other?"
		    "code=abcdef&context=ghijkl",
		"https://example.com/approvals?code=abcdef&context=ghijkl",
		"https://us-east-1.acm-certificates.amazon.com/approvals?"
		    "code=abcdef",
	};
	struct approve_exchange_options opts = {0};

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		struct approve_outcome outcome;

		is_int(approve_exchange_run(links[i], &opts, &outcome), -1,
		    "invalid link %zu: status", i);
		is_int(outcome.result, APPROVE_UNEXPECTED,
		    "invalid link %zu: unexpected", i);
		ok(strstr(outcome.detail, "invalid approval link") != NULL,
		    "invalid link %zu: detail names the cause", i);
		is_int(outcome.http_status, 0, "invalid link %zu: no request",
		    i);
		approve_outcome_free(&outcome);
	}
}

static void
test_names(void)
{
	is_str(approve_result_name(APPROVE_APPROVED), "approved",
	    "result name approved");
	is_str(approve_result_name(APPROVE_UNKNOWN_REQUEST),
	    "unknown_request", "result name unknown request");
	is_str(approve_result_name((enum approve_result)99), "invalid",
	    "result name out of range");
}

int
main(void)
{
	test_form_find();
	test_form_button();
	test_form_refusal();
	test_form_missing();
	test_classify();
	test_hosts();
	test_invalid_links();
	test_names();
	log_clear_secrets();
	return tap_done();
}
