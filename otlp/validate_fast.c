/* otlp/validate_fast.c: the fast path of the request validator (see
 * validate_fast.h). The rules are check()'s in validate.c, written as code:
 * one function per message type, switch cases on the whole tag (field
 * number and wire type in one compare), values skipped unread; the usual
 * Span head and attribute shapes are matched byte by byte before the field
 * loop. Anything unusual or wrong returns "not sure" (-1) at once and
 * validate.c's table walk decides. Stricter than check() is allowed,
 * looser never: tests/producer/test_ingest_validate.c and
 * fuzz_validate_fast.c hold the two against each other. */
#include <errno.h>
#include <stdint.h>

#include "otlp/validate_fast.h"
#include "otlp/wire_field.h"

#define T(num, wt) ((uint64_t)(num) << 3 | (wt))
#define FAST __attribute__((always_inline)) static inline

/* The next field of [*pp, end) (*pp < end): its whole tag and, for LEN
 * fields, the payload. Varint, I64 and I32 values are skipped unread. The
 * same framing rules as otlp_wire_field_next(): tags and lengths at most 5
 * bytes, varints at most 10, lengths within the message and <= INT32_MAX,
 * field number 0 and wire types 3, 4, 6, 7 refused. */
FAST int fast_field(const uint8_t **pp, const uint8_t *end, uint64_t *tag,
		    const uint8_t **val, size_t *vlen)
{
	const uint8_t *p = *pp;
	uint64_t t, n;

	if (*p < 0x80)
		t = *p++;
	else if (otlp_wire_short_varint(&p, end, 5, &t) < 0)
		return -1;
	if (t < 8)
		return -1;  /* field number 0 */
	switch (t & 7) {
	case OTLP_WT_VARINT:
		for (unsigned i = 0;; i++) {
			if (i == 10 || p >= end)
				return -1;
			if (*p++ < 0x80)
				break;
		}
		break;
	case OTLP_WT_I64:
		if (end - p < 8)
			return -1;
		p += 8;
		break;
	case OTLP_WT_LEN:
		if (p < end && *p < 0x80)
			n = *p++;
		else if (otlp_wire_short_varint(&p, end, 5, &n) < 0)
			return -1;
		if (n > INT32_MAX || n > (uint64_t)(end - p))
			return -1;
		*val = p;
		*vlen = (size_t)n;
		p += n;
		break;
	case OTLP_WT_I32:
		if (end - p < 4)
			return -1;
		p += 4;
		break;
	default:
		return -1;
	}
	*tag = t;
	*pp = p;
	return 0;
}

/* Loop over the fields of [p, p + len): t, v, n are the tag and LEN payload.
 * A case for a known field number checks the tag (so the wire type) itself;
 * other numbers are unknown fields, skipped as check() skips them. */
#define FIELDS(p_, len_) \
	const uint8_t *p = (p_), *end = p + (len_); \
	uint64_t t; \
	const uint8_t *v = NULL; \
	size_t n = 0; \
	while (p < end) \
		if (fast_field(&p, end, &t, &v, &n) < 0) \
			return -1; \
		else switch (t >> 3)
#define WANT(tag) do { if (t != (tag)) return -1; } while (0)
#define WANT_ID(num, idlen) do { WANT(T(num, OTLP_WT_LEN)); \
	if (n != 0 && n != (idlen)) return -1; } while (0)

static int fast_list(const uint8_t *p0, size_t len0, unsigned depth, int kv);

/* An AnyValue whose depth the caller has counted and checked. Inlined into
 * the attribute loops: most values are one scalar and need no call. */
FAST int fast_any_body(const uint8_t *p0, size_t len0, unsigned depth)
{
	FIELDS(p0, len0) {
	case 1: case 7:
		WANT(T(t >> 3, OTLP_WT_LEN));
		break;
	case 2: case 3:
		WANT(T(t >> 3, OTLP_WT_VARINT));
		break;
	case 4:
		WANT(T(4, OTLP_WT_I64));
		break;
	case 5: case 6:
		WANT(T(t >> 3, OTLP_WT_LEN));
		if (fast_list(v, n, depth, (t >> 3) == 6) < 0)
			return -1;
		break;
	}
	return 0;
}

/* A KeyValue whose value sits at AnyValue depth depth + 1. */
FAST int fast_kv_body(const uint8_t *p0, size_t len0, unsigned depth)
{
	FIELDS(p0, len0) {
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		break;
	case 2:
		WANT(T(2, OTLP_WT_LEN));
		if (depth + 1 > OTLP_WIRE_MAX_DEPTH || fast_any_body(v, n, depth + 1) < 0)
			return -1;
		break;
	}
	return 0;
}

/* Fields 1 of ArrayValue (AnyValue) and KeyValueList (KeyValue), the
 * values of an AnyValue at depth depth. */
static int fast_list(const uint8_t *p0, size_t len0, unsigned depth, int kv)
{
	FIELDS(p0, len0) {
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		if (kv ? fast_kv_body(v, n, depth) < 0 :
			 depth + 1 > OTLP_WIRE_MAX_DEPTH || fast_any_body(v, n, depth + 1) < 0)
			return -1;
		break;
	}
	return 0;
}

/* Messages whose fields 1..nfields are all strings, or varints where
 * varint_mask has their bit (no nesting): Status, EntityRef. */
static int fast_flat(const uint8_t *p0, size_t len0, uint8_t nfields,
		     uint32_t varint_mask)
{
	FIELDS(p0, len0) {
	default:
		if ((t >> 3) > nfields)
			break;
		WANT(T(t >> 3, (varint_mask >> (t >> 3)) & 1 ? OTLP_WT_VARINT : OTLP_WT_LEN));
	}
	return 0;
}

/* The attributes of every message: KeyValue at AnyValue depth 0. */
#define ATTRS(num) case num: WANT(T(num, OTLP_WT_LEN)); \
	do { if (fast_kv_body(v, n, 0) < 0) return -1; } while (0); break

static int fast_event(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0) {
	case 1: WANT(T(1, OTLP_WT_I64)); break;
	case 2: WANT(T(2, OTLP_WT_LEN)); break;
	ATTRS(3);
	case 4: WANT(T(4, OTLP_WT_VARINT)); break;
	}
	return 0;
}

static int fast_link(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0) {
	case 1: WANT_ID(1, 16); break;
	case 2: WANT_ID(2, 8); break;
	case 3: WANT(T(3, OTLP_WT_LEN)); break;
	ATTRS(4);
	case 5: WANT(T(5, OTLP_WT_VARINT)); break;
	case 6: WANT(T(6, OTLP_WT_I32)); break;
	}
	return 0;
}

/* Span fields in any order (after fast_span's usual-order prefix). */
FAST int fast_span_rest(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0) {
	case 1: WANT_ID(1, 16); break;
	case 2: WANT_ID(2, 8); break;
	case 3: case 5: WANT(T(t >> 3, OTLP_WT_LEN)); break;
	case 4: WANT_ID(4, 8); break;
	case 6: case 10: case 12: case 14: WANT(T(t >> 3, OTLP_WT_VARINT)); break;
	case 7: case 8: WANT(T(t >> 3, OTLP_WT_I64)); break;
	ATTRS(9);
	case 11:
		WANT(T(11, OTLP_WT_LEN));
		if (fast_event(v, n) < 0)
			return -1;
		break;
	case 13:
		WANT(T(13, OTLP_WT_LEN));
		if (fast_link(v, n) < 0)
			return -1;
		break;
	case 15:  /* Status: 2 message, 3 code; 1 (deprecated) is not checked */
		WANT(T(15, OTLP_WT_LEN));
		if (fast_flat(v, n, 3, 1u << 3 | 1u << 1) < 0)
			return -1;
		break;
	case 16: WANT(T(16, OTLP_WT_I32)); break;
	}
	return 0;
}

/* The usual shape of an attribute, checked byte by byte: key (field 1) and
 * value (field 2) with one-byte lengths, the value a string, a one- or
 * two-byte bool/int, a double, or empty. 1 = valid, 0 = not this shape
 * (the field loops decide). kv: the KeyValue's len bytes (len < 128). */
FAST int fast_attr_usual(const uint8_t *kv, size_t len)
{
	if (len < 4 || kv[0] != 0x0a || kv[1] >= 0x80 || (size_t)kv[1] + 4 > len)
		return 0;
	const uint8_t *r = kv + 2 + kv[1];
	size_t al = r[1];
	if (r[0] != 0x12 || al >= 0x80 || (size_t)kv[1] + 4 + al != len)
		return 0;
	const uint8_t *a = r + 2;
	if (al == 0)
		return 1;
	switch (a[0]) {
	case T(1, OTLP_WT_LEN):  /* string_value */
		return al >= 2 && a[1] < 0x80 && (size_t)a[1] + 2 == al;
	case T(2, OTLP_WT_VARINT): case T(3, OTLP_WT_VARINT):  /* bool, int */
		return (al == 2 && a[1] < 0x80) || (al == 3 && a[1] >= 0x80 && a[2] < 0x80);
	case T(4, OTLP_WT_I64):  /* double_value */
		return al == 9;
	}
	return 0;
}

/* A Span: SDKs write fields in number order, so the usual head (ids, name,
 * kind, times) and the attributes are matched byte by byte first, each
 * match a complete valid field; whatever remains (any order, any field)
 * goes through the field loop. */
static int fast_span(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;

	if (end - p >= 18 && p[0] == T(1, OTLP_WT_LEN) && p[1] == 16)
		p += 18;
	if (end - p >= 10 && p[0] == T(2, OTLP_WT_LEN) && p[1] == 8)
		p += 10;
	if (end - p >= 10 && p[0] == T(4, OTLP_WT_LEN) && p[1] == 8)
		p += 10;
	if (end - p >= 2 && p[0] == T(5, OTLP_WT_LEN) && p[1] < 0x80 && p[1] <= end - p - 2)
		p += 2 + p[1];
	if (end - p >= 2 && p[0] == T(6, OTLP_WT_VARINT) && p[1] < 0x80)
		p += 2;
	if (end - p >= 18 && p[0] == T(7, OTLP_WT_I64) && p[9] == T(8, OTLP_WT_I64))
		p += 18;
	while (end - p >= 2 && p[0] == T(9, OTLP_WT_LEN) && p[1] < 0x80 &&
	       p[1] <= end - p - 2 && fast_attr_usual(p + 2, p[1]))
		p += 2 + p[1];
	/* Status holding only a one-byte code. */
	if (end - p >= 4 && p[0] == T(15, OTLP_WT_LEN) && p[1] == 2 &&
	    p[2] == T(3, OTLP_WT_VARINT) && p[3] < 0x80)
		p += 4;
	return p < end ? fast_span_rest(p, (size_t)(end - p)) : 0;
}

static int fast_resource(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0) {
	ATTRS(1);
	case 2: WANT(T(2, OTLP_WT_VARINT)); break;
	case 3:  /* EntityRef: four strings */
		WANT(T(3, OTLP_WT_LEN));
		if (fast_flat(v, n, 4, 0) < 0)
			return -1;
		break;
	}
	return 0;
}

static int fast_scope(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0) {
	case 1: case 2: WANT(T(t >> 3, OTLP_WT_LEN)); break;
	ATTRS(3);
	case 4: WANT(T(4, OTLP_WT_VARINT)); break;
	}
	return 0;
}

static int fast_scope_spans(const uint8_t *p0, size_t len0, struct otlp_wire_counts *c)
{
	FIELDS(p0, len0) {
	case 1:  /* InstrumentationScope */
		WANT(T(1, OTLP_WT_LEN));
		if (fast_scope(v, n) < 0)
			return -1;
		break;
	case 2:
		WANT(T(2, OTLP_WT_LEN));
		c->spans++;
		if (fast_span(v, n) < 0)
			return -1;
		break;
	case 3: WANT(T(3, OTLP_WT_LEN)); break;
	}
	return 0;
}

int otlp_validate_fast_resource_spans(const uint8_t *p0, size_t len0, struct otlp_wire_counts *c)
{
	FIELDS(p0, len0) {
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		if (fast_resource(v, n) < 0)
			return -1;
		break;
	case 2:
		WANT(T(2, OTLP_WT_LEN));
		c->scope_spans++;
		if (fast_scope_spans(v, n, c) < 0)
			return -1;
		break;
	case 3: WANT(T(3, OTLP_WT_LEN)); break;
	}
	return 0;
}

int otlp_validate_fast_request(const uint8_t *p0, size_t len0, struct otlp_wire_counts *c)
{
	FIELDS(p0, len0) {
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		c->resource_spans++;
		if (otlp_validate_fast_resource_spans(v, n, c) < 0)
			return -1;
		break;
	}
	return 0;
}

#undef FIELDS
#undef WANT
#undef WANT_ID
#undef ATTRS
#undef FAST
#undef T
