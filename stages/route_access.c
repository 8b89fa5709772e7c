/* stages/route_access.c: the routing connector's item contexts (span, log,
 * metric; route_access_wire in stages/route.h). The item is decoded the
 * first time a condition reads it and then read through the wire accessor
 * the filter processor uses (stages/ottl_access.h), so a route condition
 * sees every path a filter condition of the same context does. */
#include "stages/route.h"

#include <errno.h>

static int item_ready(struct route_item *it)
{
	int rc;

	if (it->state_)
		return it->state_ < 0 ? it->state_ : 0;
	switch (it->signal) {
	case SLUICE_SIGNAL_TRACES:
		rc = otlp_wire_span(it->item, &it->u_.span);
		ottl_access_item_init(&it->w_, OTTL_CTX_SPAN, it->resource, it->scope);
		it->w_.span = &it->u_.span;
		break;
	case SLUICE_SIGNAL_LOGS:
		rc = otlp_wire_log_record(it->item, &it->u_.log);
		ottl_access_item_init(&it->w_, OTTL_CTX_LOG, it->resource, it->scope);
		it->w_.log = &it->u_.log;
		break;
	case SLUICE_SIGNAL_METRICS:
		rc = otlp_wire_metric(it->item, &it->u_.metric);
		ottl_access_item_init(&it->w_, OTTL_CTX_METRIC, it->resource, it->scope);
		it->w_.metric = &it->u_.metric;
		break;
	default:
		rc = -EINVAL;
		break;
	}
	it->state_ = rc < 0 ? rc : 1;
	return rc < 0 ? rc : 0;
}

static int item_attr(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	struct route_item *it = item;
	int rc = item_ready(it);

	out->type = OTTL_NIL;
	return rc < 0 ? rc : ottl_access_attr(&it->w_, k->map, k->s, k->len, out);
}

static int item_field(void *item, enum ottl_field f, struct ottl_value *out)
{
	struct route_item *it = item;
	int rc = item_ready(it);

	out->type = OTTL_NIL;
	return rc < 0 ? rc : ottl_access_field(&it->w_, f, out);
}

static const struct ottl_eval_accessor item_access = { item_attr, item_field };

const struct route_access route_access_wire = {
	.acc = {
		[OTTL_CTX_SPAN] = &item_access,
		[OTTL_CTX_LOG] = &item_access,
		[OTTL_CTX_METRIC] = &item_access,
	},
};
