/* tests/producer/fuzz_ingest_request.c: libFuzzer target for the ingest
 * request path: decode (gzip/deflate with a small cap), JSON transcoding,
 * validation, and all-or-nothing publishing into a small ring.
 *
 * Input: byte 0 picks the format (bit 0: JSON) and encoding (bits 1-2:
 * identity, gzip, deflate, identity); the rest is the body. Invariants:
 * no crash or leak; a refused request publishes nothing; a published one
 * yields records that each validate as a bare ResourceSpans, whose items
 * add up to the validated span count, with consecutive seq.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/wire.h"
#include "producer/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void *mem;
	static struct ring ring;
	static struct ingest ig;
	static int ready;
	if (!ready) {
		struct ingest_limits lim;
		ingest_limits_default(&lim);
		lim.max_decoded = 1 << 20;
		mem = aligned_alloc(4096, (64u << 10) + 4096); /* ring control block + data, page-rounded */
		if (!mem || ring_format(mem, 64u << 10) < 0 || ring_init(&ring, mem, -1, -1) < 0 ||
		    ingest_init(&ig, &ring, NULL, NULL, &lim) < 0)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	static const int encs[4] = { GZIP_FMT_IDENTITY, GZIP_FMT_GZIP, GZIP_FMT_DEFLATE, GZIP_FMT_IDENTITY };
	enum ingest_fmt fmt = (data[0] & 1) ? INGEST_FMT_JSON : INGEST_FMT_PROTO;
	int enc = encs[(data[0] >> 1) & 3];
	struct ingest_msg m;
	char err[256];
	uint64_t seq0 = ring_last_seq(&ring);
	int rc = ingest_prepare(&ig, fmt, enc, data + 1, size - 1, &m, err, sizeof(err));
	if (rc != INGEST_OK) {
		fuzz_check(err[0] != '\0');
		return 0;
	}
	rc = ingest_publish(&ig, m.data, m.len, m.ingest_ns);
	if (rc != INGEST_OK) {
		fuzz_check(ring_last_seq(&ring) == seq0 && ring_used(&ring) == 0);
		return 0;
	}
	const struct record *rec;
	uint64_t spans = 0, seq = seq0;
	while (ring_try_peek(&ring, &rec) == 0) {
		struct otlp_wire_counts c;
		fuzz_check(otlp_wire_validate_resource_spans(record_cpayload(rec), rec->len, &c, NULL) == 0);
		fuzz_check(c.spans == rec->items && rec->items > 0);
		fuzz_check(rec->seq == ++seq);
		spans += rec->items;
	}
	ring_commit(&ring, ring_cursor(&ring));
	fuzz_check(spans == m.spans);
	return 0;
}
