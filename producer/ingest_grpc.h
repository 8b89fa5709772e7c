/* producer/ingest_grpc.h: the OTLP/gRPC receiver of one receiver (h2c on
 * the loop, or TLS with ALPN h2: net/tls.h on the listener).
 *
 *   /opentelemetry.proto.collector.trace.v1.TraceService/Export
 *   /opentelemetry.proto.collector.logs.v1.LogsService/Export
 *   /opentelemetry.proto.collector.metrics.v1.MetricsService/Export
 *   unary, grpc-encoding gzip | deflate | zlib | zstd | snappy | identity
 *   (net/codec.h).
 *
 * Answers: OK + the signal's empty Export*ServiceResponse once every
 * record is published; INVALID_ARGUMENT for undecodable messages;
 * UNIMPLEMENTED for other methods, for the service of a signal no pipeline
 * takes from this receiver (the Collector registers no such service:
 * "unknown service ...") and for other compressors; RESOURCE_EXHAUSTED for
 * messages over max_msg (no RetryInfo: do not retry) and, with RetryInfo,
 * when the ring stayed full; UNAVAILABLE with RetryInfo while draining.
 * A request that does not arrive whole within read_timeout is answered
 * DEADLINE_EXCEEDED and its stream reset (its memory freed); stream limits
 * and rapid-reset protection are net/h2's.
 */
#ifndef SLUICE_PRODUCER_INGEST_GRPC_H
#define SLUICE_PRODUCER_INGEST_GRPC_H

#include <stdbool.h>
#include <stdint.h>

#include "net/h2.h"
#include "net/loop.h"
#include "producer/ingest.h"

struct igrpc_conn;

/* One receiver's gRPC settings (copied by igrpc_server_init). */
struct igrpc_opts {
	const char *receiver;	  /* id, for log lines */
	uint64_t max_msg;	  /* largest request message, decoded */
	uint32_t max_streams;	  /* h2 concurrent streams */
	unsigned read_timeout_ms; /* each request must arrive whole within it (0: none) */
	unsigned idle_timeout_ms; /* conn (bytes) and HTTP/2 (no open stream) */
	uint32_t retry_after_s;	  /* RetryInfo on RESOURCE_EXHAUSTED / UNAVAILABLE */
	struct ingest_route routes[OTLP_SIGNAL_COUNT]; /* out NULL: signal not taken */
};

struct igrpc_server {
	struct ingest *ig;
	struct igrpc_opts o;
	struct h2_server_limits lim;
	struct igrpc_conn *conns; /* open connections (for drain) */
	unsigned nconns;
	bool draining;
};

extern const struct net_conn_ops igrpc_conn_ops;

void igrpc_server_init(struct igrpc_server *srv, struct ingest *ig, const struct igrpc_opts *o);

/* Drain: GOAWAY on every connection; they close when their streams end. */
void igrpc_server_drain(struct igrpc_server *srv);

#endif
