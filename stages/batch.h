/* batch.h: the batch stage's loop, ring 1 -> batches -> ring 2.
 *
 * Records are peeked (not committed) while a batch accumulates, so the
 * batch holds only views into ring 1. A flush reserves one ring 2 record,
 * copies each payload framed as `0x0a len ResourceSpans`, publishes it with
 * flags RECORD_F_REQUEST, seq = the seq of the last input record in it,
 * ingest_ns = the oldest, items = spans; only then is ring 1 committed up to
 * that record. A restart skips inputs with seq <= ring 2's last seq.
 *
 * Flushes: size (send_batch_size reached), limits (the next record would
 * pass send_batch_max_size or the byte limit), timeout, and drain (*stop set
 * and ring 1 empty: flush the partial batch, return 0).
 * A record that alone passes send_batch_max_size or the byte limit is split
 * (split.h) into parts published together in one ring_publish, all with the
 * record's seq: the one case where two ring 2 records share a seq.
 * The byte limit is min(send_batch_max_bytes, ring 2's max payload,
 * ring 1's capacity / 4) so that a batch can never wait for ring 1 space.
 */
#ifndef SLUICE_STAGES_BATCH_H
#define SLUICE_STAGES_BATCH_H

#include <signal.h>
#include <stdint.h>

#include "config/config.h"
#include "rt/stop.h"
#include "shm/ring.h"
#include "shm/stats.h"
#include "stages/batcher.h"
#include "stages/split.h"

struct batch_ctx {
	struct ring *in, *out;
	const struct sluice_batch *cfg;
	struct stage_stats *st;            /* may be NULL */
	struct rt_stop *stop;              /* rt/stop.h; NULL = never */
	uint64_t max_records;              /* stop after this many inputs (0 = no limit; benchmarks) */
};

/* 0 after a drain (or max_records), -ENOMEM, -EINVAL (limits), or a
 * fatal ring error. */
int batch_run(struct batch_ctx *b);

#endif
