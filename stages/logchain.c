/* logchain.c: the chain over a ResourceLogs. Each ScopeLogs is written as
 * its records are decided: a record nobody edited is copied as it came, an
 * edited one rewritten around its changed attributes (wform_item); a
 * ScopeLogs left without records is taken back out. */
#include <errno.h>

#include "otlp/wire_logs.h"
#include "stages/chain_item.h"
#include "stages/logscan.h"
#include "stages/wform.h"

struct log_walk {
	struct chain_item_result r;
	struct otlp_bytes scope; /* the current ScopeLogs' scope (when needed) */
};

/* The legacy filter: keep iff (no include or it matches) and not (an
 * exclude that matches). */
static int log_filter(struct chain_item_proc *p, struct spanctx *ctx, const struct otlp_log_record *lr)
{
	int rc;
	if (p->log_inc.cfg->present && (rc = itemmatch_log_match(&p->log_inc, ctx, lr)) <= 0)
		return rc;
	if (p->log_exc.cfg->present && (rc = itemmatch_log_match(&p->log_exc, ctx, lr)) != 0)
		return rc < 0 ? rc : 0;
	return 1;
}

/* The bytes the sampler hashes: the trace id, or with attribute_source
 * record the attribute's bytes (pcommon's AsString for scalars). 1 with
 * *b, 0 when there is nothing to hash, -errno. */
static int log_randomness(struct chain_item_proc *p, struct spanctx *ctx, const struct otlp_log_record *lr,
			  struct otlp_bytes *b)
{
	if (!p->by_attr) {
		*b = lr->trace_id;
		return lr->trace_id.len > 0;
	}
	struct otlp_value v;
	int rc = spanctx_get(ctx, false, &p->from, &v);
	if (rc <= 0)
		return rc;
	if (v.type == OTLP_VALUE_BYTES)
		*b = v.u.b;
	else if ((rc = spanctx_value_str(ctx, &v, b)) < 0)
		return rc == -ENOTSUP ? 0 : rc; /* arrays, kvlists: nothing sluice hashes */
	return b->len > 0;
}

static int log_sample(struct chain_item_proc *p, struct spanctx *ctx, const struct otlp_log_record *lr)
{
	struct otlp_bytes b;
	int rc = log_randomness(p, ctx, lr, &b);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return !p->fail_closed;
	return sampler_keep(&p->sampler, b.p, b.len);
}

/* The processors on one record: 1 keep, 0 drop, -errno. */
static int log_record(struct chain_item *c, struct log_walk *x, struct otlp_bytes raw)
{
	struct spanctx *ctx = &c->ctx;
	struct otlp_log_record lr;
	int rc;
	chain_item_start(c, raw, OTLP_F_LOG_ATTRIBUTES);
	/* one pass decodes the record and indexes its attributes; the general
	 * decoder for a layout the fast one does not take */
	if (c->needs_decode && logscan_record(raw, &lr, ctx) > 0 && (rc = otlp_wire_log_record(raw, &lr)) < 0)
		return rc;
	for (size_t i = 0; i < c->n; i++) {
		struct chain_item_proc *p = &c->procs[i];
		int r = 1;
		p->in++;
		ctx->res_visible = p->res_after;
		switch (p->kind) {
		case CHAIN_ITEM_ATTRIBUTES:
			r = attrs_apply(&p->attrs, ctx) < 0 ? -EBADMSG : 1;
			break;
		case CHAIN_ITEM_FILTER_LOGS:
			r = log_filter(p, ctx, &lr);
			break;
		case CHAIN_ITEM_FILTER_OTTL: {
			struct chain_ottl_item it = { .c = ctx };
			ottl_access_item_init(&it.w, OTTL_CTX_LOG, c->resource, x->scope);
			it.w.log = &lr;
			r = chain_ottl_any(&p->ottl, &p->ottl.item, &it);
			r = r < 0 ? r : !r;
			break;
		}
		case CHAIN_ITEM_SAMPLER:
			r = log_sample(p, ctx, &lr);
			break;
		default: /* resource: done for the record; a filter with nothing for logs */
			break;
		}
		if (r < 0)
			return r;
		if (r == 0) {
			p->dropped++;
			return 0;
		}
		p->out++;
	}
	spanctx_span_end(ctx);
	return 1;
}

static int log_scope(struct chain_item *c, struct wform *w, void *arg, const uint8_t *start, size_t size,
		     struct otlp_bytes body)
{
	struct log_walk *x = arg;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint8_t *at = w->p, *mark;
	size_t slot = wform_vsize(body.len);
	uint64_t kept = 0;
	int rc;
	(void)start;
	(void)size;
	x->scope = (struct otlp_bytes){ NULL, 0 };
	if (c->needs_scope) {
		struct otlp_scope_spans ss; /* ScopeLogs has its shape */
		if ((rc = otlp_wire_scope_spans(body, &ss)) < 0)
			return rc;
		x->scope = ss.scope;
	}
	if ((rc = wform_open(w, OTLP_F_RL_SCOPE_LOGS, slot, &mark)))
		return rc;
	otlp_wire_reader_init(&r, body.p, body.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num != OTLP_F_SL_LOG_RECORDS) {
			if ((f.num == OTLP_F_SL_SCOPE || f.num == OTLP_F_SL_SCHEMA_URL) &&
			    f.wt != OTLP_WT_LEN)
				return -EPROTO;
			if ((rc = wform_put(w, f.start, f.size)))
				return rc;
			continue;
		}
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		x->r.in++;
		if ((rc = log_record(c, x, f.b)) < 0)
			return rc;
		if (rc == 0)
			continue;
		kept++;
		rc = c->scratch.n_attr
			     ? wform_item(w, OTLP_F_SL_LOG_RECORDS, f.b, OTLP_F_LOG_ATTRIBUTES, &c->scratch)
			     : wform_put(w, f.start, f.size);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (!kept) {
		w->p = at; /* an empty ScopeLogs is not worth sending */
		return 0;
	}
	x->r.kept += kept;
	return wform_close(w, mark, slot);
}

int64_t logchain_run(struct chain_item *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		     struct chain_item_result *res)
{
	struct log_walk x = { 0 };
	int64_t n = chain_item_write(c, in, len, out, cap, log_scope, &x);
	if (res)
		*res = x.r;
	if (n < 0)
		return n;
	return x.r.kept ? n : 0;
}
