/* tools/gen/gen.h: sluice-gen's shared state (main, HTTP and gRPC senders).
 *
 * Each sender slot owns one request template and has at most one request
 * in flight: HTTP slots are keep-alive connections, gRPC slots are streams
 * on a few h2c connections. A 10 ms tick hands out rate tokens, prints
 * progress and ends the run (duration or span count, whichever first).
 */
#ifndef SLUICE_TOOLS_GEN_H
#define SLUICE_TOOLS_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "net/loop.h"
#include "otlp/json.h"
#include "tools/gen/gen_req.h"

enum gen_proto { GEN_HTTP_PROTOBUF, GEN_HTTP_JSON, GEN_GRPC };

struct gen_opts {
	enum gen_proto proto;
	const char *tls_ca;       /* --tls-ca: TLS trusting this CA; NULL = plain */
	const char *host;
	uint16_t port;
	const char *path;         /* HTTP path, default /v1/traces */
	uint32_t spans;           /* per request */
	uint32_t attrs;           /* per span */
	uint32_t connections;
	uint32_t streams;         /* gRPC calls in flight per connection */
	double rate;              /* spans/s target, 0 = as fast as possible */
	double duration_s;        /* stop starting requests after this */
	uint64_t count;           /* or after this many spans (0 = no limit) */
	uint64_t id_base;         /* first span id */
	const char *ack_log;      /* file: "first_id count" per acknowledged request */
	const char *service;
	bool quiet;
};

struct gen_counts {
	uint64_t sent_req, acked_req, refused_req, failed_req;
	uint64_t sent_spans, acked_spans, refused_spans, failed_spans;
};

struct gen {
	struct gen_opts o;
	struct net_loop *loop;
	struct sockaddr_storage sa;
	socklen_t salen;
	struct gen_counts n;
	uint64_t next_id;
	double tokens;            /* requests allowed now (rate limiting) */
	uint64_t start_ns, end_ns, last_tick_ns, last_progress_ns, last_progress_spans;
	bool stopping;            /* no new requests */
	uint64_t inflight;
	uint32_t *lat_us;         /* latency samples (bounded) */
	size_t n_lat, cap_lat;
	FILE *ack;
	void *senders;            /* gen_http.c or gen_grpc.c state */
	struct net_tls *tls;      /* TLS client context (net/tls.h); NULL = plain */
	unsigned conn_errors_logged; /* TLS failures logged so far (3 at most) */
};

/* May a slot start a request now? Takes a token when it may. */
bool gen_may_send(struct gen *g);
/* Reserve ids for a request of n spans; returns the first id. */
uint64_t gen_take_ids(struct gen *g, uint32_t n);
/* Outcome of one request. */
enum gen_outcome { GEN_ACKED, GEN_REFUSED, GEN_FAILED };
void gen_record(struct gen *g, enum gen_outcome oc, uint64_t first_id, uint32_t n, uint64_t sent_ns);

/* Senders: start all slots; kick idle slots (called each tick). */
int gen_http_start(struct gen *g);
void gen_http_kick(struct gen *g);
void gen_http_free(struct gen *g);
int gen_grpc_start(struct gen *g);
void gen_grpc_kick(struct gen *g);
void gen_grpc_free(struct gen *g);

#endif
