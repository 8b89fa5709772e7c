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

/* Registers the keys action x names. */
static int attrs_keys(struct attrs_action *x, bool resource, struct spanctx *c, char *err, size_t errlen)
{
	const struct sluice_action *cfg = x->cfg;
	int rc = 0;
	if (cfg->key)
		rc = spanctx_key_add(c, &x->key, resource, cfg->key, strlen(cfg->key));
	if (!rc && cfg->from_attribute)
		rc = spanctx_key_add(c, &x->from, resource, cfg->from_attribute, strlen(cfg->from_attribute));
	for (unsigned g = 1; !rc && cfg->has_pattern && g <= x->re.ngroups; g++)
		if (x->re.names[g][0])
			rc = spanctx_key_add(c, &x->group[g], resource, x->re.names[g],
					     strlen(x->re.names[g]));
	if (rc)
		snprintf(err, errlen, "the processors name more than %d attribute keys", SPANKEYS_CONFIG_MAX);
	return rc;
}

int attrs_init(struct attrs *a, const struct sluice_attributes *cfg, bool resource, struct spanctx *c,
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
		const struct sluice_action *ac = &cfg->actions[i];
		x->cfg = ac;
		x->action = ac->action;
		attrs_const_value(&x->value, &ac->value);
		if (ac->has_pattern) {
			int rc = match_re_compile_posix(&x->re, ac->pattern.posix, ac->pattern.group_names,
							ac->pattern.n_groups, err, errlen);
			if (rc < 0)
				return rc;
		}
		if (!ac->key && !ac->has_pattern) {
			snprintf(err, errlen, "action %zu has neither key nor pattern", i);
			return -EINVAL;
		}
		int rc = attrs_keys(x, resource, c, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (!resource) {
		int rc = matchprops_compile(&a->include, &cfg->include, c, err, errlen);
		if (!rc)
			rc = matchprops_compile(&a->exclude, &cfg->exclude, c, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The value insert/update/upsert would write; 1 with *v, 0 = nothing. */
static int attrs_source(const struct attrs *a, const struct attrs_action *x, struct spanctx *c,
			struct otlp_value *v)
{
	if (!x->cfg->from_attribute) {
		*v = x->value;
		return v->type != OTLP_VALUE_EMPTY;
	}
	int rc = spanctx_get(c, a->resource, &x->from, v);
	if (rc <= 0)
		return rc;
	if (!attrs_copyable(v)) {
		c->overflows++; /* a KeyValue without a value: see attrs.h */
		return 0;
	}
	return 1;
}

/* The SHA-256 hex of old's text form in *v: 1, or 0 (nothing to hash). */
static int attrs_hash_value(struct spanctx *c, const struct otlp_value *old, struct otlp_value *v)
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
	memset(v, 0, sizeof *v);
	v->type = OTLP_VALUE_STRING;
	v->u.b.p = hex;
	v->u.b.len = SHA256_HEX_LEN;
	return 1;
}

struct attrs_walk {
	const struct attrs_action *x;
	bool resource;
};

/* Pattern delete / hash: every visible key the pattern matches. */
static int attrs_walk_fn(void *arg, struct spanctx *c, struct otlp_bytes key, const struct otlp_value *v)
{
	struct attrs_walk *w = arg;
	if (!match_re_test(&w->x->re, key.p, key.len))
		return 0;
	struct otlp_value h;
	if (w->x->cfg->action == SLUICE_ACTION_DELETE)
		spanctx_put_bytes(c, w->resource, key, NULL);
	else if (attrs_hash_value(c, v, &h))
		spanctx_put_bytes(c, w->resource, key, &h);
	return 0;
}

static int attrs_extract(const struct attrs *a, const struct attrs_action *x, struct spanctx *c)
{
	struct otlp_value v;
	int rc = spanctx_get(c, a->resource, &x->key, &v);
	if (rc <= 0 || v.type != OTLP_VALUE_STRING)
		return rc < 0 ? rc : 0;
	regmatch_t g[MATCH_MAX_GROUPS + 1];
	if (!match_re_exec(&x->re, v.u.b.p, v.u.b.len, g))
		return 0;
	for (unsigned i = 1; i <= x->re.ngroups; i++) {
		if (!x->re.names[i][0] || g[i].rm_so < 0)
			continue;
		struct otlp_value s = { .type = OTLP_VALUE_STRING };
		s.u.b.p = v.u.b.p + g[i].rm_so;
		s.u.b.len = (size_t)(g[i].rm_eo - g[i].rm_so);
		spanctx_put(c, a->resource, &x->group[i], &s);
	}
	return 0;
}

static int attrs_one(const struct attrs *a, const struct attrs_action *x, struct spanctx *c)
{
	struct otlp_value cur, v;
	int rc;
	switch (x->action) {
	case SLUICE_ACTION_INSERT:
	case SLUICE_ACTION_UPDATE:
		rc = spanctx_get(c, a->resource, &x->key, &cur);
		if (rc < 0)
			return rc;
		if ((rc == 1) != (x->action == SLUICE_ACTION_UPDATE))
			return 0;
		/* fall through */
	case SLUICE_ACTION_UPSERT:
		rc = attrs_source(a, x, c, &v);
		if (rc <= 0)
			return rc;
		spanctx_put(c, a->resource, &x->key, &v);
		return 0;
	case SLUICE_ACTION_DELETE:
	case SLUICE_ACTION_HASH:
		if (x->cfg->has_pattern) {
			struct attrs_walk w = { x, a->resource };
			return spanctx_each_attr(c, a->resource, attrs_walk_fn, &w);
		}
		if (x->cfg->action == SLUICE_ACTION_DELETE) {
			spanctx_put(c, a->resource, &x->key, NULL);
			return 0;
		}
		rc = spanctx_get(c, a->resource, &x->key, &cur);
		if (rc <= 0)
			return rc;
		if (attrs_hash_value(c, &cur, &v))
			spanctx_put(c, a->resource, &x->key, &v);
		return 0;
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
