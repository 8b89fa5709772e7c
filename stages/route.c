/* stages/route.c: the routing connector's decisions (stages/route.h); the
 * record split is in route_split.c. */
#include "stages/route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/plan.h"
#include "rt/clock.h"

/* ---- the resource context: the Resource message is the item ---- */

void route_value(const struct otlp_value *v, struct ottl_value *out)
{
	switch (v->type) {
	case OTLP_VALUE_STRING:
		out->type = OTTL_STRING;
		out->u.s.p = v->u.b.p;
		out->u.s.len = v->u.b.len;
		break;
	case OTLP_VALUE_BYTES:
		out->type = OTTL_BYTES;
		out->u.s.p = v->u.b.p;
		out->u.s.len = v->u.b.len;
		break;
	case OTLP_VALUE_BOOL:
		out->type = OTTL_BOOL;
		out->u.b = v->u.boolean != 0;
		break;
	case OTLP_VALUE_INT:
		out->type = OTTL_INT;
		out->u.i = v->u.i;
		break;
	case OTLP_VALUE_DOUBLE:
		out->type = OTTL_DOUBLE;
		out->u.d = v->u.d;
		break;
	case OTLP_VALUE_ARRAY:
	case OTLP_VALUE_KVLIST:
		out->type = OTTL_OTHER;
		break;
	default:
		out->type = OTTL_NIL;
		break;
	}
}

static int res_attr(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	const struct otlp_bytes *res = item;
	struct otlp_value v;
	int rc;

	out->type = OTTL_NIL;
	if (k->map != OTTL_MAP_RESOURCE && k->map != OTTL_MAP_ITEM)
		return 0;
	rc = otlp_wire_find_attr(*res, OTLP_F_RESOURCE_ATTRIBUTES, (const char *)k->s, k->len, &v);
	if (rc > 0)
		route_value(&v, out);
	return rc < 0 ? rc : 0;
}

static int res_field(void *item, enum ottl_field f, struct ottl_value *out)
{
	(void)item;
	(void)f;
	out->type = OTTL_NIL; /* the resource context has no scalar fields */
	return 0;
}

static const struct ottl_eval_accessor res_access = { res_attr, res_field };

int route_resource_of(struct otlp_bytes record, struct otlp_bytes *res)
{
	struct otlp_wire_reader rd;
	struct otlp_wire_field f;
	int rc;

	res->p = NULL;
	res->len = 0;
	otlp_wire_reader_init(&rd, record.p, record.len);
	while ((rc = otlp_wire_next(&rd, &f)) > 0)
		if (f.num == 1) {
			if (f.wt != OTLP_WT_LEN)
				return -EPROTO;
			*res = f.b; /* the last one wins, as in protobuf */
		}
	return rc;
}

/* ---- building ---- */

static uint64_t mask_of(const struct sluice_config *cfg, const struct sluice_pipeline *const *p, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n; i++)
		m |= 1ull << (size_t)(p[i] - cfg->pipelines);
	return m;
}

static enum ottl_context item_context(enum sluice_signal s)
{
	return s == SLUICE_SIGNAL_TRACES ? OTTL_CTX_SPAN
	       : s == SLUICE_SIGNAL_LOGS ? OTTL_CTX_LOG
					 : OTTL_CTX_METRIC;
}

static int entry_init(struct route_conn *r, const struct sluice_config *cfg, uint32_t i,
		      const struct route_access *access, char *err, size_t errlen)
{
	const struct sluice_route *x = &r->cfg->routing.table[i];
	struct route_entry *e = &r->e[i];
	char why[256];

	if (!x->condition.parsed) {
		snprintf(err, errlen, "connector %s: route at line %u: condition not parsed", r->cfg->id,
			 x->line);
		return -EINVAL;
	}
	e->ctx = x->condition.parsed->ctx;
	e->targets = mask_of(cfg, x->pipelines, x->n_pipelines);
	if (e->ctx != OTTL_CTX_RESOURCE) {
		if (e->ctx != item_context(r->signal)) {
			snprintf(err, errlen, "connector %s: route at line %u: context %s cannot route %s",
				 r->cfg->id, x->line, ottl_context_name(e->ctx),
				 config_signal_name(r->signal));
			return -ENOTSUP;
		}
		if (!access || !access->acc[e->ctx]) {
			snprintf(err, errlen,
				 "connector %s: route at line %u: context %s is not available in this build "
				 "(route by resource attributes)",
				 r->cfg->id, x->line, ottl_context_name(e->ctx));
			return -ENOTSUP;
		}
		r->by_item = true;
		r->item_acc = access->acc[e->ctx];
	}
	if (ottl_eval_init(&e->ev, x->condition.parsed, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "connector %s: route at line %u: %s", r->cfg->id, x->line, why);
		return -EINVAL;
	}
	return 0;
}

int route_new(struct route_conn **out, const struct sluice_config *cfg, size_t k,
	      const struct route_access *access, char *err, size_t errlen)
{
	const struct sluice_connector *c = &cfg->connectors[k];
	struct route_conn *r;
	uint64_t from = cfg->plan->connectors[k].from;
	int rc;

	*out = NULL;
	if (c->type != SLUICE_CONN_ROUTING || !from) {
		snprintf(err, errlen, "connector %s: not a routing connector in use", c->id);
		return -EINVAL;
	}
	if (c->routing.n_table > ROUTE_MAX_TABLE) {
		snprintf(err, errlen, "connector %s: more than %u routes", c->id, ROUTE_MAX_TABLE);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->e = calloc(c->routing.n_table + 1, sizeof(*r->e))) ||
	    !(r->res_true = calloc(c->routing.n_table + 1, sizeof(*r->res_true)))) {
		route_free(r);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->cfg = c;
	r->signal = cfg->pipelines[__builtin_ctzll(from)].signal;
	r->mode = c->routing.error_mode;
	r->default_targets = mask_of(cfg, c->routing.default_pipelines, c->routing.n_default);
	for (uint32_t i = 0; i < c->routing.n_table; i++) {
		if ((rc = entry_init(r, cfg, i, access, err, errlen)) < 0) {
			route_free(r);
			return rc;
		}
		r->n = i + 1;
	}
	*out = r;
	return 0;
}

void route_free(struct route_conn *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->n; i++)
		ottl_eval_free(&r->e[i].ev);
	free(r->e);
	free(r->res_true);
	free(r);
}

uint64_t route_targets(const struct route_conn *r, unsigned d)
{
	if (d < r->n)
		return r->e[d].targets;
	return d == ROUTE_DEFAULT ? r->default_targets : 0;
}

/* ---- deciding ---- */

/* An evaluation error of entry i: true when it drops the item
 * (propagate), false when the condition counts as false. */
static bool route_error(struct route_conn *r, uint32_t i, int rc)
{
	r->errors++;
	if (r->mode != SLUICE_ERROR_MODE_SILENT) {
		uint64_t now = rt_mono_ns();

		if (now >= r->next_log_ns) {
			const struct sluice_route *x = &r->cfg->routing.table[i];
			log_msg(LOG_WARN,
				"connector %s: the condition of the route at line %u failed: %s; %s "
				"(%llu errors so far)",
				r->cfg->id, x->line, strerror(-rc),
				r->mode == SLUICE_ERROR_MODE_PROPAGATE ? "its items are dropped"
								       : "taken as false (error_mode ignore)",
				(unsigned long long)r->errors);
			r->next_log_ns = now + ROUTE_LOG_NS;
		}
	}
	return r->mode == SLUICE_ERROR_MODE_PROPAGATE;
}

unsigned route_decide_record(struct route_conn *r, struct otlp_bytes record)
{
	struct otlp_bytes res;

	if (route_resource_of(record, &res) < 0)
		return ROUTE_DROP;
	for (uint32_t i = 0; i < r->n; i++) {
		int rc = ottl_eval_run(&r->e[i].ev, &res_access, &res);
		if (rc > 0)
			return i;
		if (rc < 0 && route_error(r, i, rc))
			return ROUTE_DROP;
	}
	return ROUTE_DEFAULT;
}

/* Resource entries, once a record: res_true[i] 1 true, 0 false, 2 drop. */
static void decide_resource_entries(struct route_conn *r, struct otlp_bytes res)
{
	for (uint32_t i = 0; i < r->n; i++) {
		if (r->e[i].ctx != OTTL_CTX_RESOURCE)
			continue;
		int rc = ottl_eval_run(&r->e[i].ev, &res_access, &res);
		r->res_true[i] = rc > 0 ? 1 : rc < 0 && route_error(r, i, rc) ? 2 : 0;
	}
}

static unsigned decide_item(struct route_conn *r, struct route_item *it)
{
	for (uint32_t i = 0; i < r->n; i++) {
		int rc;

		if (r->e[i].ctx == OTTL_CTX_RESOURCE) {
			if (r->res_true[i])
				return r->res_true[i] == 1 ? i : ROUTE_DROP;
			continue;
		}
		rc = ottl_eval_run(&r->e[i].ev, r->item_acc, it);
		if (rc > 0)
			return i;
		if (rc < 0 && route_error(r, i, rc))
			return ROUTE_DROP;
	}
	return ROUTE_DEFAULT;
}

/* The scope message of a Scope* (field 1, the last one). */
static int scope_of(struct otlp_bytes scope_msg, struct otlp_bytes *scope)
{
	return route_resource_of(scope_msg, scope); /* same shape: field 1 */
}

int64_t route_decide_items(struct route_conn *r, struct otlp_bytes record, uint8_t *dec, size_t cap)
{
	struct route_item it = { .signal = r->signal };
	struct otlp_wire_reader rd;
	struct otlp_wire_field f;
	size_t n = 0;
	int rc;

	if ((rc = route_resource_of(record, &it.resource)) < 0)
		return rc;
	decide_resource_entries(r, it.resource);
	otlp_wire_reader_init(&rd, record.p, record.len);
	while ((rc = otlp_wire_next(&rd, &f)) > 0) {
		struct otlp_wire_iter items;

		if (f.num != 2)
			continue;
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		if ((rc = scope_of(f.b, &it.scope)) < 0)
			return rc;
		otlp_wire_iter_init(&items, f.b, 2);
		while ((rc = otlp_wire_iter_next(&items, &it.item)) > 0) {
			if (n == cap)
				return -ENOSPC;
			it.state_ = 0;
			dec[n++] = (uint8_t)decide_item(r, &it);
		}
		if (rc < 0)
			return rc;
	}
	return rc < 0 ? rc : (int64_t)n;
}
