/* producer/ingest_serve.h: everything one sluice-ingest serves, built from
 * the config's plan (config/plan.h) and the segment:
 *
 *   - one struct ingest_ring per IN ring some receiver feeds (segment ring
 *     index == plan ring index; the segment must have been built for this
 *     plan: ring names checked, or the topology fingerprint when it has one)
 *   - per receiver a pipeline takes from, and per protocol it enables: a
 *     listener with that receiver's own limits (max_request_body_size /
 *     max_recv_msg_size, read and idle timeouts, max_concurrent_streams,
 *     ring_full_wait, retry_after) and its own TLS (ALPN http/1.1 or h2,
 *     mTLS with client_ca_file, reload_interval), whose routes send each
 *     signal to plan_ingest_ring(receiver, signal) and count items into
 *     plan_receiver_stat(receiver, transport, signal)
 *   - TLS handshake failures counted in STAT_TLS_HANDSHAKE_FAILURES and
 *     logged (at most once every 10 s a listener)
 *
 * Log lines the tests read: "OTLP/HTTP listening on HOST:PORT receiver=ID
 * tls=on|off" (and OTLP/gRPC), then "serving N listeners".
 */
#ifndef SLUICE_PRODUCER_INGEST_SERVE_H
#define SLUICE_PRODUCER_INGEST_SERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "config/plan.h"
#include "producer/ingest.h"
#include "producer/ingest_grpc.h"
#include "producer/ingest_http.h"
#include "shm/segment.h"

#define INGEST_MAX_LISTENERS (2 * CONFIG_MAX_RECEIVERS)

/* What a TLS listener's failure hook needs. */
struct ingest_tls_fail {
	struct stage_stats *st;
	const char *receiver;
	const char *proto;  /* "http", "grpc" */
	uint64_t logged_ns; /* last log line (monotonic) */
	uint64_t since_log; /* failures since then */
};

struct ingest_serve {
	struct ingest ig;
	struct ring rings[PLAN_MAX_RINGS]; /* by plan ring index */
	struct ingest_ring outs[PLAN_MAX_RINGS];
	bool used[PLAN_MAX_RINGS];
	struct ihttp_server http[CONFIG_MAX_RECEIVERS];
	struct igrpc_server grpc[CONFIG_MAX_RECEIVERS];
	unsigned nhttp, ngrpc;
	struct net_listener *ls[INGEST_MAX_LISTENERS];
	struct ingest_tls_fail fail[INGEST_MAX_LISTENERS];
	unsigned nls;
};

/* Set up s (caller memory, any content) on loop. st may be NULL. Returns
 * 0, -EINVAL (the config cannot be served: a certificate that does not
 * load, a segment built for another plan; the message in err), or another
 * negative errno (a port that cannot be bound, ...). On failure
 * everything made is undone. */
int ingest_serve_open(struct ingest_serve *s, const struct sluice_config *cfg, struct segment *seg,
		      struct net_loop *loop, struct stage_stats *st, char *err, size_t errlen);

/* Stop accepting (listeners closed), tell every connection to finish. */
void ingest_serve_drain(struct ingest_serve *s);
/* Connections open or requests waiting for ring space. */
bool ingest_serve_busy(const struct ingest_serve *s);
/* Refuse what still waits, close listeners, free. */
void ingest_serve_close(struct ingest_serve *s);

#endif
