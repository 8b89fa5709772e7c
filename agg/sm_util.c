/* agg/sm_util.c: the series-key hash and AnyValue encoding the keys use. */
#include <stddef.h>
#include <string.h>

#include "agg/pb.h"
#include "agg/sm_layout.h"

/* The last r (1..7) bytes of a key that ends at end and is n >= r bytes
 * long, as memcpy into a zeroed word gives them. A memcpy of a variable
 * length compiled to a byte loop into the stack and a word load of it (a
 * store-forwarding stall on every span's key). Keys of 8 bytes or more
 * take their last 8 bytes in one load and shift: the same values, so the
 * hashes stored in regions stay valid (tests/agg/test_agg_hash.c). */
static inline uint64_t tail_word(const uint8_t *end, size_t n, size_t r)
{
	uint64_t w = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n >= 8) {
		memcpy(&w, end - 8, 8);
		return w >> (8 * (8 - r));
	}
	for (size_t i = 0; i < r; i++)
		w |= (uint64_t)end[(ptrdiff_t)i - (ptrdiff_t)r] << (8 * i);
#else
	memcpy(&w, end - r, r);
#endif
	return w;
}

/* One multiply-xorshift round per 8 bytes: keys are short (50-150 bytes)
 * and hashed once a span, so a short dependency chain beats a wide hash. */
uint64_t agg_hash(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *s = p;
	const size_t len = n;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);

	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = tail_word(s + n, len, n);
		h = (h ^ w) * 0x94d049bb133111ebull;
		h ^= h >> 31;
	}
	return agg_mix(h);
}

uint64_t agg_hash128(const void *p, size_t n, uint64_t seed, uint64_t *hi)
{
	const uint8_t *s = p;
	const size_t len = n;
	uint64_t a = seed ^ (n * 0x9e3779b97f4a7c15ull), b = ~seed ^ (n * 0xc2b2ae3d27d4eb4full);

	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		a = (a ^ w) * 0xbf58476d1ce4e5b9ull;
		b = (b ^ w) * 0x94d049bb133111ebull;
		a ^= a >> 29;
		b ^= b >> 32;
		s += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = tail_word(s + n, len, n);
		a = (a ^ w) * 0x94d049bb133111ebull;
		b = (b ^ w) * 0xbf58476d1ce4e5b9ull;
		a ^= a >> 31;
		b ^= b >> 27;
	}
	*hi = agg_mix(b + 0x2545f4914f6cdd1dull);
	return agg_mix(a);
}

static uint8_t *put_len_field(uint8_t *p, uint32_t num, const struct otlp_bytes *b)
{
	*p++ = (uint8_t)(num << 3 | OTLP_WT_LEN);
	p = otlp_wire_put_varint(p, b->len);
	if (b->len)
		memcpy(p, b->p, b->len);
	return p + b->len;
}

/* Writes v as AnyValue message bytes at p (room: 11 + payload bytes);
 * returns the length. The same value always gives the same bytes, so the
 * bytes are the series key and, unchanged, the output attribute value. */
size_t sm_anyvalue_put(uint8_t *p, const struct otlp_value *v)
{
	uint8_t *s = p;

	switch (v->type) {
	case OTLP_VALUE_STRING:
		p = put_len_field(p, 1, &v->u.b);
		break;
	case OTLP_VALUE_BOOL:
		*p++ = 2 << 3 | OTLP_WT_VARINT;
		*p++ = v->u.boolean ? 1 : 0;
		break;
	case OTLP_VALUE_INT:
		*p++ = 3 << 3 | OTLP_WT_VARINT;
		p = otlp_wire_put_varint(p, (uint64_t)v->u.i);
		break;
	case OTLP_VALUE_DOUBLE: {
		uint64_t u = pb_double_bits(v->u.d);
		*p++ = 4 << 3 | OTLP_WT_I64;
		for (int i = 0; i < 8; i++)
			*p++ = (uint8_t)(u >> (8 * i));
		break;
	}
	case OTLP_VALUE_ARRAY:
		p = put_len_field(p, 5, &v->u.b);
		break;
	case OTLP_VALUE_KVLIST:
		p = put_len_field(p, 6, &v->u.b);
		break;
	case OTLP_VALUE_BYTES:
		p = put_len_field(p, 7, &v->u.b);
		break;
	default:
		break;
	}
	return (size_t)(p - s);
}
