/* kvmatch.c: key/value lists matched against the overlay. */
#include "stages/kvmatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kvmatch_re(struct match_re *m, const struct sluice_regex *r, const char *fallback, char *err,
	       size_t errlen)
{
	if (r && r->posix)
		return match_re_compile_posix(m, r->posix, r->group_names, r->n_groups, err, errlen);
	return match_re_compile(m, fallback, err, errlen);
}

int kvmatch_compile(struct kvmatch *m, const struct sluice_kv *kvs, size_t n, enum sluice_match_type type,
		    bool resource, struct spanctx *c, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	if (!n)
		return 0;
	m->a = calloc(n, sizeof *m->a);
	if (!m->a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		struct kvmatch_kv *a = &m->a[i];
		a->kv = &kvs[i];
		if (spanctx_key_add(c, &a->key, resource, kvs[i].key, strlen(kvs[i].key)) < 0) {
			snprintf(err, errlen, "the processors name more than %d attribute keys",
				 SPANKEYS_CONFIG_MAX);
			return -ENOSPC;
		}
		if (type == SLUICE_MATCH_REGEXP && kvs[i].value.type == SLUICE_VALUE_STRING) {
			int rc = kvmatch_re(&a->re, &kvs[i].regex, kvs[i].value.s, err, errlen);
			if (rc < 0)
				return rc;
			a->has_re = true;
		}
	}
	return 0;
}

void kvmatch_free(struct kvmatch *m)
{
	for (size_t i = 0; m->a && i < m->n; i++)
		match_re_free(&m->a[i].re);
	free(m->a);
	memset(m, 0, sizeof *m);
}

bool kvmatch_text(enum sluice_match_type type, const char *s, const struct match_re *re, struct otlp_bytes t)
{
	switch (type) {
	case SLUICE_MATCH_REGEXP:
		return re && match_re_test(re, t.p, t.len);
	case SLUICE_MATCH_PREFIX: {
		size_t n = strlen(s);
		return t.len >= n && (n == 0 || memcmp(t.p, s, n) == 0);
	}
	default: {
		size_t n = strlen(s);
		return t.len == n && (n == 0 || memcmp(t.p, s, n) == 0);
	}
	}
}

/* Typed equality for strict matching. */
static bool kvmatch_value_eq(const struct sluice_value *want, const struct otlp_value *v)
{
	switch (want->type) {
	case SLUICE_VALUE_STRING:
		return v->type == OTLP_VALUE_STRING && v->u.b.len == want->s_len &&
		       (want->s_len == 0 || memcmp(v->u.b.p, want->s, want->s_len) == 0);
	case SLUICE_VALUE_INT:
		return (v->type == OTLP_VALUE_INT && v->u.i == want->i) ||
		       (v->type == OTLP_VALUE_DOUBLE && v->u.d == (double)want->i);
	case SLUICE_VALUE_DOUBLE:
		return (v->type == OTLP_VALUE_DOUBLE && v->u.d == want->d) ||
		       (v->type == OTLP_VALUE_INT && (double)v->u.i == want->d);
	case SLUICE_VALUE_BOOL:
		return v->type == OTLP_VALUE_BOOL && !!v->u.boolean == want->b;
	default:
		return true; /* NONE: existence was enough */
	}
}

int kvmatch_match(const struct kvmatch *m, bool resource, struct spanctx *c)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct sluice_kv *kv = m->a[i].kv;
		struct otlp_value v;
		int rc = spanctx_get(c, resource, &m->a[i].key, &v);
		if (rc <= 0)
			return rc;
		if (kv->value.type == SLUICE_VALUE_NONE)
			continue;
		bool ok;
		if (m->type == SLUICE_MATCH_STRICT) {
			ok = kvmatch_value_eq(&kv->value, &v);
		} else {
			struct otlp_bytes t;
			if (spanctx_value_str(c, &v, &t) < 0)
				return 0; /* arrays etc. have no text form here */
			if (kv->value.type != SLUICE_VALUE_STRING)
				ok = kvmatch_value_eq(&kv->value, &v);
			else
				ok = kvmatch_text(m->type, kv->value.s, m->a[i].has_re ? &m->a[i].re : NULL,
						  t);
		}
		if (!ok)
			return 0;
	}
	return 1;
}
