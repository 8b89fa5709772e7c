/* exporter/deliver.h: the export stage's delivery engine, one per OUT ring
 * (one per pipeline with a real exporter; config/plan.h).
 *
 * Reads its OUT ring into a window (exporter/window.h), hands every batch
 * to every exporter of the pipeline, and commits the ring tail over the
 * longest prefix that every exporter finished: acknowledged, dead-lettered,
 * or put in its disk queue. Per exporter: up to `concurrency` attempts in
 * flight; a retryable answer waits (exporter/retry.h) and tries again; a
 * permanent answer or retries exhausted goes to the dead-letter directory;
 * with a disk queue, a failing backend makes the exporter spill batches to
 * disk (freeing the ring) and drain them in seq order once sends succeed
 * again. Every batch of one engine is of one signal (the ring's): items
 * are spans, log records or metric data points.
 *
 * Restarts: when an exporter is done with a batch (acknowledged,
 * dead-lettered, spilled) it sets its done mark (dexp_opts.done,
 * shm/donemark.h) before the ring tail can pass the batch. Reading the
 * ring, a batch whose mark is set is not given to that exporter again, and
 * one marked for every exporter is let go of without being sent or
 * counted again (not in the sent counters, not in the stage's in
 * counters; its items go to STAT_DUPLICATES_SKIPPED, as the process and
 * batch stages count what a restart skips). So a kill -9 repeats, per
 * exporter, at most the requests that were in flight at the kill (their
 * answers were lost with it).
 *
 * Checksums (shm/record.h): records are read with ring_peek_deferred (the
 * header checked) and a batch's payload CRC is checked once, at its first
 * use: right before the first exporter compresses or sends it (or spills
 * it), so that pass leaves the bytes in the cache for the compressor or
 * the kernel's socket copy instead of being a pass of its own. A batch
 * that does not match is never sent: the window is cut before it (no
 * exporter has used it or anything after it), the ring is rewound to it,
 * ring_skip_corrupt steps over it, its bytes go to the quarantine
 * directory (shm/quarantine.h) and one ERROR line says which ring,
 * offset and seqs.
 *
 * When the dead-letter write itself fails (directory read-only, full, gone,
 * not ours), the batch is HELD: it keeps its place in the ring (its window
 * bit stays set, so the ring tail cannot pass it and nothing is lost) or
 * in the disk queue, but it gives its send slot back, so the batches
 * behind it are sent and acknowledged as usual (out of order; the ring
 * tail catches up once the held batch is written or sent). A held batch
 *   - is written to the dead-letter directory at the next try: the first
 *     after 1 s, doubling to 60 s while writes keep failing;
 *   - is sent to the backend again as soon as the backend acknowledges a
 *     batch after refusing fresh ones (it is back: what it refused while
 *     it was broken is most likely fine now, and the Collector user's
 *     expectation is that data is delivered, not parked), and otherwise
 *     the oldest one is re-sent at each failed dead-letter round as a
 *     probe. A batch the backend refuses for its content is refused again
 *     and waits for the dead-letter directory: one request per round.
 * Retrying the dead letter never sends anything twice to the backend:
 * only a batch the backend refused (or never answered) is held.
 * The failure is loud: STAT_EXPORT_DEADLETTER_FAILURES counts failed
 * writes, STAT_EXPORT_DEGRADED (gauge) says which exporters hold batches
 * (bit = the exporter's stats slot in procs[]; bit 16 = an exporter with
 * no slot) and bits 32..47 the errno of the last failed write; the
 * supervisor's /health answers 503 naming them. An ERROR line with the
 * reason is logged at most every 10 s an exporter, and an INFO line when
 * nothing is held any more.
 *
 * Counters: the stage's block (shm/stats.h, every engine adds to the same
 * STAT_* counters; the gauges are summed over a deliver_set) and each
 * exporter's component slot of the plan (SEG_C_SENT / SEG_C_FAILED items,
 * SEG_C_QUEUE_SIZE / _CAPACITY bytes, and DELIVER_C_* below).
 *
 * Histograms (shm/hist.h; each NULL = none): the ring's record age when a
 * record is read into the window (one CLOCK_REALTIME read per read pass),
 * per exporter the receipt-to-ack time (now minus the batch's ingest_ns)
 * when the backend acknowledges it, and every attempt's duration (handed
 * to the transport to its outcome, success or failure; an attempt that
 * could not start counts as ~0). Per batch or request, never per item.
 *
 * Transports (HTTP, gRPC, debug, file, prometheus) only know how to send
 * ONE body and report one outcome; everything about when, how often and
 * what then lives here. Runs on one net/loop.h loop; the only other thread
 * is otlphttp's compression worker (exporter/xcompress.h), which reads a
 * batch's body while its attempt is in flight and never touches the engine.
 *
 *   deliver_init / deliver_add                  setup
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
#include "otlp/signal.h"
#include "shm/donemark.h"
#include "shm/hist.h"
#include "shm/ring.h"
#include "shm/segment.h"
#include "shm/stats.h"

/* Counters 4..6 of an exporter's component slot (shm/segment-t.h gives
 * 0..3: SEG_C_SENT, SEG_C_FAILED, SEG_C_QUEUE_SIZE, SEG_C_QUEUE_CAPACITY).
 * The supervisor's branch names them SEG_C_RETRIES, SEG_C_DEADLETTER and
 * SEG_C_DEADLETTER_FAILED in segment-t.h, with these numbers. */
enum {
	DELIVER_C_RETRIES = 4,		 /* request attempts that failed and were retried */
	DELIVER_C_DEADLETTER = 5,	 /* items written to the dead-letter directory */
	DELIVER_C_DEADLETTER_FAILED = 6, /* dead-letter writes that failed (the batch stays) */
};

struct dexp;

enum attempt_state {
	ATT_FREE = 0,
	ATT_SENDING,
	ATT_WAITING
};

/* One batch on its way to one exporter. Transports read body/len and may
 * use tctx for their own per-attempt state. */
struct attempt {
	struct dexp *x;
	enum attempt_state state;
	bool from_disk;	  /* body is in own[], entry seq in the disk queue */
	uint64_t win_idx; /* window index (ring batches) */
	uint64_t seq;
	const uint8_t *body;
	uint32_t len, items;
	uint64_t ingest_ns;
	uint32_t tries;	   /* attempts made so far */
	uint64_t first_ns; /* monotonic ns of the first try */
	uint64_t sent_ns;  /* monotonic ns this try was handed to the transport */
	uint8_t *own;	   /* disk-loaded body buffer (reused) */
	size_t own_cap;
	struct net_timer timer; /* retry wait */
	bool dlq_retry;		/* no room to hold it: retrying the dead letter in the slot */
	bool resend;		/* a held batch sent again */
	int dstatus;		/* status kept for the dead letter */
	char reason[160];	/* last failure, for logs and dead letters */
	void *tctx;		/* transport's */
};

struct outcome {
	enum retry_class cls;
	int status;	    /* HTTP status / gRPC code; 0 = no answer */
	int64_t hint_ms;    /* Retry-After / RetryInfo, -1 = none */
	const char *reason; /* short text for logs and dead letters */
	uint64_t rejected;  /* partial_success: rejected spans / log records / data points */
};

struct transport_ops {
	/* Start sending a->body. Must eventually call deliver_complete(a, ...)
	 * exactly once (it may do so before returning). <0 = could not start
	 * (treated as a retryable failure). */
	int (*send)(void *t, struct attempt *a);
	void (*free)(void *t);
};

/* A batch refused for good whose dead-letter write failed (see above). */
struct held_batch {
	bool from_disk; /* in the disk queue (busy there), else in the window */
	bool probe;	/* re-send it even though the backend did not recover */
	uint64_t win_idx;
	uint64_t seq;
	uint32_t len, items;
	uint64_t ingest_ns;
	uint32_t tries;
	int dstatus;
	uint32_t epoch; /* the exporter's `recoveries` when it was refused */
	char reason[160];
};

/* Per-exporter delivery options (Collector names). */
struct dexp_opts {
	const char *name;	     /* exporter id: "otlphttp", "otlphttp/backup", ... */
	const char *label;	     /* for log lines; NULL = name ("otlphttp (logs)" when
				      the exporter serves several pipelines) */
	uint32_t concurrency;	     /* sending_queue.num_consumers (>= 1) */
	struct retry_policy retry;   /* retry_on_failure */
	const char *storage;	     /* this pipeline's disk-queue directory (exporter/paths.h),
				      NULL = none */
	uint64_t storage_max_bytes;  /* disk queue byte limit, 0 = none */
	const char *storage_old;     /* where queue files (*.q) lay before pipelines: any
				      there are named in a WARN line, NULL = none */
	const char *deadletter;	     /* this pipeline's dead-letter directory (exporter/paths.h) */
	struct seg_component *comp;  /* the exporter's component-stats slot, NULL = none */
	struct hist *receipt_to_ack; /* HIST_RECEIPT_TO_ACK of that slot (shm/hist.h), NULL = none */
	struct hist *duration;	     /* HIST_EXPORT_DURATION of that slot, NULL = none */
	struct donemark done;	     /* its done marks for this ring (shm/donemark.h);
				      words NULL = none */
};

struct dexp {
	struct deliver *d;
	char name[64];
	char label[160];
	unsigned bit;
	const struct transport_ops *ops;
	void *t;
	struct attempt *att;
	uint32_t natt;
	uint64_t cursor; /* next window index to handle */
	struct retry_policy retry;
	bool has_q;
	struct diskq q;
	bool degraded; /* last answer was a retryable failure */
	bool q_full;   /* the last spill hit the byte limit */
	char dlq[4096];
	uint64_t rng;
	bool dlq_ok; /* directory created and checked */
	/* held batches (exporter/deliver_held.c) */
	struct held_batch *held; /* oldest first */
	uint32_t nheld, held_cap;
	uint64_t held_spans;
	struct net_timer held_timer; /* next dead-letter round */
	uint32_t held_backoff_ms;
	uint8_t *held_buf; /* a disk-held body, loaded for its dead letter */
	size_t held_buf_cap;
	int dlq_err;	       /* errno of the last failed dead-letter write */
	char dlq_why[512];     /* and what it was, for the log */
	uint64_t dlq_log_ns;   /* last ERROR line about it (rate limit) */
	uint64_t dlq_unlogged; /* failures since that line */
	bool refusing;	       /* a fresh batch failed for good since the last ack */
	uint32_t recoveries;   /* acks that followed refusals: held batches re-send */
	/* this exporter's counters in the export stage's per-component slots
	 * (named by exporter id): out = sent spans, dropped = failed for good,
	 * in = both; NULL without a stats block or a free slot */
	struct stats_proc *slot;
	struct seg_component *comp;		/* its plan slot (SEG_C_*, DELIVER_C_*), or NULL */
	uint64_t pending_bytes;			/* ring bytes of window batches it still owes */
	struct hist *receipt_to_ack, *duration; /* dexp_opts */
	struct donemark done;			/* dexp_opts */
};

struct deliver_set;

struct deliver {
	struct net_loop *loop;
	struct ring *ring;
	struct stage_stats *st;	 /* may be NULL */
	struct deliver_set *set; /* the stage's engines (gauges are summed); NULL = alone */
	enum otlp_signal signal; /* of every record in the ring */
	const struct otlp_signal_desc *sig;
	char pipeline[80];  /* "traces/payments" */
	char ring_name[80]; /* "out:traces/payments": logs, quarantine files */
	char qdir[4096];    /* quarantine directory ("" = none: bytes not kept) */
	struct window w;
	struct dexp *x[WINDOW_MAX_EXPORTERS];
	unsigned nx;
	bool busy;		/* inside pump: completions only mark */
	bool again;		/* a completion asked for another pump */
	bool ring_bad;		/* damaged ring: stop reading */
	bool arm_fd;		/* re-arm the ring's data eventfd when empty */
	bool ring_empty;	/* the last read found no record */
	bool verify_next;	/* rewound to a corrupt record: peek it with its checksum */
	uint64_t checked;	/* window indices below this had their payload CRC checked */
	uint64_t last_seq;	/* seq of the last batch released (0 = none yet) */
	uint64_t inflight;	/* attempts SENDING or WAITING */
	uint64_t corrupt_skips; /* ring_skip_corrupt calls (each logged once) */
	uint64_t resumed;	/* batches every exporter had finished before a restart */
	struct hist *age;	/* deliver_opts.ring_age */
};

/* The stage's engines, for its gauges (STAT_EXPORT_INFLIGHT, _QUEUE_BYTES,
 * _DEGRADED are sums / unions over all of them). */
struct deliver_set {
	struct deliver *d[64];
	unsigned n;
};

struct deliver_opts {
	struct net_loop *loop;
	struct ring *ring;
	struct stage_stats *st;	 /* may be NULL */
	struct deliver_set *set; /* may be NULL; the engine adds itself */
	uint32_t window_cap;	 /* batches the window holds at least */
	enum otlp_signal signal;
	const char *pipeline;	    /* NULL = "traces" */
	const char *ring_name;	    /* NULL = "out:<pipeline>" */
	const char *quarantine_dir; /* NULL = corrupt bytes are not kept (still skipped) */
	struct hist *ring_age;	    /* HIST_RING_AGE of the ring (shm/hist.h), NULL = none */
};

int deliver_init(struct deliver *d, const struct deliver_opts *o);
/* Adds an exporter with its transport (ops/t are owned from here on: freed
 * by deliver_free). Opens its disk queue when configured. */
int deliver_add(struct deliver *d, const struct dexp_opts *o, const struct transport_ops *ops, void *t);
void deliver_free(struct deliver *d);

/* Reads what the ring has (up to the window), dispatches, commits.
 * Returns batches read, or -ENOTRECOVERABLE for a damaged ring (the stage
 * exits; the supervisor sets the segment aside) or -ENOMEM. */
int deliver_pump(struct deliver *d);

/* A transport's answer for a. Safe to call from inside send. */
void deliver_complete(struct attempt *a, const struct outcome *o);

/* True when every batch read from the ring is finished (window empty) and,
 * with include_disk, every disk queue whose backend is answering is empty
 * (a queue whose backend fails is kept for the next start). */
bool deliver_drained(const struct deliver *d, bool include_disk);

#endif
