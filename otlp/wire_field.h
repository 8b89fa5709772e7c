/* otlp/wire_field.h: private to otlp/: the field reader as an inline
 * function, so the decoders, the validator and the rewriter get it inlined
 * into their loops (the public otlp_wire_next() wraps it). */
#ifndef SLUICE_OTLP_WIRE_FIELD_H
#define SLUICE_OTLP_WIRE_FIELD_H

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "otlp/wire.h"

/* A varint of at most max bytes (tags and length prefixes are limited to 5
 * bytes, as protobuf-c limits them, so both accept the same inputs). */
static inline int otlp_wire_short_varint(const uint8_t **pp, const uint8_t *end, unsigned max, uint64_t *v)
{
	const uint8_t *p = *pp;

	if (p < end && *p < 0x80) { /* the common one-byte case */
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	if (end - p >= 2 && p[1] < 0x80) { /* two bytes: lengths up to 16 KiB */
		*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
		*pp = p + 2;
		return 0;
	}
	int rc = otlp_wire_varint(&p, end, v);
	if (rc < 0 || (size_t)(p - *pp) > max)
		return -EBADMSG;
	*pp = p;
	return 0;
}

/* otlp_wire_next(), inlined into the hot loops of the otlp/ module. */
static inline __attribute__((always_inline)) int otlp_wire_field_next(struct otlp_wire_reader *r,
								      struct otlp_wire_field *f)
{
	const uint8_t *p = r->p, *end = r->end;
	uint64_t tag, len;

	if (p >= end)
		return 0;
	f->start = p;
	f->u64 = 0;
	if (otlp_wire_short_varint(&p, end, 5, &tag) < 0)
		return -EBADMSG;
	f->num = (uint32_t)(tag >> 3);
	f->wt = (uint32_t)(tag & 7);
	if (f->num == 0)
		return -EBADMSG;
	switch (f->wt) {
	case OTLP_WT_VARINT:
		if (p < end && *p < 0x80)
			f->u64 = *p++;
		else if (otlp_wire_varint(&p, end, &f->u64) < 0)
			return -EBADMSG;
		break;
	case OTLP_WT_I64:
		if (end - p < 8)
			return -EBADMSG;
		memcpy(&f->u64, p, 8);
		f->u64 = le64toh(f->u64);
		p += 8;
		break;
	case OTLP_WT_LEN:
		if (otlp_wire_short_varint(&p, end, 5, &len) < 0)
			return -EBADMSG;
		if (len > INT32_MAX || len > (uint64_t)(end - p))
			return -EBADMSG;
		f->b.p = p;
		f->b.len = (size_t)len;
		p += len;
		break;
	case OTLP_WT_I32: {
		uint32_t v;
		if (end - p < 4)
			return -EBADMSG;
		memcpy(&v, p, 4);
		f->u64 = le32toh(v);
		p += 4;
		break;
	}
	default: /* groups (3, 4) are obsolete and unused by OTLP; 6, 7 invalid */
		return -EBADMSG;
	}
	f->size = (size_t)(p - f->start);
	r->p = p;
	return 1;
}

/* One Span field into *out: the schema's wire type (ids of their one valid
 * length, or empty), last occurrence wins, repeated fields counted. Shared
 * by otlp_wire_span() and the rewriter's on-demand span decode, so both
 * accept exactly the same spans. Returns 0 or -EPROTO.
 * f->b is copied as its two words: a 16-byte copy of a view the field
 * reader just stored as two 8-byte words stalls (no store forwarding). */
static inline void otlp_wire_set_bytes(struct otlp_bytes *dst, const struct otlp_wire_field *f)
{
	dst->p = f->b.p;
	__asm__("" : : : "memory");
	dst->len = f->b.len;
}

static inline int otlp_wire_span_field(struct otlp_span *out, const struct otlp_wire_field *f)
{
#define OTLP_SF_WANT(wtype)             \
	do {                            \
		if (f->wt != (wtype))   \
			return -EPROTO; \
	} while (0)
#define OTLP_SF_ID(n)                                 \
	do {                                          \
		OTLP_SF_WANT(OTLP_WT_LEN);            \
		if (f->b.len != 0 && f->b.len != (n)) \
			return -EPROTO;               \
	} while (0)
	switch (f->num) {
	case OTLP_F_SPAN_TRACE_ID:
		OTLP_SF_ID(16);
		otlp_wire_set_bytes(&out->trace_id, f);
		break;
	case OTLP_F_SPAN_SPAN_ID:
		OTLP_SF_ID(8);
		otlp_wire_set_bytes(&out->span_id, f);
		break;
	case OTLP_F_SPAN_TRACE_STATE:
		OTLP_SF_WANT(OTLP_WT_LEN);
		otlp_wire_set_bytes(&out->trace_state, f);
		break;
	case OTLP_F_SPAN_PARENT_SPAN_ID:
		OTLP_SF_ID(8);
		otlp_wire_set_bytes(&out->parent_span_id, f);
		break;
	case OTLP_F_SPAN_NAME:
		OTLP_SF_WANT(OTLP_WT_LEN);
		otlp_wire_set_bytes(&out->name, f);
		break;
	case OTLP_F_SPAN_KIND:
		OTLP_SF_WANT(OTLP_WT_VARINT);
		out->kind = (int32_t)f->u64;
		break;
	case OTLP_F_SPAN_START:
		OTLP_SF_WANT(OTLP_WT_I64);
		out->start_time_unix_nano = f->u64;
		break;
	case OTLP_F_SPAN_END:
		OTLP_SF_WANT(OTLP_WT_I64);
		out->end_time_unix_nano = f->u64;
		break;
	case OTLP_F_SPAN_ATTRIBUTES:
		OTLP_SF_WANT(OTLP_WT_LEN);
		out->n_attributes++;
		break;
	case OTLP_F_SPAN_DROPPED_ATTRIBUTES:
		OTLP_SF_WANT(OTLP_WT_VARINT);
		out->dropped_attributes_count = (uint32_t)f->u64;
		break;
	case OTLP_F_SPAN_EVENTS:
		OTLP_SF_WANT(OTLP_WT_LEN);
		out->n_events++;
		break;
	case OTLP_F_SPAN_DROPPED_EVENTS:
		OTLP_SF_WANT(OTLP_WT_VARINT);
		out->dropped_events_count = (uint32_t)f->u64;
		break;
	case OTLP_F_SPAN_LINKS:
		OTLP_SF_WANT(OTLP_WT_LEN);
		out->n_links++;
		break;
	case OTLP_F_SPAN_DROPPED_LINKS:
		OTLP_SF_WANT(OTLP_WT_VARINT);
		out->dropped_links_count = (uint32_t)f->u64;
		break;
	case OTLP_F_SPAN_STATUS:
		OTLP_SF_WANT(OTLP_WT_LEN);
		otlp_wire_set_bytes(&out->status, f);
		out->has_status = 1;
		break;
	case OTLP_F_SPAN_FLAGS:
		OTLP_SF_WANT(OTLP_WT_I32);
		out->flags = (uint32_t)f->u64;
		break;
	}
	return 0;
#undef OTLP_SF_WANT
#undef OTLP_SF_ID
}

#endif
