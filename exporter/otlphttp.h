/* exporter/otlphttp.h: the `otlphttp` transport (OTLP/HTTP, protobuf).
 *
 * HTTP/1.1 keep-alive client on the net/loop.h loop: POST the signal's
 * path ({endpoint}/v1/traces, /v1/logs, /v1/metrics, or the config's
 * <signal>_endpoint), Content-Type application/x-protobuf, optional
 * compression (Content-Encoding: net/codec.h's gzip, zlib, deflate, zstd,
 * snappy), the configured headers, a per-request timeout.
 * Up to `connections` connections, one request on each at a time; sends
 * beyond that wait their turn in FIFO order. The body goes out without a
 * copy (it stays in the OUT ring or the attempt's buffer until the
 * outcome). https:// goes through net/tls.h (ALPN http/1.1, SNI).
 *
 * Outcomes (exporter/deliver.h): 2xx OK (Export*ServiceResponse
 * partial_success: the rejected count reported), 429/502/503/504
 * retryable with Retry-After as the hint, other statuses permanent; a
 * refused or dropped connection, a failed TLS handshake (the reason in
 * words: net_conn_error) and a timeout are retryable with no status (0).
 */
#ifndef SLUICE_EXPORTER_OTLPHTTP_H
#define SLUICE_EXPORTER_OTLPHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exporter/deliver.h"
#include "exporter/otlp_partial.h"
#include "exporter/xheader.h"
#include "net/codec.h"
#include "net/loop.h"
#include "otlp/signal.h"

struct otlphttp_opts {
	const char *endpoint; /* "http[s]://host:port[/prefix]" */
	const char *path;     /* the request path as is; NULL = prefix + the
				      * signal's ("/v1/traces", ...) */
	enum otlp_signal signal;
	const char *server_name; /* TLS: SNI and the name verified; NULL = host */
	const struct xheader *headers;
	unsigned n_headers;
	enum codec compression;	   /* CODEC_NONE = identity */
	int compression_level;	   /* CODEC_LEVEL_DEFAULT or the codec's range */
	uint32_t timeout_ms;	   /* 0 = 30000 */
	uint32_t connections;	   /* >= 1 */
	struct stage_stats *stats; /* connections_open/_total; NULL = none */
	struct net_tls *tls;	   /* https:// endpoints: a net/tls.h client
				      * context (ALPN "http/1.1"; NULL = verify
				      * with the system CAs); ignored for http://.
				      * The transport takes its own reference. */
};

/* Parses "http://host:port/prefix" (also "host:port"). host/path are
 * written NUL-terminated. 0 or -EINVAL (https, no port...). */
int otlphttp_parse_endpoint(const char *ep, char *host, size_t hostcap, uint16_t *port, char *path,
			    size_t pathcap);

/* Resolves the endpoint (blocking, startup only). On error returns -errno
 * and writes a one-line message into err. */
int otlphttp_new(struct net_loop *loop, const struct otlphttp_opts *o, void **t,
		 const struct transport_ops **ops, char *err, size_t errlen);

#endif
