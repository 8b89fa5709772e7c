/* agg/sm_log.c: the redo log that makes a commit atomic (layout in
 * sm_layout.h). Entries hold absolute values, so applying a log twice is
 * the same as once: replay after a crash needs no record of how far the
 * first apply got. */
#include <errno.h>
#include <string.h>

#include "agg/sm_layout.h"

static struct sm_log_hdr *log_hdr(const struct agg *a)
{
	return (struct sm_log_hdr *)(a->base + a->h->log_off);
}

static int within(uint64_t off, uint64_t len, uint64_t lo, uint64_t hi)
{
	return off >= lo && off <= hi && len <= hi - off;
}

/* Where an entry may write: the header's durable fields (epoch up to the
 * delta cache's place, then the source table and the flush times) and the
 * slots; never a field of the layout (dc_off, dc_n), which attach compares
 * with the params: a damaged log that rewrote one made the region refused
 * on the next attach (fuzz_agg_attach). */
static int target_ok(const struct agg *a, uint64_t off, uint64_t len)
{
	if (within(off, len, offsetof(struct sm_hdr, epoch), offsetof(struct sm_hdr, dc_off)) ||
	    within(off, len, offsetof(struct sm_hdr, src), sizeof(struct sm_hdr)))
		return 1;
	return within(off, len, a->h->res_off, a->h->region_size);
}

static int log_check(const struct agg *a)
{
	const struct sm_log_hdr *lh = log_hdr(a);
	uint64_t room = a->h->log_size - sizeof *lh;
	const uint8_t *p = (const uint8_t *)(lh + 1);
	uint64_t used = 0;

	if (lh->bytes > room)
		return -EBADMSG;
	for (uint64_t i = 0; i < lh->n_entries; i++) {
		struct sm_log_entry e;
		if (lh->bytes - used < sizeof e)
			return -EBADMSG;
		memcpy(&e, p + used, sizeof e);
		used += sizeof e;
		uint64_t padded = ((uint64_t)e.len + 7) & ~7ull;
		if (padded > lh->bytes - used)
			return -EBADMSG;
		if (e.kind == SM_LOG_COPY) {
			if (!target_ok(a, e.target, e.len))
				return -EBADMSG;
		} else if (e.kind == SM_LOG_WORDS) {
			if (e.len % 16)
				return -EBADMSG;
			for (uint32_t k = 0; k < e.len; k += 16) {
				uint64_t off;
				memcpy(&off, p + used + k, 8);
				if ((off & 7) || !target_ok(a, off, 8))
					return -EBADMSG;
			}
		} else {
			return -EBADMSG;
		}
		used += padded;
	}
	return used == lh->bytes ? 0 : -EBADMSG;
}

static void log_apply(struct agg *a)
{
	const struct sm_log_hdr *lh = log_hdr(a);
	const uint8_t *p = (const uint8_t *)(lh + 1);
	uint64_t used = 0;

	for (uint64_t i = 0; i < lh->n_entries; i++) {
		struct sm_log_entry e;
		memcpy(&e, p + used, sizeof e);
		used += sizeof e;
		if (e.kind == SM_LOG_COPY) {
			memcpy(a->base + e.target, p + used, e.len);
		} else {
			for (uint32_t k = 0; k < e.len; k += 16) {
				uint64_t w[2];
				memcpy(w, p + used + k, 16);
				memcpy(a->base + w[0], &w[1], 8);
			}
		}
		used += ((uint64_t)e.len + 7) & ~7ull;
	}
}

int sm_log_replay(struct agg *a)
{
	struct sm_log_hdr *lh = log_hdr(a);
	uint64_t state = atomic_load_explicit(&lh->state, memory_order_acquire);
	if (state == 0)
		return 0;
	if (state != 1 || log_check(a))
		return -EBADMSG;
	log_apply(a);
	atomic_store_explicit(&lh->state, 0, memory_order_release);
	a->st.replayed_logs++;
	return 0;
}

struct lw {
	uint8_t *base, *p;
	uint64_t n;
};

static void lw_copy(struct lw *w, uint64_t target, const void *src, uint32_t len)
{
	struct sm_log_entry e = { SM_LOG_COPY, len, target };
	memcpy(w->p, &e, sizeof e);
	memcpy(w->p + sizeof e, src, len);
	uint32_t pad = (8 - (len & 7)) & 7;
	memset(w->p + sizeof e + len, 0, pad);
	w->p += sizeof e + len + pad;
	w->n++;
}

/* Opens a WORDS entry; pairs follow; lw_words_end closes it. */
static uint8_t *lw_words_begin(struct lw *w)
{
	uint8_t *e = w->p;
	w->p += sizeof(struct sm_log_entry);
	return e;
}

static inline void lw_word(struct lw *w, uint64_t off, uint64_t v)
{
	memcpy(w->p, &off, 8);
	memcpy(w->p + 8, &v, 8);
	w->p += 16;
}

static void lw_words_end(struct lw *w, uint8_t *at)
{
	struct sm_log_entry e = { SM_LOG_WORDS, (uint32_t)(w->p - at - sizeof e), 0 };
	memcpy(at, &e, sizeof e);
	w->n++;
}

/* A touched series whose image holds only this record's additions: logs
 * the sums with the region's values (the words that change, or the whole
 * values part when that is shorter). */
static void add_delta(const struct agg *a, struct lw *w, const struct sm_pend *pd, uint8_t *img, uint64_t off)
{
	const struct sm_hdr *h = a->h;
	struct sm_vals *d = sm_vals_of(img);
	const struct sm_vals *v0 = sm_vals_of(a->base + off);
	uint64_t vo = off + sizeof(struct sm_series);
	uint64_t base_mask = v0->epoch == h->epoch ? v0->ex_mask : 0;
	uint32_t nx = (uint32_t)__builtin_popcountll(d->ex_mask);
	uint32_t nw = 4 + (uint32_t)__builtin_popcountll(pd->words) + (a->ex_max ? 1 + 4 * nx : 0);
	double sum = v0->sum + d->sum;
	uint64_t u;

	if (16 * nw <= h->vals_size) {
		uint8_t *e = lw_words_begin(w);
		lw_word(w, vo + offsetof(struct sm_vals, epoch), h->epoch);
		lw_word(w, vo + offsetof(struct sm_vals, last_ns), d->last_ns);
		lw_word(w, vo + offsetof(struct sm_vals, calls), v0->calls + d->calls);
		memcpy(&u, &sum, 8);
		lw_word(w, vo + offsetof(struct sm_vals, sum), u);
		const uint64_t *c0 = sm_counts((struct sm_vals *)v0), *dc = sm_counts(d);
		for (uint64_t m = pd->words; m; m &= m - 1) {
			unsigned b = (unsigned)__builtin_ctzll(m);
			lw_word(w, vo + sizeof(struct sm_vals) + 8ull * b, c0[b] + dc[b]);
		}
		if (a->ex_max) {
			lw_word(w, vo + offsetof(struct sm_vals, ex_mask), base_mask | d->ex_mask);
			const struct sm_exemplar *x = sm_ex_of(a, d);
			uint64_t xo = vo + (uint64_t)((const uint8_t *)x - (const uint8_t *)d);
			for (uint64_t m = d->ex_mask; m; m &= m - 1) {
				unsigned i = (unsigned)__builtin_ctzll(m);
				const uint64_t *q = (const uint64_t *)&x[i];
				for (int k = 0; k < 4; k++)
					lw_word(w, xo + 32ull * i + 8ull * (unsigned)k, q[k]);
			}
		}
		lw_words_end(w, e);
		return;
	}
	/* many buckets or exemplars: the whole values part, made absolute
	 * (counts this record did not touch were never written: pend_new) */
	for (uint32_t i = 0; i < a->n_buckets; i++)
		if (!(pd->words >> i & 1))
			sm_counts(d)[i] = 0;
	d->epoch = h->epoch;
	d->start_ns = v0->start_ns;
	d->calls += v0->calls;
	d->sum = sum;
	for (uint32_t i = 0; i < a->n_buckets; i++)
		sm_counts(d)[i] += sm_counts((struct sm_vals *)v0)[i];
	struct sm_exemplar *x = sm_ex_of(a, d);
	const struct sm_exemplar *x0 = sm_ex_of(a, (struct sm_vals *)v0);
	for (uint32_t i = 0; i < a->ex_max; i++)
		if (!(d->ex_mask >> i & 1) && (base_mask >> i & 1))
			x[i] = x0[i];
	d->ex_mask |= base_mask;
	lw_copy(w, vo, d, h->vals_size);
}

/* Delta: the cache remembers that the series of pd has a point in this epoch's
 * flush (its next start time, sm_layout.h). */
static void log_dcache(const struct agg *a, struct lw *w, const struct sm_pend *pd)
{
	uint64_t at = (uint64_t)((const uint8_t *)sm_dcache_at(a, pd->dc_hash) - a->base);
	uint8_t *e = lw_words_begin(w);
	lw_word(w, at + offsetof(struct sm_dcache, hash), pd->dc_hash);
	lw_word(w, at + offsetof(struct sm_dcache, hash2), pd->dc_hash2);
	lw_word(w, at + offsetof(struct sm_dcache, epoch), a->h->epoch);
	lw_words_end(w, e);
}

/* Logs the record's pending slots plus n_hw header word pairs (hw[2i] =
 * offset, hw[2i+1] = value), makes the log valid, applies it, clears it. */
static int log_commit(struct agg *a, const uint64_t *hw, uint32_t n_hw)
{
	struct sm_hdr *h = a->h;
	struct sm_log_hdr *lh = log_hdr(a);
	struct lw w = { (uint8_t *)(lh + 1), (uint8_t *)(lh + 1), 0 };

	/* the region values the sums need: ask for all of them first */
	for (uint32_t i = 0; i < a->n_pend; i++) {
		const uint8_t *v = a->base + h->ser_off + (uint64_t)a->pend[i].slot * h->series_size +
				   sizeof(struct sm_series);
		for (uint32_t b = 0; b < h->vals_size; b += 64)
			__builtin_prefetch(v + b);
	}

	for (uint32_t i = 0; i < a->n_rpend; i++) {
		const uint8_t *img = a->rpend_img + (size_t)i * h->res_size;
		const struct sm_res *r = (const struct sm_res *)img;
		lw_copy(&w, h->res_off + (uint64_t)a->rpend[i] * h->res_size, img,
			(uint32_t)sizeof *r + r->attrs_len);
	}
	for (uint32_t i = 0; i < a->n_pend; i++) {
		const struct sm_pend *pd = &a->pend[i];
		uint8_t *img = a->pend_img + (size_t)i * h->series_size;
		uint64_t off = h->ser_off + (uint64_t)pd->slot * h->series_size;
		if (pd->fresh) {
			const struct sm_series *s = (const struct sm_series *)img;
			lw_copy(&w, off, img, (uint32_t)sizeof *s + h->vals_size + s->key_len);
			if (h->dc_n)
				log_dcache(a, &w, pd);
		} else if (a->p.hist == AGG_HIST_EXPONENTIAL) {
			lw_copy(&w, off + sizeof(struct sm_series), img + sizeof(struct sm_series),
				h->vals_size);
		} else {
			add_delta(a, &w, pd, img, off);
		}
	}
	if (n_hw) {
		uint8_t *e = lw_words_begin(&w);
		for (uint32_t i = 0; i < n_hw; i++)
			lw_word(&w, hw[2 * i], hw[2 * i + 1]);
		lw_words_end(&w, e);
	}
	lh->n_entries = w.n;
	lh->bytes = (uint64_t)(w.p - w.base);
	/* the commit point: before this store the log is ignored on attach,
	 * after it the log is applied on attach */
	atomic_store_explicit(&lh->state, 1, memory_order_release);
	log_apply(a);
	atomic_store_explicit(&lh->state, 0, memory_order_release);

	for (uint32_t i = 0; i < a->n_pend; i++) {
		uint32_t slot = a->pend[i].slot;
		if (a->pend[i].ix)
			a->ix[a->pend[i].ix - 1].pend = 0;
		else
			a->touch[slot] = 0;
		if (a->pend[i].fresh)
			a->listed[slot / 64] |= 1ull << (slot % 64);
	}
	a->n_pend = 0;
	a->n_rpend = 0;
	return 0;
}

#define HOFF(field) ((uint64_t)offsetof(struct sm_hdr, field))
#define SOFF(s, field) (HOFF(src) + (uint64_t)(s) * sizeof(struct sm_src) + offsetof(struct sm_src, field))

int sm_commit_now(struct agg *a, int partial)
{
	uint64_t hw[6];
	uint32_t s = a->source;
	if (partial) {
		hw[0] = SOFF(s, partial_seq), hw[1] = a->seq;
		hw[2] = SOFF(s, partial_done), hw[3] = a->done;
		a->st.partial_commits++;
		return log_commit(a, hw, 2);
	}
	hw[0] = SOFF(s, applied), hw[1] = a->seq;
	hw[2] = SOFF(s, partial_seq), hw[3] = 0;
	hw[4] = SOFF(s, partial_done), hw[5] = 0;
	a->st.commits++;
	return log_commit(a, hw, 3);
}

int sm_commit_flush(struct agg *a, uint64_t n, uint64_t flush_ns)
{
	uint64_t hw[] = {
		HOFF(epoch),
		n,
		HOFF(last_flush_ns),
		flush_ns,
		HOFF(pending_seq),
		0,
		HOFF(pending_ns),
		0,
		HOFF(flush_ns) + 8ull * (n % SM_FLUSH_RING),
		flush_ns,
	};
	return log_commit(a, hw, 5);
}
