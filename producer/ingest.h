/* producer/ingest.h: the transport-independent core of the ingest stage.
 *
 * An OTLP export request (HTTP/1.1 or gRPC) goes through three steps:
 *
 *   ingest_prepare()  undo Content-Encoding (gzip/deflate, capped), turn
 *                     OTLP/JSON into protobuf, validate the whole
 *                     ExportTraceServiceRequest with the wire reader and
 *                     count its ResourceSpans and spans. Bad input gets a
 *                     status class and a one-line message; nothing is
 *                     published.
 *   ingest_submit()   publish every ResourceSpans of the request as one ring
 *                     record each, all or nothing (reserve all, one
 *                     ring_publish). A full ring does not block: the request
 *                     is copied into a struct ingest_wait and queued (FIFO);
 *                     the loop retries when the ring's space eventfd fires
 *                     or a poll timer ticks, and gives up at the deadline.
 *   done callback     the transport answers the client: published (200 /
 *                     grpc OK) or refused (429 / RESOURCE_EXHAUSTED with a
 *                     retry delay; 503 / UNAVAILABLE while draining).
 *
 * Records: bare ResourceSpans payload, seq continuing from ring_last_seq of
 * the output ring, ingest_ns = CLOCK_REALTIME at receipt, items = spans.
 * ResourceSpans without spans are not published. Counters go to the ingest
 * stats block (may be NULL in tests).
 *
 * Memory: scratch buffers owned by struct ingest are reused for every
 * request (decompressed body, transcoded JSON); a queued request owns one
 * copy of its protobuf body. Nothing is allocated per span.
 */
#ifndef SLUICE_PRODUCER_INGEST_H
#define SLUICE_PRODUCER_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/gzip.h"
#include "net/loop.h"
#include "otlp/json.h"
#include "shm/ring.h"
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
	INGEST_EENCODING = 3, /* unsupported Content-Encoding: 415 / UNIMPLEMENTED */
	INGEST_EFULL = 4,     /* ring stayed full: 429 / RESOURCE_EXHAUSTED+RetryInfo */
	INGEST_EDRAIN = 5,    /* shutting down: 503 / UNAVAILABLE */
	INGEST_EINTERNAL = 6, /* our fault (ENOMEM, corrupt ring): 500 / INTERNAL */
};

struct ingest_limits {
	size_t max_decoded;       /* decompressed / transcoded body cap */
	uint64_t wait_ms;         /* bounded wait for ring space before refusing */
	uint64_t poll_ms;         /* retry period while waiting (also without eventfd) */
	uint32_t retry_after_s;   /* Retry-After / RetryInfo we tell clients */
	size_t max_wait_bytes;    /* bodies queued at once; beyond: refuse at once */
};
/* Defaults: 16 MiB, 2000 ms, 5 ms, 1 s, 64 MiB. */
void ingest_limits_default(struct ingest_limits *lim);

/* A validated request: protobuf bytes (a view: into the caller's body, or
 * into the ingest scratch until the next ingest_prepare) and its counts. */
struct ingest_msg {
	const uint8_t *data;
	size_t len;
	uint32_t resource_spans;  /* ResourceSpans with at least one span */
	uint64_t spans;
	uint64_t ingest_ns;       /* CLOCK_REALTIME at receipt */
};

struct ingest_wait;
/* status: INGEST_OK (every record published), INGEST_EFULL (deadline),
 * INGEST_EDRAIN, INGEST_EINTERNAL. Runs on the loop; the wait is unlinked
 * before the call and may be freed or reused inside it. */
typedef void (*ingest_done_fn)(struct ingest_wait *w, int status);

/* A request waiting for ring space. Embed it in the transport's request
 * state; ingest owns `buf` while queued (freed by ingest_wait_release). */
struct ingest_wait {
	struct ingest_wait *next, *prev;
	struct ingest *ig;
	uint8_t *buf;             /* copy of the protobuf body */
	size_t len, cap;
	uint32_t resource_spans;
	uint64_t spans;
	uint64_t ingest_ns;
	uint64_t deadline_ns;     /* monotonic */
	bool queued;
	ingest_done_fn done;
	void *arg;                /* the transport's */
};

struct ingest {
	struct ring *ring;
	struct stage_stats *stats;    /* may be NULL */
	struct net_loop *loop;        /* NULL: never wait (tests, fuzz) */
	struct ingest_limits lim;
	uint64_t last_seq;            /* seq of the last record published */
	uint8_t *scratch;             /* decompressed body (max_decoded bytes) */
	struct otlp_json_buf json;    /* transcoded JSON */
	struct gzip_decoder gz;
	struct ingest_wait *head, *tail;  /* FIFO of waiting requests */
	unsigned waiting;
	size_t wait_bytes;            /* sum of queued bodies */
	struct net_timer timer;       /* poll / deadline */
	struct net_watch *watch;      /* ring space eventfd, when there is one */
	bool draining;
	uint64_t warned_ns;           /* last "ring full" warning (monotonic) */
};

/* Set up ig to publish into ring (seq continues from ring_last_seq). loop
 * and stats may be NULL. Returns 0 or -ENOMEM. */
int ingest_init(struct ingest *ig, struct ring *ring, struct stage_stats *stats,
		struct net_loop *loop, const struct ingest_limits *lim);
/* Refuse every waiting request with INGEST_EDRAIN and free buffers. */
void ingest_free(struct ingest *ig);

/* Decode and validate a request body. fmt: the body's Content-Type;
 * encoding: a gzip_format (GZIP_FMT_IDENTITY for none). Returns INGEST_OK
 * with *m filled, or an ingest_err with a message in err (NUL-terminated).
 * Counts refused requests and their spans (when known) in the stats. */
int ingest_prepare(struct ingest *ig, enum ingest_fmt fmt, int encoding,
		   const uint8_t *body, size_t len, struct ingest_msg *m,
		   char *err, size_t errlen);

/* Publish m now if the ring has room and nobody is queued: returns
 * INGEST_OK (answer the client now). Otherwise, with a loop, copies m into
 * w, queues it and returns 1: done(w, status) runs later (never inside
 * this call). Without a loop, or while draining: INGEST_EFULL / INGEST_EDRAIN.
 * INGEST_ETOOBIG if the request can never fit the ring. */
int ingest_submit(struct ingest *ig, const struct ingest_msg *m,
		  struct ingest_wait *w, ingest_done_fn done, void *arg);

/* Take a queued request out of the queue without calling done (its
 * connection went away). Frees its buffer. Safe on a wait never queued. */
void ingest_wait_cancel(struct ingest_wait *w);
/* Free a wait's buffer (after done, when the transport is finished). */
void ingest_wait_release(struct ingest_wait *w);

/* Stop taking new requests (INGEST_EDRAIN); queued ones keep their chance
 * until their deadline. */
void ingest_drain(struct ingest *ig);

/* Publish a validated protobuf request all or nothing, without queueing.
 * Returns INGEST_OK, INGEST_EFULL (ring has no room now), INGEST_ETOOBIG,
 * INGEST_EINTERNAL. Exposed for tests. */
int ingest_publish(struct ingest *ig, const uint8_t *data, size_t len,
		   uint64_t ingest_ns);

/* Response bodies (protobuf or OTLP/JSON). Returns bytes written or -ENOSPC.
 * ExportTraceServiceResponse (empty: no partial success, ever, since
 * requests are accepted or refused whole) and google.rpc.Status. */
int ingest_reply_success(enum ingest_fmt fmt, uint8_t *out, size_t cap);
int ingest_reply_status(enum ingest_fmt fmt, int grpc_code, const char *msg,
			uint8_t *out, size_t cap);

/* CLOCK_REALTIME ns. */
uint64_t ingest_now_ns(void);

#endif
