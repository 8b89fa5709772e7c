/* chain_ottl.c: OTTL condition lists over the edit overlay. */
#include "stages/chain_ottl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"

bool chain_ottl_present(const struct sluice_filter *cfg, enum sluice_signal signal)
{
	switch (signal) {
	case SLUICE_SIGNAL_TRACES:
		return cfg->span.n || cfg->spanevent.n;
	case SLUICE_SIGNAL_LOGS:
		return cfg->log_record.n;
	default:
		return cfg->metric.n || cfg->datapoint.n;
	}
}

/* Which maps the overlay answers: the item's own attributes (not a span
 * event's: no processor edits those), the event's span's, the resource's. */
static bool overlay_map(enum ottl_context ctx, enum ottl_map m)
{
	return m == OTTL_MAP_RESOURCE || m == OTTL_MAP_SPAN ||
	       (m == OTTL_MAP_ITEM && ctx != OTTL_CTX_SPANEVENT);
}

static bool reads_scope(const struct ottl_cond *c)
{
	for (uint16_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].kind == OTTL_N_FIELD &&
		    (c->nodes[i].arg == OTTL_F_SCOPE_NAME || c->nodes[i].arg == OTTL_F_SCOPE_VERSION))
			return true;
	for (uint16_t i = 0; i < c->n_keys; i++)
		if (c->keys[i].map == OTTL_MAP_SCOPE)
			return true;
	return false;
}

static int list_init(struct chain_ottl *o, struct chain_ottl_list *l, const struct sluice_ottl_list *cfg,
		     enum ottl_context ctx, struct spanctx *c, char *err, size_t errlen)
{
	l->ctx = ctx;
	if (!cfg->n)
		return 0;
	l->c = calloc(cfg->n, sizeof *l->c);
	if (!l->c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n; i++) {
		struct chain_ottl_cond *k = &l->c[i];
		const struct ottl_cond *cond = cfg->items[i].parsed;
		k->cfg = &cfg->items[i];
		if (!cond) {
			snprintf(err, errlen, "condition \"%s\" was not parsed", cfg->items[i].text);
			return -EINVAL;
		}
		int rc = ottl_eval_init(&k->ev, cond, err, errlen);
		if (rc < 0)
			return rc;
		l->n = i + 1;
		k->keys = calloc(k->ev.n_keys ? k->ev.n_keys : 1, sizeof *k->keys);
		if (!k->keys) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		for (size_t j = 0; j < k->ev.n_keys; j++) {
			struct ottl_eval_key *ek = &k->ev.keys[j];
			if (!overlay_map(ctx, ek->map))
				continue; /* read from the wire: bound stays NULL */
			if (spanctx_key_add(c, &k->keys[j], ek->map == OTTL_MAP_RESOURCE, (const char *)ek->s,
					    ek->len) < 0) {
				snprintf(err, errlen, "the processors name more than %d attribute keys",
					 SPANKEYS_CONFIG_MAX);
				return -ENOSPC;
			}
			ek->bound = &k->keys[j];
		}
		o->needs_scope |= reads_scope(cond);
	}
	return 0;
}

int chain_ottl_init(struct chain_ottl *o, const struct sluice_processor *cfg, enum sluice_signal signal,
		    struct spanctx *c, char *err, size_t errlen)
{
	const struct sluice_filter *f = &cfg->filter;
	int rc;
	memset(o, 0, sizeof *o);
	o->mode = f->error_mode;
	o->id = cfg->id;
	switch (signal) {
	case SLUICE_SIGNAL_TRACES:
		rc = list_init(o, &o->item, &f->span, OTTL_CTX_SPAN, c, err, errlen);
		return rc ? rc : list_init(o, &o->sub, &f->spanevent, OTTL_CTX_SPANEVENT, c, err, errlen);
	case SLUICE_SIGNAL_LOGS:
		return list_init(o, &o->item, &f->log_record, OTTL_CTX_LOG, c, err, errlen);
	default:
		rc = list_init(o, &o->item, &f->metric, OTTL_CTX_METRIC, c, err, errlen);
		return rc ? rc : list_init(o, &o->sub, &f->datapoint, OTTL_CTX_DATAPOINT, c, err, errlen);
	}
}

static void list_free(struct chain_ottl_list *l)
{
	for (size_t i = 0; l->c && i < l->n; i++) {
		ottl_eval_free(&l->c[i].ev);
		free(l->c[i].keys);
	}
	free(l->c);
	l->c = NULL;
	l->n = 0;
}

void chain_ottl_free(struct chain_ottl *o)
{
	list_free(&o->item);
	list_free(&o->sub);
}

static __attribute__((noinline)) int chain_ottl_error(struct chain_ottl *o, const struct chain_ottl_cond *k,
						      int rc)
{
	if (o->errors++ == 0 && o->mode != SLUICE_ERROR_MODE_SILENT)
		log_msg(o->mode == SLUICE_ERROR_MODE_PROPAGATE ? LOG_WARN : LOG_INFO,
			"processor %s: condition \"%s\" (line %u): %s; error_mode %s%s", o->id, k->cfg->text,
			k->cfg->line, strerror(-rc),
			o->mode == SLUICE_ERROR_MODE_PROPAGATE ? "propagate: the record is dropped"
							       : "ignore: the condition is false",
			" (logged once)");
	return o->mode == SLUICE_ERROR_MODE_PROPAGATE ? rc : 0;
}

int chain_ottl_any(struct chain_ottl *o, const struct chain_ottl_list *l, struct chain_ottl_item *it)
{
	for (size_t i = 0; i < l->n; i++) {
		int r = ottl_eval_run(&l->c[i].ev, &chain_ottl_access, it);
		if (r < 0)
			r = chain_ottl_error(o, &l->c[i], r);
		if (r != 0)
			return r;
	}
	return 0;
}

static int access_attr(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	struct chain_ottl_item *it = item;
	const struct spanctx_key *sk = k->bound;
	struct otlp_value v;
	if (!sk)
		return ottl_access_attr(&it->w, k->map, k->s, k->len, out);
	int rc = spanctx_get(it->c, k->map == OTTL_MAP_RESOURCE, sk, &v);
	if (rc <= 0) {
		out->type = OTTL_NIL;
		return rc;
	}
	ottl_access_value(&v, out);
	return 0;
}

static int access_field(void *item, enum ottl_field f, struct ottl_value *out)
{
	struct chain_ottl_item *it = item;
	if (f == OTTL_F_SPAN_NAME && it->c->span) { /* a rename before us shows */
		struct otlp_bytes n = spanctx_name(it->c);
		out->type = OTTL_STRING;
		out->u.s.p = n.p;
		out->u.s.len = n.len;
		return 0;
	}
	return ottl_access_field(&it->w, f, out);
}

const struct ottl_eval_accessor chain_ottl_access = { access_attr, access_field };
