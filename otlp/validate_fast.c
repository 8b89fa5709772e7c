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

/* Span fields in any order (after fast_span's usual-order prefix). hi is
 * the highest field number before p; *mixed is set when a field numbered 8
 * or less comes after one numbered as high or higher (see fast_span). */
FAST int fast_span_rest(const uint8_t *p, const uint8_t *end, unsigned hi, int *mixed)
{
	uint64_t t;
	const uint8_t *v = NULL;
	size_t n = 0;

	while (p < end) {
		if (fast_field(&p, end, &t, &v, &n) < 0)
			return -1;
		unsigned num = (unsigned)(t >> 3), prev = hi; /* tags are at most 5 bytes */
		hi = num > hi ? num : hi;
		switch (num) {
		case 1:
			WANT_ID(1, 16);
			*mixed |= prev >= 1;
			break;
		case 2:
			WANT_ID(2, 8);
			*mixed |= prev >= 2;
			break;
		case 3:
		case 5:
			WANT_STR(num);
			*mixed |= prev >= num;
			break;
		case 4:
			WANT_ID(4, 8);
			*mixed |= prev >= 4;
			break;
		case 6:
			WANT(T(6, OTLP_WT_VARINT));
			*mixed |= prev >= 6;
			break;
		case 10:
		case 12:
		case 14:
			WANT(T(num, OTLP_WT_VARINT));
			break;
		case 7:
		case 8:
			WANT(T(num, OTLP_WT_I64));
			*mixed |= prev >= num;
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
	return 0;
}

/* The number of the last field of [p, end), whole fields fast_span's
 * prefix matched. Out of line: only for a span with neither attributes nor
 * a status before its rest. */
static __attribute__((noinline)) unsigned last_field_num(const uint8_t *p, const uint8_t *end)
{
	unsigned num = 0;

	while (p < end) {
		uint64_t t;
		const uint8_t *v;
		size_t n;
		if (fast_field(&p, end, &t, &v, &n) < 0)
			return UINT32_MAX; /* cannot be; then no promise is made */
		num = (unsigned)(t >> 3);
	}
	return num;
}

/* The rest of a span after fast_span's prefix [start, p): the prefix's
 * fields came in number order, so its highest field number is its last
 * field's: 15 after a status, 9 after attributes, else the head's. */
FAST int fast_span_tail(const uint8_t *start, const uint8_t *head_end, const uint8_t *attrs_end,
			const uint8_t *p, const uint8_t *end)
{
	unsigned hi = p != attrs_end ? 15 : attrs_end != head_end ? 9 : last_field_num(start, head_end);
	int mixed = 0;

	if (fast_span_rest(p, end, hi, &mixed) < 0)
		return -1;
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
	return p < end ? fast_span_tail(start, head_end, attrs_end, p, end) : 0;
}

/* A span of a ScopeSpans: one item. */
FAST int fast_span_item(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	int rc = fast_span(p, len);

	c->items++;
	if (rc == 0)
		return 0;
	if (rc < 0)
		return -1;
	c->spans_heads_mixed++;
	return 0;
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
