/* tools/sink/sink.h: sluice-sink, a minimal OTLP receiver for tests and
 * benchmarks (OTLP/HTTP protobuf on HTTP/1.1, OTLP/gRPC on h2c), on one
 * net/loop.h io_uring loop.
 *
 * It counts requests and spans, can keep what it accepted (request bodies,
 * length-framed; or a line per span), logs every request it saw with the
 * answer it gave, measures end-to-end latency from the spans' end
 * timestamps, and fails on purpose following a schedule (sink_sched_*):
 *
 *   --fail "503/2*3,400,close,stall,partial=5,ok*10"
 *     item   = action ['*' count]      (count default 1)
 *     action = ok | close | stall | partial=N | CODE ['/' RETRY_AFTER_S]
 *   Requests take items in arrival order; after the last, every request is
 *   ok (or the schedule starts over with --repeat).
 */
#ifndef SLUICE_TOOLS_SINK_H
#define SLUICE_TOOLS_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "net/codec.h"
#include "net/loop.h"
#include "net/tls.h"
#include "tools/sink/sink_scan.h"

/* Every open connection, so the sink frees them at exit (the loop closes
 * sockets without callbacks then). */
struct sink_link {
	struct sink_link *prev, *next;
	void (*free)(struct sink_link *l);
};

enum sink_act { SINK_OK = 0, SINK_CODE, SINK_CLOSE, SINK_STALL, SINK_PARTIAL };

struct sink_step {
	enum sink_act act;
	int code;          /* SINK_CODE: HTTP status */
	int retry_after;   /* seconds, -1 = none */
	uint32_t count;    /* requests this step answers */
	uint64_t partial;  /* SINK_PARTIAL: rejected_spans */
};

#define SINK_MAX_STEPS 64

struct sink_sched {
	struct sink_step steps[SINK_MAX_STEPS];
	unsigned n;
	unsigned cur;      /* step index */
	uint32_t used;     /* requests answered by steps[cur] so far */
	bool repeat;
};

/* Parses a schedule. 0 or -EINVAL (err says where). */
int sink_sched_parse(struct sink_sched *s, const char *text, char *err, size_t errlen);
/* The step for the next request (advances). */
struct sink_step sink_sched_next(struct sink_sched *s);
/* Short name for logs: "ok", "503/2", "close", "stall", "partial=5". */
void sink_step_name(const struct sink_step *st, char *buf, size_t len);

struct sink {
	struct net_loop *loop;
	struct sink_sched sched;
	FILE *bodies;          /* --bodies: accepted bodies, 4-byte BE length framed */
	FILE *digest;          /* --digest: "traceid spanid name end_ns" per span */
	FILE *log;             /* --log: one line per request */
	bool latency;
	bool quiet;
	bool nocheck;          /* --no-check: count spans without the deep check */
	uint64_t exit_after_spans;
	uint64_t max_body;
	struct sink_link conns_list; /* circular, head is a sentinel */
	uint8_t *scratch;      /* decompressed body, allocated once at max_body */
	struct codec_ctx cx;   /* decoder state, zero-initialised with the sink */
	struct net_tls *tls_http, *tls_grpc; /* --tls-cert: listeners do TLS */
	size_t scratch_cap;
	/* counters */
	uint64_t requests, accepted, refused, spans, bytes, invalid, conns;
	uint64_t first_ns, last_ns;   /* monotonic: first/last accepted request */
	struct sink_lat lat;   /* --latency: accepted spans */
	struct sink_lat_req lat_req; /* sink_take's request */
};

/* What to do with one request body (already decompressed). Returns the
 * step to answer with; counts and records an accepted body. proto_ok =
 * false: the body is not a valid ExportTraceServiceRequest (answer 400). */
struct sink_step sink_take(struct sink *s, const uint8_t *body, size_t len, bool *valid,
			   const char *proto);

/* Bodies checked while they arrive (HTTP, Content-Length, not gzip), so a
 * large one is never gathered: possible unless an option needs the whole
 * body (--bodies, --digest, --log) or --no-check. begin() before the first
 * byte, sink_scan_stream_feed() the bytes, end() = sink_take()'s answer.
 * lr: the connection's pending latency (bodies of several connections may
 * be arriving at once). */
bool sink_can_stream(const struct sink *s);
void sink_stream_begin(struct sink *s, struct sink_scan_stream *st, struct sink_lat_req *lr);
struct sink_step sink_stream_end(struct sink *s, struct sink_scan_stream *st, size_t len,
				 bool *valid, const char *proto);

/* Decompress (net/codec.h codec) into s->scratch; returns the length or -errno. */
long sink_decode(struct sink *s, int codec, const uint8_t *in, size_t len);

/* Listeners. */
int sink_http_listen(struct sink *s, const char *host, uint16_t port, uint16_t *bound);
int sink_grpc_listen(struct sink *s, const char *host, uint16_t port, uint16_t *bound);

void sink_link_add(struct sink *s, struct sink_link *l);
void sink_link_del(struct sink_link *l);

/* Prints the summary (stdout). */
void sink_summary(struct sink *s, FILE *out);

#endif
