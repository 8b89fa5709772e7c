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

/* Span fields in any order (after fast_span's usual-order prefix). */
FAST int fast_span_rest(const uint8_t *p0, size_t len0)
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
	return 0;
}

/* A Span: SDKs write fields in number order, so the usual head (ids, name,
 * kind, times) and the attributes are matched byte by byte first, each
 * match a complete valid field; whatever remains (any order, any field)
 * goes through the field loop. */
FAST int fast_span(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;

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
	if (fast_attr_run(&p, end, T(9, OTLP_WT_LEN)) < 0)
		return -1;
	/* Status holding only a one-byte code, or a short message and one. */
	if (end - p >= 4 && p[0] == T(15, OTLP_WT_LEN) && p[1] == 2 && p[2] == T(3, OTLP_WT_VARINT) &&
	    p[3] < 0x80)
		p += 4;
	else if (end - p >= 6 && p[0] == T(15, OTLP_WT_LEN) && p[1] < 0x80 && p[1] <= end - p - 2 &&
		 p[2] == T(2, OTLP_WT_LEN) && p[3] + 4 == p[1] && p[4 + p[3]] == T(3, OTLP_WT_VARINT) &&
		 p[5 + p[3]] < 0x80 && otlp_utf8_valid(p + 4, p[3]))
		p += 2 + p[1];
	return p < end ? fast_span_rest(p, (size_t)(end - p)) : 0;
}

/* A span of a ScopeSpans: one item. */
FAST int fast_span_item(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	c->items++;
	return fast_span(p, len);
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
