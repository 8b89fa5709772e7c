/* tests/producer/wbuild.h: protobuf bytes by hand for the validator's
 * tests (fields of any number, order and wire type, valid or not): a fixed
 * buffer and a writer per wire type. Static inline: each test file that
 * includes it uses some of them. */
#ifndef SLUICE_TESTS_PRODUCER_WBUILD_H
#define SLUICE_TESTS_PRODUCER_WBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wb {
	uint8_t b[8192];
	size_t n;
};

static inline void w_var(struct wb *w, uint64_t v)
{
	while (v >= 0x80) {
		w->b[w->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	w->b[w->n++] = (uint8_t)v;
}
static inline void w_tag(struct wb *w, unsigned num, unsigned wt)
{
	w_var(w, (uint64_t)num << 3 | wt);
}
static inline void w_vf(struct wb *w, unsigned num, uint64_t v)
{
	w_tag(w, num, 0);
	w_var(w, v);
}
static inline void w_fix(struct wb *w, unsigned num, uint64_t v, unsigned bytes)
{
	w_tag(w, num, bytes == 8 ? 1 : 5);
	for (unsigned i = 0; i < bytes; i++)
		w->b[w->n++] = (uint8_t)(v >> (8 * i));
}
static inline void w_len(struct wb *w, unsigned num, const void *p, size_t n)
{
	w_tag(w, num, 2);
	w_var(w, n);
	memcpy(w->b + w->n, p, n);
	w->n += n;
}
static inline void w_str(struct wb *w, unsigned num, const char *s)
{
	w_len(w, num, s, strlen(s));
}
static inline void w_msg(struct wb *w, unsigned num, const struct wb *m)
{
	w_len(w, num, m->b, m->n);
}

/* KeyValue {key, value} into w as field num. */
static inline void w_kv(struct wb *w, unsigned num, const char *key, const struct wb *any)
{
	struct wb kv = { .n = 0 };
	w_str(&kv, 1, key);
	if (any)
		w_msg(&kv, 2, any);
	w_msg(w, num, &kv);
}

#endif
