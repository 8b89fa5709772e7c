/* shm/stats.h - per-stage statistics blocks that live in the segment, so
 * `sluice top` and the Prometheus endpoint read them without disturbing the
 * stages.
 *
 * One block per stage (enum stage_index), 4096 bytes each:
 *
 *   +0     pid, state, started_ns, restarts, heartbeat_ns,
 *          progress, progress_ns                            (header, 64 B)
 *   +64    counters[STATS_MAX_COUNTERS]  uint64, indexed by enum stat_counter
 *   +576   procs[STATS_MAX_PROCS] {name[32], in, out, dropped} (process stage:
 *          one a processor; export stage: one an exporter, out = sent,
 *          dropped = failed for good)
 *   +1600  reserved
 *
 * Each block has ONE writer (its stage; the supervisor writes pid, state
 * and restarts of a stage it (re)starts, while that stage is not running).
 * Updates are relaxed atomics: readers see each value whole, not a
 * consistent snapshot across values.
 *
 * Progress (stall detection): `progress` counts units of work done (input
 * records consumed, requests answered); `progress_ns` is the
 * CLOCK_MONOTONIC time of the last progress OR of the last proof that the
 * stage's loop is alive (an idle wait that timed out). The supervisor
 * calls a stage stalled when its input ring holds records and `progress`
 * has not moved for the configured time.
 *
 * Names: stats_counter_name() gives the
 * snake_case name of a counter; stats_counter_is_gauge() tells gauges from
 * monotonic counters.
 */
#ifndef SLUICE_SHM_STATS_H
#define SLUICE_SHM_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum stage_index {
	STAGE_INGEST = 0,
	STAGE_PROCESS = 1,
	STAGE_BATCH = 2,
	STAGE_EXPORT = 3,
	STAGE_SUPERVISOR = 4,
	STAGE_COUNT = 5,
};

enum stage_state {
	STAGE_STATE_NONE = 0, /* never started */
	STAGE_STATE_STARTING = 1,
	STAGE_STATE_RUNNING = 2,
	STAGE_STATE_DRAINING = 3, /* got SIGTERM, finishing */
	STAGE_STATE_STOPPED = 4,  /* exited cleanly */
	STAGE_STATE_FAILED = 5,	  /* died or exited with an error */
};

/* One enum for all stages; a stage uses the ones that apply. (G) = gauge. */
enum stat_counter {
	STAT_REQUESTS = 0,
	STAT_REQUESTS_FAILED,
	STAT_BYTES_IN,
	STAT_BYTES_OUT,
	STAT_SPANS_IN,
	STAT_SPANS_OUT,
	STAT_SPANS_REFUSED_INVALID,
	STAT_SPANS_REFUSED_FULL,
	STAT_SPANS_DROPPED, /* filter / sampler */
	STAT_RECORDS_IN,
	STAT_RECORDS_OUT,
	STAT_CONNECTIONS_OPEN, /* (G) */
	STAT_CONNECTIONS_TOTAL,
	STAT_RING_FULL_WAITS,
	STAT_BATCHES_OUT,
	STAT_BATCH_FLUSH_SIZE,
	STAT_BATCH_FLUSH_TIMEOUT,
	STAT_EXPORT_SENT_SPANS,
	STAT_EXPORT_FAILED_SPANS,
	STAT_EXPORT_RETRIES,
	STAT_EXPORT_DEADLETTER_SPANS,
	STAT_EXPORT_INFLIGHT,	 /* (G) */
	STAT_EXPORT_QUEUE_BYTES, /* (G) */
	STAT_EXPORT_PARTIAL_REJECTED,
	STAT_DUPLICATES_SKIPPED,
	STAT_EXPORT_DEADLETTER_FAILURES, /* dead-letter writes that failed */
	STAT_EXPORT_DEGRADED,		 /* (G) exporters holding batches they could not
	                              dead-letter: bit i = procs[i] (bit 16: one
	                              without a slot); bits 32..47 = errno of the
	                              last failed write (exporter/deliver.h) */
	STAT_TLS_HANDSHAKE_FAILURES,	 /* ingest: TLS handshakes of clients that failed */
	STAT_EXPORT_TLS_FAILURES,	 /* exporters' TLS handshakes that failed, every reason */
	STAT_EXPORT_TLS_VERIFY_FAILURES, /* of those: the backend's certificate did not
	                              verify (expired, wrong host, unknown CA) */
	STAT_COUNT			 /* number of counters in use */
};

#define STATS_MAX_COUNTERS 64
#define STATS_MAX_PROCS 16
#define STATS_PROC_NAME 32
#define STATS_BLOCK_SIZE 4096u

_Static_assert(STAT_COUNT <= STATS_MAX_COUNTERS, "room for the counters");

struct stats_proc {
	char name[STATS_PROC_NAME]; /* NUL-terminated, "" = unused slot */
	_Atomic uint64_t in;	    /* spans in */
	_Atomic uint64_t out;	    /* spans out */
	_Atomic uint64_t dropped;   /* spans dropped */
	uint64_t reserved;
};

struct stage_stats {
	_Atomic int32_t pid;	     /* 0 = not running */
	_Atomic uint32_t state;	     /* enum stage_state */
	_Atomic uint64_t started_ns; /* CLOCK_REALTIME ns */
	_Atomic uint64_t restarts;
	_Atomic uint64_t heartbeat_ns; /* CLOCK_REALTIME ns of the last sign of life */
	_Atomic uint64_t progress;     /* units of work done (monotonic) */
	_Atomic uint64_t progress_ns;  /* CLOCK_MONOTONIC ns: last progress or proof of life */
	uint8_t pad0[64 - 48];
	_Atomic uint64_t counters[STATS_MAX_COUNTERS];
	struct stats_proc procs[STATS_MAX_PROCS];
	uint8_t reserved[STATS_BLOCK_SIZE - 64 - 8 * STATS_MAX_COUNTERS -
			 STATS_MAX_PROCS * sizeof(struct stats_proc)];
};

_Static_assert(sizeof(struct stats_proc) == 64, "stats_proc is 64 bytes");
_Static_assert(offsetof(struct stage_stats, heartbeat_ns) == 24, "heartbeat_ns at 24");
_Static_assert(offsetof(struct stage_stats, progress) == 32, "progress at 32");
_Static_assert(offsetof(struct stage_stats, progress_ns) == 40, "progress_ns at 40");
_Static_assert(offsetof(struct stage_stats, counters) == 64, "counters at 64");
_Static_assert(offsetof(struct stage_stats, procs) == 576, "procs at 576");
_Static_assert(sizeof(struct stage_stats) == STATS_BLOCK_SIZE, "stats block is 4096 bytes");

/* Add n to a counter (relaxed; each block has one writer). */
static inline void stats_add(struct stage_stats *s, enum stat_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&s->counters[c], n, memory_order_relaxed);
}

/* Set a gauge (or any counter) to v. */
static inline void stats_set(struct stage_stats *s, enum stat_counter c, uint64_t v)
{
	atomic_store_explicit(&s->counters[c], v, memory_order_relaxed);
}

static inline uint64_t stats_get(const struct stage_stats *s, enum stat_counter c)
{
	return atomic_load_explicit(&((struct stage_stats *)s)->counters[c], memory_order_relaxed);
}

/* snake_case name ("spans_in", ...), NULL if c is out of range. */
const char *stats_counter_name(enum stat_counter c);

/* 1 for gauges (connections_open, export_inflight, export_queue_bytes). */
int stats_counter_is_gauge(enum stat_counter c);

/* "ingest", "process", "batch", "export", "supervisor"; NULL if out of range. */
const char *stats_stage_name(enum stage_index s);

/* "none", "starting", "running", "draining", "stopped", "failed". */
const char *stats_state_name(enum stage_state st);

/* Mark the calling process as the running stage: pid = getpid(),
 * started_ns = heartbeat_ns = now, state = RUNNING. Leaves counters alone
 * (they continue across restarts). */
void stats_stage_start(struct stage_stats *s);

/* Record a sign of life: heartbeat_ns = now (CLOCK_REALTIME). */
void stats_heartbeat(struct stage_stats *s);

/* n units of work done at mono_ns (CLOCK_MONOTONIC): progress += n,
 * progress_ns = mono_ns. One writer: the stage. */
static inline void stats_progress(struct stage_stats *s, uint64_t n, uint64_t mono_ns)
{
	atomic_store_explicit(&s->progress, atomic_load_explicit(&s->progress, memory_order_relaxed) + n,
			      memory_order_relaxed);
	atomic_store_explicit(&s->progress_ns, mono_ns, memory_order_relaxed);
}

/* The loop is alive at mono_ns, with nothing to do: progress_ns only. */
static inline void stats_alive(struct stage_stats *s, uint64_t mono_ns)
{
	atomic_store_explicit(&s->progress_ns, mono_ns, memory_order_relaxed);
}

/* Find or claim the per-processor slot named `name` (truncated to 31
 * bytes); returns it, or NULL when all STATS_MAX_PROCS slots are taken. */
struct stats_proc *stats_proc_slot(struct stage_stats *s, const char *name);

#endif
