#include "aws/params.h"

#include <stdarg.h>
#include <stdlib.h>

void
aws_params_add(struct aws_params *p, const char *name, const char *value)
{
	if (p->count == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->items = xrealloc(p->items, p->cap * sizeof(*p->items));
	}
	p->items[p->count].name = xstrdup(name);
	p->items[p->count].value = xstrdup(value);
	p->count++;
}

void
aws_params_addf(struct aws_params *p, const char *value,
    const char *name_fmt, ...)
{
	struct buf name = {0};
	va_list ap;

	va_start(ap, name_fmt);
	buf_vprintf(&name, name_fmt, ap);
	va_end(ap);
	aws_params_add(p, name.data, value);
	buf_free(&name);
}

void
aws_params_free(struct aws_params *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free((char *)p->items[i].name);
		free((char *)p->items[i].value);
	}
	free(p->items);
	p->items = NULL;
	p->count = p->cap = 0;
}

int
aws_response_malformed(struct aws_response *resp, const char *what)
{
	free(resp->error_code);
	free(resp->error_message);
	resp->error_code = xstrdup("MalformedResponse");
	resp->error_message = xstrdup(what);
	return -1;
}
