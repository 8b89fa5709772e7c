/* batch.h: the batch stage's loop: for every pipeline of the plan, its MID
 * ring -> batches (Export*ServiceRequest bodies) -> its OUT ring, each with
 * that pipeline's batch settings, in one process.
 *
 * Records are peeked (not committed) while a batch accumulates, so a batch
 * holds only views into its MID ring. A flush reserves one OUT record,
 * copies each payload framed as `0x0a len Resource*` (the same framing for
 * spans, log records and metrics), checks each payload's checksum in that
 * copy (ring_peek_deferred) and seals the output from the same pass, then
 * ring_note_source(out, slot, seq of the batch's last input) and publishes
 * it: flags RECORD_F_REQUEST, the pipeline's signal, the OUT ring's own
 * next seq, ingest_ns = the oldest input's, items = spans / log records /
 * data points. Only then is the MID ring committed up to that record. After
 * a restart inputs with seq <= ring_source_seq(out, slot) are skipped
 * (published before the crash).
 *
 * Histograms (shm/hist.h, NULL = none): `age` gets each input's wait in
 * the MID ring when it is taken (one CLOCK_REALTIME read per loop step,
 * which never sleeps), `send_size` the items of each batch published (each
 * part of a cut record), the Collector's batch send size.
 *
 * Flushes: size (send_batch_size reached), limits (the next record would
 * pass send_batch_max_size or the byte limit), timeout (per pipeline), and
 * drain (stop asked and every MID ring empty: flush the partial batches,
 * return 0). A record that alone passes send_batch_max_size or the byte
 * limit is split (split.h: at item boundaries; metrics by data points)
 * into parts with consecutive seqs published in one ring_publish, so a
 * crash publishes all of them or none. The byte limit is
 * min(send_batch_max_bytes, the OUT ring's max payload, the MID ring's
 * capacity / 4) so that a batch can never wait for MID space.
 *
 * Pipelines never wait on each other: the loop peeks and flushes without
 * sleeping, and a pipeline whose OUT ring is full keeps its batch and waits
 * for space while the others go on. When nothing can move it sleeps in
 * poll() on the MID rings' data eventfds, the blocked OUT rings' space
 * eventfds and the stop signalfd, no longer than the nearest batch timeout
 * and BATCH_WAIT_NS (without eventfds: short sleeps).
 *
 * A corrupt MID record (ring_peek -EBADMSG, or a payload whose checksum
 * does not match in the copy: then the output is cancelled, the MID ring
 * rewound and peeked again with full checks) is stepped over with
 * ring_skip_corrupt, its bytes written to `<quarantine_dir>/<ring>.quarantine`
 * (shm/quarantine.h), logged once per ring, and the rest is delivered.
 */
#ifndef SLUICE_STAGES_BATCH_H
#define SLUICE_STAGES_BATCH_H

#include <stdint.h>

#include "config/config.h"
#include "rt/stop.h"
#include "shm/ring.h"
#include "shm/segment-t.h"
#include "shm/stats.h"

#define BATCH_WAIT_NS (200 * 1000 * 1000ull) /* longest sleep: rt_alive comes at least this often */

struct rt;   /* rt/rt.h */
struct hist; /* shm/hist.h */

struct batch_pipe {			/* one pipeline: filled by the caller */
	struct ring *in, *out;		/* its MID ring (consumer), OUT ring (producer) */
	const struct sluice_batch *cfg; /* its batch settings */
	uint16_t signal;		/* RECORD_SIGNAL_* of its records */
	uint32_t slot;			/* index of `in` in the OUT ring's sources (plan) */
	struct seg_component *stats;	/* its batch processor's slot (SEG_C_IN/OUT/
	                                    DROPPED, items), NULL = none */
	const char *name;		/* pipeline id, for log lines */
	const char *in_name;		/* MID ring name, for the quarantine file */
	struct hist *age;		/* HIST_RING_AGE of `in`, NULL = none */
	struct hist *send_size;		/* HIST_BATCH_SIZE of its batch processor, NULL = none */
};

struct batch_ctx {
	struct batch_pipe *pipes;
	uint32_t n_pipes;
	struct stage_stats *st;	    /* may be NULL */
	struct rt *rt;		    /* rt_alive / rt_progress / rt_draining; NULL = none */
	struct rt_stop *stop;	    /* rt/stop.h; NULL = never */
	const char *quarantine_dir; /* NULL: corrupt records are stepped over, not kept */
	uint64_t quarantine_max;    /* bytes all quarantine files may hold */
	/* makes quarantine_dir (and its parents) safely before a write, e.g.
	 * dirs_make (rt/dirs.h); NULL: quarantine_write makes the
	 * last component only */
	int (*make_dir)(const char *path, char *why, size_t why_len);
	uint64_t max_records; /* return after this many inputs, then a drain
	                                    of what is held (0 = no limit; benchmarks) */
};

/* 0 after a drain (or max_records), -ENOMEM, -EINVAL (limits, signal), or
 * a fatal ring error (-ENOTRECOVERABLE: a damaged ring). */
int batch_run(struct batch_ctx *c);

#endif
