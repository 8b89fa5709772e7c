/* libFuzzer: the batch stage's splitter (stages/split.h) for every signal.
 *
 * Input: byte 0 picks the signal and the mode, bytes 1..3 the limits
 * (items, bytes, pieces a part); the rest is a bare ResourceSpans/Logs/
 * Metrics, or (mode "recipe") parameters for btb_pack, which builds a valid
 * one with protobuf-c (scopes, items, data points of all five metric
 * types), then flips a few of its bytes where the input says. Must never
 * crash or write outside a part. And when the resource validates (the
 * signal's own validator):
 *   - the split succeeds; every part is a valid Export*ServiceRequest with
 *     one resource, holding the items emit was told, within the item limit,
 *     and within the byte limit unless it holds a single item;
 *   - the resource's fields are in every part unchanged;
 *   - the parts hold the resource's items in order, each in a scope with
 *     the same fields, and for metrics each data point in a Metric with the
 *     same fields (name, description, unit, metadata), data type and
 *     non-point data fields (compared by CRC-32C of each entry).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/signal.h"
#include "otlp/wire_metrics.h"
#include "shm/crc32c.h"
#include "stages/split.h"
#include "tests/stages/test_batch_tb.h"

#define MAX_ENTRIES 65536
#define OUT_BYTES (4u << 20)

struct seq {
	uint32_t crc[MAX_ENTRIES];
	size_t n;
	int overflow;
};

static struct split sp;
static uint8_t *out;
static struct seq want, got;

struct emit_state {
	size_t used;
	int nparts;
	size_t off[4096], len[4096];
	uint32_t items[4096];
};
static struct emit_state es;

static int emit(void *arg, size_t frame_len, uint32_t items, uint8_t **dst)
{
	(void)arg;
	if (es.used + frame_len > OUT_BYTES || es.nparts >= 4096)
		return -ENOSPC;
	es.off[es.nparts] = es.used;
	es.len[es.nparts] = frame_len;
	es.items[es.nparts++] = items;
	*dst = out + es.used;
	es.used += frame_len;
	return 0;
}

/* CRC of the fields of msg but those numbered in skip (a bit each). */
static uint32_t others_crc(struct otlp_bytes msg, uint32_t skip)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint32_t crc = 0;
	otlp_wire_reader_init(&r, msg.p, msg.len);
	while (otlp_wire_next(&r, &f) > 0)
		if (f.num >= 32 || !(skip & (1u << f.num)))
			crc = crc32c(crc, f.start, f.size);
	return crc;
}

static void seq_add(struct seq *s, uint32_t crc)
{
	if (s->n < MAX_ENTRIES)
		s->crc[s->n++] = crc;
	else
		s->overflow = 1;
}

#define DATA_MEMBERS ((1u << 5) | (1u << 7) | (1u << 9) | (1u << 10) | (1u << 11))

/* One entry per item (metrics: per data point) of a validated resource. */
static void collect(enum otlp_signal sig, struct otlp_bytes res, struct seq *s)
{
	struct otlp_wire_iter is, ii;
	struct otlp_bytes scope, item;
	otlp_wire_iter_init(&is, res, 2);
	while (otlp_wire_iter_next(&is, &scope) > 0) {
		uint32_t sc = others_crc(scope, 1u << 2);
		otlp_wire_iter_init(&ii, scope, 2);
		while (otlp_wire_iter_next(&ii, &item) > 0) {
			if (sig != OTLP_SIGNAL_METRICS) {
				seq_add(s, crc32c(sc, item.p, item.len));
				continue;
			}
			struct otlp_metric m;
			if (otlp_wire_metric(item, &m) < 0) {
				seq_add(s, 0xdeadbeef);
				continue;
			}
			if (!m.type)
				continue;
			uint32_t id = crc32c(sc ^ others_crc(item, DATA_MEMBERS), &m.type, sizeof m.type);
			id ^= others_crc(m.data, 1u << 1) * 31;
			struct otlp_wire_iter ip;
			struct otlp_bytes pt;
			otlp_wire_iter_init(&ip, m.data, 1);
			while (otlp_wire_iter_next(&ip, &pt) > 0)
				seq_add(s, crc32c(id, pt.p, pt.len));
		}
	}
}

static void check_parts(enum otlp_signal sig, struct otlp_bytes res, uint32_t max_items, uint64_t max_bytes)
{
	const struct otlp_signal_desc *sd = otlp_signal_get(sig);
	uint32_t res_crc = others_crc(res, 1u << 2);
	got.n = 0;
	got.overflow = 0;
	for (int i = 0; i < es.nparts; i++) {
		const uint8_t *p = out + es.off[i];
		struct otlp_wire_counts c;
		if (sd->validate_request(p, es.len[i], &c, NULL) != 0 || c.resources != 1 ||
		    c.items != es.items[i])
			abort();
		if (max_items && es.items[i] > max_items)
			abort();
		if (es.len[i] > max_bytes && es.items[i] > 1)
			abort();
		struct otlp_wire_iter it;
		struct otlp_bytes part;
		otlp_wire_iter_init(&it, (struct otlp_bytes){ p, es.len[i] }, 1);
		if (otlp_wire_iter_next(&it, &part) != 1 || others_crc(part, 1u << 2) != res_crc)
			abort();
		collect(sig, part, &got);
	}
	if (!want.overflow && !got.overflow &&
	    (want.n != got.n || memcmp(want.crc, got.crc, want.n * sizeof *want.crc)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!out) {
		out = malloc(OUT_BYTES);
		if (!out || split_init(&sp, 4096, 4096) < 0)
			abort();
	}
	if (size < 4)
		return 0;
	enum otlp_signal sig = (enum otlp_signal)(data[0] % 3);
	uint32_t max_items = data[1] % 24; /* 0 = no item limit */
	uint64_t max_bytes = 32 + (uint64_t)data[2] * 24;
	size_t cap = 1 + data[3] % 64; /* pieces a part */
	sp.cap = cap;		       /* within what split_init made */
	const uint8_t *res = data + 4;
	size_t len = size - 4;
	uint8_t *built = NULL;
	if (data[0] & 0x80 && len >= 5) { /* recipe: a valid resource, then a few flips */
		int items = 1 + res[0] % 80, scopes = 1 + res[1] % 4, per = 1 + res[2] % 9;
		size_t blen;
		built = btb_pack(sig, 1 + res[3], items, scopes, per, &blen);
		for (size_t i = 5; i + 1 < len && (res[4] & 1); i += 2)
			built[(size_t)res[i] * 131 % blen] ^= res[i + 1];
		res = built;
		len = blen;
	}
	const struct otlp_signal_desc *sd = otlp_signal_get(sig);
	struct otlp_wire_counts c;
	int valid = sd->validate_resource(res, len, &c, NULL) == 0;
	es.used = 0;
	es.nparts = 0;
	int parts = split_run(&sp, sig, res, len, max_items, max_bytes, emit, NULL);
	if (valid) {
		if (parts < 0 && parts != -E2BIG && parts != -ENOSPC)
			abort();
		if (parts >= 0) {
			want.n = 0;
			want.overflow = 0;
			collect(sig, (struct otlp_bytes){ res, len }, &want);
			uint64_t sum = 0;
			for (int i = 0; i < es.nparts; i++)
				sum += es.items[i];
			if (sum != c.items || parts != es.nparts)
				abort();
			check_parts(sig, (struct otlp_bytes){ res, len }, max_items, max_bytes);
		}
	}
	free(built);
	return 0;
}
