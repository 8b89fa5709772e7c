/* tools/gen/gen_wb.h: the protobuf writer sluice-gen builds its request
 * templates with (once per sender slot, never per send), and the stores its
 * stampers use per send. Header-only so that gen_req.c stays a single file
 * other targets can compile (tests/net/bench_codec, tests/e2e/gen_req_unit).
 *
 * struct wb is a growable byte buffer; a failed allocation sticks in err
 * and every later write is a no-op, so a builder checks once at the end.
 */
#ifndef SLUICE_TOOLS_GEN_WB_H
#define SLUICE_TOOLS_GEN_WB_H

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wb {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static inline void wb_put(struct wb *w, const void *src, size_t n)
{
	if (w->err)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;
		while (cap < w->len + n)
			cap *= 2;
		uint8_t *p = realloc(w->p, cap);
		if (!p) {
			w->err = -ENOMEM;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	if (n)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

static inline void wb_varint(struct wb *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	wb_put(w, b, n);
}

static inline void wb_tag(struct wb *w, uint32_t field, uint32_t wire)
{
	wb_varint(w, (uint64_t)field << 3 | wire);
}

static inline void wb_bytes(struct wb *w, uint32_t field, const void *p, size_t n)
{
	wb_tag(w, field, 2);
	wb_varint(w, n);
	wb_put(w, p, n);
}

static inline void wb_str(struct wb *w, uint32_t field, const char *s)
{
	wb_bytes(w, field, s, strlen(s));
}

static inline void wb_fixed64(struct wb *w, uint32_t field, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	wb_tag(w, field, 1);
	wb_put(w, b, 8);
}

static inline void wb_double(struct wb *w, uint32_t field, double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	wb_fixed64(w, field, v);
}

static inline void wb_uint(struct wb *w, uint32_t field, uint64_t v)
{
	wb_tag(w, field, 0);
	wb_varint(w, v);
}

/* Embed a finished sub-message as field `field`; returns the offset in w
 * where its payload starts (for offsets noted inside sub). */
static inline size_t wb_msg(struct wb *w, uint32_t field, const struct wb *sub)
{
	if (sub->err)
		w->err = sub->err;
	wb_tag(w, field, 2);
	wb_varint(w, sub->len);
	size_t at = w->len;
	wb_put(w, sub->p, sub->len);
	return at;
}

/* KeyValue{key, AnyValue{...}} as field `field`, the value type chosen by
 * index k (string, int, double, bool in turn), varying with item. */
static inline void wb_attr(struct wb *w, uint32_t field, uint32_t k, uint32_t item)
{
	static const char *keys[] = { "http.method", "http.status_code", "gen.ratio",  "gen.sampled",
				      "http.route",  "net.peer.port",	 "gen.weight", "gen.cached" };
	struct wb any = { 0 }, kv = { 0 };
	char key[40], val[48];
	if (k < 8)
		snprintf(key, sizeof(key), "%s", keys[k]);
	else
		snprintf(key, sizeof(key), "gen.attr.%u", k);
	switch (k % 4) {
	case 0:
		snprintf(val, sizeof(val), k == 0 ? "GET" : "/api/v1/items/%u", item);
		wb_str(&any, 1, val);
		break;
	case 1:
		wb_tag(&any, 3, 0);
		wb_varint(&any, 200 + item % 300);
		break;
	case 2:
		wb_fixed64(&any, 4, 0x3ff8000000000000ull); /* 1.5 */
		break;
	default:
		wb_tag(&any, 2, 0);
		wb_varint(&any, item & 1);
		break;
	}
	wb_str(&kv, 1, key);
	wb_msg(&kv, 2, &any);
	wb_msg(w, field, &kv);
	free(any.p);
	free(kv.p);
}

#define GEN_ID_KEY "gen.id"
#define GEN_ID_DIGITS 16

/* The gen.id attribute (a string of 16 hex digits, stamped per send) as
 * field `field`; returns the offset in w of its first digit. */
static inline size_t wb_id_attr(struct wb *w, uint32_t field)
{
	static const char zeros[GEN_ID_DIGITS + 1] = "0000000000000000";
	struct wb any = { 0 }, kv = { 0 };
	wb_str(&any, 1, zeros);
	wb_str(&kv, 1, GEN_ID_KEY);
	size_t any_at = wb_msg(&kv, 2, &any);
	size_t kv_at = wb_msg(w, field, &kv);
	size_t at = kv_at + any_at + 2; /* AnyValue: tag, length, digits */
	free(any.p);
	free(kv.p);
	return at;
}

/* ExportXServiceRequest{1: ResourceX{1: Resource{service.name}, 2: ScopeX{
 * 1: scope, items}}} into req (empty), where items holds the ScopeX's item
 * fields (field 2, framed); the shape is the same for every signal.
 * Returns the offset in req of items' first byte. */
static inline size_t wb_request(struct wb *req, const struct wb *items, const char *service)
{
	struct wb res = { 0 }, kv = { 0 }, any = { 0 }, scope = { 0 }, sx = { 0 }, rx = { 0 };
	wb_str(&any, 1, service);
	wb_str(&kv, 1, "service.name");
	wb_msg(&kv, 2, &any);
	wb_msg(&res, 1, &kv);
	wb_str(&scope, 1, "sluice-gen");
	wb_str(&scope, 2, SLUICE_VERSION);
	wb_msg(&sx, 1, &scope);
	size_t in_sx = sx.len;
	wb_put(&sx, items->p, items->len);
	if (items->err)
		sx.err = items->err;
	wb_msg(&rx, 1, &res);
	size_t sx_at = wb_msg(&rx, 2, &sx);
	size_t rx_at = wb_msg(req, 1, &rx);
	free(res.p), free(kv.p), free(any.p), free(scope.p), free(sx.p), free(rx.p);
	return rx_at + sx_at + in_sx;
}

/* ----- per send ----- */

/* Whole-word stores: a byte loop here was most of sluice-gen's own CPU. */
static inline void gen_put_be64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

static inline void gen_put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

/* v as 16 lowercase hex digits, two at a time. */
static inline void gen_put_hex16(uint8_t *p, uint64_t v)
{
	static const char pairs[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
				    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
				    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
				    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
				    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
				    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
				    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
				    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
	for (int i = 7; i >= 0; i--, v >>= 8)
		memcpy(p + 2 * i, pairs + 2 * (v & 0xff), 2);
}

/* The number behind 16 hex digits (tests, and the sink's digest). */
static inline uint64_t gen_get_hex16(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < GEN_ID_DIGITS; i++) {
		uint8_t c = p[i];
		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/* splitmix64: well-spread trace ids from small numbers. */
static inline uint64_t gen_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

#endif
