/* agg/prom_labels.c: the label set of one point, rendered once into a
 * sorted `name="value",...` string that both identifies the series and is
 * written as is on every scrape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/prom_int.h"

enum {
	P_RES = 0,
	P_DP = 1,
	P_SCOPE = 2,
	P_TARGET = 3,
	P_CONST = 4
};

static char *arena_take(struct prom_lset *ls, size_t n)
{
	if (ls->cap - ls->used < n + 1) {
		ls->full = 1;
		return NULL;
	}
	char *p = ls->arena + ls->used;
	ls->used += n + 1;
	return p;
}

static void add(struct prom_lset *ls, const char *name, size_t nlen, const char *val, size_t vlen,
		uint32_t prio)
{
	if (ls->n == PROM_LABELS_MAX) {
		ls->full = 1;
		return;
	}
	ls->l[ls->n] = (struct prom_lab){ name, val, (uint32_t)nlen, (uint32_t)vlen, prio, ls->n };
	ls->n++;
}

/* A KeyValue as a label: sanitised name (with prefix), value as text. */
static void add_kv(struct prom_lset *ls, struct otlp_bytes kvb, const char *prefix, uint32_t prio)
{
	struct otlp_kv kv;
	char key[512];
	if (otlp_wire_kv(kvb, &kv) < 0 || !kv.key.len)
		return;
	size_t pl = strlen(prefix);
	if (pl + kv.key.len >= sizeof key)
		return;
	memcpy(key, prefix, pl);
	memcpy(key + pl, kv.key.p, kv.key.len);
	char *name = arena_take(ls, (pl + kv.key.len) * 3 + 8);
	if (!name)
		return;
	size_t nl = prom_label_name((struct otlp_bytes){ (const uint8_t *)key, pl + kv.key.len }, name,
				    (pl + kv.key.len) * 3 + 8);
	if (!nl)
		return;
	size_t room = ls->cap - ls->used;
	if (room < 128) {
		ls->full = 1;
		return;
	}
	char *val = ls->arena + ls->used;
	size_t vl = prom_value_text(&kv.value, val, room - 1, 0);
	ls->used += vl + 1;
	add(ls, name, nl, val, vl, prio);
}

static void add_attrs(struct prom_lset *ls, struct otlp_bytes msg, uint32_t field, const char *prefix,
		      uint32_t prio)
{
	struct otlp_wire_iter it;
	struct otlp_bytes kv;
	otlp_wire_iter_init(&it, msg, field);
	while (otlp_wire_iter_next(&it, &kv) > 0)
		add_kv(ls, kv, prefix, prio);
}

static int cmp_lab(const void *x, const void *y)
{
	const struct prom_lab *a = x, *b = y;
	uint32_t n = a->nlen < b->nlen ? a->nlen : b->nlen;
	int c = memcmp(a->name, b->name, n);
	if (c)
		return c;
	if (a->nlen != b->nlen)
		return a->nlen < b->nlen ? -1 : 1;
	return a->order < b->order ? -1 : 1;
}

/* Label value escaping (text and OpenMetrics alike), invalid UTF-8 as
 * U+FFFD so the exposition stays valid text. */
static size_t escape(char *out, size_t cap, const char *v, size_t n)
{
	size_t k = 0;
	const uint8_t *p = (const uint8_t *)v;
	for (size_t i = 0; i < n && k + 8 < cap;) {
		uint8_t c = p[i];
		if (c == '\\' || c == '"') {
			out[k++] = '\\';
			out[k++] = (char)c;
			i++;
		} else if (c == '\n') {
			out[k++] = '\\';
			out[k++] = 'n';
			i++;
		} else if (c < 0x80) {
			out[k++] = (char)c;
			i++;
		} else {
			size_t len = prom_utf8_len(p + i, n - i);
			if (len) {
				memcpy(out + k, p + i, len);
				k += len;
				i += len;
			} else {
				memcpy(out + k, "\xef\xbf\xbd", 3);
				k += 3;
				i++;
			}
		}
	}
	return k;
}

/* Sorts, settles names given twice (the higher source wins; the same
 * source joins its values with ';'), renders into out. */
static long render(struct prom_lset *ls, char *out, size_t cap)
{
	if (ls->full)
		return -1;
	qsort(ls->l, ls->n, sizeof ls->l[0], cmp_lab);
	size_t k = 0;
	for (uint32_t i = 0; i < ls->n;) {
		uint32_t j = i, top = 0;
		while (j < ls->n && ls->l[j].nlen == ls->l[i].nlen &&
		       !memcmp(ls->l[j].name, ls->l[i].name, ls->l[i].nlen)) {
			if (ls->l[j].prio > top)
				top = ls->l[j].prio;
			j++;
		}
		if (k + ls->l[i].nlen + 8 > cap)
			return -1;
		size_t start = k;
		k += (size_t)snprintf(out + k, cap - k, "%s%.*s=\"", k ? "," : "", (int)ls->l[i].nlen,
				      ls->l[i].name);
		int first = 1, any = 0;
		for (uint32_t m = i; m < j; m++) {
			if (ls->l[m].prio != top)
				continue;
			if (!first && k + 1 < cap)
				out[k++] = ';';
			first = 0;
			any |= ls->l[m].vlen > 0;
			if (k + ls->l[m].vlen * 2 + 16 > cap)
				return -1;
			k += escape(out + k, cap - k, ls->l[m].val, ls->l[m].vlen);
		}
		out[k++] = '"';
		if (!any)
			k = start; /* an empty value is no label (Prometheus semantics) */
		i = j;
	}
	out[k] = 0;
	return (long)k;
}

static int res_str(struct otlp_bytes res, const char *key, struct otlp_bytes *out)
{
	struct otlp_value v;
	if (otlp_wire_find_attr(res, OTLP_F_RESOURCE_ATTRIBUTES, key, strlen(key), &v) <= 0)
		return 0;
	if (v.type != OTLP_VALUE_STRING)
		return 0;
	*out = v.u.b;
	return 1;
}

/* job (service.namespace/service.name) and instance (service.instance.id) */
static void add_target(struct prom_lset *ls, struct otlp_bytes res)
{
	struct otlp_bytes name, ns, inst;
	if (res_str(res, "service.name", &name)) {
		char *job = arena_take(ls, name.len + 1 + 256);
		if (!job)
			return;
		int has_ns = res_str(res, "service.namespace", &ns) && ns.len < 256;
		int n = has_ns ? snprintf(job, name.len + 257, "%.*s/%.*s", (int)ns.len, ns.p, (int)name.len,
					  name.p)
			       : snprintf(job, name.len + 257, "%.*s", (int)name.len, name.p);
		add(ls, "job", 3, job, (size_t)n, P_TARGET);
	}
	if (res_str(res, "service.instance.id", &inst))
		add(ls, "instance", 8, (const char *)inst.p, inst.len, P_TARGET);
}

long prom_point_labels(struct prom_store *s, const struct prom_attrs *a)
{
	struct prom_lset *ls = &s->ls;
	ls->n = 0;
	ls->used = 0;
	ls->full = 0;
	ls->arena = s->sbuf;
	ls->cap = sizeof s->sbuf;
	if (s->c.resource_to_telemetry)
		add_attrs(ls, a->res, OTLP_F_RESOURCE_ATTRIBUTES, "", P_RES);
	add_attrs(ls, a->dp, a->dp_field, "", P_DP);
	add_attrs(ls, a->scope, OTLP_F_SCOPE_ATTRIBUTES, "otel_scope_", P_DP);
	if (a->scope_name.len)
		add(ls, "otel_scope_name", 15, (const char *)a->scope_name.p, a->scope_name.len, P_SCOPE);
	if (a->scope_version.len)
		add(ls, "otel_scope_version", 18, (const char *)a->scope_version.p, a->scope_version.len,
		    P_SCOPE);
	if (a->scope_schema.len)
		add(ls, "otel_scope_schema_url", 21, (const char *)a->scope_schema.p, a->scope_schema.len,
		    P_SCOPE);
	add_target(ls, a->res);
	for (uint32_t i = 0; i < s->c.n_const_labels; i++)
		add(ls, s->cl[i].name, strlen(s->cl[i].name), s->cl[i].value, strlen(s->cl[i].value),
		    P_CONST);
	return render(ls, s->lbuf, sizeof s->lbuf);
}

long prom_target_labels(struct prom_store *s, struct otlp_bytes res)
{
	struct prom_lset *ls = &s->ls;
	ls->n = 0;
	ls->used = 0;
	ls->full = 0;
	ls->arena = s->sbuf;
	ls->cap = sizeof s->sbuf;
	add_target(ls, res);
	if (!ls->n)
		return 0;
	struct otlp_wire_iter it;
	struct otlp_bytes kvb;
	otlp_wire_iter_init(&it, res, OTLP_F_RESOURCE_ATTRIBUTES);
	while (otlp_wire_iter_next(&it, &kvb) > 0) {
		struct otlp_kv kv;
		if (otlp_wire_kv(kvb, &kv) < 0)
			continue;
#define IS(k) (kv.key.len == sizeof k - 1 && !memcmp(kv.key.p, k, sizeof k - 1))
		if (IS("service.name") || IS("service.namespace") || IS("service.instance.id"))
			continue;
#undef IS
		add_kv(ls, kvb, "", P_RES);
	}
	return render(ls, s->tbuf, sizeof s->tbuf);
}
