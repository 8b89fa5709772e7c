/* producer/ingest_http.h: the OTLP/HTTP receiver of one receiver
 * (HTTP/1.1 on the loop, plain or TLS: net/tls.h on the listener).
 *
 *   POST <traces_url_path> | <logs_url_path> | <metrics_url_path> (defaults
 *   /v1/traces, /v1/logs, /v1/metrics), Content-Type application/x-protobuf
 *   | application/json, Content-Encoding gzip | deflate | zlib | zstd |
 *   snappy | identity, Content-Length or chunked, keep-alive and
 *   pipelining (one request at a time a connection).
 *
 * Answers (OTLP/HTTP spec): 200 + the signal's Export*ServiceResponse in
 * the request's encoding; 400 + google.rpc.Status (undecodable body); 404
 * other paths, and the path of a signal no pipeline takes from this
 * receiver (as the Collector, which registers no handler for it); 405
 * other methods (Allow: POST); 411 POST without length; 413 body over
 * max_body (or decompressed over it); 415 other content types or
 * encodings; 408 when a request is not complete within read_timeout (slow
 * clients); 429 + Retry-After when the ring stayed full; 503 + Retry-After
 * while draining. Errors in the head close the connection after the
 * answer; errors in a complete body keep it alive.
 */
#ifndef SLUICE_PRODUCER_INGEST_HTTP_H
#define SLUICE_PRODUCER_INGEST_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "net/loop.h"
#include "producer/ingest.h"

struct ihttp_conn;

/* One receiver's HTTP settings (copied by ihttp_server_init). */
struct ihttp_opts {
	const char *receiver;			       /* id, for log lines ("otlp/edge") */
	uint64_t max_body;			       /* bytes, on the wire and decoded */
	unsigned read_timeout_ms;		       /* a whole request, first byte to last (0: none) */
	unsigned idle_timeout_ms;		       /* keep-alive idle (0: none) */
	uint32_t retry_after_s;			       /* Retry-After on 429 / 503 */
	const char *paths[OTLP_SIGNAL_COUNT];	       /* NULL: the signal's default */
	struct ingest_route routes[OTLP_SIGNAL_COUNT]; /* out NULL: signal not taken */
};

struct ihttp_server {
	struct ingest *ig;
	struct ihttp_opts o;
	char served[160];	  /* "/v1/traces, /v1/logs": for 404 messages */
	struct ihttp_conn *conns; /* open connections (for drain) */
	unsigned nconns;
	bool draining;
};

extern const struct net_conn_ops ihttp_conn_ops;

/* Prepare srv (udata of the listener: net_listen(..., &ihttp_conn_ops, srv)). */
void ihttp_server_init(struct ihttp_server *srv, struct ingest *ig, const struct ihttp_opts *o);

/* Drain: close idle connections now; busy ones close after their answer. */
void ihttp_server_drain(struct ihttp_server *srv);

#endif
