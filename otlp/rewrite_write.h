/* otlp/rewrite_write.h: private to otlp/: the rewriter's output writers.
 *
 * A struct wbuf is the output buffer [p, end); every writer checks room
 * first and returns 0 or -ENOSPC. Nested messages are opened with a length
 * slot sized like the input's and closed with their real length (the body
 * moves if the varint size differs). w_kv writes one KeyValue field; its
 * usual case (a short string) is inline, the rest in rewrite_kv.c.
 */
#ifndef SLUICE_OTLP_REWRITE_WRITE_H
#define SLUICE_OTLP_REWRITE_WRITE_H

#include <errno.h>
#include <string.h>

#include "otlp/wire.h"
#include "shm/copy.h"

/* Inlined varint size and writer for one and two bytes (a span's length
 * is usually two); wire.c's out-of-line ones for the rest. */
static inline size_t vsize(uint64_t v)
{
	if (v < 0x80)
		return 1;
	if (v < 0x4000)
		return 2;
	return otlp_wire_varint_size(v);
}

static inline uint8_t *vput(uint8_t *p, uint64_t v)
{
	if (v < 0x80) {
		*p = (uint8_t)v;
		return p + 1;
	}
	if (v < 0x4000) {
		p[0] = (uint8_t)(v | 0x80);
		p[1] = (uint8_t)(v >> 7);
		return p + 2;
	}
	return otlp_wire_put_varint(p, v);
}

struct wbuf {
	uint8_t *p, *end;
};

/* Copies n bytes out: runs of a span between the fields that change,
 * mostly short, without a call when under 33 bytes. */
static inline int w_put(struct wbuf *w, const void *src, size_t n)
{
	if ((size_t)(w->end - w->p) < n)
		return -ENOSPC;
	w->p = copy_short(w->p, src, n);
	return 0;
}

static inline int w_varint(struct wbuf *w, uint64_t v)
{
	if ((size_t)(w->end - w->p) < vsize(v))
		return -ENOSPC;
	w->p = vput(w->p, v);
	return 0;
}

static inline int w_tag(struct wbuf *w, uint32_t num, uint32_t wt)
{
	return w_varint(w, ((uint64_t)num << 3) | wt);
}

static inline int w_len_field(struct wbuf *w, uint32_t num, const void *p, size_t n)
{
	int rc = w_tag(w, num, OTLP_WT_LEN);

	if (rc == 0)
		rc = w_varint(w, n);
	return rc ? rc : w_put(w, p, n);
}

/* Opens a nested message: tag, then a length slot of `slot` bytes. */
static inline int w_open(struct wbuf *w, uint32_t num, size_t slot, uint8_t **mark)
{
	int rc = w_tag(w, num, OTLP_WT_LEN);

	if (rc)
		return rc;
	if ((size_t)(w->end - w->p) < slot)
		return -ENOSPC;
	*mark = w->p;
	w->p += slot;
	return 0;
}

/* Closes it: writes the real length, moving the body if its size differs. */
static inline int w_close(struct wbuf *w, uint8_t *mark, size_t slot)
{
	size_t body = (size_t)(w->p - (mark + slot));
	size_t k = vsize(body);

	if (k > slot && (size_t)(w->end - w->p) < k - slot)
		return -ENOSPC;
	if (k != slot) {
		memmove(mark + k, mark + slot, body);
		w->p = mark + k + body;
	}
	vput(mark, body);
	return 0;
}

/* Writes field `num` = KeyValue{key, value}, any value type an edit can
 * carry. 0, -ENOSPC, or -EINVAL (a type an edit cannot carry). */
int rewrite_w_kv_any(struct wbuf *w, uint32_t num, struct otlp_bytes key, const struct otlp_value *v);

/* w_kv_any() for the usual edit, a string value and key and value under
 * 32 bytes: every length then fits one varint byte, so the bytes are laid
 * down in a line, without the size switch or the varint helpers. */
static inline int w_kv(struct wbuf *w, uint32_t num, struct otlp_bytes key, const struct otlp_value *v)
{
	size_t kl = key.len, vl = v->u.b.len;
	uint8_t *p = w->p;

	if (v->type != OTLP_VALUE_STRING || kl >= 32 || vl >= 32 || num >= 16)
		return rewrite_w_kv_any(w, num, key, v);
	size_t body = 2 + kl + 2 + 2 + vl; /* < 0x80 */
	if ((size_t)(w->end - p) < 2 + body)
		return -ENOSPC;
	p[0] = (uint8_t)((num << 3) | OTLP_WT_LEN);
	p[1] = (uint8_t)body;
	p[2] = (OTLP_F_KV_KEY << 3) | OTLP_WT_LEN;
	p[3] = (uint8_t)kl;
	p = copy_short(p + 4, key.p, kl);
	p[0] = (OTLP_F_KV_VALUE << 3) | OTLP_WT_LEN;
	p[1] = (uint8_t)(2 + vl);
	p[2] = (OTLP_VALUE_STRING << 3) | OTLP_WT_LEN;
	p[3] = (uint8_t)vl;
	w->p = copy_short(p + 4, v->u.b.p, vl);
	return 0;
}

#endif
