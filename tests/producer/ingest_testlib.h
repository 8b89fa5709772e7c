/* tests/producer/ingest_testlib.h: helpers shared by the ingest tests and
 * the benchmark: deterministic OTLP requests (built with protobuf-c), rings
 * in plain memory, and small socket / process helpers.
 */
#ifndef SLUICE_TESTS_INGEST_TESTLIB_H
#define SLUICE_TESTS_INGEST_TESTLIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "otlp/signal.h"
#include "shm/ring.h"

/* An ExportTraceServiceRequest with n_rs ResourceSpans of `spans` spans
 * each (about 220 bytes a span), deterministic from seed. Span i of
 * resource r has name "span-<r>-<i>" and span_id bytes from seed/r/i.
 * Returns a malloc'd buffer and its length in *len. */
uint8_t *tl_request(unsigned n_rs, unsigned spans, uint32_t seed, size_t *len);

/* A request of any signal: n_res resources of `items` items each (traces:
 * tl_request; logs: gen_bench_logs' ~200-byte records; metrics:
 * gen_bench_metrics' data points, sums of 8, 4 attributes each). Logs and
 * metrics resources are copies of one (seed unused). malloc'd. */
uint8_t *tl_signal_request(enum otlp_signal sig, unsigned n_res, unsigned items, uint32_t seed, size_t *len);

/* A ring of `cap` data bytes in malloc'd memory (no eventfds); free *mem. */
int tl_mem_ring(struct ring *r, uint64_t cap, void **mem);

/* Connect a blocking TCP socket to 127.0.0.1:port (5 s send/recv timeouts).
 * Returns the fd or -errno. */
int tl_connect(uint16_t port);

/* Write all of buf; 0 or -errno. */
int tl_write_all(int fd, const void *buf, size_t len);

/* Read one HTTP/1.1 response (Content-Length bodies) from fd into buf
 * (NUL-terminated). Returns the status, sets *body and *blen (into buf) and
 * the value of header `want` (if non-NULL) into hval. -errno on failure
 * or EOF. */
int tl_http_response(int fd, char *buf, size_t cap, const char **body, size_t *blen, const char *want,
		     char *hval, size_t hcap);

/* POST body to /v1/traces on a new connection; returns the status.  */
int tl_http_post(uint16_t port, const char *ctype, const char *cenc, const void *body, size_t len, char *resp,
		 size_t cap, const char **rbody, size_t *rblen);
/* The same to another path. */
int tl_http_post_to(uint16_t port, const char *path, const char *ctype, const char *cenc, const void *body,
		    size_t len, char *resp, size_t cap, const char **rbody, size_t *rblen);

#endif
