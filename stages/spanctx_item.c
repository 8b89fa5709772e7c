/* spanctx_item.c: the overlay's side for items that are not spans (log
 * records, data points): their attributes matched to key ids by one scan
 * of the item's fields, or handed over by a caller that scanned it. */
#include "stages/spanctx.h"

#include <errno.h>

bool spanctx_item_attr(struct spanctx *c, const uint8_t *start, uint32_t size, struct otlp_bytes key,
		       struct otlp_bytes value)
{
	struct spanctx_span *sp = &c->sp;
	uint32_t n = sp->n_in;
	if (n >= OTLP_REWRITE_ATTRS_MAX)
		return false;
	struct spanctx_attr *at = &sp->a[n];
	at->start = start;
	at->size = size;
	at->key = key;
	at->value = value;
	spanctx_attr_id(sp, n, spankeys_find_cfg(&c->keys, key.p, key.len));
	sp->n_in = n + 1;
	return true;
}

void spanctx_item_done(struct spanctx *c, bool complete)
{
	struct spanctx_span *sp = &c->sp;
	if (complete) {
		sp->mode = 1;
		return;
	}
	for (uint32_t i = 0; i < sp->n_in; i++)
		sp->in[sp->a[i].id] = -1;
	sp->n_in = 0;
	sp->mode = 0;
}

/* The usual layout, read inline: one-byte tags, one- or two-byte lengths,
 * short varints. true when the whole item was read so (its attributes
 * handed to spanctx_item_attr); false at the first thing it does not take
 * (the general scan then starts over). */
static bool spanctx_scan_fast(struct spanctx *c, bool *complete)
{
	const uint8_t *p = c->item.p, *end = p + c->item.len;
	const uint32_t attr_tag = (c->item_field << 3) | OTLP_WT_LEN;
	*complete = true;
	while (p < end) {
		const uint8_t *start = p;
		uint32_t tag = *p++;
		if (tag >= 0x80 || tag < 8)
			return false;
		switch (tag & 7) {
		case OTLP_WT_VARINT: {
			const uint8_t *q = p;
			while (q < end && *q >= 0x80 && q - p < 9)
				q++;
			if (q >= end || *q >= 0x80)
				return false;
			p = q + 1;
			break;
		}
		case OTLP_WT_I64:
			if (end - p < 8)
				return false;
			p += 8;
			break;
		case OTLP_WT_I32:
			if (end - p < 4)
				return false;
			p += 4;
			break;
		case OTLP_WT_LEN: {
			size_t n;
			if (p < end && p[0] < 0x80) {
				n = p[0];
				p += 1;
			} else if (end - p >= 2 && p[1] < 0x80) {
				n = (size_t)(p[0] & 0x7f) | (size_t)p[1] << 7;
				p += 2;
			} else {
				return false;
			}
			if (n > (size_t)(end - p))
				return false;
			struct otlp_bytes kv = { p, n }, key, value;
			p += n;
			if (tag != attr_tag || !*complete)
				break;
			if (!otlp_rewrite_kv_fast(kv, &key, &value) &&
			    otlp_rewrite_kv_split(kv, &key, &value) < 0)
				return false;
			*complete = spanctx_item_attr(c, start, (uint32_t)(p - start), key, value);
			break;
		}
		default:
			return false;
		}
	}
	return true;
}

int spanctx_match_item(struct spanctx *c)
{
	struct spanctx_span *sp = &c->sp;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	bool complete;
	int rc;
	sp->n_in = 0;
	if (spanctx_scan_fast(c, &complete)) {
		spanctx_item_done(c, complete);
		if (complete)
			return 0;
		sp->mode = -1; /* more than the index holds: plain scans */
		return 0;
	}
	spanctx_item_done(c, false);
	uint32_t n = 0;
	otlp_wire_reader_init(&r, c->item.p, c->item.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num != c->item_field)
			continue;
		if (f.wt != OTLP_WT_LEN) {
			rc = -EPROTO;
			break;
		}
		struct otlp_bytes key, value;
		if (!otlp_rewrite_kv_fast(f.b, &key, &value) &&
		    (rc = otlp_rewrite_kv_split(f.b, &key, &value)) < 0)
			break;
		if (!spanctx_item_attr(c, f.start, (uint32_t)f.size, key, value))
			break; /* rc 1: too many to index */
		n++;
	}
	if (rc == 0) {
		sp->mode = 1;
		return 0;
	}
	spanctx_item_done(c, false);
	sp->mode = -1;
	return rc < 0 ? rc : 0;
}
