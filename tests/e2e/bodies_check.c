/* tests/e2e/bodies_check.c: did the backend get exactly the expected items?
 *
 *   bodies_check [traces|logs|metrics] BODIES EXPECTED.json
 *
 * BODIES is what sluice-sink --bodies / --bodies-logs / --bodies-metrics
 * kept (4-byte big-endian length, then an Export*ServiceRequest). Every
 * resource in it (the request's field 1, the same for every signal) goes
 * into a private ring as one record, which the ingest interop checkers
 * compare field by field with EXPECTED.json: for traces the format
 * tests/node/ingest_interop.js writes (ic_check_ring), for logs and
 * metrics the canonical lines tests/node/ingest_interop_signals.js writes
 * (ics_check_ring), after the test applied the pipeline's processors to
 * them: every expected item exactly once, nothing else. The signal is
 * traces when not given. Prints the number of items matched; exit 0 on a
 * match, 1 otherwise, 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/signal.h"
#include "otlp/wire.h"
#include "shm/ring.h"
#include "tests/producer/ingest_check.h"
#include "tests/producer/ingest_check_signals.h"

#define CHECK_RING_BYTES (256u << 20)

/* One record per resource of one request body; returns resources or -errno. */
static long put_request(struct ring *r, const struct otlp_signal_desc *sd, const uint8_t *body, size_t len)
{
	struct otlp_wire_iter it;
	struct otlp_bytes res;
	long n = 0;
	int rc;
	otlp_wire_iter_init(&it, (struct otlp_bytes){ body, len }, 1);
	while ((rc = otlp_wire_iter_next(&it, &res)) > 0) {
		int64_t items = sd->count_items(res);
		if (items < 0)
			return (long)items;
		struct record *rec;
		int err = ring_try_reserve(r, (uint32_t)res.len, &rec);
		if (err < 0)
			return err;
		memcpy(record_payload(rec), res.p, res.len);
		rec->items = (uint32_t)items;
		rec->signal = (uint16_t)(sd->signal + 1); /* RECORD_SIGNAL_*: 1-based */
		if (ring_publish(r) < 0)
			return -EIO;
		n++;
	}
	return rc < 0 ? rc : n;
}

int main(int argc, char **argv)
{
	const struct otlp_signal_desc *sd = otlp_signal_get(OTLP_SIGNAL_TRACES);
	if (argc == 4) {
		sd = otlp_signal_by_name(argv[1], strlen(argv[1]));
		argv++;
		argc--;
	}
	if (argc != 3 || !sd) {
		fprintf(stderr, "usage: bodies_check [traces|logs|metrics] BODIES EXPECTED.json\n");
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
	uint64_t bodies = 0;
	while (fread(lenbuf, 1, 4, f) == 4) {
		size_t len = (size_t)lenbuf[0] << 24 | (size_t)lenbuf[1] << 16 | (size_t)lenbuf[2] << 8 |
			     lenbuf[3];
		uint8_t *body = malloc(len ? len : 1);
		if (!body || fread(body, 1, len, f) != len) {
			fprintf(stderr, "bodies_check: truncated body %llu\n", (unsigned long long)bodies);
			return 1;
		}
		long n = put_request(&ring, sd, body, len);
		if (n < 0) {
			fprintf(stderr, "bodies_check: body %llu: %s\n", (unsigned long long)bodies,
				n == -EAGAIN || n == -ETIMEDOUT || n == -EMSGSIZE ? "ring full"
										  : "does not decode");
			return 1;
		}
		free(body);
		bodies++;
	}
	fclose(f);
	char why[1024] = "";
	long matched = sd->signal == OTLP_SIGNAL_TRACES
			       ? ic_check_ring(&ring, argv[2], why, sizeof(why))
			       : ics_check_ring(&ring, sd->signal, argv[2], why, sizeof(why));
	free(mem);
	if (matched < 0) {
		fprintf(stderr, "bodies_check: MISMATCH after %llu %s bodies: %s\n",
			(unsigned long long)bodies, sd->name, why);
		return 1;
	}
	printf("%ld\n", matched);
	return 0;
}
