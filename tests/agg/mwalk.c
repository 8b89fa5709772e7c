/* tests/agg/mwalk.c: see mwalk.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mwalk.h"
#include "otlp/wire.h"

struct ctx {
	struct mw_point *out;
	int n, max;
	struct mw_point cur; /* metric-level fields filled, point fields per dp */
};

static void append(char *dst, size_t cap, const char *s)
{
	size_t l = strlen(dst);
	snprintf(dst + l, cap - l, "%s", s);
}

static int value_text(struct otlp_bytes av, char *buf, size_t cap)
{
	struct otlp_value v;
	if (otlp_wire_anyvalue(av, &v) < 0)
		return -1;
	switch (v.type) {
	case OTLP_VALUE_STRING:
		snprintf(buf, cap, "%.*s", (int)v.u.b.len, (const char *)v.u.b.p);
		break;
	case OTLP_VALUE_BOOL:
		snprintf(buf, cap, "%s", v.u.boolean ? "true" : "false");
		break;
	case OTLP_VALUE_INT:
		snprintf(buf, cap, "%" PRId64, v.u.i);
		break;
	case OTLP_VALUE_DOUBLE:
		snprintf(buf, cap, "%g", v.u.d);
		break;
	default:
		snprintf(buf, cap, "?");
	}
	return 0;
}

static int kv_text(struct otlp_bytes kvb, char *dst, size_t cap)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	struct otlp_bytes key = { 0 }, val = { 0 };
	char v[256], one[400];
	int rc;
	otlp_wire_reader_init(&r, kvb.p, kvb.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == 1 && f.wt == OTLP_WT_LEN)
			key = f.b;
		if (f.num == 2 && f.wt == OTLP_WT_LEN)
			val = f.b;
	}
	if (rc < 0 || value_text(val, v, sizeof v) < 0)
		return -1;
	snprintf(one, sizeof one, "%s%.*s=%s", dst[0] ? ";" : "", (int)key.len, (const char *)key.p, v);
	append(dst, cap, one);
	return 0;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static double dbl(uint64_t u)
{
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static int32_t unzig(uint64_t v)
{
	return (int32_t)((v >> 1) ^ (~(v & 1) + 1));
}

static int exemplar(struct mw_point *p, struct otlp_bytes b)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	uint32_t i = p->n_exemplars < 8 ? p->n_exemplars : 7;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == 5 && f.wt == OTLP_WT_LEN && f.b.len == 16)
			memcpy(p->ex_trace[i], f.b.p, 16);
		if (f.num == 3 && f.wt == OTLP_WT_I64)
			p->ex_value[i] = dbl(f.u64);
	}
	p->n_exemplars++;
	return rc;
}

static int buckets(struct mw_point *p, struct otlp_bytes b)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == 1 && f.wt == OTLP_WT_VARINT)
			p->offset = unzig(f.u64);
		if (f.num == 2 && f.wt == OTLP_WT_LEN) {
			const uint8_t *q = f.b.p, *end = f.b.p + f.b.len;
			uint64_t v;
			while (q < end && p->n_pos < 512) {
				if (otlp_wire_varint(&q, end, &v) < 0)
					return -1;
				p->pos[p->n_pos++] = v;
			}
		}
	}
	return rc;
}

static int point(struct ctx *c, struct otlp_bytes b)
{
	struct mw_point p = c->cur;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	/* field numbers per point type */
	uint32_t f_attrs = p.type == MW_HIST ? 9 : p.type == MW_EXPO ? 1 : 7;
	uint32_t f_ex = p.type == MW_HIST ? 8 : p.type == MW_EXPO ? 11 : 5;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == f_attrs && f.wt == OTLP_WT_LEN) {
			if (kv_text(f.b, p.attrs, sizeof p.attrs) < 0)
				return -1;
		} else if (f.num == f_ex && f.wt == OTLP_WT_LEN) {
			if (exemplar(&p, f.b) < 0)
				return -1;
		} else if (f.num == 2 && f.wt == OTLP_WT_I64) {
			p.start = f.u64;
		} else if (f.num == 3 && f.wt == OTLP_WT_I64) {
			p.time = f.u64;
		} else if (p.type == MW_SUM || p.type == MW_GAUGE) {
			if (f.num == 6 && f.wt == OTLP_WT_I64)
				p.count = f.u64;
			if (f.num == 4 && f.wt == OTLP_WT_I64)
				p.sum = dbl(f.u64);
		} else if (f.num == 4 && f.wt == OTLP_WT_I64) {
			p.count = f.u64;
		} else if (f.num == 5 && f.wt == OTLP_WT_I64) {
			p.sum = dbl(f.u64);
		} else if (p.type == MW_HIST && f.num == 6 && f.wt == OTLP_WT_LEN) {
			for (size_t i = 0; i + 8 <= f.b.len && p.n_buckets < 80; i += 8)
				p.buckets[p.n_buckets++] = le64(f.b.p + i);
		} else if (p.type == MW_HIST && f.num == 7 && f.wt == OTLP_WT_LEN) {
			for (size_t i = 0; i + 8 <= f.b.len && p.n_bounds < 80; i += 8)
				p.bounds[p.n_bounds++] = dbl(le64(f.b.p + i));
		} else if (p.type == MW_EXPO && f.num == 6 && f.wt == OTLP_WT_VARINT) {
			p.scale = unzig(f.u64);
		} else if (p.type == MW_EXPO && f.num == 7 && f.wt == OTLP_WT_I64) {
			p.zero = f.u64;
		} else if (p.type == MW_EXPO && f.num == 8 && f.wt == OTLP_WT_LEN) {
			if (buckets(&p, f.b) < 0)
				return -1;
		} else if (p.type == MW_EXPO && f.num == 12 && f.wt == OTLP_WT_I64) {
			p.min = dbl(f.u64);
			p.has_min = 1;
		} else if (p.type == MW_EXPO && f.num == 13 && f.wt == OTLP_WT_I64) {
			p.max = dbl(f.u64);
		}
	}
	if (rc < 0)
		return -1;
	if (c->n < c->max)
		c->out[c->n] = p;
	c->n++;
	return 0;
}

static int data(struct ctx *c, struct otlp_bytes b)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == 2 && f.wt == OTLP_WT_VARINT)
			c->cur.temporality = (int)f.u64;
		if (f.num == 3 && f.wt == OTLP_WT_VARINT)
			c->cur.monotonic = (int)f.u64;
	}
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (f.num == 1 && f.wt == OTLP_WT_LEN && point(c, f.b) < 0)
			return -1;
	return rc;
}

static int metric(struct ctx *c, struct otlp_bytes b)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	c->cur.metric[0] = c->cur.unit[0] = 0;
	c->cur.temporality = c->cur.monotonic = 0;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == 1 && f.wt == OTLP_WT_LEN)
			snprintf(c->cur.metric, sizeof c->cur.metric, "%.*s", (int)f.b.len, f.b.p);
		if (f.num == 3 && f.wt == OTLP_WT_LEN)
			snprintf(c->cur.unit, sizeof c->cur.unit, "%.*s", (int)f.b.len, f.b.p);
	}
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		int t = f.num == 5    ? MW_GAUGE
			: f.num == 7  ? MW_SUM
			: f.num == 9  ? MW_HIST
			: f.num == 10 ? MW_EXPO
				      : 0;
		if (t && f.wt == OTLP_WT_LEN) {
			c->cur.type = t;
			if (data(c, f.b) < 0)
				return -1;
		}
	}
	return rc;
}

static int scope_metrics(struct ctx *c, struct otlp_bytes b)
{
	struct otlp_wire_reader r, r2;
	struct otlp_wire_field f, g;
	int rc;
	c->cur.scope[0] = 0;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == 1 && f.wt == OTLP_WT_LEN) {
			otlp_wire_reader_init(&r2, f.b.p, f.b.len);
			while (otlp_wire_next(&r2, &g) > 0)
				if (g.num == 1 && g.wt == OTLP_WT_LEN)
					snprintf(c->cur.scope, sizeof c->cur.scope, "%.*s", (int)g.b.len,
						 g.b.p);
		}
		if (f.num == 2 && f.wt == OTLP_WT_LEN && metric(c, f.b) < 0)
			return -1;
	}
	return rc;
}

static int resource_metrics(struct ctx *c, struct otlp_bytes b)
{
	struct otlp_wire_reader r, r2;
	struct otlp_wire_field f, g;
	int rc;
	memset(&c->cur, 0, sizeof c->cur);
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == 1 && f.wt == OTLP_WT_LEN) {
			otlp_wire_reader_init(&r2, f.b.p, f.b.len);
			while (otlp_wire_next(&r2, &g) > 0)
				if (g.num == 1 && g.wt == OTLP_WT_LEN &&
				    kv_text(g.b, c->cur.res, sizeof c->cur.res) < 0)
					return -1;
		}
	}
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (f.num == 2 && f.wt == OTLP_WT_LEN && scope_metrics(c, f.b) < 0)
			return -1;
	return rc;
}

int mw_decode(const uint8_t *buf, size_t len, struct mw_point *out, int max)
{
	static struct ctx c; /* big (a point template); tests are single-threaded */
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	c.out = out;
	c.n = 0;
	c.max = max;
	otlp_wire_reader_init(&r, buf, len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (f.num == 1 && f.wt == OTLP_WT_LEN && resource_metrics(&c, f.b) < 0)
			return -1;
	return rc < 0 ? -1 : c.n;
}

const struct mw_point *mw_find(const struct mw_point *p, int n, const char *metric, const char *attrs)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(p[i].metric, metric) && !strcmp(p[i].attrs, attrs))
			return &p[i];
	return NULL;
}
