/* otlp/validate_fast_inl.h: private to otlp/validate_fast*.c: the pieces
 * every signal's fast path shares (see validate_fast.h): the field loop,
 * the attribute and AnyValue checks (inline: they run for every
 * attribute), and the shared messages (Resource, InstrumentationScope).
 * Each returns 0 (valid) or -1 (not sure). */
#ifndef SLUICE_OTLP_VALIDATE_FAST_INL_H
#define SLUICE_OTLP_VALIDATE_FAST_INL_H

#include <errno.h>
#include <stdint.h>

#include "otlp/utf8.h"
#include "otlp/validate_fast.h"
#include "otlp/wire_field.h"

#define T(num, wt) ((uint64_t)(num) << 3 | (wt))
#define FAST __attribute__((always_inline)) static inline

/* The next field of [*pp, end) (*pp < end): its whole tag and, for LEN
 * fields, the payload. Varint, I64 and I32 values are skipped unread. The
 * same framing rules as otlp_wire_field_next(): tags and lengths at most 5
 * bytes, varints at most 10, lengths within the message and <= INT32_MAX,
 * field number 0 and wire types 3, 4, 6, 7 refused. */
FAST int fast_field(const uint8_t **pp, const uint8_t *end, uint64_t *tag, const uint8_t **val, size_t *vlen)
{
	const uint8_t *p = *pp;
	uint64_t t, n;

	if (*p < 0x80)
		t = *p++;
	else if (otlp_wire_short_varint(&p, end, 5, &t) < 0)
		return -1;
	if (t < 8)
		return -1; /* field number 0 */
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
#define FIELDS(p_, len_)                                 \
	const uint8_t *p = (p_), *end = p + (len_);      \
	uint64_t t;                                      \
	const uint8_t *v = NULL;                         \
	size_t n = 0;                                    \
	while (p < end)                                  \
		if (fast_field(&p, end, &t, &v, &n) < 0) \
			return -1;                       \
		else                                     \
			switch (t >> 3)
#define WANT(tag)                  \
	do {                       \
		if (t != (tag))    \
			return -1; \
	} while (0)
#define WANT_ID(num, idlen)                 \
	do {                                \
		WANT(T(num, OTLP_WT_LEN));  \
		if (n != 0 && n != (idlen)) \
			return -1;          \
	} while (0)
/* A `string` field: LEN and valid UTF-8. */
#define WANT_STR(num)                       \
	do {                                \
		WANT(T(num, OTLP_WT_LEN));  \
		if (!otlp_utf8_valid(v, n)) \
			return -1;          \
	} while (0)

/* Fields 1 of ArrayValue (AnyValue) and KeyValueList (KeyValue), the
 * values of an AnyValue at depth depth (validate_fast.c). */
int otlp_vfast_list(const uint8_t *p0, size_t len0, unsigned depth, int kv);

/* An AnyValue whose depth the caller has counted and checked. Inlined into
 * the attribute loops: most values are one scalar and need no call. */
FAST int fast_any_body(const uint8_t *p0, size_t len0, unsigned depth)
{
	FIELDS(p0, len0)
	{
	case 1:
		WANT_STR(1);
		break;
	case 7:
		WANT(T(7, OTLP_WT_LEN));
		break;
	case 2:
	case 3:
		WANT(T(t >> 3, OTLP_WT_VARINT));
		break;
	case 4:
		WANT(T(4, OTLP_WT_I64));
		break;
	case 5:
	case 6:
		WANT(T(t >> 3, OTLP_WT_LEN));
		if (otlp_vfast_list(v, n, depth, (t >> 3) == 6) < 0)
			return -1;
		break;
	}
	return 0;
}

/* A KeyValue whose value sits at AnyValue depth depth + 1. */
FAST int fast_kv_body(const uint8_t *p0, size_t len0, unsigned depth)
{
	FIELDS(p0, len0)
	{
	case 1:
		WANT_STR(1);
		break;
	case 2:
		WANT(T(2, OTLP_WT_LEN));
		if (depth + 1 > OTLP_WIRE_MAX_DEPTH || fast_any_body(v, n, depth + 1) < 0)
			return -1;
		break;
	}
	return 0;
}

/* The usual shape of an attribute, checked byte by byte: key (field 1) and
 * value (field 2) with one-byte lengths, the value a string, a one- or
 * two-byte bool/int, a double, or empty. 1 = this shape with a string or
 * empty value, 2 = with another value, 0 = not this shape (the field loops
 * decide). Not its text: see fast_attr_run(). kv: the KeyValue's len bytes
 * (len < 128). */
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
	case T(1, OTLP_WT_LEN): /* string_value */
		return al >= 2 && a[1] < 0x80 && (size_t)a[1] + 2 == al;
	case T(2, OTLP_WT_VARINT):
	case T(3, OTLP_WT_VARINT): /* bool, int */
		return 2 * ((al == 2 && a[1] < 0x80) || (al == 3 && a[1] >= 0x80 && a[2] < 0x80));
	case T(4, OTLP_WT_I64): /* double_value */
		return 2 * (al == 9);
	}
	return 0;
}

/* The text of a run [p, end) of usual-shape attributes, key by key and
 * string value by string value: 0 if all are valid UTF-8. */
int otlp_vfast_attrs_text(const uint8_t *p, const uint8_t *end);

/* A run of usual-shape attributes with tag `tag` from *pp on: consumed
 * (*pp moved past it) and its text checked. 0, or -1 on bad text.
 * Every tag and length byte of such a run is below 0x80, so all the bytes
 * from the run's start to the first non-string value (and from there to
 * the next) are tested for ASCII at once: one or two tests a span in the
 * usual case; only when a test fails is each string decoded. */
FAST int fast_attr_run(const uint8_t **pp, const uint8_t *end, uint8_t tag)
{
	const uint8_t *p = *pp, *start = p, *text = p;
	int k, ascii = 1;

	while (end - p >= 2 && p[0] == tag && p[1] < 0x80 && p[1] <= end - p - 2 &&
	       (k = fast_attr_usual(p + 2, p[1])) != 0) {
		if (k == 2) { /* the text so far ends where this value starts */
			const uint8_t *value = p + 4 + p[3];
			ascii &= otlp_ascii(text, (size_t)(value - text));
			text = p + 2 + p[1];
		}
		p += 2 + p[1];
	}
	*pp = p;
	if (text < p)
		ascii &= otlp_ascii(text, (size_t)(p - text));
	return ascii ? 0 : otlp_vfast_attrs_text(start, p);
}

/* The attributes of every message: KeyValue at AnyValue depth 0. */
#define ATTRS(num)                                     \
	case num:                                      \
		WANT(T(num, OTLP_WT_LEN));             \
		do {                                   \
			if (fast_kv_body(v, n, 0) < 0) \
				return -1;             \
		} while (0);                           \
		break

/* Messages whose fields 1..nfields are all strings, or varints where
 * varint_mask has their bit (no nesting): Status, EntityRef. */
int otlp_vfast_flat(const uint8_t *p0, size_t len0, uint8_t nfields, uint32_t varint_mask);
/* Resource and InstrumentationScope (validate_fast.c). */
int otlp_vfast_resource(const uint8_t *p0, size_t len0);
int otlp_vfast_scope(const uint8_t *p0, size_t len0);

/* The levels above the items, one shape for every signal (signal.h): a
 * request's resources are field 1; a resource has its Resource (1), scopes
 * (2) and schema_url (3); a scope its InstrumentationScope (1), items (2)
 * and schema_url (3). Each signal's file inlines them with its own item()
 * and resource(), known at compile time, so the calls are direct and the
 * item check (fast_span) is inlined into the scope loop as before.
 * item() checks one item and adds what it holds to c->items (a span or a
 * log record 1, a Metric its data points); resource() is the signal's
 * otlp_validate_fast_resource_*. */
typedef int (*fast_level_fn)(const uint8_t *p, size_t len, struct otlp_wire_counts *c);

FAST int fast_scope_level(const uint8_t *p0, size_t len0, struct otlp_wire_counts *c, fast_level_fn item)
{
	FIELDS(p0, len0)
	{
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		if (otlp_vfast_scope(v, n) < 0)
			return -1;
		break;
	case 2:
		WANT(T(2, OTLP_WT_LEN));
		if (item(v, n, c) < 0)
			return -1;
		break;
	case 3:
		WANT_STR(3);
		break;
	}
	return 0;
}

FAST int fast_resource_level(const uint8_t *p0, size_t len0, struct otlp_wire_counts *c, fast_level_fn item)
{
	FIELDS(p0, len0)
	{
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		if (otlp_vfast_resource(v, n) < 0)
			return -1;
		break;
	case 2: {
		WANT(T(2, OTLP_WT_LEN));
		uint64_t before = c->items;
		c->scopes++;
		if (fast_scope_level(v, n, c, item) < 0)
			return -1;
		c->scopes_with_items += c->items > before;
		break;
	}
	case 3:
		WANT_STR(3);
		break;
	}
	return 0;
}

FAST int fast_request_level(const uint8_t *p0, size_t len0, struct otlp_wire_counts *c,
			    fast_level_fn resource)
{
	FIELDS(p0, len0)
	{
	case 1: {
		WANT(T(1, OTLP_WT_LEN));
		uint64_t before = c->items;
		c->resources++;
		if (resource(v, n, c) < 0)
			return -1;
		c->resources_with_items += c->items > before;
		break;
	}
	}
	return 0;
}

#endif
