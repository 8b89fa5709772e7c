/* agg/sm_scan.c: Span messages read from their wire bytes: sm_scan_span,
 * agg_add_wire's one pass over a span's fields (sm_scan.h), and
 * agg_span_from_wire, the decode into struct agg_span it replaces in the
 * process stage (kept: the API's agg_add path, and the reference that
 * tests/agg/wirecmp compares agg_add_wire with).
 *
 * sm_scan_span takes the common encodings (one-byte tags, one-byte
 * lengths and kinds, fixed64 times, KeyValues of a key and a value) in a
 * step each and anything else through the field reader, with
 * otlp_wire_span_field's checks. What it reads: a span whose fields have
 * the schema's wire types, whose status decodes, and whose attributes,
 * walked until every dimension is found, are KeyValues with a decodable
 * value where it is a dimension's. The values of other attributes are not
 * looked at (agg_span_from_wire refuses a span when one of them is
 * malformed; ingest's validation never lets such a span through, so both
 * count the same spans in practice). A dimension's AnyValue bytes are
 * kept as they are when sm_anyvalue_put would write the same bytes (one
 * member, minimal lengths: what every OTLP encoder sends). */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "agg/sm_scan.h"

/* True if sm_anyvalue_put writes these AnyValue bytes unchanged for the
 * value they decode to; *room as build_key counts it. */
static inline int canonical(const uint8_t *v, size_t len, uint32_t *room)
{
	*room = 0;
	if (len == 0)
		return 1; /* no member: empty, no bytes */
	switch (v[0]) {
	case 1 << 3 | OTLP_WT_LEN: /* string, array, kvlist, bytes */
	case 5 << 3 | OTLP_WT_LEN:
	case 6 << 3 | OTLP_WT_LEN:
	case 7 << 3 | OTLP_WT_LEN:
		*room = len >= 2 ? v[1] : 0;
		return len >= 2 && v[1] < 0x80 && len == 2u + v[1];
	case 2 << 3 | OTLP_WT_VARINT: /* bool: 0 or 1 */
		return len == 2 && v[1] <= 1;
	case 3 << 3 | OTLP_WT_VARINT: /* int: a minimal varint of up to 9 bytes */
		if (len < 2 || len > 10 || v[len - 1] >= 0x80 || (len > 2 && v[len - 1] == 0))
			return 0;
		for (size_t i = 1; i + 1 < len; i++)
			if (v[i] < 0x80)
				return 0;
		return 1;
	case 4 << 3 | OTLP_WT_I64: /* double: its bits */
		return len == 9;
	}
	return 0;
}

static void dim_value(struct sm_wdim *d, const struct otlp_value *v)
{
	d->raw = 0;
	d->v = *v;
	d->room = v->type == OTLP_VALUE_STRING || v->type >= OTLP_VALUE_ARRAY ? (uint32_t)v->u.b.len : 0;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The first not-yet-found dimension named key (kl bytes), or -1. Most
 * keys are told apart by their length (a table), the rest by their first
 * and last 8 bytes, which settle keys of up to 16 bytes. */
static inline int dim_of(const struct agg *a, uint32_t present, const uint8_t *key, size_t kl)
{
	uint32_t m = kl < 64 ? a->dim_by_len[kl] : (1u << a->p.n_dims) - 1;
	for (m &= ~present; m; m &= m - 1) {
		int i = __builtin_ctz(m);
		if (a->dim_len[i] != kl)
			continue;
		if (kl >= 8) {
			if (load64(key) != a->dim_w[i][0] || load64(key + kl - 8) != a->dim_w[i][1])
				continue;
			if (kl <= 16 || !memcmp(key + 8, a->p.dims[i].name + 8, kl - 16))
				return i;
		} else if (!kl || !memcmp(key, a->p.dims[i].name, kl)) {
			return i;
		}
	}
	return -1;
}

/* Dimension i's value (AnyValue bytes v) into w. */
static inline int dim_set(struct sm_wspan *w, int i, const uint8_t *v, uint32_t len)
{
	struct sm_wdim *d = &w->dim[i];
	d->p = v;
	d->len = len;
	d->raw = canonical(v, len, &d->room);
	if (!d->raw) {
		struct otlp_value dv;
		int rc = otlp_wire_anyvalue((struct otlp_bytes){ v, len }, &dv);
		if (rc < 0)
			return rc;
		dim_value(d, &dv);
	}
	w->present |= 1u << i;
	return 0;
}

/* An attribute of any other shape: otlp_wire_kv's reading. */
static __attribute__((noinline)) int attr_general(const struct agg *a, struct sm_wspan *w, const uint8_t *b,
						  size_t n)
{
	struct otlp_kv kv;
	int rc = otlp_wire_kv((struct otlp_bytes){ b, n }, &kv);
	if (rc < 0)
		return rc;
	int i = dim_of(a, w->present, kv.key.p, kv.key.len);
	if (i >= 0) {
		dim_value(&w->dim[i], &kv.value);
		w->present |= 1u << i;
	}
	return 0;
}

/* One attribute (KeyValue bytes b) of the span: a dimension's value? */
static inline int attr(const struct agg *a, struct sm_wspan *w, const uint8_t *b, size_t n)
{
	if (w->present == (1u << a->p.n_dims) - 1) /* all found (or none configured) */
		return 0;
	/* the usual shape: key (field 1), value (field 2), one-byte lengths */
	if (n >= 4 && b[0] == (1 << 3 | OTLP_WT_LEN) && b[1] < 0x80 && b[1] + 4u <= n &&
	    b[2 + b[1]] == (2 << 3 | OTLP_WT_LEN) && b[3 + b[1]] < 0x80 && 4u + b[1] + b[3 + b[1]] == n) {
		int i = dim_of(a, w->present, b + 2, b[1]);
		/* not a dimension: its value is not looked at */
		return i < 0 ? 0 : dim_set(w, i, b + 4 + b[1], b[3 + b[1]]);
	}
	return attr_general(a, w, b, n);
}

/* Any other span field, as otlp_wire_span_field checks it. */
static int field(const struct agg *a, struct sm_wspan *w, const struct otlp_wire_field *f)
{
	static const uint8_t want[17] = {
		[OTLP_F_SPAN_TRACE_ID] = OTLP_WT_LEN,	 [OTLP_F_SPAN_SPAN_ID] = OTLP_WT_LEN,
		[OTLP_F_SPAN_TRACE_STATE] = OTLP_WT_LEN, [OTLP_F_SPAN_PARENT_SPAN_ID] = OTLP_WT_LEN,
		[OTLP_F_SPAN_NAME] = OTLP_WT_LEN,	 [OTLP_F_SPAN_KIND] = OTLP_WT_VARINT,
		[OTLP_F_SPAN_START] = OTLP_WT_I64,	 [OTLP_F_SPAN_END] = OTLP_WT_I64,
		[OTLP_F_SPAN_ATTRIBUTES] = OTLP_WT_LEN,	 [OTLP_F_SPAN_DROPPED_ATTRIBUTES] = OTLP_WT_VARINT,
		[OTLP_F_SPAN_EVENTS] = OTLP_WT_LEN,	 [OTLP_F_SPAN_DROPPED_EVENTS] = OTLP_WT_VARINT,
		[OTLP_F_SPAN_LINKS] = OTLP_WT_LEN,	 [OTLP_F_SPAN_DROPPED_LINKS] = OTLP_WT_VARINT,
		[OTLP_F_SPAN_STATUS] = OTLP_WT_LEN,	 [OTLP_F_SPAN_FLAGS] = OTLP_WT_I32
	};
	if (f->num > OTLP_F_SPAN_FLAGS)
		return 0;
	if (f->wt != want[f->num])
		return -EPROTO;
	switch (f->num) {
	case OTLP_F_SPAN_TRACE_ID:
	case OTLP_F_SPAN_SPAN_ID:
	case OTLP_F_SPAN_PARENT_SPAN_ID: {
		size_t id = f->num == OTLP_F_SPAN_TRACE_ID ? 16 : 8;
		if (f->b.len != 0 && f->b.len != id)
			return -EPROTO;
		if (f->num == OTLP_F_SPAN_TRACE_ID)
			w->tid = f->b;
		else if (f->num == OTLP_F_SPAN_SPAN_ID)
			w->sid = f->b;
		return 0;
	}
	case OTLP_F_SPAN_NAME:
		w->name = f->b;
		return 0;
	case OTLP_F_SPAN_KIND:
		w->kind = (int32_t)f->u64;
		return 0;
	case OTLP_F_SPAN_START:
		w->start = f->u64;
		return 0;
	case OTLP_F_SPAN_END:
		w->end = f->u64;
		return 0;
	case OTLP_F_SPAN_ATTRIBUTES:
		return attr(a, w, f->b.p, f->b.len);
	case OTLP_F_SPAN_STATUS:
		w->status = f->b;
		w->has_status = 1;
		return 0;
	}
	return 0;
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}

/* One span: the common encodings (one-byte tags, one-byte lengths and
 * kinds, fixed64 times) in a step each, anything else through the field
 * reader. Returns 0 or -errno (the span is not counted). */
static int scan_fields(const struct agg *a, const uint8_t *p, const uint8_t *end, struct sm_wspan *w)
{
	/* field by field: a struct copy here was built on the stack and
	 * loaded 16 bytes wide from two 8-byte stores (no forwarding) */
	w->name.p = w->tid.p = w->sid.p = w->status.p = NULL;
	w->name.len = w->tid.len = w->sid.len = w->status.len = 0;
	w->start = w->end = 0;
	w->kind = 0;
	w->has_status = 0;
	w->present = 0;
	while (p < end) {
		uint8_t t = p[0];
		size_t left = (size_t)(end - p);
		if (left >= 2 && p[1] < 0x80 && (t & 7) == OTLP_WT_LEN && t < 0x80) {
			size_t l = p[1];
			const uint8_t *b = p + 2;
			if (l > left - 2)
				return -EBADMSG;
			p = b + l;
			/* tests by frequency, not a switch: its indirect jump
			 * mispredicted at every change of field (perf) */
			unsigned num = t >> 3;
			if (num == OTLP_F_SPAN_ATTRIBUTES) {
				int rc = attr(a, w, b, l);
				if (rc < 0)
					return rc;
			} else if (num == OTLP_F_SPAN_NAME) {
				w->name = (struct otlp_bytes){ b, l };
			} else if (num == OTLP_F_SPAN_TRACE_ID) {
				if (l != 0 && l != 16)
					return -EPROTO;
				w->tid = (struct otlp_bytes){ b, l };
			} else if (num == OTLP_F_SPAN_SPAN_ID) {
				if (l != 0 && l != 8)
					return -EPROTO;
				w->sid = (struct otlp_bytes){ b, l };
			} else if (num == OTLP_F_SPAN_STATUS) {
				w->status = (struct otlp_bytes){ b, l };
				w->has_status = 1;
			} else if (num == OTLP_F_SPAN_PARENT_SPAN_ID) {
				if (l != 0 && l != 8)
					return -EPROTO;
			} else if (num == 0) {
				return -EBADMSG;
			} else if (num != OTLP_F_SPAN_TRACE_STATE && num != OTLP_F_SPAN_EVENTS &&
				   num != OTLP_F_SPAN_LINKS) { /* those, and unknown fields: skipped */
				return -EPROTO;		       /* a known field that is no LEN field */
			}
			continue;
		}
		if (t == (OTLP_F_SPAN_KIND << 3 | OTLP_WT_VARINT) && left >= 2 && p[1] < 0x80) {
			w->kind = p[1];
			p += 2;
			continue;
		}
		if ((t == (OTLP_F_SPAN_START << 3 | OTLP_WT_I64) ||
		     t == (OTLP_F_SPAN_END << 3 | OTLP_WT_I64)) &&
		    left >= 9) {
			if (t == (OTLP_F_SPAN_START << 3 | OTLP_WT_I64))
				w->start = le64(p + 1);
			else
				w->end = le64(p + 1);
			p += 9;
			continue;
		}
		struct otlp_wire_reader r;
		struct otlp_wire_field f;
		otlp_wire_reader_init(&r, p, left);
		int rc = otlp_wire_next(&r, &f);
		if (rc < 0)
			return rc;
		if ((rc = field(a, w, &f)) < 0)
			return rc;
		p = r.p;
	}
	return 0;
}

int sm_scan_attr_run(const struct agg *a, const uint8_t *p, const uint8_t *end, struct sm_wspan *w)
{
	const uint8_t tag = OTLP_F_SPAN_ATTRIBUTES << 3 | OTLP_WT_LEN;
	w->present = 0;
	while (p < end && w->present != (1u << a->p.n_dims) - 1) {
		size_t left = (size_t)(end - p), l;
		if (left < 2 || p[0] != tag)
			return -EAGAIN;
		if (p[1] < 0x80) {
			l = p[1];
			p += 2;
		} else if (left >= 3 && p[2] < 0x80) {
			l = (size_t)(p[1] & 0x7f) | (size_t)p[2] << 7;
			p += 3;
		} else {
			return -EAGAIN;
		}
		if (l > (size_t)(end - p))
			return -EAGAIN;
		int rc = attr(a, w, p, l);
		if (rc < 0)
			return rc;
		p += l;
	}
	return 0;
}

int sm_scan_span(const struct agg *a, const uint8_t *p, const uint8_t *end, struct sm_wspan *w, int32_t *code)
{
	int rc = scan_fields(a, p, end, w);
	return rc < 0 ? rc : sm_status_code(w->status, w->has_status, code);
}

/* The dimensions' values in one walk over the span's attributes, not one
 * walk a dimension: each walk steps over every field of the span (events
 * and links too), and four of them were half of the process stage's time
 * with spanmetrics on (perf, docs/bench/agg.md). The first attribute with
 * a dimension's key wins, as in otlp_wire_find_attr. */
_Static_assert(AGG_DIMS_MAX < 32, "dims_present has a bit a dimension");
static int span_dims(const struct agg *a, struct otlp_bytes span, struct agg_span *s)
{
	const uint32_t all = (1u << a->p.n_dims) - 1; /* n_dims <= AGG_DIMS_MAX (16) */
	struct otlp_wire_iter it;
	struct otlp_bytes kvb;
	int rc = 0;
	s->dims_present = 0;
	if (!a->p.n_dims)
		return 0;
	otlp_wire_iter_init(&it, span, OTLP_F_SPAN_ATTRIBUTES);
	while (s->dims_present != all && (rc = otlp_wire_iter_next(&it, &kvb)) > 0) {
		struct otlp_kv kv;
		if ((rc = otlp_wire_kv(kvb, &kv)) < 0)
			return rc;
		for (uint32_t i = 0; i < a->p.n_dims; i++) {
			if ((s->dims_present >> i & 1) || kv.key.len != a->dim_len[i] ||
			    (kv.key.len && memcmp(kv.key.p, a->p.dims[i].name, kv.key.len)))
				continue;
			s->dim[i] = kv.value;
			s->dims_present |= 1u << i;
			break;
		}
	}
	return rc < 0 ? rc : 0;
}

int agg_span_from_wire(const struct agg *a, struct otlp_bytes span, struct agg_span *s)
{
	struct otlp_span sp;
	struct otlp_status st = { { NULL, 0 }, 0 };
	int rc = otlp_wire_span(span, &sp);
	if (rc < 0)
		return rc;
	if (sp.has_status && (rc = otlp_wire_status(sp.status, &st)) < 0)
		return rc;
	s->name = sp.name;
	s->trace_id = sp.trace_id;
	s->span_id = sp.span_id;
	s->start_ns = sp.start_time_unix_nano;
	s->end_ns = sp.end_time_unix_nano;
	s->kind = sp.kind;
	s->status = st.code;
	return span_dims(a, span, s);
}
