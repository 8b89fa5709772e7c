/* agg/sm_resource.c: agg_resource: the resource of the spans that follow
 * (service.name, dimension values found there, its slot by the hash of its
 * key attributes, made on first sight). */
#include <errno.h>
#include <string.h>

#include "agg/sm_layout.h"

static int rpend_has(const struct agg *a, uint32_t r)
{
	for (uint32_t i = 0; i < a->n_rpend; i++)
		if (a->rpend[i] == r)
			return 1;
	return 0;
}

/* Queues resource slot r's new image; returns it. */
static struct sm_res *rpend_add(struct agg *a, uint32_t r)
{
	uint8_t *img = a->rpend_img + (size_t)a->n_rpend * a->h->res_size;
	a->rpend[a->n_rpend++] = r;
	memset(img, 0, sizeof(struct sm_res));
	return (struct sm_res *)img;
}

static int key_attr(const struct agg *a, struct otlp_bytes key)
{
	for (uint32_t i = 0; i < a->p.n_resource_keys; i++)
		if (a->res_key_len[i] == key.len && !memcmp(a->p.resource_keys[i], key.p, key.len))
			return 1;
	return 0;
}

int agg_resource(struct agg *a, struct otlp_bytes res)
{
	struct sm_rctx *rc = &a->rc;
	struct otlp_value v;
	if (!a->open)
		return -EINVAL;
	rc->valid = -1;
	rc->dims_present = 0;
	int r = otlp_wire_find_attr(res, OTLP_F_RESOURCE_ATTRIBUTES, "service.name", 12, &v);
	if (r < 0)
		return r;
	if (r == 0)
		return 1;
	rc->service = v.type == OTLP_VALUE_STRING ? v.u.b : (struct otlp_bytes){ NULL, 0 };
	for (uint32_t i = 0; i < a->p.n_dims; i++) {
		r = otlp_wire_find_attr(res, OTLP_F_RESOURCE_ATTRIBUTES, a->p.dims[i].name, a->dim_len[i],
					&rc->dim[i]);
		if (r < 0)
			return r;
		if (r)
			rc->dims_present |= 1u << i;
	}

	/* the resource key: an order-independent 128-bit hash of the (key)
	 * attributes, as the Collector keys its resource map by a hash */
	uint64_t lo = 0, hi = 0;
	struct otlp_wire_reader rd;
	struct otlp_wire_field f;
	otlp_wire_reader_init(&rd, res.p, res.len);
	while ((r = otlp_wire_next(&rd, &f)) > 0) {
		if (f.num != OTLP_F_RESOURCE_ATTRIBUTES || f.wt != OTLP_WT_LEN)
			continue;
		if (a->p.n_resource_keys) {
			struct otlp_kv kv;
			if (otlp_wire_kv(f.b, &kv) < 0 || !key_attr(a, kv.key))
				continue;
		}
		lo += agg_mix(agg_hash(f.b.p, f.b.len, 0x243f6a8885a308d3ull));
		hi += agg_mix(agg_hash(f.b.p, f.b.len, 0x13198a2e03707344ull));
	}
	if (r < 0)
		return r;

	uint32_t slot = 0;
	for (uint32_t k = (uint32_t)lo & a->rix_mask; a->rix[k].slot; k = (k + 1) & a->rix_mask)
		if (a->rix[k].lo == lo && a->rix[k].hi == hi) {
			slot = a->rix[k].slot;
			break;
		}
	if (slot) {
		slot--;
	} else {
		if (a->n_rpend == a->rpend_max && (r = sm_commit_now(a, 1)) < 0)
			return r;
		struct sm_res *img;
		if (!a->n_free_res) {
			/* no room: the overflow resource, all of whose spans go to
			 * its one otel.metric.overflow series */
			if (((struct sm_res *)sm_rslot(a, 0))->used != 1 && !rpend_has(a, 0)) {
				img = rpend_add(a, 0);
				img->used = 1;
				img->flags = SM_RES_OVERFLOW;
			}
		} else {
			slot = a->free_res[--a->n_free_res];
			img = rpend_add(a, slot);
			img->key_lo = lo;
			img->key_hi = hi;
			img->used = 1;
			/* the output resource: every attribute that fits */
			uint8_t *dst = (uint8_t *)(img + 1);
			otlp_wire_reader_init(&rd, res.p, res.len);
			while (otlp_wire_next(&rd, &f) > 0) {
				if (f.num != OTLP_F_RESOURCE_ATTRIBUTES || f.wt != OTLP_WT_LEN ||
				    f.size > a->h->res_attr_cap - img->attrs_len)
					continue;
				memcpy(dst + img->attrs_len, f.start, f.size);
				img->attrs_len += (uint32_t)f.size;
			}
			uint32_t k = (uint32_t)lo & a->rix_mask;
			while (a->rix[k].slot)
				k = (k + 1) & a->rix_mask;
			a->rix[k] = (struct sm_rix){ lo, hi, slot + 1, 0 };
		}
	}
	rc->res = slot;
	rc->seed = agg_mix(0x9e3779b97f4a7c15ull * (slot + 1));
	rc->res_lo = lo;
	rc->res_hi = hi;
	rc->valid = 1;
	return 0;
}
