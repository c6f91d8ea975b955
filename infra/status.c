/* status: read everything, compare with what setup makes, report. */
#include "infra/context.h"

enum infra_result
infra_status(struct aws_client *client, const struct infra_options *opts,
    FILE *out)
{
	struct infra_ctx ctx;
	enum infra_result r;

	r = infra_ctx_init(&ctx, client, opts, out);
	if (r == INFRA_DONE)
		r = infra_read(&ctx, false);
	if (r == INFRA_DONE) {
		infra_plan(&ctx);
		r = infra_status_print(&ctx) ? INFRA_DONE : INFRA_PROBLEM;
	}
	infra_ctx_free(&ctx);
	return r;
}
