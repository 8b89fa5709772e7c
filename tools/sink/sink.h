/* tools/sink/sink.h: sluice-sink, a minimal OTLP receiver for tests and
 * benchmarks (OTLP/HTTP protobuf or JSON on HTTP/1.1, OTLP/gRPC on h2c;
 * TLS optional), on one net/loop.h io_uring loop, for traces, logs and
 * metrics.
 *
 * It counts requests and items (spans, log records, data points) per
 * signal, can keep what it accepted per signal (request bodies,
 * length-framed; or a line per item), logs every request it saw with the
 * answer it gave, measures end-to-end latency from the items' timestamps,
 * and fails on purpose following a schedule (sink_sched_*):
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
#include "otlp/json.h"
#include "otlp/signal.h"
#include "tools/sink/sink_scan.h"

/* Every open connection, so the sink frees them at exit (the loop closes
 * sockets without callbacks then). */
struct sink_link {
	struct sink_link *prev, *next;
	void (*free)(struct sink_link *l);
};

enum sink_act {
	SINK_OK = 0,
	SINK_CODE,
	SINK_CLOSE,
	SINK_STALL,
	SINK_PARTIAL
};

struct sink_step {
	enum sink_act act;
	int code;	  /* SINK_CODE: HTTP status */
	int retry_after;  /* seconds, -1 = none */
	uint32_t count;	  /* requests this step answers */
	uint64_t partial; /* SINK_PARTIAL: rejected_spans */
};

#define SINK_MAX_STEPS 64

struct sink_sched {
	struct sink_step steps[SINK_MAX_STEPS];
	unsigned n;
	unsigned cur;  /* step index */
	uint32_t used; /* requests answered by steps[cur] so far */
	bool repeat;
};

/* Parses a schedule. 0 or -EINVAL (err says where). */
int sink_sched_parse(struct sink_sched *s, const char *text, char *err, size_t errlen);
/* The step for the next request (advances). */
struct sink_step sink_sched_next(struct sink_sched *s);
/* Short name for logs: "ok", "503/2", "close", "stall", "partial=5". */
void sink_step_name(const struct sink_step *st, char *buf, size_t len);

/* What the sink keeps and counts for one signal. */
struct sink_sig {
	FILE *bodies; /* --bodies[-logs|-metrics]: accepted bodies, 4-byte BE
	                          length framed (protobuf, also for JSON requests) */
	FILE *digest; /* --digest[-logs|-metrics]: a line per item (sink_digest) */
	uint64_t requests, accepted, refused, invalid, items, bytes;
	uint64_t first_ns, last_ns; /* monotonic: first/last accepted request */
	struct sink_lat lat;	    /* --latency: accepted items */
};

struct sink {
	struct net_loop *loop;
	struct sink_sched sched;
	struct sink_sig sig[OTLP_SIGNAL_COUNT]; /* by enum otlp_signal */
	unsigned signals;			/* --signals: accepted signals, bit (1 << signal) */
	FILE *log;				/* --log: one line per request */
	bool latency;
	bool quiet;
	bool nocheck; /* --no-check: count items without the deep check */
	/* --require-header NAME=VALUE: a request without it is refused (401,
	 * gRPC UNAUTHENTICATED), as a backend that wants an API key does */
	const char *req_name, *req_value;
	size_t req_name_len;
	uint64_t exit_after_spans, exit_after_items;
	uint64_t max_body;
	struct sink_link conns_list;	     /* circular, head is a sentinel */
	uint8_t *scratch;		     /* decompressed body, allocated once at max_body */
	struct otlp_json_buf json;	     /* a JSON body as protobuf */
	struct codec_ctx cx;		     /* decoder state, zero-initialised with the sink */
	struct net_tls *tls_http, *tls_grpc; /* --tls-cert: listeners do TLS */
	size_t scratch_cap;
	/* counters over every signal */
	uint64_t requests, accepted, refused, invalid, bytes, conns;
	uint64_t streamed;	       /* requests checked while they arrived */
	uint64_t decoded[CODEC_COUNT]; /* compressed bodies by codec (tests check
	                                  that a client compressed as configured) */
	uint64_t first_ns, last_ns;    /* monotonic: first/last accepted request */
	struct sink_lat_req lat_req;   /* sink_take's request */
};

/* Whether the headers carry --require-header's (name case-insensitive,
 * value exact); true without --require-header. */
bool sink_has_required(const struct sink *s, const char *name, size_t name_len, const char *value,
		       size_t value_len);

/* What to do with one request body of signal (already decompressed).
 * Returns the step to answer with; counts and records an accepted body.
 * *valid = false: the body is not a valid Export*ServiceRequest of that
 * signal (answer 400 / INVALID_ARGUMENT). proto names the transport in the
 * --log line ("http", "grpc"). */
struct sink_step sink_take(struct sink *s, int signal, const uint8_t *body, size_t len, bool *valid,
			   const char *proto);
/* The same for an OTLP/JSON body (HTTP): turned into protobuf first (a
 * JSON body that does not convert is invalid; why says why). */
struct sink_step sink_take_json(struct sink *s, int signal, const uint8_t *body, size_t len, bool *valid,
				char *why, size_t why_len);

/* Bodies checked while they arrive (HTTP protobuf, Content-Length, no
 * Content-Encoding), so a large one is never gathered: possible unless an
 * option needs the whole body (--bodies, --digest of that signal, --log)
 * or --no-check. begin() before the first byte, sink_scan_stream_feed()
 * the bytes, end() = sink_take()'s answer. lr: the connection's pending
 * latency (bodies of several connections may be arriving at once). */
bool sink_can_stream(const struct sink *s, int signal);
void sink_stream_begin(struct sink *s, struct sink_scan_stream *st, int signal, struct sink_lat_req *lr);
struct sink_step sink_stream_end(struct sink *s, struct sink_scan_stream *st, size_t len, bool *valid,
				 const char *proto);

/* --digest lines for every item of a valid request of signal (sink_digest.c):
 *   traces   TRACE_ID SPAN_ID NAME END_NS
 *   logs     log GEN_ID TRACE_ID SPAN_ID SEVERITY_NUMBER TIME_NS
 *   metrics  point GEN_ID METRIC_NAME TYPE TIME_NS
 * ids in lowercase hex, "-" when empty; GEN_ID is the item's gen.id
 * attribute (sluice-gen's id: 16 hex digits; an int value is printed as
 * 16 hex digits), "-" without one. TYPE: gauge, sum, histogram,
 * exphistogram, summary. So the second word of a line is the id sluice-gen
 * gave the item in every signal (the span id for traces). */
void sink_digest(FILE *out, int signal, const uint8_t *body, size_t len);

/* Answer bodies (sink_reply.c), in the request's format, as a Collector
 * writes them: an Export*ServiceResponse (empty, or with partial_success
 * when rejected > 0) on success, a google.rpc.Status on failure. Return the
 * length written; cap >= 256 always suffices for messages < 128 bytes. */
enum sink_fmt {
	SINK_FMT_PROTO = 0,
	SINK_FMT_JSON = 1
};
size_t sink_reply_export(enum sink_fmt fmt, int signal, uint64_t rejected, uint8_t *out, size_t cap);
size_t sink_reply_status(enum sink_fmt fmt, int grpc_code, const char *msg, uint8_t *out, size_t cap);
/* The gRPC status a server answers in place of an HTTP status. */
int sink_grpc_code_for(int http_status);

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
