/* producer/ingest_http.h: the OTLP/HTTP receiver (HTTP/1.1 on the loop).
 *
 *   POST /v1/traces, Content-Type application/x-protobuf | application/json,
 *   Content-Encoding gzip | deflate | zlib | zstd | snappy | identity, Content-Length or chunked,
 *   keep-alive and pipelining (one request at a time a connection).
 *
 * Answers (OTLP/HTTP spec): 200 + ExportTraceServiceResponse in the
 * request's encoding; 400 + google.rpc.Status (undecodable body); 404 other
 * paths; 405 other methods (Allow: POST); 411 POST without length; 413 body
 * over max_body (or decompressed over the cap); 415 other content types or
 * encodings; 408 when a request is not complete within read_timeout (slow
 * clients); 429 + Retry-After when the ring stayed full; 503 + Retry-After
 * while draining. Errors in the head close the connection after the answer;
 * errors in a complete body keep it alive.
 */
#ifndef SLUICE_PRODUCER_INGEST_HTTP_H
#define SLUICE_PRODUCER_INGEST_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "net/loop.h"
#include "producer/ingest.h"

struct ihttp_conn;

struct ihttp_server {
	struct ingest *ig;
	uint64_t max_body;          /* bytes on the wire (compressed) */
	unsigned read_timeout_ms;   /* a whole request, first byte to last */
	unsigned idle_timeout_ms;   /* keep-alive idle */
	struct ihttp_conn *conns;   /* open connections (for drain) */
	unsigned nconns;
	bool draining;
};

extern const struct net_conn_ops ihttp_conn_ops;

/* Prepare srv (udata of the listener: net_listen(..., &ihttp_conn_ops, srv)). */
void ihttp_server_init(struct ihttp_server *srv, struct ingest *ig, uint64_t max_body,
		       unsigned read_timeout_ms, unsigned idle_timeout_ms);

/* Drain: close idle connections now; busy ones close after their answer. */
void ihttp_server_drain(struct ihttp_server *srv);

#endif
