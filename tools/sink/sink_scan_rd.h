/* tools/sink/sink_scan_rd.h: private to sink_scan.c: the field readers,
 * inline so the scan loops get them without calls. Each reads exactly what
 * otlp/wire.c reads (same limits, same -EBADMSG cases), so the scan and
 * otlp_wire_validate_request() accept the same bytes. */
#ifndef SLUICE_TOOLS_SINK_SCAN_RD_H
#define SLUICE_TOOLS_SINK_SCAN_RD_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "otlp/wire.h"

struct fld {
	uint64_t tag;           /* field number << 3 | wire type: one word, so
				 * comparing both is one load of what one store
				 * wrote (two 32-bit members compared as one
				 * 64-bit word stalled store forwarding) */
	uint64_t v;             /* VARINT, I64, I32 */
	const uint8_t *b;       /* LEN payload */
	size_t blen;
};
#define FLD_TAG(num, wt) ((uint64_t)(num) << 3 | (uint64_t)(wt))
static inline uint64_t fld_num(const struct fld *f) { return f->tag >> 3; }
static inline unsigned fld_wt(const struct fld *f) { return (unsigned)(f->tag & 7); }

/* A tag or a length prefix: at most 5 bytes, the limit otlp/ (and
 * protobuf-c) put on them, so both accept the same inputs. */
static inline int rd_short(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;

	if (p < end && *p < 0x80) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	if (end - p >= 2 && p[1] < 0x80) {
		*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
		*pp = p + 2;
		return 0;
	}
	if (otlp_wire_varint(&p, end, v) < 0 || p - *pp > 5)
		return -EBADMSG;
	*pp = p;
	return 0;
}

/* A LEN payload after its tag: the view and the position after it. */
static inline int rd_len(const uint8_t **pp, const uint8_t *end, const uint8_t **b, size_t *n)
{
	uint64_t l;

	if (rd_short(pp, end, &l) < 0 || l > INT32_MAX || l > (uint64_t)(end - *pp))
		return -EBADMSG;
	*b = *pp;
	*n = (size_t)l;
	*pp += l;
	return 0;
}

/* A varint value: up to 10 bytes, as otlp_wire_varint() reads it (inline:
 * attribute values such as HTTP status codes take two bytes). */
static inline int rd_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	for (unsigned i = 0; i < 10 && p < end; i++) {
		uint8_t b = *p++;
		r |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*pp = p;
			*v = r;
			return 0;
		}
	}
	return -EBADMSG;
}

/* The usual attribute, checked with no call and no loop: a KeyValue of
 * exactly a key (one-byte tag and length) then a value whose AnyValue is
 * one string, bytes, bool, int or double field filling it. Returns true if
 * b[0..n) is such a KeyValue (then it is valid); false: let scan_kv judge. */
static inline __attribute__((always_inline)) bool kv_fast(const uint8_t *b, size_t n)
{
	if (n < 4 || b[0] != 0x0a || b[1] >= 0x80)
		return false;
	size_t k = 2 + (size_t)b[1]; /* the value's tag */
	if (k + 2 > n || b[k] != 0x12 || b[k + 1] >= 0x80 || k + 2 + b[k + 1] != n)
		return false;
	const uint8_t *a = b + k + 2;
	size_t an = b[k + 1];
	if (an < 2)
		return false;
	switch (a[0]) {
	case 0x0a: /* string_value */
	case 0x3a: /* bytes_value */
		return a[1] < 0x80 && 2 + (size_t)a[1] == an;
	case 0x10: /* bool_value */
	case 0x18: /* int_value: every byte but the last has the high bit */
		if (an > 11 || a[an - 1] >= 0x80)
			return false;
		for (size_t i = 1; i + 1 < an; i++)
			if (a[i] < 0x80)
				return false;
		return true;
	case 0x21: /* double_value */
		return an == 9;
	default:
		return false;
	}
}

/* Any field, whole. 0 or -EBADMSG (as otlp_wire_next). */
static inline int rd_field(const uint8_t **pp, const uint8_t *end, struct fld *f)
{
	uint64_t tag;
	uint32_t v32;

	if (rd_short(pp, end, &tag) < 0)
		return -EBADMSG;
	f->tag = tag;
	if ((tag >> 3) == 0)
		return -EBADMSG;
	switch (tag & 7) {
	case OTLP_WT_VARINT:
		return rd_varint(pp, end, &f->v);
	case OTLP_WT_I64:
		if (end - *pp < 8)
			return -EBADMSG;
		memcpy(&f->v, *pp, 8);
		f->v = le64toh(f->v);
		*pp += 8;
		return 0;
	case OTLP_WT_LEN:
		return rd_len(pp, end, &f->b, &f->blen);
	case OTLP_WT_I32:
		if (end - *pp < 4)
			return -EBADMSG;
		memcpy(&v32, *pp, 4);
		f->v = le32toh(v32);
		*pp += 4;
		return 0;
	default: /* groups (3, 4) and 6, 7 */
		return -EBADMSG;
	}
}

#endif
