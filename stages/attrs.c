/* attrs.c: attribute actions over the spanctx overlay. */
#include "stages/attrs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/sha256.h"

static void attrs_const_value(struct otlp_value *v, const struct sluice_value *s)
{
	memset(v, 0, sizeof *v);
	switch (s->type) {
	case SLUICE_VALUE_STRING:
		v->type = OTLP_VALUE_STRING;
		v->u.b.p = (const uint8_t *)s->s;
		v->u.b.len = s->s_len;
		break;
	case SLUICE_VALUE_INT:
		v->type = OTLP_VALUE_INT;
		v->u.i = s->i;
		break;
	case SLUICE_VALUE_DOUBLE:
		v->type = OTLP_VALUE_DOUBLE;
		v->u.d = s->d;
		break;
	case SLUICE_VALUE_BOOL:
		v->type = OTLP_VALUE_BOOL;
		v->u.boolean = s->b;
		break;
	default:
		v->type = OTLP_VALUE_EMPTY;
	}
}

int attrs_init(struct attrs *a, const struct sluice_attributes *cfg, bool resource,
	       char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	a->resource = resource;
	a->n = cfg->n_actions;
	a->acts = calloc(a->n ? a->n : 1, sizeof *a->acts);
	if (!a->acts) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->n; i++) {
		struct attrs_action *x = &a->acts[i];
		const struct sluice_action *c = &cfg->actions[i];
		x->cfg = c;
		x->klen = c->key ? strlen(c->key) : 0;
		x->from_len = c->from_attribute ? strlen(c->from_attribute) : 0;
		attrs_const_value(&x->value, &c->value);
		if (c->has_pattern) {
			int rc = match_re_compile_posix(&x->re, c->pattern.posix, c->pattern.group_names,
							c->pattern.n_groups, err, errlen);
			if (rc < 0)
				return rc;
		}
		if (!c->key && !c->has_pattern) {
			snprintf(err, errlen, "action %zu has neither key nor pattern", i);
			return -EINVAL;
		}
	}
	if (!resource) {
		int rc = matchprops_compile(&a->include, &cfg->include, err, errlen);
		if (!rc)
			rc = matchprops_compile(&a->exclude, &cfg->exclude, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The value insert/update/upsert would write; 1 with *v, 0 = nothing. */
static int attrs_source(const struct attrs *a, const struct attrs_action *x,
			struct spanctx *c, struct otlp_value *v)
{
	if (!x->cfg->from_attribute) {
		*v = x->value;
		return v->type != OTLP_VALUE_EMPTY;
	}
	int rc = spanctx_attr(c, a->resource, x->cfg->from_attribute, x->from_len, v);
	if (rc <= 0)
		return rc;
	if (!attrs_copyable(v)) {
		c->overflows++; /* a KeyValue without a value: see attrs.h */
		return 0;
	}
	return 1;
}

static int attrs_hash_value(struct spanctx *c, bool resource, const char *key, size_t klen,
			    const struct otlp_value *old)
{
	struct otlp_bytes text;
	if (spanctx_value_str(c, old, &text) < 0)
		return 0; /* nothing we can hash as text */
	uint8_t *hex = spanctx_alloc(c, SHA256_HEX_LEN + 1);
	if (!hex) {
		c->overflows++;
		return 0;
	}
	sha256_hex(text.p, text.len, (char *)hex);
	struct otlp_value v = { .type = OTLP_VALUE_STRING };
	v.u.b.p = hex;
	v.u.b.len = SHA256_HEX_LEN;
	spanctx_set(c, resource, key, klen, &v);
	return 0;
}

struct attrs_walk {
	const struct attrs_action *x;
	bool resource;
};

/* Pattern delete / hash: every visible key the pattern matches. */
static int attrs_walk_fn(void *arg, struct spanctx *c, struct otlp_bytes key,
			 const struct otlp_value *v)
{
	struct attrs_walk *w = arg;
	if (!match_re_test(&w->x->re, key.p, key.len))
		return 0;
	if (w->x->cfg->action == SLUICE_ACTION_DELETE)
		spanctx_del(c, w->resource, (const char *)key.p, key.len);
	else
		attrs_hash_value(c, w->resource, (const char *)key.p, key.len, v);
	return 0;
}

static int attrs_extract(const struct attrs *a, const struct attrs_action *x, struct spanctx *c)
{
	struct otlp_value v;
	int rc = spanctx_attr(c, a->resource, x->cfg->key, x->klen, &v);
	if (rc <= 0 || v.type != OTLP_VALUE_STRING)
		return rc < 0 ? rc : 0;
	regmatch_t g[MATCH_MAX_GROUPS + 1];
	if (!match_re_exec(&x->re, v.u.b.p, v.u.b.len, g))
		return 0;
	for (unsigned i = 1; i <= x->re.ngroups; i++) {
		const char *name = x->re.names[i];
		if (!name[0] || g[i].rm_so < 0)
			continue;
		struct otlp_value s = { .type = OTLP_VALUE_STRING };
		s.u.b.p = v.u.b.p + g[i].rm_so;
		s.u.b.len = (size_t)(g[i].rm_eo - g[i].rm_so);
		spanctx_set(c, a->resource, name, strlen(name), &s);
	}
	return 0;
}

static int attrs_one(const struct attrs *a, const struct attrs_action *x, struct spanctx *c)
{
	const char *key = x->cfg->key;
	struct otlp_value cur, v;
	int rc;
	switch (x->cfg->action) {
	case SLUICE_ACTION_INSERT:
	case SLUICE_ACTION_UPDATE:
		rc = spanctx_attr(c, a->resource, key, x->klen, &cur);
		if (rc < 0)
			return rc;
		if ((rc == 1) != (x->cfg->action == SLUICE_ACTION_UPDATE))
			return 0;
		/* fall through */
	case SLUICE_ACTION_UPSERT:
		rc = attrs_source(a, x, c, &v);
		if (rc <= 0)
			return rc;
		spanctx_set(c, a->resource, key, x->klen, &v);
		return 0;
	case SLUICE_ACTION_DELETE:
	case SLUICE_ACTION_HASH:
		if (x->cfg->has_pattern) {
			struct attrs_walk w = { x, a->resource };
			return spanctx_each_attr(c, a->resource, attrs_walk_fn, &w);
		}
		if (x->cfg->action == SLUICE_ACTION_DELETE) {
			spanctx_del(c, a->resource, key, x->klen);
			return 0;
		}
		rc = spanctx_attr(c, a->resource, key, x->klen, &cur);
		if (rc <= 0)
			return rc;
		return attrs_hash_value(c, a->resource, key, x->klen, &cur);
	case SLUICE_ACTION_EXTRACT:
		return attrs_extract(a, x, c);
	}
	return 0;
}

int attrs_apply(struct attrs *a, struct spanctx *c)
{
	int rc;
	if (!a->resource) {
		if (a->include.cfg && a->include.cfg->present) {
			if ((rc = matchprops_match(&a->include, c)) <= 0)
				return rc;
		}
		if (a->exclude.cfg && a->exclude.cfg->present) {
			if ((rc = matchprops_match(&a->exclude, c)) != 0)
				return rc < 0 ? rc : 0;
		}
	}
	for (size_t i = 0; i < a->n; i++)
		if ((rc = attrs_one(a, &a->acts[i], c)) < 0)
			return rc;
	return 0;
}

void attrs_free(struct attrs *a)
{
	for (size_t i = 0; a->acts && i < a->n; i++)
		match_re_free(&a->acts[i].re);
	free(a->acts);
	matchprops_free(&a->include);
	matchprops_free(&a->exclude);
	memset(a, 0, sizeof *a);
}
