/* exporter/grpcx.h: the `otlp` transport (OTLP/gRPC over h2c).
 *
 * One HTTP/2 connection on the net/loop.h loop (cleartext with prior
 * knowledge, or TLS with ALPN h2 and SNI), driven by net/h2.h's client;
 * each send is a unary call to the signal's Export method
 * (/opentelemetry.proto.collector.{trace,logs,metrics}.v1.*Service/Export)
 * on its own stream, up to max_streams at once (more wait in FIFO order). Metadata
 * headers are sent with every call, `grpc-encoding: <codec>` when the
 * message is compressed (net/codec.h: gzip, zlib, deflate, zstd, snappy),
 * and the timeout as grpc-timeout plus a local deadline that cancels the
 * stream (DEADLINE_EXCEEDED, retryable).
 *
 * Outcomes: grpc-status via retry_class_grpc (RetryInfo from
 * grpc-status-details-bin is the hint); no answer (reset, connection lost,
 * timeout, a failed TLS handshake) is retryable; partial_success's
 * rejected count reported.
 */
#ifndef SLUICE_EXPORTER_GRPCX_H
#define SLUICE_EXPORTER_GRPCX_H

#include <stdbool.h>
#include <stdint.h>

#include "exporter/deliver.h"
#include "exporter/otlphttp.h"
#include "net/codec.h"
#include "net/loop.h"
#include "otlp/signal.h"

struct grpcx_opts {
	const char *host;
	uint16_t port;
	enum otlp_signal signal;
	const char *server_name;       /* TLS: SNI and the name verified; NULL = host */
	const struct xheader *headers; /* metadata (names lower-cased here) */
	unsigned n_headers;
	enum codec compression;	   /* CODEC_NONE = identity */
	int compression_level;	   /* CODEC_LEVEL_DEFAULT or the codec's range */
	uint32_t timeout_ms;	   /* 0 = 5000 */
	uint32_t max_streams;	   /* 0 = 16 */
	struct stage_stats *stats; /* connections_open/_total; NULL = none */
	struct net_tls *tls;	   /* net/tls.h client context (ALPN "h2"); NULL =
				  * h2c. The transport takes its own reference. */
};

int grpcx_new(struct net_loop *loop, const struct grpcx_opts *o, void **t, const struct transport_ops **ops,
	      char *err, size_t errlen);

#endif
