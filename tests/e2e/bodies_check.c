/* tests/e2e/bodies_check.c: did the backend get exactly the expected spans?
 *
 *   bodies_check BODIES EXPECTED.json
 *
 * BODIES is what sluice-sink --bodies kept (4-byte big-endian length, then an
 * ExportTraceServiceRequest). Every ResourceSpans in it is decoded with
 * protobuf-c and put into a private ring, then compared field by field with
 * EXPECTED.json (the format tests/node/ingest_interop.js writes, after the
 * test applied the pipeline's processors to it) by the ingest interop
 * checker: every expected span exactly once, nothing else.
 * Prints the number of spans matched; exit 0 on a match, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "shm/ring.h"
#include "tests/producer/ingest_check.h"

#define CHECK_RING_BYTES (256u << 20)

static int put_resource_spans(struct ring *r, const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs,
			      uint64_t seq)
{
	size_t len = opentelemetry__proto__trace__v1__resource_spans__get_packed_size(rs);
	struct record *rec;
	int err = ring_try_reserve(r, (uint32_t)len, &rec);
	if (err < 0)
		return err;
	opentelemetry__proto__trace__v1__resource_spans__pack(rs, record_payload(rec));
	uint32_t items = 0;
	for (size_t i = 0; i < rs->n_scope_spans; i++)
		items += (uint32_t)rs->scope_spans[i]->n_spans;
	rec->items = items;
	rec->seq = seq;
	return ring_publish(r) < 0 ? -EIO : 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bodies_check BODIES EXPECTED.json\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "bodies_check: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* aligned_alloc wants a size that is a multiple of the alignment. */
	void *mem = aligned_alloc(4096, (RING_CTRL_SIZE + CHECK_RING_BYTES + 4095) & ~(size_t)4095);
	struct ring ring;
	if (!mem || ring_format(mem, CHECK_RING_BYTES) < 0 || ring_init(&ring, mem, -1, -1) < 0) {
		fprintf(stderr, "bodies_check: cannot make a ring\n");
		return 1;
	}
	uint8_t lenbuf[4];
	uint64_t seq = 0, bodies = 0;
	while (fread(lenbuf, 1, 4, f) == 4) {
		size_t len = (size_t)lenbuf[0] << 24 | (size_t)lenbuf[1] << 16 | (size_t)lenbuf[2] << 8 | lenbuf[3];
		uint8_t *body = malloc(len ? len : 1);
		if (!body || fread(body, 1, len, f) != len) {
			fprintf(stderr, "bodies_check: truncated body %llu\n", (unsigned long long)bodies);
			return 1;
		}
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req =
			opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, len, body);
		if (!req) {
			fprintf(stderr, "bodies_check: body %llu does not decode\n", (unsigned long long)bodies);
			return 1;
		}
		for (size_t i = 0; i < req->n_resource_spans; i++) {
			if (put_resource_spans(&ring, req->resource_spans[i], ++seq) < 0) {
				fprintf(stderr, "bodies_check: ring full\n");
				return 1;
			}
		}
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
		free(body);
		bodies++;
	}
	fclose(f);
	char why[512] = "";
	long matched = ic_check_ring(&ring, argv[2], why, sizeof(why));
	free(mem);
	if (matched < 0) {
		fprintf(stderr, "bodies_check: MISMATCH after %llu bodies: %s\n", (unsigned long long)bodies, why);
		return 1;
	}
	printf("%ld\n", matched);
	return 0;
}
