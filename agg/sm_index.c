/* agg/sm_index.c: the in-process index, free lists and counts, rebuilt
 * from the region's slots (on attach and after each confirmed flush),
 * checking every slot it trusts: a damaged one is set aside, never read
 * again. */
#include <stdlib.h>
#include <string.h>

#include "agg/sm_layout.h"

int sm_series_live(const struct agg *a, uint8_t *slot)
{
	const struct sm_series *s = (const struct sm_series *)slot;
	const struct sm_vals *v = sm_vals_of(slot);
	if (s->used != 1)
		return 0;
	if (a->p.delta)
		return v->epoch == a->h->epoch;
	if (!a->p.expiration_ns || !a->h->last_flush_ns || v->last_ns >= a->h->last_flush_ns)
		return 1;
	return a->h->last_flush_ns - v->last_ns < a->p.expiration_ns;
}

/* The stored key walks: every component in bounds, dimension values
 * valid AnyValue bytes (they are written out as they are). */
static int key_sane(const struct agg *a, const uint8_t *k, uint32_t len)
{
	const uint8_t *end = k + len;
	for (uint32_t c = 0; c < SM_K_DIM0 + a->p.n_dims; c++) {
		if (end - k < 2)
			return 0;
		uint32_t l = (uint32_t)k[0] | (uint32_t)k[1] << 8;
		k += 2;
		if (l == SM_ABSENT)
			continue;
		if (l > (size_t)(end - k) || ((c == SM_K_KIND || c == SM_K_STATUS) && l != 1))
			return 0;
		struct otlp_value v;
		if (c >= SM_K_DIM0 && otlp_wire_anyvalue((struct otlp_bytes){ k, l }, &v) < 0)
			return 0;
		k += l;
	}
	return k == end;
}

/* Resource attributes: KeyValue fields (field 1) only, each valid. */
static int attrs_sane(const uint8_t *p, uint32_t len)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	struct otlp_kv kv;
	int rc;
	otlp_wire_reader_init(&r, p, len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (f.num != 1 || f.wt != OTLP_WT_LEN || otlp_wire_kv(f.b, &kv) < 0)
			return 0;
	return rc == 0;
}

static int slot_sane(const struct agg *a, uint8_t *slot)
{
	const struct sm_series *s = (const struct sm_series *)slot;
	if (s->used != 1)
		return 0;
	if (s->res >= a->h->n_res || s->key_len > a->h->key_cap || (s->flags & ~SM_SER_OVERFLOW))
		return 0;
	const struct sm_res *r = (const struct sm_res *)sm_rslot(a, s->res);
	if (r->used != 1)
		return 0;
	if (!(s->flags & SM_SER_OVERFLOW) && !key_sane(a, sm_key_of(a, slot), s->key_len))
		return 0;
	if (a->p.hist == AGG_HIST_EXPONENTIAL) {
		const struct sm_expo *e = sm_expo_of(sm_vals_of(slot));
		if (e->scale < SM_EXPO_MIN_SCALE || e->scale > SM_EXPO_MAX_SCALE || e->n > a->expo_max)
			return 0;
		if (e->n && (e->offset < INT32_MIN / 2 || e->offset > INT32_MAX / 2))
			return 0;
	}
	return 1;
}

/* The index is sized to the live series (a small one stays in cache),
 * doubling as they grow; the allocation has room for all of them. */
void sm_ix_grow(struct agg *a)
{
	uint32_t old = a->ix_mask + 1, cap = old * 2;
	if (cap > a->ix_max)
		return;
	struct sm_ix *tmp = malloc(old * sizeof *tmp);
	if (!tmp)
		return; /* stays fuller: slower probes, still correct */
	memcpy(tmp, a->ix, old * sizeof *tmp);
	memset(a->ix, 0, cap * sizeof *tmp);
	a->ix_mask = cap - 1;
	for (uint32_t i = 0; i < old; i++) {
		if (!tmp[i].slot)
			continue;
		uint32_t k = (uint32_t)tmp[i].hash & a->ix_mask;
		while (a->ix[k].slot)
			k = (k + 1) & a->ix_mask;
		a->ix[k] = tmp[i];
		if (tmp[i].pend)
			a->pend[tmp[i].pend - 1].ix = k + 1;
	}
	free(tmp);
}

int sm_rebuild(struct agg *a)
{
	struct sm_hdr *h = a->h;
	memset(a->ix, 0, ((size_t)a->ix_mask + 1) * sizeof *a->ix);
	a->ix_mask = 1023 < a->ix_max - 1 ? 1023 : a->ix_max - 1;
	memset(a->rix, 0, ((size_t)a->rix_mask + 1) * sizeof *a->rix);
	memset(a->res_count, 0, h->n_res * sizeof *a->res_count);
	memset(a->res_over, 0, h->n_res * sizeof *a->res_over);
	a->n_free_ser = a->n_free_res = a->n_normal = 0;
	memset(a->listed, 0, ((h->n_series + 63) / 64) * sizeof *a->listed);
	uint32_t *ref = a->touch; /* scratch: live series per resource */
	memset(ref, 0, h->n_res * sizeof *ref);

	for (uint32_t i = 0; i < h->n_res; i++) {
		struct sm_res *r = (struct sm_res *)sm_rslot(a, i);
		if (r->used > 1 || (r->used && (r->attrs_len > h->res_attr_cap || r->flags > 1 ||
						!attrs_sane((const uint8_t *)(r + 1), r->attrs_len)))) {
			a->st.repaired_slots++;
			r->used = 0; /* damaged: unreachable now, reused later */
		}
	}
	uint64_t live = 0;
	for (uint32_t i = h->n_series; i-- > 0;) {
		uint8_t *slot = sm_slot(a, i);
		struct sm_series *s = (struct sm_series *)slot;
		if (s->used && !slot_sane(a, slot)) {
			a->st.repaired_slots++;
			a->free_ser[a->n_free_ser++] = i;
			continue;
		}
		if (!s->used || !sm_series_live(a, slot)) {
			/* dead for good (epoch and flush time only move on):
			 * marked free by a direct store, which any crash leaves
			 * right, so no later config can bring it back */
			s->used = 0;
			a->free_ser[a->n_free_ser++] = i;
			continue;
		}
		if (s->flags & SM_SER_OVERFLOW) {
			if (a->res_over[s->res]) {
				a->st.repaired_slots++;
				a->free_ser[a->n_free_ser++] = i;
				continue;
			}
			a->res_over[s->res] = i + 1;
		} else {
			if ((a->n_normal + 1ull) * 2 > a->ix_mask + 1ull)
				sm_ix_grow(a);
			uint32_t k = (uint32_t)s->hash & a->ix_mask;
			int dup = 0;
			for (; a->ix[k].slot && !dup; k = (k + 1) & a->ix_mask)
				dup = a->ix[k].hash == s->hash && a->ix[k].hash2 == s->hash2;
			if (dup || a->n_normal >= a->p.max_series) {
				a->st.repaired_slots++;
				a->free_ser[a->n_free_ser++] = i;
				continue;
			}
			a->ix[k] = (struct sm_ix){ s->hash, s->hash2, i + 1, 0 };
			a->res_count[s->res]++;
			a->n_normal++;
		}
		ref[s->res]++;
		a->listed[i / 64] |= 1ull << (i % 64);
		live++;
	}
	uint64_t lres = 0;
	for (uint32_t i = h->n_res; i-- > 1;) {
		struct sm_res *r = (struct sm_res *)sm_rslot(a, i);
		if (!r->used || !ref[i]) {
			r->used = 0; /* no live series: free (as above) */
			a->free_res[a->n_free_res++] = i;
			continue;
		}
		uint32_t k = (uint32_t)r->key_lo & a->rix_mask;
		while (a->rix[k].slot)
			k = (k + 1) & a->rix_mask;
		a->rix[k].lo = r->key_lo;
		a->rix[k].hi = r->key_hi;
		a->rix[k].slot = i + 1;
		lres++;
	}
	if (ref[0])
		lres++;
	memset(ref, 0, h->n_series * sizeof *ref);
	a->st.live_series = live;
	a->st.live_resources = lres;
	return 0;
}
