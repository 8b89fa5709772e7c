/* agg/pb.h: a protobuf writer into a caller's buffer (tags, varints, fixed
 * fields, nested messages), for the OTLP metrics agg/ emits.
 *
 * Nested messages: pb_open() writes the tag and reserves 5 bytes for the
 * length; pb_close() writes the real varint and moves the body left, so the
 * output is canonical without a sizing pass. Running out of room sets
 * w->err = -ENOSPC once; later writes are dropped, and w->need keeps
 * counting what the whole message would take.
 */
#ifndef SLUICE_AGG_PB_H
#define SLUICE_AGG_PB_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "otlp/wire.h"

struct pb_w {
	uint8_t *buf;
	size_t cap;
	size_t pos;  /* bytes written (while err == 0) */
	size_t need; /* bytes the message needs (reserved lengths included) */
	int err;
};

static inline void pb_init(struct pb_w *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->need = 0;
	w->err = 0;
}

/* Room for n more bytes? Sets err and returns 0 when not. */
static inline int pb_room(struct pb_w *w, size_t n)
{
	w->need += n;
	if (w->err)
		return 0;
	if (w->cap - w->pos < n) {
		w->err = -ENOSPC;
		return 0;
	}
	return 1;
}

static inline void pb_raw(struct pb_w *w, const void *p, size_t n)
{
	if (pb_room(w, n) && n) {
		memcpy(w->buf + w->pos, p, n);
		w->pos += n;
	}
}

static inline void pb_varint(struct pb_w *w, uint64_t v)
{
	size_t n = otlp_wire_varint_size(v);
	if (pb_room(w, n)) {
		otlp_wire_put_varint(w->buf + w->pos, v);
		w->pos += n;
	}
}

static inline void pb_tag(struct pb_w *w, uint32_t num, uint32_t wt)
{
	pb_varint(w, (uint64_t)num << 3 | wt);
}

static inline void pb_u64(struct pb_w *w, uint32_t num, uint64_t v)
{
	pb_tag(w, num, OTLP_WT_VARINT);
	pb_varint(w, v);
}

static inline void pb_le64(struct pb_w *w, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	pb_raw(w, b, 8);
}

static inline void pb_fixed64(struct pb_w *w, uint32_t num, uint64_t v)
{
	pb_tag(w, num, OTLP_WT_I64);
	pb_le64(w, v);
}

static inline uint64_t pb_double_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}

static inline void pb_double(struct pb_w *w, uint32_t num, double d)
{
	pb_fixed64(w, num, pb_double_bits(d));
}

static inline void pb_bytes(struct pb_w *w, uint32_t num, const void *p, size_t n)
{
	pb_tag(w, num, OTLP_WT_LEN);
	pb_varint(w, n);
	pb_raw(w, p, n);
}

static inline void pb_str(struct pb_w *w, uint32_t num, const char *s)
{
	pb_bytes(w, num, s, strlen(s));
}

static inline uint64_t pb_zigzag32(int32_t v)
{
	return (uint32_t)((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

/* Opens field num as a nested message; returns the mark for pb_close. */
static inline size_t pb_open(struct pb_w *w, uint32_t num)
{
	pb_tag(w, num, OTLP_WT_LEN);
	if (pb_room(w, 5))
		w->pos += 5;
	return w->err ? 0 : w->pos;
}

void pb_close(struct pb_w *w, size_t mark);

#endif
