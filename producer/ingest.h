/* producer/ingest.h: the transport-independent core of the ingest stage.
 *
 * An OTLP export request of any signal (HTTP/1.1 or gRPC) goes through
 * three steps:
 *
 *   ingest_prepare()  undo the body's compression (capped: a bomb stops at
 *                     the cap), turn OTLP/JSON into protobuf, validate the
 *                     whole Export{Trace,Logs,Metrics}ServiceRequest with
 *                     the signal's wire validator (otlp/signal.h, UTF-8
 *                     included) and count its resources and items. Bad
 *                     input gets a status class and a one-line message;
 *                     nothing is published.
 *   ingest_submit()   publish every resource of the request as one record
 *                     each into the request's IN ring (the plan's
 *                     plan_ingest_ring(receiver, signal)), all or nothing
 *                     (reserve all, one ring_publish). A full ring does not
 *                     block: the request is copied into a struct
 *                     ingest_wait and queued on THAT ring's FIFO; the loop
 *                     retries when the ring's space eventfd fires or a poll
 *                     timer ticks, and gives up at the request's deadline.
 *                     Other rings keep flowing meanwhile.
 *   done callback     the transport answers the client: published (200 /
 *                     grpc OK) or refused (429 / RESOURCE_EXHAUSTED with a
 *                     retry delay; 503 / UNAVAILABLE while draining).
 *
 * Records: one bare ResourceSpans / ResourceLogs / ResourceMetrics each,
 * signal = RECORD_SIGNAL_* of the ring, seq continuing from ring_last_seq
 * of that ring, ingest_ns = CLOCK_REALTIME at receipt, items = spans, log
 * records or metric data points, sealed with the CRC taken during the copy
 * (copy_to_ring_crc + record_seal_payload). Resources without items are not
 * published.
 *
 * Counting: the stage counters (stats, may be NULL) count items of every
 * signal (STAT_SPANS_IN = items published, ...); a route's component-stats
 * slot (receiver x transport x signal, plan_receiver_stat) counts
 * SEG_C_ACCEPTED / SEG_C_REFUSED items, as the Collector's
 * otelcol_receiver_accepted_* / refused_* do. Requests refused before
 * their items are known (undecodable) count nowhere in items.
 *
 * Memory: scratch buffers owned by struct ingest are reused for every
 * request (decompressed body, transcoded JSON); a queued request owns one
 * copy of its protobuf body, and all queued copies together are bounded
 * (max_wait_bytes). Nothing is allocated per span, log record or point.
 */
#ifndef SLUICE_PRODUCER_INGEST_H
#define SLUICE_PRODUCER_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/codec.h"
#include "net/loop.h"
#include "otlp/json.h"
#include "otlp/signal.h"
#include "shm/ring.h"
#include "shm/segment.h"
#include "shm/stats.h"

enum ingest_fmt {
	INGEST_FMT_PROTO = 0, /* application/x-protobuf (or gRPC) */
	INGEST_FMT_JSON = 1,  /* application/json */
};

/* Why a request was not accepted. Transports map these to statuses. */
enum ingest_err {
	INGEST_OK = 0,
	INGEST_EINVALID = 1,  /* undecodable body: 400 / INVALID_ARGUMENT */
	INGEST_ETOOBIG = 2,   /* over a size cap: 413 / RESOURCE_EXHAUSTED */
	INGEST_EENCODING = 3, /* unsupported encoding: 415 / UNIMPLEMENTED */
	INGEST_EFULL = 4,     /* ring stayed full: 429 / RESOURCE_EXHAUSTED+RetryInfo */
	INGEST_EDRAIN = 5,    /* shutting down: 503 / UNAVAILABLE */
	INGEST_EINTERNAL = 6, /* our fault (ENOMEM, corrupt ring): 500 / INTERNAL */
};

struct ingest_limits {
	size_t max_decoded;    /* decoded body cap when a body names none */
	uint64_t wait_ms;      /* wait for ring space when a route names none */
	uint64_t poll_ms;      /* retry period while waiting (also without eventfd) */
	size_t max_wait_bytes; /* bodies queued at once, all rings; beyond: refuse at once */
};
/* Defaults: 16 MiB, 2000 ms, 5 ms, 64 MiB. */
void ingest_limits_default(struct ingest_limits *lim);

/* A received body, as the transport found it. */
struct ingest_body {
	enum otlp_signal signal; /* from the path */
	enum ingest_fmt fmt;	 /* from the content type */
	int codec;		 /* enum codec (net/codec.h); CODEC_NONE: not compressed */
	size_t max_decoded;	 /* decoded (and transcoded) size cap; 0: lim.max_decoded */
	const uint8_t *data;
	size_t len;
};

/* A validated request: protobuf bytes (a view: into the caller's body, or
 * into the ingest scratch until the next ingest_prepare) and its counts. */
struct ingest_msg {
	enum otlp_signal signal;
	const uint8_t *data;
	size_t len;
	uint32_t resources; /* Resource* messages in the request */
	uint64_t items;	    /* spans, log records or data points */
	uint64_t ingest_ns; /* CLOCK_REALTIME at receipt */
	uint16_t rec_flags; /* RECORD_F_* the validator vouches for: HEADS_FIRST */
};

struct ingest_wait;
struct ingest;

/* One IN ring ingest publishes into, with its FIFO of waiting requests. */
struct ingest_ring {
	struct ingest *ig;
	struct ingest_ring *next; /* all rings of ig */
	struct ring *ring;
	enum otlp_signal signal;	 /* every record's */
	const char *name;		 /* for log lines ("in:logs") */
	uint64_t last_seq;		 /* seq of the last record published */
	struct ingest_wait *head, *tail; /* FIFO of waiting requests */
	unsigned waiting;
	uint64_t min_deadline_ns; /* earliest deadline queued (a hint; 0: none) */
	struct net_timer timer;	  /* poll / deadline */
	struct net_watch *watch;  /* ring space eventfd, when there is one */
	uint64_t warned_ns;	  /* last "ring full" warning (monotonic) */
};

/* Where requests of one signal from one receiver on one transport go. */
struct ingest_route {
	struct ingest_ring *out;    /* NULL: the receiver takes no such signal
	                                 (HTTP 404, gRPC UNIMPLEMENTED) */
	struct seg_component *stat; /* accepted / refused items; may be NULL */
	uint64_t wait_ms;	    /* ring_full_wait; 0: lim.wait_ms */
};

/* status: INGEST_OK (every record published), INGEST_EFULL (deadline),
 * INGEST_EDRAIN, INGEST_EINTERNAL, INGEST_ETOOBIG. Runs on the loop; the
 * wait is unlinked before the call and may be freed or reused inside it. */
typedef void (*ingest_done_fn)(struct ingest_wait *w, int status);

/* A request waiting for ring space. Embed it in the transport's request
 * state; ingest owns `buf` while queued (freed by ingest_wait_release). */
struct ingest_wait {
	struct ingest_wait *next, *prev;
	struct ingest_ring *out;
	const struct ingest_route *route;
	uint8_t *buf; /* copy of the protobuf body */
	size_t len, cap;
	uint32_t resources;
	uint64_t items;
	uint64_t ingest_ns;
	uint16_t rec_flags;
	uint64_t deadline_ns; /* monotonic */
	bool queued;
	ingest_done_fn done;
	void *arg; /* the transport's */
};

struct ingest {
	struct stage_stats *stats; /* may be NULL */
	struct net_loop *loop;	   /* NULL: never wait (tests, fuzz) */
	struct ingest_limits lim;
	struct ingest_ring *rings; /* every ring set up with ingest_ring_init */
	uint8_t *scratch;	   /* decompressed body */
	size_t scratch_cap;
	struct otlp_json_buf json; /* transcoded JSON */
	struct codec_ctx codec;
	unsigned waiting;  /* requests queued, all rings */
	size_t wait_bytes; /* sum of queued bodies, all rings */
	bool draining;
};

/* Set up the core. loop and stats may be NULL, lim too (defaults). */
void ingest_init(struct ingest *ig, struct stage_stats *stats, struct net_loop *loop,
		 const struct ingest_limits *lim);
/* Refuse every waiting request of every ring with INGEST_EDRAIN, release
 * the rings (ingest_ring_free) and free the buffers. */
void ingest_free(struct ingest *ig);

/* Publish records of `signal` into ring (seq continues from its
 * ring_last_seq). Watches the ring's space eventfd on ig's loop when it
 * has one. 0 or a negative errno. */
int ingest_ring_init(struct ingest_ring *o, struct ingest *ig, struct ring *ring, enum otlp_signal signal,
		     const char *name);
/* Refuse its waiting requests (INGEST_EDRAIN) and stop watching. */
void ingest_ring_free(struct ingest_ring *o);

/* Decode and validate a body. Returns INGEST_OK with *m filled, or an
 * ingest_err with a message in err (NUL-terminated). */
int ingest_prepare(struct ingest *ig, const struct ingest_body *b, struct ingest_msg *m, char *err,
		   size_t errlen);

/* Publish m into rt->out now if the ring has room and nobody is queued
 * there: returns INGEST_OK (answer the client now). Otherwise, with a
 * loop, copies m into w, queues it on that ring and returns 1: done(w,
 * status) runs later (never inside this call). Without a loop, or while
 * draining: INGEST_EFULL / INGEST_EDRAIN. INGEST_ETOOBIG if the request
 * can never fit the ring; INGEST_EINTERNAL if rt has no ring or the ring's
 * signal is not m's. */
int ingest_submit(const struct ingest_route *rt, const struct ingest_msg *m, struct ingest_wait *w,
		  ingest_done_fn done, void *arg);

/* Take a queued request out of its queue without calling done (its
 * connection went away). Frees its buffer. Safe on a wait never queued. */
void ingest_wait_cancel(struct ingest_wait *w);
/* Free a wait's buffer (after done, when the transport is finished). */
void ingest_wait_release(struct ingest_wait *w);

/* Stop taking new requests (INGEST_EDRAIN); queued ones keep their chance
 * until their deadline. */
void ingest_drain(struct ingest *ig);

/* Publish a validated protobuf request of o's signal all or nothing,
 * without queueing or route counters. Returns INGEST_OK, INGEST_EFULL
 * (ring has no room now), INGEST_ETOOBIG, INGEST_EINTERNAL. For tests. */
int ingest_publish(struct ingest_ring *o, const uint8_t *data, size_t len, uint64_t ingest_ns);

/* Response bodies (protobuf or OTLP/JSON). Returns bytes written or -ENOSPC.
 * Export*ServiceResponse (empty, for every signal: no partial success,
 * ever, since requests are accepted or refused whole) and google.rpc.Status. */
int ingest_reply_success(enum ingest_fmt fmt, uint8_t *out, size_t cap);
int ingest_reply_status(enum ingest_fmt fmt, int grpc_code, const char *msg, uint8_t *out, size_t cap);

/* CLOCK_REALTIME ns. */
uint64_t ingest_now_ns(void);

/* Internal to producer/ (ingest_pub.c, used by ingest_wait.c): publish
 * with the validator's counts and record flags (struct ingest_msg's);
 * counts into the stage stats and rt's slot (rt may be NULL). */
int ingest_publish_counted(struct ingest_ring *o, const struct ingest_route *rt, const uint8_t *data,
			   size_t len, uint64_t ingest_ns, uint32_t resources, uint64_t items,
			   uint16_t rec_flags);
/* Count refused items (stage counter c and rt's slot). */
void ingest_count_refused(struct ingest *ig, const struct ingest_route *rt, enum stat_counter c,
			  uint64_t items);

#endif
