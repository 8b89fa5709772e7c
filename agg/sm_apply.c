/* agg/sm_apply.c: applying records: begin, resource, add (the per-span
 * path), commit. A span's changes go to an in-process image of its series
 * (sm_pend); only agg_commit writes the region, through the log. */
#include <errno.h>
#include <string.h>

#include "agg/sm_layout.h"

int agg_begin(struct agg *a, uint32_t source, uint64_t seq, uint64_t now_ns)
{
	if (a->open || a->h->pending_seq)
		return -EBUSY;
	if (source >= AGG_SOURCES_MAX || seq == 0)
		return -EINVAL;
	if (seq <= a->h->src[source].applied)
		return -EALREADY;
	a->open = 1;
	a->source = source;
	a->seq = seq;
	a->now_ns = now_ns;
	a->done = 0;
	a->skip = a->h->src[source].partial_seq == seq ? a->h->src[source].partial_done : 0;
	a->rc.valid = 0;
	a->n_pend = a->n_rpend = 0;
	return 0;
}

static inline int put_comp(uint8_t *k, size_t *n, size_t cap, const void *b, size_t len)
{
	if (*n + 2 + len > cap)
		return -1;
	k[*n] = (uint8_t)len;
	k[*n + 1] = (uint8_t)(len >> 8);
	if (len)
		memcpy(k + *n + 2, b, len);
	*n += 2 + len;
	return 0;
}

static inline int put_absent(uint8_t *k, size_t *n, size_t cap)
{
	if (*n + 2 > cap)
		return -1;
	k[*n] = 0xff;
	k[*n + 1] = 0xff;
	*n += 2;
	return 0;
}

/* The series key of s in k (key_cap bytes); returns its length, or -1
 * when it is longer (the span then counts in the overflow series). */
static long build_key(struct agg *a, const struct agg_span *s, uint8_t *k)
{
	size_t n = 0, cap = a->h->key_cap;
	uint32_t ex = a->p.exclude;
	uint8_t kind = s->kind >= 0 && s->kind <= 5 ? (uint8_t)s->kind : 6;
	uint8_t st = s->status >= 0 && s->status <= 2 ? (uint8_t)s->status : 3;

	if ((ex & AGG_EXCLUDE_SERVICE_NAME ? put_absent(k, &n, cap)
					   : put_comp(k, &n, cap, a->rc.service.p, a->rc.service.len)) ||
	    (ex & AGG_EXCLUDE_SPAN_NAME ? put_absent(k, &n, cap)
					: put_comp(k, &n, cap, s->name.p, s->name.len)) ||
	    (ex & AGG_EXCLUDE_SPAN_KIND ? put_absent(k, &n, cap) : put_comp(k, &n, cap, &kind, 1)) ||
	    (ex & AGG_EXCLUDE_STATUS_CODE ? put_absent(k, &n, cap) : put_comp(k, &n, cap, &st, 1)))
		return -1;
	for (uint32_t i = 0; i < a->p.n_dims; i++) {
		const struct otlp_value *v;
		if (s->dims_present >> i & 1)
			v = &s->dim[i];
		else if (a->rc.dims_present >> i & 1)
			v = &a->rc.dim[i];
		else if (a->dim_default[i].type == OTLP_VALUE_STRING)
			v = &a->dim_default[i];
		else {
			if (put_absent(k, &n, cap))
				return -1;
			continue;
		}
		size_t room = v->type == OTLP_VALUE_STRING || v->type >= OTLP_VALUE_ARRAY ? v->u.b.len : 0;
		if (n + 2 + 11 + room > cap)
			return -1;
		size_t len = sm_anyvalue_put(k + n + 2, v);
		k[n] = (uint8_t)len;
		k[n + 1] = (uint8_t)(len >> 8);
		n += 2 + len;
	}
	return (long)n;
}

/* A delta series (made fresh each epoch it has spans) starts where its
 * previous point ended: the time of flush E + 1, E the epoch the cache says
 * it was touched in last (sm_layout.h); else at the last flush, or now
 * before any flush. */
static uint64_t delta_start(const struct agg *a, uint64_t hash, uint64_t hash2)
{
	const struct sm_hdr *h = a->h;
	if (!h->last_flush_ns)
		return a->now_ns;
	const struct sm_dcache *c = sm_dcache_at(a, hash);
	if (c && c->hash == hash && c->hash2 == hash2 && c->epoch < h->epoch &&
	    h->epoch - c->epoch <= SM_FLUSH_RING) {
		uint64_t t = h->flush_ns[(c->epoch + 1) % SM_FLUSH_RING];
		if (t)
			return t;
	}
	return h->last_flush_ns;
}

/* A fresh series image in a new pend; returns the pend index. */
static uint32_t new_series(struct agg *a, uint64_t hash, uint64_t hash2, const uint8_t *key, size_t klen,
			   uint32_t flags)
{
	struct sm_hdr *h = a->h;
	if (!a->n_free_ser) /* cannot happen: capacity covers every overflow series */
		return UINT32_MAX;
	uint32_t slot = a->free_ser[--a->n_free_ser];
	uint32_t pi = a->n_pend++;
	uint8_t *img = a->pend_img + (size_t)pi * h->series_size;

	a->pend[pi] = (struct sm_pend){ .slot = slot, .fresh = 1 };
	memset(img, 0, sizeof(struct sm_series) + h->vals_size);
	struct sm_series *s = (struct sm_series *)img;
	s->hash = hash;
	s->hash2 = hash2;
	s->used = 1;
	s->res = a->rc.res;
	s->key_len = (uint32_t)klen;
	s->flags = flags;
	if (klen)
		memcpy(sm_key_of(a, img), key, klen);
	struct sm_vals *v = sm_vals_of(img);
	v->epoch = h->epoch;
	v->start_ns = a->now_ns;
	if (a->p.delta) {
		struct sm_pend *pd = &a->pend[pi];
		pd->dc_hash = klen ? agg_hash128(key, klen, a->rc.res_lo, &pd->dc_hash2)
				   : agg_mix(a->rc.res_lo ^ 0x6f766572666c6f77ull);
		pd->dc_hash2 ^= agg_mix(a->rc.res_hi);
		v->start_ns = delta_start(a, pd->dc_hash, pd->dc_hash2);
	}
	if (a->p.hist == AGG_HIST_EXPONENTIAL)
		sm_expo_of(v)->scale = SM_EXPO_MAX_SCALE;
	a->st.series_created++;
	a->st.live_series++;
	return pi;
}

/* A new pend for series slot (see struct sm_pend). */
static inline uint32_t pend_new(struct agg *a, uint32_t slot)
{
	uint32_t pi = a->n_pend++;
	uint8_t *img = a->pend_img + (size_t)pi * a->h->series_size;
	a->pend[pi] = (struct sm_pend){ .slot = slot };
	if (a->p.hist == AGG_HIST_EXPONENTIAL)
		memcpy(img + sizeof(struct sm_series), sm_slot(a, slot) + sizeof(struct sm_series),
		       a->h->vals_size);
	else { /* what this record adds; the commit adds the region's values.
		* Bucket counts are written on first touch (pend.words says
		* which): no memset, whose wide stores the next span's narrow
		* loads of the same image cannot forward from */
		struct sm_vals *v = sm_vals_of(img);
		v->epoch = v->start_ns = v->last_ns = v->calls = v->ex_mask = 0;
		v->sum = 0;
	}
	return pi;
}

static uint32_t overflow_series(struct agg *a)
{
	uint32_t r = a->rc.res;
	a->st.overflow_spans++;
	if (a->res_over[r]) { /* not in the index: found through touch[] */
		uint32_t slot = a->res_over[r] - 1, t = a->touch[slot];
		if (t)
			return t - 1;
		uint32_t pi = pend_new(a, slot);
		a->touch[slot] = pi + 1;
		return pi;
	}
	uint32_t pi = new_series(a, agg_mix(a->rc.seed ^ 0x6f766572666c6f77ull), 0, NULL, 0, SM_SER_OVERFLOW);
	if (pi != UINT32_MAX) {
		a->res_over[r] = a->pend[pi].slot + 1;
		a->touch[a->pend[pi].slot] = pi + 1;
	}
	return pi;
}

/* The pend of the series with this key (hashed), found or made. */
uint32_t sm_find_series(struct agg *a, const uint8_t *key, long klen, uint64_t hash, uint64_t hash2)
{
	if (klen < 0 || a->rc.res == 0) /* slot 0: the overflow resource */
		return overflow_series(a);
	if ((a->n_normal + 1ull) * 2 > a->ix_mask + 1ull)
		sm_ix_grow(a);
	/* the 128-bit hash is the identity: no key compare, so looking a
	 * series up never reads the region (two keys colliding: ~n^2/2^129) */
	uint32_t k = (uint32_t)hash & a->ix_mask;
	for (; a->ix[k].slot; k = (k + 1) & a->ix_mask) {
		struct sm_ix *e = &a->ix[k];
		if (e->hash != hash || e->hash2 != hash2)
			continue;
		if (e->pend)
			return e->pend - 1;
		uint32_t pi = pend_new(a, e->slot - 1);
		e->pend = pi + 1;
		a->pend[pi].ix = k + 1;
		return pi;
	}
	if ((a->p.cardinality_limit && a->res_count[a->rc.res] >= a->p.cardinality_limit) ||
	    a->n_normal >= a->p.max_series)
		return overflow_series(a);
	uint32_t pi = new_series(a, hash, hash2, key, (size_t)klen, 0);
	if (pi == UINT32_MAX)
		return pi;
	a->ix[k] = (struct sm_ix){ hash, hash2, a->pend[pi].slot + 1, pi + 1 };
	a->pend[pi].ix = k + 1;
	a->res_count[a->rc.res]++;
	a->n_normal++;
	return pi;
}

/* Adds a span (its times, trace id if 16 bytes, span id if 8, else NULL)
 * to the series of pend pi. */
void sm_update(struct agg *a, uint32_t pi, uint64_t start_ns, uint64_t end_ns, const uint8_t *trace_id,
	       const uint8_t *span_id)
{
	uint8_t *img = a->pend_img + (size_t)pi * a->h->series_size;
	struct sm_vals *v = sm_vals_of(img);
	double d = end_ns > start_ns ? (double)(end_ns - start_ns) / a->divider : 0;

	if (a->p.hist == AGG_HIST_EXPONENTIAL && v->epoch != a->h->epoch) {
		v->epoch = a->h->epoch; /* first touch since a flush: new exemplars */
		v->ex_mask = 0;
	}
	v->calls++;
	v->sum += d;
	v->last_ns = a->now_ns;
	uint32_t exk = (uint32_t)v->calls;
	if (a->p.hist == AGG_HIST_EXPLICIT) {
		/* the bucket: how many bounds lie below d (the first bound >=
		 * d), counted by integer compares with no branch or chain of
		 * loads (the bucket of a random duration is unpredictable) */
		uint64_t ns = end_ns > start_ns ? end_ns - start_ns : 0;
		uint32_t lo = a->n_always;
		for (uint32_t i = 0; i < a->n_bounds; i++)
			lo += ns > a->bound_ns[i];
		if (a->pend[pi].words >> lo & 1)
			sm_counts(v)[lo]++;
		else
			sm_counts(v)[lo] = 1;
		a->pend[pi].words |= 1ull << lo;
		exk = lo;
	} else if (a->p.hist == AGG_HIST_EXPONENTIAL) {
		sm_expo_record(sm_expo_of(v), a->expo_max, d);
	}
	if (a->ex_max && trace_id) {
		uint32_t e = exk % a->ex_max;
		struct sm_exemplar *x = sm_ex_of(a, v) + e;
		memcpy(x->trace_id, trace_id, 16);
		memset(x->span_id, 0, 8);
		if (span_id)
			memcpy(x->span_id, span_id, 8);
		x->value = d;
		v->ex_mask |= 1ull << e;
	}
	a->st.spans++;
	a->done++;
}

/* The checks before a span counts: 1 go on, 0 handled (skipped), < 0 error. */
int sm_admit(struct agg *a)
{
	if (!a->open || !a->rc.valid)
		return -EINVAL;
	if (a->skip) { /* counted by a partial commit before a crash */
		a->skip--;
		a->done++;
		a->st.spans_skipped++;
		return 0;
	}
	if (a->rc.valid < 0) {
		a->done++;
		a->st.spans_no_service++;
		return 0;
	}
	if (a->n_pend == a->pend_max) {
		int rc = sm_commit_now(a, 1);
		if (rc < 0)
			return rc;
	}
	return 1;
}

static inline void update_span(struct agg *a, uint32_t pi, const struct agg_span *s)
{
	sm_update(a, pi, s->start_ns, s->end_ns, s->trace_id.len == 16 ? s->trace_id.p : NULL,
		  s->span_id.len == 8 ? s->span_id.p : NULL);
}

int agg_add(struct agg *a, const struct agg_span *s)
{
	int rc = sm_admit(a);
	if (rc <= 0)
		return rc;
	long klen = build_key(a, s, a->keybuf);
	uint64_t hash2 = 0, hash = klen < 0 ? 0 : agg_hash128(a->keybuf, (size_t)klen, a->rc.seed, &hash2);
	uint32_t pi = sm_find_series(a, a->keybuf, klen, hash, hash2);
	if (pi == UINT32_MAX)
		return -ENOSPC;
	update_span(a, pi, s);
	return 0;
}

/* Spans in groups of AGG_BATCH: keys and hashes first, the index entries
 * they land on asked for (prefetch), then the lookups: the cache misses of
 * a group overlap instead of following one another (many series). */
#define AGG_BATCH 16

int agg_add_many(struct agg *a, const struct agg_span *s, uint32_t n)
{
	long klen[AGG_BATCH];
	uint64_t h1[AGG_BATCH], h2[AGG_BATCH];
	uint32_t cap = a->h->key_cap;
	for (uint32_t i = 0; i < n;) {
		if (!a->open || !a->rc.valid)
			return -EINVAL;
		if (a->skip || a->rc.valid < 0 || a->rc.res == 0) {
			int rc = agg_add(a, &s[i++]);
			if (rc < 0)
				return rc;
			continue;
		}
		uint32_t m = n - i < AGG_BATCH ? n - i : AGG_BATCH;
		for (uint32_t j = 0; j < m; j++) {
			uint8_t *k = a->kchunk + (size_t)j * cap;
			klen[j] = build_key(a, &s[i + j], k);
			h2[j] = 0;
			h1[j] = klen[j] < 0 ? 0 : agg_hash128(k, (size_t)klen[j], a->rc.seed, &h2[j]);
			__builtin_prefetch(&a->ix[(uint32_t)h1[j] & a->ix_mask]);
		}
		for (uint32_t j = 0; j < m; j++) {
			int rc = sm_admit(a);
			if (rc < 0)
				return rc;
			uint32_t pi = sm_find_series(a, a->kchunk + (size_t)j * cap, klen[j], h1[j], h2[j]);
			if (pi == UINT32_MAX)
				return -ENOSPC;
			update_span(a, pi, &s[i + j]);
		}
		i += m;
	}
	return 0;
}

int agg_commit(struct agg *a)
{
	if (!a->open)
		return -EINVAL;
	int rc = sm_commit_now(a, 0);
	a->open = 0;
	a->rc.valid = 0;
	return rc;
}
