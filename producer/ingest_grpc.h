/* producer/ingest_grpc.h: the OTLP/gRPC receiver (h2c on the loop).
 *
 *   /opentelemetry.proto.collector.trace.v1.TraceService/Export, unary,
 *   HTTP/2 with prior knowledge (net/h2.h) or TLS with ALPN h2 (net/tls.h
 *   on the listener), grpc-encoding gzip | deflate | zlib | zstd | snappy |
 *   identity (net/codec.h).
 *
 * Answers: OK + empty ExportTraceServiceResponse once every record is
 * published; INVALID_ARGUMENT for undecodable messages; UNIMPLEMENTED for
 * other methods or compressors; RESOURCE_EXHAUSTED for messages over the
 * size cap (no RetryInfo: do not retry) and, with RetryInfo, when the ring
 * stayed full; UNAVAILABLE with RetryInfo while draining. Stream limits and
 * rapid-reset protection are net/h2's.
 */
#ifndef SLUICE_PRODUCER_INGEST_GRPC_H
#define SLUICE_PRODUCER_INGEST_GRPC_H

#include <stdbool.h>
#include <stdint.h>

#include "net/h2.h"
#include "net/loop.h"
#include "producer/ingest.h"

struct igrpc_conn;

struct igrpc_server {
	struct ingest *ig;
	struct h2_server_limits lim;
	unsigned idle_timeout_ms;
	struct igrpc_conn *conns;   /* open connections (for drain) */
	unsigned nconns;
	bool draining;
};

extern const struct net_conn_ops igrpc_conn_ops;

/* max_msg: largest request message (framed body cap); max_streams: h2
 * concurrent streams; read_timeout_ms: each request must arrive whole
 * within it (0 = none); idle_timeout_ms: for the conn (bytes) and for
 * HTTP/2 (no open stream). */
void igrpc_server_init(struct igrpc_server *srv, struct ingest *ig, uint64_t max_msg,
		       uint32_t max_streams, unsigned read_timeout_ms, unsigned idle_timeout_ms);

/* Drain: GOAWAY on every connection; they close when their streams end. */
void igrpc_server_drain(struct igrpc_server *srv);

#endif
