/* otlp/rewrite_span.c: the span a rewrite callback sees, decoded on demand.
 *
 * One pass over the span's fields gives what otlp_wire_span() gives (same
 * checks, same last-wins rule) and, on the way, where each attribute and
 * the name field are. The stage's processors look attributes up by key and
 * the rewriter re-encodes edited spans from those positions, so neither has
 * to scan the span again. */
#include "otlp/rewrite_span.h"
#include "otlp/wire_field.h"

#include <errno.h>
#include <string.h>

int otlp_rewrite_kv_split(struct otlp_bytes kv, struct otlp_bytes *key, struct otlp_bytes *val)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;

	if (otlp_rewrite_kv_fast(kv, key, val))
		return 0;
	key->p = (const uint8_t *)"";
	key->len = 0;
	val->p = NULL;
	val->len = 0;
	otlp_wire_reader_init(&r, kv.p, kv.len);
	while ((rc = otlp_wire_field_next(&r, &f)) > 0) {
		if (f.num != OTLP_F_KV_KEY && f.num != OTLP_F_KV_VALUE)
			continue;
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		if (f.num == OTLP_F_KV_KEY)
			*key = f.b;
		else
			*val = f.b;
	}
	return rc;
}

/* Indexes the run of attributes decode_in_order() skipped: where each
 * field is and its KeyValue bytes (lengths were checked by that pass). */
static void attrs_fill(struct otlp_rewrite_span_state *st, uint32_t *n_attr, int *indexed)
{
	const uint8_t *p = st->attr_lo, *end = st->attr_hi;
	uint32_t n = 0;
	int split = 1;

	st->attrs_lazy = 0;
	while (p < end) {
		const uint8_t *start = p++;
		size_t len;
		if (*p < 0x80) {
			len = *p++;
		} else {
			len = (size_t)(p[0] & 0x7f) | (size_t)p[1] << 7;
			p += 2;
		}
		if (n < OTLP_REWRITE_ATTRS_MAX) {
			struct otlp_rewrite_attr *a = &st->attr[n++];
			a->start = start;
			a->size = (size_t)(p + len - start);
			a->kv.p = p;
			a->kv.len = len;
			/* split while here; rewrite_span_split() does the rest */
			if (!otlp_rewrite_kv_fast(a->kv, &a->key, &a->value))
				split = 0;
		} else {
			*indexed = 0;
		}
		p += len;
	}
	*n_attr = n;
	st->attrs_split = split;
}

/* One span field, any encoding (the general path): what otlp_wire_span()
 * does with it, plus where the name and each attribute are. */
static int span_field(struct otlp_rewrite_span_state *st, const struct otlp_wire_field *f, uint32_t *n_attr,
		      int *indexed)
{
	int rc = otlp_wire_span_field(&st->span, f);
	if (rc < 0)
		return rc;
	if (f->num == OTLP_F_SPAN_NAME) {
		st->name_field.p = f->start;
		st->name_field.len = f->size;
		st->n_name++;
	} else if (f->num == OTLP_F_SPAN_ATTRIBUTES) {
		st->attrs_run = 0;  /* not in the canonical run */
		if (st->attrs_lazy) /* keep wire order: the run comes first */
			attrs_fill(st, n_attr, indexed);
		st->attrs_split = 0; /* this one is not split yet */
		if (*n_attr >= OTLP_REWRITE_ATTRS_MAX) {
			*indexed = 0; /* readers scan raw */
			return 0;
		}
		/* keys are split later, only for spans that get that far */
		struct otlp_rewrite_attr *a = &st->attr[(*n_attr)++];
		a->start = f->start;
		a->size = f->size;
		otlp_wire_set_bytes(&a->kv, f);
	}
	return 0;
}

/* The fields in the order every SDK writes them (1, 2, 3, 4, 5, ...), each
 * at most once and optional: read them as a straight line of tests that
 * almost always go the same way. A switch on the tag per field costs an
 * indirect jump each, and on this VM that jump mispredicted often enough to
 * be a third of the decode (perf annotate). Returns where the canonical
 * prefix ends: decode() reads anything after it the general way, so an
 * out-of-order or repeated field still gets the last-wins result. */
static const uint8_t *decode_in_order(struct otlp_rewrite_span_state *st, const uint8_t *p,
				      const uint8_t *end, int head, int *err)
{
	struct otlp_span *out = &st->span;
	struct otlp_bytes b;
	size_t len;
	uint64_t v;
#define AT(tag) (p < end && *p == (tag))
#define BAIL()                \
	do {                  \
		return start; \
	} while (0)
#define RD_LEN_IO()                                                      \
	do {                                                             \
		if (p < end && *p < 0x80) {                              \
			len = *p++;                                      \
		} else if (end - p >= 2 && p[1] < 0x80) {                \
			len = (size_t)(p[0] & 0x7f) | (size_t)p[1] << 7; \
			p += 2;                                          \
		} else                                                   \
			BAIL();                                          \
		if (len > (size_t)(end - p)) {                           \
			*err = -EBADMSG;                                 \
			return start;                                    \
		}                                                        \
		b.p = p;                                                 \
		b.len = len;                                             \
		p += len;                                                \
	} while (0)
#define RD_ID_IO(n, dst)                      \
	do {                                  \
		const uint8_t *start = p++;   \
		RD_LEN_IO();                  \
		if (len != 0 && len != (n)) { \
			*err = -EPROTO;       \
			return start;         \
		}                             \
		dst = b;                      \
	} while (0)
#define RD_FIXED_IO(dst)                    \
	do {                                \
		const uint8_t *start = p++; \
		if (end - p < 8)            \
			BAIL();             \
		memcpy(&v, p, 8);           \
		dst = le64toh(v);           \
		p += 8;                     \
		(void)start;                \
	} while (0)
	/* the usual head, trace id (16) then span id (8), in one test */
	if (end - p >= 28 && p[0] == ((OTLP_F_SPAN_TRACE_ID << 3) | OTLP_WT_LEN) && p[1] == 16 &&
	    p[18] == ((OTLP_F_SPAN_SPAN_ID << 3) | OTLP_WT_LEN) && p[19] == 8) {
		out->trace_id.p = p + 2;
		out->trace_id.len = 16;
		out->span_id.p = p + 20;
		out->span_id.len = 8;
		p += 28;
	}
	if (AT((OTLP_F_SPAN_TRACE_ID << 3) | OTLP_WT_LEN))
		RD_ID_IO(16, out->trace_id);
	if (AT((OTLP_F_SPAN_SPAN_ID << 3) | OTLP_WT_LEN))
		RD_ID_IO(8, out->span_id);
	if (AT((OTLP_F_SPAN_TRACE_STATE << 3) | OTLP_WT_LEN)) {
		const uint8_t *start = p++;
		RD_LEN_IO();
		out->trace_state = b;
	}
	if (AT((OTLP_F_SPAN_PARENT_SPAN_ID << 3) | OTLP_WT_LEN))
		RD_ID_IO(8, out->parent_span_id);
	if (AT((OTLP_F_SPAN_NAME << 3) | OTLP_WT_LEN)) {
		const uint8_t *start = p++;
		RD_LEN_IO();
		out->name = b;
		st->name_field.p = start;
		st->name_field.len = (size_t)(p - start);
		st->n_name++;
	}
	/* the usual middle, kind then start and end times, in one test */
	if (end - p >= 20 && p[0] == ((OTLP_F_SPAN_KIND << 3) | OTLP_WT_VARINT) && p[1] < 0x80 &&
	    p[2] == ((OTLP_F_SPAN_START << 3) | OTLP_WT_I64) &&
	    p[11] == ((OTLP_F_SPAN_END << 3) | OTLP_WT_I64)) {
		out->kind = p[1];
		memcpy(&v, p + 3, 8);
		out->start_time_unix_nano = le64toh(v);
		memcpy(&v, p + 12, 8);
		out->end_time_unix_nano = le64toh(v);
		p += 20;
	}
	if (AT((OTLP_F_SPAN_KIND << 3) | OTLP_WT_VARINT)) {
		const uint8_t *start = p++;
		if (!(p < end && *p < 0x80))
			BAIL();
		out->kind = *p++;
	}
	if (AT((OTLP_F_SPAN_START << 3) | OTLP_WT_I64))
		RD_FIXED_IO(out->start_time_unix_nano);
	if (AT((OTLP_F_SPAN_END << 3) | OTLP_WT_I64))
		RD_FIXED_IO(out->end_time_unix_nano);
	if (head)
		return p; /* fields 1-8 only: decode() stops at the next field */
	/* the attributes are only skipped here (attrs_fill() indexes them
	 * when asked); a counter in a register, as a store through st may
	 * alias *p (bytes alias everything) */
	uint32_t na = 0;
	st->attr_lo = p;
	/* attributes under 128 bytes, the usual ones, in a tight loop: a step
	 * may land past end, which the test after the loop refuses (nothing is
	 * read there: the loop test checks room first) */
	while (end - p >= 2 && p[0] == ((OTLP_F_SPAN_ATTRIBUTES << 3) | OTLP_WT_LEN) && p[1] < 0x80) {
		p += 2 + p[1];
		na++;
	}
	if (p > end) {
		*err = -EBADMSG;
		return end;
	}
	while (AT((OTLP_F_SPAN_ATTRIBUTES << 3) | OTLP_WT_LEN)) {
		const uint8_t *start = p++;
		if (p < end && *p < 0x80) {
			len = *p++;
		} else if (end - p >= 2 && p[1] < 0x80) {
			len = (size_t)(p[0] & 0x7f) | (size_t)p[1] << 7;
			p += 2;
		} else {
			p = start; /* the general path reads this one */
			break;
		}
		if (len > (size_t)(end - p)) {
			*err = -EBADMSG;
			return start;
		}
		p += len;
		na++;
	}
	st->attr_hi = p;
	st->lazy_n = na;
	st->attrs_lazy = na > 0;
	out->n_attributes = na;
	if (AT((OTLP_F_SPAN_DROPPED_ATTRIBUTES << 3) | OTLP_WT_VARINT)) {
		const uint8_t *start = p++;
		if (!(p < end && *p < 0x80))
			BAIL();
		out->dropped_attributes_count = *p++;
	}
	while (AT((OTLP_F_SPAN_EVENTS << 3) | OTLP_WT_LEN)) {
		const uint8_t *start = p++;
		RD_LEN_IO();
		out->n_events++;
	}
	while (AT((OTLP_F_SPAN_LINKS << 3) | OTLP_WT_LEN)) {
		const uint8_t *start = p++;
		RD_LEN_IO();
		out->n_links++;
	}
	if (AT((OTLP_F_SPAN_STATUS << 3) | OTLP_WT_LEN)) {
		const uint8_t *start = p++;
		RD_LEN_IO();
		out->status = b;
		out->has_status = 1;
	}
	return p;
#undef AT
#undef BAIL
#undef RD_LEN_IO
#undef RD_ID_IO
#undef RD_FIXED_IO
}

/* Decodes a span: the canonical prefix in a straight line, then any field
 * left through the field reader and span_field(). Same results and errors
 * as otlp_wire_span(). head: fields 1-8 only, read up to the first field
 * numbered 9 or more (a one-byte tag from 0x48 up, or a longer one), which
 * gives otlp_wire_span's values for them when they come first (see
 * otlp_rewrite_span_head); the rest of st->span stays zero. */
static int decode(struct otlp_rewrite_span_state *st, struct otlp_bytes msg, int head)
{
	struct otlp_span *out = &st->span;
	const uint8_t *p = msg.p, *end = msg.len ? msg.p + msg.len : msg.p;
	uint32_t n_attr = 0;
	int indexed = 1, rc = 0;

	/* field by field, not memset: a rep stos here cost more than the scan */
	out->raw = msg;
	out->trace_id = out->span_id = out->parent_span_id = (struct otlp_bytes){ 0 };
	out->trace_state = out->name = out->status = (struct otlp_bytes){ 0 };
	out->start_time_unix_nano = out->end_time_unix_nano = 0;
	out->flags = 0;
	out->kind = 0;
	out->n_attributes = out->dropped_attributes_count = 0;
	out->n_events = out->dropped_events_count = 0;
	out->n_links = out->dropped_links_count = 0;
	out->has_status = 0;
	st->n_name = 0;
	st->attrs_lazy = 0;
	st->attrs_run = 1;
	st->attr_lo = st->attr_hi = p;
	st->lazy_n = 0;
	st->attrs_split = 1; /* nothing to split until an attribute is seen */
	if (p < end)
		p = decode_in_order(st, p, end, head, &rc);
	if (rc < 0)
		return rc;
	while (p < end && !(head && *p >= ((OTLP_F_SPAN_END + 1) << 3))) {
		struct otlp_wire_reader r = { p, end };
		struct otlp_wire_field f;
		if ((rc = otlp_wire_field_next(&r, &f)) < 0)
			return rc;
		p = r.p;
		if ((rc = span_field(st, &f, &n_attr, &indexed)) < 0)
			return rc;
	}
	if (st->attrs_lazy) {
		st->n_attr = 0;
		st->attrs_indexed = 1;
	} else {
		st->n_attr = n_attr;
		st->attrs_indexed = indexed;
	}
	return 0;
}

int rewrite_span_decode(struct otlp_rewrite_span_state *st, struct otlp_bytes raw)
{
	if (st->state == 0 || st->state == 2) {
		int rc = decode(st, raw, 0);
		st->state = rc < 0 ? rc : 1;
	}
	return st->state < 0 ? st->state : 0;
}

void rewrite_span_split(struct otlp_rewrite_span_state *st)
{
	if (st->attrs_lazy) {
		int indexed = 1;
		attrs_fill(st, &st->n_attr, &indexed);
		st->attrs_indexed = indexed;
	}
	if (st->attrs_split || !st->attrs_indexed)
		return;
	for (uint32_t i = 0; i < st->n_attr; i++) {
		struct otlp_rewrite_attr *a = &st->attr[i];
		if (otlp_rewrite_kv_fast(a->kv, &a->key, &a->value))
			continue; /* the usual layout, inlined */
		if (otlp_rewrite_kv_split(a->kv, &a->key, &a->value) < 0) {
			st->attrs_indexed = 0; /* readers scan raw and see why */
			return;
		}
	}
	st->attrs_split = 1;
}

int otlp_rewrite_span(const struct otlp_rewrite_span_ctx *ctx, const struct otlp_span **out)
{
	int rc = rewrite_span_decode(ctx->st, ctx->raw);

	if (rc == 0)
		*out = &ctx->st->span;
	return rc;
}

int otlp_rewrite_span_head(const struct otlp_rewrite_span_ctx *ctx, const struct otlp_span **out)
{
	struct otlp_rewrite_span_state *st = ctx->st;

	if (st->state == 0) {
		int rc = decode(st, ctx->raw, 1);
		st->state = rc < 0 ? rc : 2;
	}
	if (st->state < 0)
		return st->state;
	*out = &st->span;
	return 0;
}

int otlp_rewrite_span_attrs(const struct otlp_rewrite_span_ctx *ctx, const struct otlp_rewrite_attr **attrs,
			    uint32_t *n)
{
	int rc = rewrite_span_decode(ctx->st, ctx->raw);

	if (rc < 0)
		return rc;
	rewrite_span_split(ctx->st);
	if (!ctx->st->attrs_indexed)
		return 0;
	*attrs = ctx->st->attr;
	*n = ctx->st->n_attr;
	return 1;
}
