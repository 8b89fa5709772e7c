/* tests/otlp/pbw.h: a tiny protobuf writer for hand-made test inputs
 * (valid or not on purpose): tags, varints, fixed values, LEN fields,
 * KeyValues, and wrapping a buffer as a LEN field in place. No bounds beyond the fixed
 * buffer: test inputs are small. */
#ifndef SLUICE_TESTS_OTLP_PBW_H
#define SLUICE_TESTS_OTLP_PBW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pbw {
	uint8_t b[16384];
	size_t n;
};

static inline void pbw_var(struct pbw *w, uint64_t v)
{
	while (v >= 0x80) {
		w->b[w->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	w->b[w->n++] = (uint8_t)v;
}
static inline void pbw_tag(struct pbw *w, unsigned num, unsigned wt)
{
	pbw_var(w, (uint64_t)num << 3 | wt);
}
static inline void pbw_varf(struct pbw *w, unsigned num, uint64_t v)
{
	pbw_tag(w, num, 0);
	pbw_var(w, v);
}
static inline void pbw_fixed(struct pbw *w, unsigned num, uint64_t v, unsigned bytes)
{
	pbw_tag(w, num, bytes == 8 ? 1 : 5);
	for (unsigned i = 0; i < bytes; i++)
		w->b[w->n++] = (uint8_t)(v >> (8 * i));
}
static inline void pbw_len(struct pbw *w, unsigned num, const void *p, size_t n)
{
	pbw_tag(w, num, 2);
	pbw_var(w, n);
	memcpy(w->b + w->n, p, n);
	w->n += n;
}
static inline void pbw_str(struct pbw *w, unsigned num, const char *s)
{
	pbw_len(w, num, s, strlen(s));
}
static inline void pbw_msg(struct pbw *w, unsigned num, const struct pbw *m)
{
	pbw_len(w, num, m->b, m->n);
}
/* A KeyValue {key, value} as field num (no value if any is NULL). */
static inline void pbw_kv(struct pbw *w, unsigned num, const char *key, const struct pbw *any)
{
	struct pbw kv = { .n = 0 };
	pbw_str(&kv, 1, key);
	if (any)
		pbw_msg(&kv, 2, any);
	pbw_msg(w, num, &kv);
}
/* Makes w's bytes the payload of a LEN field num (in place). */
static inline void pbw_wrap(struct pbw *w, unsigned num)
{
	uint8_t hdr[16];
	struct pbw h = { .n = 0 };
	pbw_tag(&h, num, 2);
	pbw_var(&h, w->n);
	memcpy(hdr, h.b, h.n);
	memmove(w->b + h.n, w->b, w->n);
	memcpy(w->b, hdr, h.n);
	w->n += h.n;
}

#endif
