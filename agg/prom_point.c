/* agg/prom_point.c: one OTLP data point: decoded (views, packed or
 * unpacked repeated fields), then stored into its series by the
 * Collector's rules (latest timestamp wins; aligned deltas add up). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agg/prom_int.h"

static int packed_or_one(const struct otlp_wire_field *f, uint32_t wt, void *dst, uint32_t *n, uint32_t max)
{
	uint64_t *d = dst;
	if (f->wt == wt) { /* unpacked: one value per field */
		if (*n >= max)
			return -E2BIG;
		d[(*n)++] = f->u64;
		return 0;
	}
	if (f->wt != OTLP_WT_LEN || f->b.len % 8)
		return -EBADMSG;
	for (size_t i = 0; i < f->b.len; i += 8) {
		if (*n >= max)
			return -E2BIG;
		uint64_t v;
		memcpy(&v, f->b.p + i, 8);
		d[(*n)++] = v;
	}
	return 0;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char x[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = x[p[i] >> 4];
		out[2 * i + 1] = x[p[i] & 15];
	}
	out[2 * n] = 0;
}

static int exemplar(struct prom_point *pt, struct otlp_bytes b)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	if (pt->n_ex == PROM_EXEMPLARS_MAX)
		return 0;
	struct prom_exemplar *e = &pt->ex[pt->n_ex];
	memset(e, 0, sizeof *e);
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == 2 && f.wt == OTLP_WT_I64)
			e->time_ns = f.u64;
		else if (f.num == 3 && f.wt == OTLP_WT_I64)
			memcpy(&e->value, &f.u64, 8);
		else if (f.num == 6 && f.wt == OTLP_WT_I64)
			e->value = (double)(int64_t)f.u64;
		else if (f.num == 4 && f.wt == OTLP_WT_LEN && f.b.len == 8)
			hex(e->span, f.b.p, 8);
		else if (f.num == 5 && f.wt == OTLP_WT_LEN && f.b.len == 16)
			hex(e->trace, f.b.p, 16);
	}
	if (rc < 0)
		return rc;
	pt->n_ex++;
	return 0;
}

static int quantile(struct prom_point *pt, struct otlp_bytes b)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	if (pt->n_q == PROM_QUANTILES_MAX)
		return -E2BIG;
	double *q = pt->q[pt->n_q++];
	q[0] = q[1] = 0;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if ((f.num == 1 || f.num == 2) && f.wt == OTLP_WT_I64)
			memcpy(&q[f.num - 1], &f.u64, 8);
	return rc;
}

/* Field numbers per point kind: attrs, exemplars, flags. */
static const uint32_t f_attrs[] = { 7, 7, 9, 1, 7 };
static const uint32_t f_ex[] = { 5, 5, 8, 11, 0 };
static const uint32_t f_flags[] = { 8, 8, 10, 10, 8 };

int prom_point_decode(int kind, struct otlp_bytes b, struct prom_point *pt)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	pt->start = pt->time = pt->count = 0;
	pt->flags = 0;
	pt->value = pt->sum = 0;
	pt->n_bounds = pt->n_counts = pt->n_q = pt->n_ex = 0;
	pt->scale = 0;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == 2 && f.wt == OTLP_WT_I64)
			pt->start = f.u64;
		else if (f.num == 3 && f.wt == OTLP_WT_I64)
			pt->time = f.u64;
		else if (f.num == f_flags[kind] && f.wt == OTLP_WT_VARINT)
			pt->flags = (uint32_t)f.u64;
		else if (f_ex[kind] && f.num == f_ex[kind] && f.wt == OTLP_WT_LEN)
			rc = exemplar(pt, f.b);
		else if (kind <= K_SUM && f.num == 4 && f.wt == OTLP_WT_I64)
			memcpy(&pt->value, &f.u64, 8);
		else if (kind <= K_SUM && f.num == 6 && f.wt == OTLP_WT_I64)
			pt->value = (double)(int64_t)f.u64;
		else if (kind > K_SUM && f.num == 4 && f.wt == OTLP_WT_I64)
			pt->count = f.u64;
		else if (kind > K_SUM && f.num == 5 && f.wt == OTLP_WT_I64)
			memcpy(&pt->sum, &f.u64, 8);
		else if (kind == K_HIST && f.num == 6)
			rc = packed_or_one(&f, OTLP_WT_I64, pt->counts, &pt->n_counts, PROM_BUCKETS_MAX + 1);
		else if (kind == K_HIST && f.num == 7)
			rc = packed_or_one(&f, OTLP_WT_I64, pt->bounds, &pt->n_bounds, PROM_BUCKETS_MAX);
		else if (kind == K_EXPO && f.num == 6 && f.wt == OTLP_WT_VARINT)
			pt->scale = (int32_t)((f.u64 >> 1) ^ (~(f.u64 & 1) + 1));
		else if (kind == K_SUMMARY && f.num == 6 && f.wt == OTLP_WT_LEN)
			rc = quantile(pt, f.b);
		if (rc < 0)
			return rc;
	}
	return rc;
}

static int set_arrays(struct prom_series *x, const struct prom_point *pt, int kind)
{
	uint32_t nb = kind == K_HIST ? pt->n_bounds : 0, nq = kind == K_SUMMARY ? pt->n_q : 0;
	size_t need_b = (size_t)nb + 2 * nq;
	if (need_b != (size_t)x->n_bounds + 2 * x->n_q || (!x->bounds && need_b)) {
		double *b = need_b ? realloc(x->bounds, need_b * sizeof *b) : NULL;
		uint64_t *c = nb ? realloc(x->counts, ((size_t)nb + 1) * sizeof *c) : NULL;
		if ((need_b && !b) || (nb && !c)) {
			if (b)
				x->bounds = b;
			if (c)
				x->counts = c;
			return -ENOMEM;
		}
		if (!need_b)
			free(x->bounds);
		if (!nb)
			free(x->counts);
		x->bounds = b;
		x->counts = c;
	}
	x->n_bounds = nb;
	x->n_q = nq;
	if (nb) {
		memcpy(x->bounds, pt->bounds, nb * sizeof(double));
		memcpy(x->counts, pt->counts, ((size_t)nb + 1) * sizeof(uint64_t));
	}
	for (uint32_t i = 0; i < nq; i++) {
		x->bounds[2 * i] = pt->q[i][0];
		x->bounds[2 * i + 1] = pt->q[i][1];
	}
	return 0;
}

static int same_bounds(const struct prom_series *x, const struct prom_point *pt)
{
	/* no bounds: both pointers may be NULL, which memcmp may not see */
	return x->n_bounds == pt->n_bounds &&
	       (!pt->n_bounds || !memcmp(x->bounds, pt->bounds, pt->n_bounds * sizeof(double)));
}

int prom_point_store(struct prom_series *x, const struct prom_point *pt, int kind, int delta, int fresh)
{
	if (!fresh && pt->time < x->time_ns)
		return 0; /* only the latest point counts */
	if (!fresh && delta && (kind == K_HIST || kind == K_EXPO) && pt->start != x->time_ns &&
	    pt->start <= x->time_ns)
		return 0; /* misaligned and overlapping: dropped, as the Collector does */
	int add = !fresh && delta && pt->start == x->time_ns &&
		  (kind == K_SUM || kind == K_EXPO || (kind == K_HIST && same_bounds(x, pt)));
	uint64_t start = add ? x->start_ns : pt->start;
	if (kind <= K_SUM) {
		x->value = add ? x->value + pt->value : pt->value;
	} else {
		x->value = add ? x->value + pt->sum : pt->sum;
		x->count = add ? x->count + pt->count : pt->count;
		if (add && kind == K_HIST) {
			/* no bounds, no counts array: the one bucket is count */
			for (uint32_t i = 0; pt->n_bounds && i <= pt->n_bounds; i++)
				x->counts[i] += pt->counts[i];
		} else if (set_arrays(x, pt, kind) < 0) {
			return 0;
		}
	}
	x->start_ns = start;
	x->time_ns = pt->time;
	x->n_ex = pt->n_ex;
	memcpy(x->ex, pt->ex, pt->n_ex * sizeof pt->ex[0]);
	return 1;
}

uint32_t prom_point_attrs_field(int kind)
{
	return f_attrs[kind];
}
