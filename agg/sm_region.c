/* agg/sm_region.c: params, sizing, formatting and attaching the region. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/sm_layout.h"

static const double default_bounds_ms[] = {
	2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000,
};

#define RPEND_MAX 64u

static uint32_t or_default(uint32_t v, uint32_t d)
{
	return v ? v : d;
}
static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

int agg_params_check(const struct agg_params *p, char *err, size_t errlen)
{
	char tmp[8];
	if (!err) {
		err = tmp;
		errlen = sizeof tmp;
	}
#define BAD(...)                                    \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                     \
	} while (0)
	if (p->n_dims > AGG_DIMS_MAX)
		BAD("dimensions: at most %d", AGG_DIMS_MAX);
	for (uint32_t i = 0; i < p->n_dims; i++)
		if (!p->dims[i].name || !p->dims[i].name[0])
			BAD("dimensions[%u]: name is empty", i);
	if (p->n_resource_keys > AGG_RES_KEYS_MAX)
		BAD("resource_metrics_key_attributes: at most %d", AGG_RES_KEYS_MAX);
	for (uint32_t i = 0; i < p->n_resource_keys; i++)
		if (!p->resource_keys[i])
			BAD("resource_metrics_key_attributes[%u]: missing", i);
	if (p->unit != AGG_UNIT_MS && p->unit != AGG_UNIT_S)
		BAD("histogram.unit: ms or s");
	if (p->hist > AGG_HIST_DISABLED)
		BAD("histogram: explicit, exponential or disabled");
	if (p->bounds && (p->n_bounds == 0 || p->n_bounds > AGG_BOUNDS_MAX))
		BAD("histogram.explicit.buckets: 1 to %d bounds", AGG_BOUNDS_MAX);
	for (uint32_t i = 1; p->bounds && i < p->n_bounds; i++)
		if (!(p->bounds[i] > p->bounds[i - 1]))
			BAD("histogram.explicit.buckets: must increase (%u)", i);
	if (p->expo_max_size && (p->expo_max_size < 2 || p->expo_max_size > 4096))
		BAD("histogram.exponential.max_size: 2 to 4096");
	if (p->exemplars_max > 64)
		BAD("exemplars.max_per_data_point: at most 64");
	if (p->key_bytes > 65536 || p->resource_bytes > (1u << 20))
		BAD("key or resource bytes too large");
	if (p->max_series > (1u << 26) || p->max_resources > (1u << 20))
		BAD("capacity too large");
	if (p->delta_cache_size > (1u << 24))
		BAD("delta_temporality.metric_timestamp_cache_size: at most %u", 1u << 24);
	if (p->commit_series && p->commit_series < 2)
		BAD("commit_series: at least 2");
	if (p->namespace_ && strlen(p->namespace_) > 100)
		BAD("namespace: at most 100 bytes");
#undef BAD
	return 0;
}

/* Fills the derived fields of a (everything but the region). */
/* bound < ns / divider, as sm_update computes the duration. */
static int below(const struct agg *a, double bound, uint64_t ns)
{
	return bound < (double)ns / a->divider;
}

/* Per bound the largest duration in ns it is not below (the comparison is
 * monotone in ns: a conversion and a correctly rounded division), so
 * sm_update counts the bounds under a duration with integer compares,
 * which do not wait for the division, and gets the bucket the search over
 * the doubles got. */
static void bucket_thresholds(struct agg *a)
{
	a->n_always = 0;
	for (uint32_t i = 0; i < a->n_bounds; i++) {
		double b = a->bounds[i];
		uint64_t lo = 0, hi = UINT64_MAX;
		a->bound_ns[i] = UINT64_MAX;
		if (below(a, b, 0)) {
			a->n_always++;
			continue;
		}
		if (!below(a, b, hi))
			continue;
		while (hi - lo > 1) { /* below(lo) false, below(hi) true */
			uint64_t mid = lo + (hi - lo) / 2;
			if (below(a, b, mid))
				hi = mid;
			else
				lo = mid;
		}
		a->bound_ns[i] = lo;
	}
}

int sm_derive(struct agg *a, const struct agg_params *p)
{
	int rc = agg_params_check(p, NULL, 0);
	if (rc)
		return rc;
	a->p = *p;
	a->p.expo_max_size = or_default(p->expo_max_size, 160);
	a->p.max_series = or_default(p->max_series, 100000);
	a->p.max_resources = or_default(p->max_resources, 1024);
	a->p.key_bytes = or_default(p->key_bytes, 256);
	a->p.resource_bytes = or_default(p->resource_bytes, 2048);
	a->p.commit_series = or_default(p->commit_series, 1024);
	a->p.delta_cache_size = p->delta ? or_default(p->delta_cache_size, 10000) : 0;
	a->ex_max = p->exemplars ? or_default(p->exemplars_max, 4) : 0;
	a->expo_max = a->p.expo_max_size;
	a->divider = p->unit == AGG_UNIT_S ? 1e9 : 1e6;
	const char *ns = p->namespace_ ? p->namespace_ : "traces.span.metrics";
	a->ns_len = strlen(ns);
	memcpy(a->ns, ns, a->ns_len + 1);
	if (p->bounds) {
		a->n_bounds = p->n_bounds;
		memcpy(a->bounds, p->bounds, p->n_bounds * sizeof(double));
	} else {
		a->n_bounds = sizeof default_bounds_ms / sizeof default_bounds_ms[0];
		for (uint32_t i = 0; i < a->n_bounds; i++)
			a->bounds[i] = p->unit == AGG_UNIT_S ? default_bounds_ms[i] / 1000
							     : default_bounds_ms[i];
	}
	a->n_buckets = p->hist == AGG_HIST_EXPLICIT ? a->n_bounds + 1 : 0;
	bucket_thresholds(a);
	for (uint32_t i = 0; i < p->n_resource_keys; i++)
		a->res_key_len[i] = strlen(p->resource_keys[i]);
	memset(a->dim_by_len, 0, sizeof a->dim_by_len);
	for (uint32_t i = 0; i < p->n_dims; i++) {
		const char *d = p->dims[i].default_value;
		a->dim_len[i] = strlen(p->dims[i].name);
		if (a->dim_len[i] < 64)
			a->dim_by_len[a->dim_len[i]] |= (uint16_t)(1u << i);
		if (a->dim_len[i] >= 8) {
			memcpy(&a->dim_w[i][0], p->dims[i].name, 8);
			memcpy(&a->dim_w[i][1], p->dims[i].name + a->dim_len[i] - 8, 8);
		}
		a->dim_default[i].type = d ? OTLP_VALUE_STRING : OTLP_VALUE_EMPTY;
		a->dim_default[i].u.b.p = (const uint8_t *)d;
		a->dim_default[i].u.b.len = d ? strlen(d) : 0;
	}
	a->pend_max = a->p.commit_series;
	a->rpend_max = RPEND_MAX;
	return 0;
}

static uint64_t fingerprint(const struct agg *a)
{
	uint64_t h = agg_hash(&(uint32_t){ SM_VERSION }, 4, 1);
	uint32_t nums[] = { a->p.n_dims,	 a->p.exclude,	     a->p.n_resource_keys, a->p.unit,
			    a->p.hist,		 a->n_bounds,	     a->expo_max,	   a->p.delta,
			    a->ex_max,		 a->p.max_series,    a->p.max_resources,   a->p.key_bytes,
			    a->p.resource_bytes, a->p.commit_series, a->p.delta_cache_size };
	h = agg_hash(nums, sizeof nums, h);
	h = agg_hash(a->bounds, a->n_bounds * sizeof(double), h);
	for (uint32_t i = 0; i < a->p.n_dims; i++) {
		const char *d = a->p.dims[i].default_value;
		h = agg_hash(a->p.dims[i].name, strlen(a->p.dims[i].name), h);
		h = d ? agg_hash(d, strlen(d), h ^ 1) : agg_mix(h ^ 2);
	}
	for (uint32_t i = 0; i < a->p.n_resource_keys; i++)
		h = agg_hash(a->p.resource_keys[i], a->res_key_len[i], h);
	return h;
}

/* The header a region for a's params has (layout fields only). */
static void layout(const struct agg *a, struct sm_hdr *h)
{
	memset(h, 0, sizeof *h);
	uint64_t vals = sizeof(struct sm_vals);
	if (a->p.hist == AGG_HIST_EXPLICIT)
		vals += 8ull * a->n_buckets;
	else if (a->p.hist == AGG_HIST_EXPONENTIAL)
		vals += sizeof(struct sm_expo) + 8ull * a->expo_max;
	vals += (uint64_t)a->ex_max * sizeof(struct sm_exemplar);
	h->vals_size = (uint32_t)round_up(vals, 8);
	h->key_cap = (uint32_t)round_up(a->p.key_bytes, 8);
	h->series_size = (uint32_t)round_up(sizeof(struct sm_series) + h->vals_size + h->key_cap, 64);
	h->res_attr_cap = (uint32_t)round_up(a->p.resource_bytes, 8);
	h->res_size = (uint32_t)round_up(sizeof(struct sm_res) + h->res_attr_cap, 64);
	h->n_res = a->p.max_resources + 1;
	h->n_series = a->p.max_series + a->p.max_resources + 1;
	h->n_buckets = a->n_buckets;
	h->log_off = SM_HDR_SIZE;
	h->log_size = round_up(sizeof(struct sm_log_hdr) + (uint64_t)a->pend_max * (16 + h->series_size) +
				       (uint64_t)a->rpend_max * (16 + h->res_size) + 16 + 16 * 8 +
				       (a->p.delta ? (uint64_t)a->pend_max * (16 + 16 * 3) : 0),
			       4096);
	h->res_off = h->log_off + h->log_size;
	h->ser_off = round_up(h->res_off + (uint64_t)h->n_res * h->res_size, 4096);
	h->region_size = h->ser_off + (uint64_t)h->n_series * h->series_size;
	if (a->p.delta) {
		uint32_t n = 16;
		while (n < a->p.delta_cache_size)
			n <<= 1;
		h->dc_n = n;
		h->dc_off = round_up(h->region_size, 64);
		h->region_size = h->dc_off + (uint64_t)n * sizeof(struct sm_dcache);
	}
	h->magic = SM_MAGIC;
	h->version = SM_VERSION;
	h->hdr_size = SM_HDR_SIZE;
	h->fingerprint = fingerprint(a);
}

size_t agg_region_size(const struct agg_params *p)
{
	struct agg a;
	struct sm_hdr h;
	memset(&a, 0, offsetof(struct agg, keybuf));
	if (sm_derive(&a, p))
		return 0;
	layout(&a, &h);
	return (size_t)h.region_size;
}

int agg_format(void *region, size_t size, const struct agg_params *p, uint64_t now_ns)
{
	struct agg a;
	struct sm_hdr h;
	memset(&a, 0, offsetof(struct agg, keybuf));
	int rc = sm_derive(&a, p);
	if (rc)
		return rc;
	layout(&a, &h);
	if (size < h.region_size || ((uintptr_t)region & 63))
		return -EINVAL;
	/* slots: used = 0 is all a slot needs; the rest is written on use */
	memset((uint8_t *)region + h.log_off, 0, sizeof(struct sm_log_hdr));
	for (uint32_t i = 0; i < h.n_res; i++)
		memset((uint8_t *)region + h.res_off + (uint64_t)i * h.res_size, 0, sizeof(struct sm_res));
	for (uint32_t i = 0; i < h.n_series; i++)
		memset((uint8_t *)region + h.ser_off + (uint64_t)i * h.series_size, 0,
		       sizeof(struct sm_series));
	if (h.dc_n) /* epoch 0 is never a flushed one: no hash matches it usefully */
		memset((uint8_t *)region + h.dc_off, 0, (size_t)h.dc_n * sizeof(struct sm_dcache));
	h.created_ns = now_ns;
	h.magic = 0;
	memcpy(region, &h, sizeof h);
	/* the magic last: a region formatted halfway is still "never formatted" */
	__atomic_store_n(&((struct sm_hdr *)region)->magic, SM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t c = 16;
	while (c < n)
		c <<= 1;
	return c;
}

int agg_attach(struct agg **out, void *region, size_t size, const struct agg_params *p)
{
	struct sm_hdr want;
	struct sm_hdr *h = region;
	if (size < SM_HDR_SIZE || ((uintptr_t)region & 63))
		return -EINVAL;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != SM_MAGIC)
		return -ENODATA;
	struct agg *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	int rc = sm_derive(a, p);
	if (rc)
		goto fail;
	layout(a, &want);
	rc = -ESTALE;
	if (h->version != SM_VERSION || h->hdr_size != SM_HDR_SIZE || h->fingerprint != want.fingerprint ||
	    h->region_size != want.region_size || h->region_size > size)
		goto fail;
	rc = -EBADMSG; /* same params, different layout: damaged */
	if (h->n_series != want.n_series || h->n_res != want.n_res || h->series_size != want.series_size ||
	    h->res_size != want.res_size || h->vals_size != want.vals_size || h->key_cap != want.key_cap ||
	    h->res_attr_cap != want.res_attr_cap || h->n_buckets != want.n_buckets ||
	    h->log_off != want.log_off || h->log_size != want.log_size || h->res_off != want.res_off ||
	    h->ser_off != want.ser_off || h->dc_off != want.dc_off || h->dc_n != want.dc_n)
		goto fail;
	a->base = region;
	a->size = (size_t)h->region_size;
	a->h = h;
	a->ix_max = pow2_at_least(2ull * h->n_series);
	a->ix_mask = 1023 < a->ix_max - 1 ? 1023 : a->ix_max - 1;
	a->rix_mask = pow2_at_least(2ull * h->n_res) - 1;
	rc = -ENOMEM;
	a->ix = calloc(a->ix_max, sizeof *a->ix);
	a->rix = calloc((size_t)a->rix_mask + 1, sizeof *a->rix);
	a->free_ser = malloc(h->n_series * sizeof *a->free_ser);
	a->free_res = malloc(h->n_res * sizeof *a->free_res);
	a->res_count = calloc(h->n_res, sizeof *a->res_count);
	a->res_over = calloc(h->n_res, sizeof *a->res_over);
	a->touch = calloc(h->n_series > h->n_res ? h->n_series : h->n_res, sizeof *a->touch);
	a->pend = calloc(a->pend_max, sizeof *a->pend);
	a->pend_img = malloc((size_t)a->pend_max * h->series_size);
	a->rpend = calloc(a->rpend_max, sizeof *a->rpend);
	a->rpend_img = malloc((size_t)a->rpend_max * h->res_size);
	a->order = malloc(h->n_series * sizeof *a->order);
	a->rstart = malloc((h->n_res + 1) * sizeof *a->rstart);
	a->listed = calloc((h->n_series + 63) / 64, sizeof *a->listed);
	a->kchunk = malloc(16ull * h->key_cap);
	a->wfb = malloc((AGG_DIMS_MAX + 1) * SM_WFB(h->key_cap));
	if (!a->wfb || !a->order || !a->rstart || !a->listed || !a->kchunk || !a->ix || !a->rix ||
	    !a->free_ser || !a->free_res || !a->res_count || !a->res_over || !a->touch || !a->pend ||
	    !a->pend_img || !a->rpend || !a->rpend_img)
		goto fail;
	rc = sm_log_replay(a);
	if (rc)
		goto fail;
	if (h->pending_seq && h->pending_seq != h->epoch + 1) {
		h->pending_seq = 0; /* damaged: a flush nobody can confirm */
		a->st.repaired_slots++;
	}
	for (uint32_t i = 0; i < AGG_SOURCES_MAX; i++)
		if (h->src[i].partial_seq && h->src[i].partial_seq <= h->src[i].applied)
			h->src[i].partial_seq = 0; /* stale, never consulted again */
	rc = sm_rebuild(a);
	if (rc)
		goto fail;
	*out = a;
	return 0;
fail:
	agg_detach(a);
	return rc;
}

void agg_detach(struct agg *a)
{
	if (!a)
		return;
	free(a->ix);
	free(a->rix);
	free(a->free_ser);
	free(a->free_res);
	free(a->res_count);
	free(a->res_over);
	free(a->touch);
	free(a->pend);
	free(a->pend_img);
	free(a->rpend);
	free(a->rpend_img);
	free(a->order);
	free(a->rstart);
	free(a->listed);
	free(a->kchunk);
	free(a->wfb);
	free(a);
}

uint64_t agg_applied_seq(const struct agg *a, uint32_t source)
{
	return source < AGG_SOURCES_MAX ? a->h->src[source].applied : 0;
}

uint64_t agg_flush_pending(const struct agg *a)
{
	return a->h->pending_seq;
}
uint64_t agg_flushed_seq(const struct agg *a)
{
	return a->h->epoch;
}

void agg_get_stats(const struct agg *a, struct agg_stats *st)
{
	*st = a->st;
}
