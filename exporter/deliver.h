/* exporter/deliver.h: the export stage's delivery engine.
 *
 * Reads ring 2 into a window (exporter/window.h), hands every batch to
 * every exporter, and commits the ring tail over the longest prefix that
 * every exporter finished: acknowledged, dead-lettered, or put in its disk
 * queue. Per exporter: up to `concurrency` attempts in flight; a retryable
 * answer waits (exporter/retry.h) and tries again; a permanent answer or
 * retries exhausted goes to the dead-letter directory; with a disk queue,
 * a failing backend makes the exporter spill batches to disk (freeing the
 * ring) and drain them in seq order once sends succeed again.
 *
 * Transports (HTTP, gRPC, debug, file) only know how to send ONE body and
 * report one outcome; everything about when, how often and what then lives
 * here. Runs on one net/loop.h loop; no threads.
 *
 *   deliver_init / deliver_add / deliver_start  setup
 *   deliver_pump                                read ring, dispatch, commit
 *   deliver_complete                            a transport's outcome
 *   deliver_drained                             all sent (for SIGTERM)
 */
#ifndef SLUICE_EXPORTER_DELIVER_H
#define SLUICE_EXPORTER_DELIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "exporter/diskq.h"
#include "exporter/retry.h"
#include "exporter/window.h"
#include "net/loop.h"
#include "shm/ring.h"
#include "shm/stats.h"

struct dexp;

enum attempt_state { ATT_FREE = 0, ATT_SENDING, ATT_WAITING };

/* One batch on its way to one exporter. Transports read body/len and may
 * use tctx for their own per-attempt state. */
struct attempt {
	struct dexp *x;
	enum attempt_state state;
	bool from_disk;         /* body is in own[], entry seq in the disk queue */
	uint64_t win_idx;       /* window index (ring batches) */
	uint64_t seq;
	const uint8_t *body;
	uint32_t len, items;
	uint64_t ingest_ns;
	uint32_t tries;         /* attempts made so far */
	uint64_t first_ns;      /* monotonic ns of the first try */
	uint8_t *own;           /* disk-loaded body buffer (reused) */
	size_t own_cap;
	struct net_timer timer; /* retry wait */
	bool dlq_retry;         /* waiting to retry a failed dead-letter write */
	int dstatus;            /* status kept for that retry */
	char reason[160];       /* last failure, for logs and dead letters */
	void *tctx;             /* transport's */
};

struct outcome {
	enum retry_class cls;
	int status;         /* HTTP status / gRPC code; 0 = no answer */
	int64_t hint_ms;    /* Retry-After / RetryInfo, -1 = none */
	const char *reason; /* short text for logs and dead letters */
	uint64_t rejected;  /* partial_success.rejected_spans */
};

struct transport_ops {
	/* Start sending a->body. Must eventually call deliver_complete(a, ...)
	 * exactly once (it may do so before returning). <0 = could not start
	 * (treated as a retryable failure). */
	int (*send)(void *t, struct attempt *a);
	void (*free)(void *t);
};

/* Per-exporter delivery options (Collector names). */
struct dexp_opts {
	const char *name;          /* "otlphttp", "otlphttp/backup", ... */
	uint32_t concurrency;      /* sending_queue.num_consumers (>= 1) */
	struct retry_policy retry; /* retry_on_failure */
	const char *storage;       /* sending_queue.storage dir, NULL = none */
	uint64_t storage_max_bytes;/* disk queue byte limit, 0 = none */
	const char *deadletter;    /* dead-letter directory */
};

struct dexp {
	struct deliver *d;
	char name[64];
	unsigned bit;
	const struct transport_ops *ops;
	void *t;
	struct attempt *att;
	uint32_t natt;
	uint64_t cursor;           /* next window index to handle */
	struct retry_policy retry;
	bool has_q;
	struct diskq q;
	bool degraded;             /* last answer was a retryable failure */
	bool q_full;               /* the last spill hit the byte limit */
	char dlq[4096];
	uint64_t rng;
	bool dlq_ok;               /* directory created */
	/* this exporter's counters in the export stage's per-component slots
	 * (named by exporter id): out = sent spans, dropped = failed for good,
	 * in = both; NULL without a stats block or a free slot */
	struct stats_proc *slot;
};

struct deliver {
	struct net_loop *loop;
	struct ring *ring;
	struct stage_stats *st;    /* may be NULL */
	struct window w;
	struct dexp *x[WINDOW_MAX_EXPORTERS];
	unsigned nx;
	bool busy;                 /* inside pump: completions only mark */
	bool again;                /* a completion asked for another pump */
	bool ring_bad;             /* corrupt ring: stop reading */
	bool arm_fd;               /* re-arm the ring's data eventfd when empty */
	bool ring_empty;           /* the last read found no record */
	uint64_t inflight;         /* attempts SENDING or WAITING */
};

int deliver_init(struct deliver *d, struct net_loop *loop, struct ring *ring,
		 struct stage_stats *st, uint32_t window_cap);
/* Adds an exporter with its transport (ops/t are owned from here on: freed
 * by deliver_free). Opens its disk queue when configured. */
int deliver_add(struct deliver *d, const struct dexp_opts *o,
		const struct transport_ops *ops, void *t);
void deliver_free(struct deliver *d);

/* Reads what the ring has (up to the window), dispatches, commits.
 * Returns batches read, or -EBADMSG on a corrupt ring. */
int deliver_pump(struct deliver *d);

/* A transport's answer for a. Safe to call from inside send. */
void deliver_complete(struct attempt *a, const struct outcome *o);

/* True when every batch read from the ring is finished (window empty) and,
 * with include_disk, every disk queue whose backend is answering is empty
 * (a queue whose backend fails is kept for the next start). */
bool deliver_drained(const struct deliver *d, bool include_disk);

#endif
