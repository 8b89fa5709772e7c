/* tests/agg/fuzz_agg_attach.c: agg_attach on a damaged region. A region
 * with series, resources and exemplars (and, by input, a committed log
 * waiting for replay) is overwritten at input-chosen places; attach must
 * refuse (an error) or repair, never crash or read out of bounds, and an
 * attached region must go on working: a record, a flush that parses, a
 * confirmed flush, a second attach. Input: byte 0 selects the params
 * (bit 0: explicit or exponential; bit 2: explicit with delta temporality,
 * whose region has the start-time cache and flush times filled by a
 * confirmed flush between records) and the pending log (bit 1); then
 * patches of [u32 offset][u8 length][bytes]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg/spanmetrics.h"
#include "agg/sm_layout.h"
#include "mwalk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NV 3
static uint8_t *snap[NV][2]; /* [params][log pending] */
static uint8_t *work;
static size_t sizes[NV];
static struct agg_params params[NV];
static uint8_t out[1 << 18];
static struct mw_point pts[64];
static uint8_t res[64];
static size_t res_len;

static size_t put_res(uint8_t *b)
{
	static const char k[] = "service.name", v[] = "fuzz";
	uint8_t *p = b;
	*p++ = 0x0a, *p++ = (uint8_t)(2 + 12 + 2 + 2 + 4);
	*p++ = 0x0a, *p++ = 12, memcpy(p, k, 12), p += 12;
	*p++ = 0x12, *p++ = 6, *p++ = 0x0a, *p++ = 4, memcpy(p, v, 4), p += 4;
	return (size_t)(p - b);
}

static void record(struct agg *a, uint64_t seq, int n)
{
	static const char *names[] = { "a", "b", "c", "d", "e", "f" };
	static const uint8_t tid[16] = { 1 }, sid[8] = { 2 };
	if (agg_begin(a, (uint32_t)seq % 3, seq, seq * 1000000000ull) ||
	    agg_resource(a, (struct otlp_bytes){ res, res_len }))
		return;
	for (int i = 0; i < n; i++) {
		struct agg_span s;
		memset(&s, 0, sizeof s);
		s.name = (struct otlp_bytes){ (const uint8_t *)names[(seq + (uint64_t)i) % 6], 1 };
		s.trace_id = (struct otlp_bytes){ tid, 16 };
		s.span_id = (struct otlp_bytes){ sid, 8 };
		s.kind = (int32_t)(i % 7);
		s.end_ns = (uint64_t)(i + 1) * 3000000ull * seq;
		agg_add(a, &s);
	}
	agg_commit(a);
}

static void setup(void)
{
	res_len = put_res(res);
	for (int v = 0; v < NV; v++) {
		struct agg_params *p = &params[v];
		memset(p, 0, sizeof *p);
		p->hist = v == 1 ? AGG_HIST_EXPONENTIAL : AGG_HIST_EXPLICIT;
		p->delta = v == 2;
		p->delta_cache_size = 16;
		p->expo_max_size = 8;
		p->exemplars = true;
		p->max_series = 8;
		p->max_resources = 2;
		p->commit_series = 3;
		p->key_bytes = 64;
		p->resource_bytes = 128;
		sizes[v] = agg_region_size(p);
		for (int l = 0; l < 2; l++) {
			snap[v][l] = aligned_alloc(64, (sizes[v] + 63) & ~(size_t)63);
			agg_format(snap[v][l], sizes[v], p, 1);
			struct agg *a;
			if (agg_attach(&a, snap[v][l], sizes[v], p))
				abort();
			for (uint64_t seq = 1; seq <= 6; seq++) {
				record(a, seq, 5);
				size_t len;
				int64_t f = seq == 3 ? agg_flush(a, 4000000000ull, out, sizeof out, &len) : 0;
				if (f > 0)
					agg_flush_done(a, (uint64_t)f);
			}
			agg_detach(a);
			if (l) /* the last commit's log, marked for replay */
				atomic_store(&((struct sm_log_hdr *)(snap[v][l] + SM_HDR_SIZE))->state, 1);
		}
	}
	size_t big = 0;
	for (int v = 0; v < NV; v++)
		big = sizes[v] > big ? sizes[v] : big;
	work = aligned_alloc(64, (big + 63) & ~(size_t)63);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!work)
		setup();
	if (size < 1)
		return 0;
	int v = data[0] & 4 ? 2 : data[0] & 1, l = data[0] >> 1 & 1;
	size_t rs = sizes[v];
	memcpy(work, snap[v][l], rs);
	for (size_t i = 1; i + 5 <= size;) {
		uint32_t off;
		memcpy(&off, data + i, 4);
		size_t n = data[i + 4];
		i += 5;
		if (n > size - i)
			n = size - i;
		off %= (uint32_t)rs;
		if (n > rs - off)
			n = rs - off;
		memcpy(work + off, data + i, n);
		i += n;
	}
	struct agg *a;
	if (agg_attach(&a, work, rs, &params[v]))
		return 0; /* refused */
	for (uint32_t s = 0; s < 3; s++) {
		uint64_t seq = agg_applied_seq(a, s) + 1;
		if (seq)
			record(a, seq, 7);
	}
	size_t len;
	int64_t f = agg_flush(a, 99000000000ull, out, sizeof out, &len);
	if (f > 0) {
		if (mw_decode(out, len, pts, 64) < 0)
			abort(); /* what we write must parse */
		agg_flush_done(a, (uint64_t)f);
	}
	agg_detach(a);
	if (agg_attach(&a, work, rs, &params[v]))
		abort(); /* repaired once, accepted from then on */
	agg_detach(a);
	return 0;
}
