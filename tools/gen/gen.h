/* tools/gen/gen.h: sluice-gen's shared state (main, HTTP and gRPC senders).
 *
 * Each sender slot owns one request body (struct gen_body: a template of
 * the chosen signal, restamped, then turned into JSON and/or compressed
 * when asked) and has at most one request in flight: HTTP slots are
 * keep-alive connections, gRPC slots are streams on a few h2c connections.
 * A 10 ms tick hands out rate tokens, prints progress and ends the run
 * (duration or item count, whichever first). Items are spans, log records
 * or data points, whichever the signal is.
 */
#ifndef SLUICE_TOOLS_GEN_H
#define SLUICE_TOOLS_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "net/codec.h"
#include "net/loop.h"
#include "otlp/json.h"
#include "otlp/signal.h"
#include "tools/gen/gen_req.h"

enum gen_proto {
	GEN_HTTP_PROTOBUF,
	GEN_HTTP_JSON,
	GEN_GRPC
};

struct gen_opts {
	enum gen_proto proto;
	enum otlp_signal signal;	/* --signal, default traces */
	enum codec codec;		/* --compression, default none */
	int level;			/* --compression-level, CODEC_LEVEL_DEFAULT */
	const char *tls_ca;		/* --tls-ca: TLS trusting this CA; NULL = plain */
	const char *tls_cert, *tls_key; /* --tls-cert/--tls-key: client certificate (mTLS) */
	const char *host;
	uint16_t port;
	const char *path;	    /* HTTP path, default the signal's /v1/... */
	uint32_t spans;		    /* items per request */
	uint32_t attrs;		    /* per item (logs, metrics: beside gen.id) */
	double ctx_share;	    /* logs: share of records with trace context */
	uint32_t points_per_metric; /* metrics */
	unsigned metric_types;	    /* metrics: GEN_MT_* set */
	uint32_t connections;
	uint32_t streams;    /* gRPC calls in flight per connection */
	double rate;	     /* items/s target, 0 = as fast as possible */
	double duration_s;   /* stop starting requests after this */
	uint64_t count;	     /* or after this many items (0 = no limit) */
	uint64_t id_base;    /* first item id */
	const char *ack_log; /* file: "first_id count" per acknowledged request */
	const char *service;
	bool quiet;
};

struct gen_counts {
	uint64_t sent_req, acked_req, refused_req, failed_req;
	uint64_t sent_spans, acked_spans, refused_spans, failed_spans; /* items */
};

struct gen {
	struct gen_opts o;
	struct net_loop *loop;
	struct sockaddr_storage sa;
	socklen_t salen;
	struct gen_counts n;
	uint64_t next_id;
	double tokens; /* requests allowed now (rate limiting) */
	uint64_t start_ns, end_ns, last_tick_ns, last_progress_ns, last_progress_spans;
	bool stopping; /* no new requests */
	uint64_t inflight;
	uint32_t *lat_us; /* latency samples (bounded) */
	size_t n_lat, cap_lat;
	FILE *ack;
	void *senders;	     /* gen_http.c or gen_grpc.c state */
	struct net_tls *tls; /* TLS client context (net/tls.h); NULL = plain */
	const struct otlp_signal_desc *sd;
	struct codec_ctx cx;	     /* compressor state, shared by the slots */
	unsigned conn_errors_logged; /* TLS failures logged so far (3 at most) */
};

/* One slot's request: the template and what is sent (out, out_len: the
 * template itself, its JSON form, or either compressed). */
struct gen_body {
	struct gen_req req;
	struct otlp_json_buf json;
	uint8_t *z;
	size_t zcap;
	const uint8_t *out;
	size_t out_len;
};
/* Builds the slot's template (run mixes into its trace ids). 0 or -errno. */
int gen_body_init(struct gen *g, struct gen_body *b, uint64_t run);
/* Stamps ids from first_id and the wall clock, then encodes. 0, or -errno
 * (logged once). */
int gen_body_make(struct gen *g, struct gen_body *b, uint64_t first_id);
void gen_body_free(struct gen_body *b);

/* May a slot start a request now? Takes a token when it may. */
bool gen_may_send(struct gen *g);
/* Reserve ids for a request of n items; returns the first id. */
uint64_t gen_take_ids(struct gen *g, uint32_t n);
/* Outcome of one request. */
enum gen_outcome {
	GEN_ACKED,
	GEN_REFUSED,
	GEN_FAILED
};
void gen_record(struct gen *g, enum gen_outcome oc, uint64_t first_id, uint32_t n, uint64_t sent_ns);

/* Senders: start all slots; kick idle slots (called each tick). */
int gen_http_start(struct gen *g);
void gen_http_kick(struct gen *g);
void gen_http_free(struct gen *g);
int gen_grpc_start(struct gen *g);
void gen_grpc_kick(struct gen *g);
void gen_grpc_free(struct gen *g);

#endif
