/* stages/sigchain.h: one pipeline's processors for any signal, run on one
 * ring record (a bare ResourceSpans, ResourceLogs or ResourceMetrics).
 * The process stage only talks to this; each signal's chain lives behind
 * it (traces: stages/chain.h; logs and metrics: their own chains).
 *
 *   struct sigchain *c = sigchain_new(SLUICE_SIGNAL_LOGS, pl->processors,
 *                                     pl->n_processors, err, sizeof err);
 *   sigchain_bind(c, comp);                       optional: component slots
 *   n = sigchain_run(c, in, len, items, heads_first, out, cap, &res);
 *                                                 0: nothing left to emit
 *   sigchain_flush_stats(c);
 *   sigchain_free(c);
 *
 * The batch processor is not part of a chain (the batch stage runs it).
 * Items are spans, log records or metric data points. No allocation per
 * record or item after sigchain_new. What each processor does for each
 * signal: stages/README.md; refused at sigchain_new (the message names
 * the processor): span for logs and metrics, probabilistic_sampler for
 * metrics, attributes with include/exclude (they match spans) for logs
 * and metrics, batch everywhere.
 */
#ifndef SLUICE_STAGES_SIGCHAIN_H
#define SLUICE_STAGES_SIGCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "shm/segment.h"

struct sigchain;
struct chain_facts;

struct sigchain_result {
	uint64_t items_in;   /* items in the input record */
	uint64_t items_kept; /* items in the output */
	bool verbatim;	     /* the output is a byte copy of the input */
};

/* NULL with a message in err when a processor cannot serve the signal or
 * cannot be built (bad pattern, no memory). */
struct sigchain *sigchain_new(enum sluice_signal signal, const struct sluice_processor *const *procs,
			      size_t n, char *err, size_t errlen);
void sigchain_free(struct sigchain *c);

/* Processors in the chain (0: a pass-through). */
size_t sigchain_len(const struct sigchain *c);

/* Processor i counts into comp[i] (SEG_C_IN, SEG_C_OUT, SEG_C_DROPPED);
 * NULL entries are not counted. comp has sigchain_len(c) entries. */
void sigchain_bind(struct sigchain *c, struct seg_component *const *comp);

/* Runs the chain on in[0..len) (a record holding `items` items) and writes
 * the result to out[0..cap).
 * Returns the output length (0: no item left: emit nothing), -ENOSPC (cap
 * too small: retry with more room), -EBADMSG/-EPROTO (malformed record),
 * or another negative errno when a filter's OTTL condition failed to
 * evaluate under error_mode propagate (drop the record, as the Collector
 * fails the batch; the chain logged it once). A pass-through chain copies.
 * heads_first: the record is marked RECORD_F_HEADS_FIRST (chain_run). */
int64_t sigchain_run(struct sigchain *c, const uint8_t *in, size_t len, uint32_t items, bool heads_first,
		     uint8_t *out, size_t cap, struct sigchain_result *res);

/* Adds the counters gathered since the last flush to the bound slots. */
void sigchain_flush_stats(struct sigchain *c);

/* A traces chain that runs processors and edits no span field a
 * spanmetrics connector reads fills *f at every run (stages/chain.h,
 * chain_collect) and this returns true; otherwise false, f unused. */
bool sigchain_collect(struct sigchain *c, struct chain_facts *f);

#endif
