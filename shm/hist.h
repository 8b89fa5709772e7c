/* shm/hist.h - fixed-bucket histograms in shared memory: the pipeline's
 * own latency and batch sizes, written by the stages, read by the
 * supervisor's /metrics and `sluice top` without disturbing anyone.
 *
 * Writer (a stage, once at start, then per event):
 *   struct hist *h = hist_for(&rt.seg, HIST_RECEIPT_TO_ACK, exporter_slot);
 *   ...
 *   hist_observe(h, hist_age_ns(rec->ingest_ns, rt_real_ns()));
 * hist_for returns NULL when the segment has no such histogram (a segment
 * made by a test, an index the plan does not have); hist_observe(NULL, v)
 * does nothing, so callers need no branch.
 *
 * The four kinds (value unit; what `index` is; who observes, when):
 *   HIST_RECEIPT_TO_ACK  ns; the exporter's component-stats slot
 *       (plan->pipelines[p].exporter_stats[i]); the export stage, once per
 *       request the backend acknowledged: now (CLOCK_REALTIME) minus the
 *       OUT record's ingest_ns (the oldest receipt in the batch).
 *   HIST_EXPORT_DURATION ns; the exporter's slot, as above; the export
 *       stage, once per request attempt that got an answer or failed
 *       (success, refusal, timeout, connection error): send to outcome.
 *   HIST_BATCH_SIZE      items; the pipeline's batch processor slot
 *       (plan->pipelines[p].processor_stats[n_processors], only when the
 *       pipeline lists a batch processor); the batch stage, once per batch
 *       it publishes: the batch's items (spans, log records, data points).
 *       Buckets: the Collector's otelcol_processor_batch_batch_send_size.
 *   HIST_RING_AGE        ns; the ring's index in the segment (= in the
 *       plan); the ring's consumer, once per record it takes: now
 *       (CLOCK_REALTIME) minus the record's ingest_ns.
 * Time buckets (upper bounds): 100us 250us 500us 1ms 2.5ms 5ms 10ms 25ms
 * 50ms 100ms 250ms 500ms 1s 2.5s 5s 10s 30s 60s, then +Inf.
 *
 * Concurrency: each histogram has ONE writing process (single-threaded
 * stages); its words are relaxed atomics: a reader sees each word whole,
 * not a snapshot across words. The count is the sum of the buckets, so a
 * reader's count and buckets always agree; the sum may lag by one value.
 * A writer that dies mid-observe loses at most that one observation.
 *
 * Layout: the aux region HIST_REGION_NAME, formatted by the supervisor
 * (hist_region_size / hist_region_format) from the plan:
 *   +0    hist_region header (64 B): magic, version, n
 *   +64   struct hist [n] (256 B each): kind, index, sum, buckets
 * Readers and writers trust nothing in it beyond the bounds they check:
 * the bucket a value goes to comes from the kind's table in the code.
 */
#ifndef SLUICE_SHM_HIST_H
#define SLUICE_SHM_HIST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/segment.h"

#define HIST_REGION_NAME "sluice:hist"
#define HIST_MAGIC 0x54534948554c5355ull /* "USLUHIST" */
#define HIST_VERSION 1u
#define HIST_MAX_BUCKETS 28u /* finite bounds + the +Inf bucket */
#define HIST_MAX 4096u	     /* histograms in one region */

enum hist_kind {
	HIST_RECEIPT_TO_ACK = 0,
	HIST_EXPORT_DURATION = 1,
	HIST_BATCH_SIZE = 2,
	HIST_RING_AGE = 3,
	HIST_KINDS = 4,
};

struct hist {
	uint32_t kind;				   /* +0  enum hist_kind */
	uint32_t index;				   /* +4  slot or ring, see above */
	uint32_t nbuckets;			   /* +8  finite bounds + 1 */
	uint32_t pad0;				   /* +12 */
	_Atomic uint64_t sum;			   /* +16 ns or items */
	_Atomic uint64_t bucket[HIST_MAX_BUCKETS]; /* +24 bucket[i]: bound(i-1) < v <= bound(i);
	                                              bucket[nbuckets-1]: v > every bound */
	uint8_t reserved[8];
};

struct hist_region {
	uint64_t magic;	  /* HIST_MAGIC */
	uint32_t version; /* HIST_VERSION */
	uint32_t n;	  /* histograms that follow */
	uint8_t reserved[48];
	struct hist h[];
};

_Static_assert(sizeof(struct hist) == 256, "a histogram is 256 bytes");
_Static_assert(offsetof(struct hist, sum) == 16, "hist sum at 16");
_Static_assert(offsetof(struct hist, bucket) == 24, "hist buckets at 24");
_Static_assert(sizeof(struct hist_region) == 64, "hist region header is 64 bytes");

/* One histogram the region should hold. */
struct hist_spec {
	enum hist_kind kind;
	uint32_t index;
};

/* ---- writer ---- */

/* The histogram (kind, index) of an attached segment, or NULL. Look it up
 * once (a linear search), keep the pointer. */
struct hist *hist_for(struct segment *seg, enum hist_kind kind, uint32_t index);

/* Count one value (ns or items). NULL h: nothing. */
void hist_observe(struct hist *h, uint64_t value);

/* now - then for two CLOCK_REALTIME stamps, 0 when the clock went back. */
static inline uint64_t hist_age_ns(uint64_t then_ns, uint64_t now_ns)
{
	return now_ns > then_ns ? now_ns - then_ns : 0;
}

/* ---- reader ---- */

/* Finite upper bounds of a kind (ns or items), ascending; returns how many
 * (the +Inf bucket is one more), 0 for an unknown kind. */
uint32_t hist_bounds(enum hist_kind kind, const uint64_t **bounds);

/* 1 when the kind counts time (ns; shown in seconds), 0 for items. */
int hist_is_time(enum hist_kind kind);

struct hist_snapshot {
	enum hist_kind kind;
	uint32_t index;
	uint32_t nbounds; /* finite bounds */
	const uint64_t *bounds;
	uint64_t count, sum;
	uint64_t cumulative[HIST_MAX_BUCKETS]; /* [i]: values <= bounds[i]; [nbounds] = count */
};

/* Number of histograms in the segment (0: no region or a damaged one). */
uint32_t hist_count(struct segment *seg);

/* Read histogram i (< hist_count). 0, or -EINVAL (out of range, or its
 * kind is not one this build knows). */
int hist_read(struct segment *seg, uint32_t i, struct hist_snapshot *out);

/* The q-quantile (0 < q < 1) estimated by linear interpolation inside the
 * bucket where it falls (0 .. first bound for the first bucket; the last
 * finite bound for values past it), in the kind's unit. -1 when empty. */
double hist_quantile(const struct hist_snapshot *s, double q);

/* ---- the supervisor ---- */

/* Bytes of a region for n histograms. */
uint64_t hist_region_size(uint32_t n);

/* Lay out n histograms (all zero) in a zeroed region of `size` bytes.
 * -EINVAL: n > HIST_MAX, an unknown kind, a duplicate (kind, index), or
 * size too small. */
int hist_region_format(void *mem, uint64_t size, const struct hist_spec *specs, uint32_t n);

#endif
