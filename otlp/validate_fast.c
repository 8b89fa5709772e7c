/* otlp/validate_fast.c: the fast path of the request validator for traces
 * (see validate_fast.h), and the shared helpers of validate_fast_inl.h.
 * The rules are check()'s in validate.c, written as code: one function per
 * message type, switch cases on the whole tag (field number and wire type
 * in one compare), values skipped unread, strings checked for UTF-8; the
 * usual Span head and attribute shapes are matched byte by byte before the
 * field loop. Anything unusual or wrong returns "not sure" (-1) at once and
 * validate.c's table walk decides. Stricter than check() is allowed,
 * looser never: tests/producer/test_ingest_validate.c and
 * fuzz_validate_fast.c hold the two against each other. */
#include "otlp/validate_fast_inl.h"

int otlp_vfast_list(const uint8_t *p0, size_t len0, unsigned depth, int kv)
{
	FIELDS(p0, len0)
	{
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		if (kv ? fast_kv_body(v, n, depth) < 0
		       : depth + 1 > OTLP_WIRE_MAX_DEPTH || fast_any_body(v, n, depth + 1) < 0)
			return -1;
		break;
	}
	return 0;
}

int otlp_vfast_attrs_text(const uint8_t *p, const uint8_t *end)
{
	for (; p < end; p += 2 + p[1]) {
		const uint8_t *kv = p + 2, *a = kv + 4 + kv[1];
		if (!otlp_utf8_valid(kv + 2, kv[1]))
			return -1;
		if (kv[3 + kv[1]] >= 2 && a[0] == T(1, OTLP_WT_LEN) && !otlp_utf8_valid(a + 2, a[1]))
			return -1;
	}
	return 0;
}

int otlp_vfast_flat(const uint8_t *p0, size_t len0, uint8_t nfields, uint32_t varint_mask)
{
	FIELDS(p0, len0)
	{
	default:
		if ((t >> 3) > nfields)
			break;
		if ((varint_mask >> (t >> 3)) & 1)
			WANT(T(t >> 3, OTLP_WT_VARINT));
		else
			WANT_STR(t >> 3);
	}
	return 0;
}

int otlp_vfast_resource(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0)
	{
		ATTRS(1);
	case 2:
		WANT(T(2, OTLP_WT_VARINT));
		break;
	case 3: /* EntityRef: four strings */
		WANT(T(3, OTLP_WT_LEN));
		if (otlp_vfast_flat(v, n, 4, 0) < 0)
			return -1;
		break;
	}
	return 0;
}

int otlp_vfast_scope(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0)
	{
	case 1:
	case 2:
		WANT_STR(t >> 3);
		break;
		ATTRS(3);
	case 4:
		WANT(T(4, OTLP_WT_VARINT));
		break;
	}
	return 0;
}

static int fast_event(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0)
	{
	case 1:
		WANT(T(1, OTLP_WT_I64));
		break;
	case 2:
		WANT_STR(2);
		break;
		ATTRS(3);
	case 4:
		WANT(T(4, OTLP_WT_VARINT));
		break;
	}
	return 0;
}

static int fast_link(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0)
	{
	case 1:
		WANT_ID(1, 16);
		break;
	case 2:
		WANT_ID(2, 8);
		break;
	case 3:
		WANT_STR(3);
		break;
		ATTRS(4);
	case 5:
		WANT(T(5, OTLP_WT_VARINT));
		break;
	case 6:
		WANT(T(6, OTLP_WT_I32));
		break;
	}
	return 0;
}

/* Span fields in any order, from p (after fast_span's usual-order prefix,
 * or from the span's start). hi: the highest field number before p.
 * Returns -1 (not sure), else 1 when a field numbered 8 or less comes
 * after one numbered as high or higher, else 0 (see fast_span). */
FAST int fast_span_rest(const uint8_t *p, const uint8_t *end, unsigned hi)
{
	uint64_t t;
	const uint8_t *v = NULL;
	size_t n = 0;
	int mixed = 0;

	while (p < end) {
		if (fast_field(&p, end, &t, &v, &n) < 0)
			return -1;
		unsigned num = (unsigned)(t >> 3); /* tags are at most 5 bytes */
		mixed |= num <= OTLP_F_SPAN_END && num <= hi;
		hi = num > hi ? num : hi;
		switch (num) {
		case 1:
			WANT_ID(1, 16);
			break;
		case 2:
			WANT_ID(2, 8);
			break;
		case 3:
		case 5:
			WANT_STR(t >> 3);
			break;
		case 4:
			WANT_ID(4, 8);
			break;
		case 6:
		case 10:
		case 12:
		case 14:
			WANT(T(t >> 3, OTLP_WT_VARINT));
			break;
		case 7:
		case 8:
			WANT(T(t >> 3, OTLP_WT_I64));
			break;
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
		case 15: /* Status: 2 message, 3 code; 1 (deprecated) is not checked */
			WANT(T(15, OTLP_WT_LEN));
			if (otlp_vfast_flat(v, n, 3, 1u << 3 | 1u << 1) < 0)
				return -1;
			break;
		case 16:
			WANT(T(16, OTLP_WT_I32));
			break;
		}
	}
	return mixed;
}

/* A Span: SDKs write fields in number order, so the usual head (ids, name,
 * kind, times) and the attributes are matched byte by byte first, each
 * match a complete valid field; whatever remains (any order, any field)
 * goes through the field loop. Returns 0 (valid), 1 (valid, and its head
 * fields 1-8 are not all ahead of the rest in number order, each once:
 * the process stage must then read the whole span for them; see
 * RECORD_F_HEADS_FIRST in shm/record.h) or -1 (not sure). */
FAST int fast_span(const uint8_t *p, size_t len)
{
	const uint8_t *const start = p, *end = p + len, *head_end, *attrs_end;

	if (end - p >= 18 && p[0] == T(1, OTLP_WT_LEN) && p[1] == 16)
		p += 18;
	if (end - p >= 10 && p[0] == T(2, OTLP_WT_LEN) && p[1] == 8)
		p += 10;
	if (end - p >= 10 && p[0] == T(4, OTLP_WT_LEN) && p[1] == 8)
		p += 10;
	if (end - p >= 2 && p[0] == T(5, OTLP_WT_LEN) && p[1] < 0x80 && p[1] <= end - p - 2 &&
	    otlp_utf8_valid(p + 2, p[1]))
		p += 2 + p[1];
	if (end - p >= 2 && p[0] == T(6, OTLP_WT_VARINT) && p[1] < 0x80)
		p += 2;
	if (end - p >= 18 && p[0] == T(7, OTLP_WT_I64) && p[9] == T(8, OTLP_WT_I64))
		p += 18;
	head_end = p;
	if (fast_attr_run(&p, end, T(9, OTLP_WT_LEN)) < 0)
		return -1;
	attrs_end = p;
	/* Status holding only a one-byte code, or a short message and one. */
	if (end - p >= 4 && p[0] == T(15, OTLP_WT_LEN) && p[1] == 2 && p[2] == T(3, OTLP_WT_VARINT) &&
	    p[3] < 0x80)
		p += 4;
	else if (end - p >= 6 && p[0] == T(15, OTLP_WT_LEN) && p[1] < 0x80 && p[1] <= end - p - 2 &&
		 p[2] == T(2, OTLP_WT_LEN) && p[3] + 4 == p[1] && p[4 + p[3]] == T(3, OTLP_WT_VARINT) &&
		 p[5 + p[3]] < 0x80 && otlp_utf8_valid(p + 4, p[3]))
		p += 2 + p[1];
	if (p == end)
		return 0;
	/* the prefix came in number order: its highest field number is its
	 * last field's; with head fields alone, read them again (seldom) */
	if (p != attrs_end)
		return fast_span_rest(p, end, 15);
	if (attrs_end != head_end)
		return fast_span_rest(p, end, 9);
	return fast_span_rest(start, end, 0);
}

/* A span of a ScopeSpans: one item. */
FAST int fast_span_item(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	int rc = fast_span(p, len);

	c->items++;
	c->spans_heads_mixed += rc > 0;
	return rc < 0 ? -1 : 0;
}

int otlp_validate_fast_resource_spans(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	return fast_resource_level(p, len, c, fast_span_item);
}

int otlp_validate_fast_request(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	return fast_request_level(p, len, c, otlp_validate_fast_resource_spans);
}

#undef FIELDS
#undef WANT
#undef WANT_ID
#undef ATTRS
#undef FAST
#undef T
