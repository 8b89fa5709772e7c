/* tests/producer/fuzz_ingest_request.c: libFuzzer target for the ingest
 * request path of every signal: decode (every codec, with a small cap),
 * JSON transcoding, validation, and all-or-nothing publishing into a small
 * ring of that signal, through ingest_submit and a route with a
 * component-stats slot.
 *
 * Input: byte 0 picks the format (bit 0: JSON), the codec (bits 1-3:
 * none, gzip, zlib, deflate, zstd, snappy, none, none) and the signal
 * (bits 4-5: traces, logs, metrics, traces); the rest is the body.
 * Invariants: no crash or leak; a refused request publishes nothing; a
 * published one yields records that each validate as a bare resource of
 * the signal, carry the signal, and whose items add up to the validated
 * count (and to the slot's accepted count), with consecutive seq.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/signal.h"
#include "otlp/wire.h"
#include "producer/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int cond)
{
	if (!cond)
		abort();
}

struct fuzz_ring {
	void *mem;
	struct ring ring;
	struct ingest_ring out;
	struct ingest_route route;
	struct seg_component stat;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_ring fr[OTLP_SIGNAL_COUNT];
	static struct ingest ig;
	static int ready;
	if (!ready) {
		struct ingest_limits lim;
		ingest_limits_default(&lim);
		lim.max_decoded = 1 << 20;
		ingest_init(&ig, NULL, NULL, &lim);
		for (int s = 0; s < OTLP_SIGNAL_COUNT; s++) {
			/* ring control block + data, page-rounded */
			fr[s].mem = aligned_alloc(4096, (64u << 10) + 4096);
			if (!fr[s].mem || ring_format(fr[s].mem, 64u << 10) < 0 ||
			    ring_init(&fr[s].ring, fr[s].mem, -1, -1) < 0 ||
			    ingest_ring_init(&fr[s].out, &ig, &fr[s].ring, (enum otlp_signal)s, "fuzz") < 0)
				abort();
			fr[s].route = (struct ingest_route){ &fr[s].out, &fr[s].stat, 0 };
		}
		ready = 1;
	}
	if (size < 1)
		return 0;
	static const int codecs[8] = { CODEC_NONE, CODEC_GZIP,	 CODEC_ZLIB, CODEC_DEFLATE,
				       CODEC_ZSTD, CODEC_SNAPPY, CODEC_NONE, CODEC_NONE };
	int sig = (data[0] >> 4) & 3;
	if (sig == 3)
		sig = OTLP_SIGNAL_TRACES;
	struct fuzz_ring *f = &fr[sig];
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)sig);
	struct ingest_body b = { (enum otlp_signal)sig,
				 (data[0] & 1) ? INGEST_FMT_JSON : INGEST_FMT_PROTO,
				 codecs[(data[0] >> 1) & 7],
				 0,
				 data + 1,
				 size - 1 };
	struct ingest_msg m;
	char err[256];
	uint64_t seq0 = ring_last_seq(&f->ring);
	uint64_t acc0 = seg_component_get(&f->stat, SEG_C_ACCEPTED);
	int rc = ingest_prepare(&ig, &b, &m, err, sizeof(err));
	if (rc != INGEST_OK) {
		fuzz_check(err[0] != '\0');
		return 0;
	}
	fuzz_check(m.signal == (enum otlp_signal)sig);
	rc = ingest_submit(&f->route, &m, NULL, NULL, NULL);
	if (rc != INGEST_OK) {
		fuzz_check(rc == INGEST_EFULL || rc == INGEST_ETOOBIG);
		fuzz_check(ring_last_seq(&f->ring) == seq0 && ring_used(&f->ring) == 0);
		return 0;
	}
	const struct record *rec;
	uint64_t items = 0, seq = seq0;
	while (ring_try_peek(&f->ring, &rec) == 0) {
		struct otlp_wire_counts c;
		fuzz_check(sd->validate_resource(record_cpayload(rec), rec->len, &c, NULL) == 0);
		fuzz_check(c.items == rec->items && rec->items > 0);
		fuzz_check(rec->signal == (unsigned)sig + 1);
		fuzz_check(rec->seq == ++seq);
		items += rec->items;
	}
	ring_commit(&f->ring, ring_cursor(&f->ring));
	fuzz_check(items == m.items);
	fuzz_check(seg_component_get(&f->stat, SEG_C_ACCEPTED) - acc0 == m.items);
	return 0;
}
