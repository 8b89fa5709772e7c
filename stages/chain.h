/* chain.h: the process stage's processor chain, run on one ring record.
 *
 *   struct chain *c = chain_new(cfg->pipeline.processors,
 *                               cfg->pipeline.n_processors, err, sizeof err);
 *   chain_bind_stats(c, segment_stats(seg, STAGE_PROCESS));   optional
 *   n = chain_run(c, payload, len, out, cap, &res, false);   0: emit nothing
 *   chain_flush_stats(c);                             per-processor counters
 *   chain_free(c);
 *
 * Processors run in pipeline order on every span: filter and
 * probabilistic_sampler may drop it (later processors never see it);
 * attributes and span edit it; resource edits the record's resource once
 * (processors listed before it see the resource unchanged). The record is
 * rewritten in one pass by otlp_rewrite_resource_spans: untouched spans are
 * copied byte for byte, empty ScopeSpans are dropped, and when no span is
 * left chain_run returns 0 so the caller publishes nothing.
 * A filter with OTTL conditions (traces.span, traces.spanevent;
 * stages/chain_ottl.h) drops a span when any span condition is true and
 * the events for which any spanevent condition is (chain_events.h).
 * One allocation at chain_new (two with spanevent conditions); none per
 * record or span.
 */
#ifndef SLUICE_STAGES_CHAIN_H
#define SLUICE_STAGES_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "agg/spanmetrics.h"
#include "config/config.h"
#include "otlp/rewrite.h"
#include "shm/segment.h"
#include "shm/stats.h"
#include "stages/attrs.h"
#include "stages/chain_events.h"
#include "stages/chain_ottl.h"
#include "stages/matchprops.h"
#include "stages/sampler.h"
#include "stages/spanctx.h"
#include "stages/spanproc.h"

#define CHAIN_SCRATCH_BYTES (1u << 20) /* strings built for one span (+resource) */

/* chain_proc.type of a filter with OTTL conditions (not a config type). */
#define CHAIN_PROC_FILTER_OTTL 100

struct chain_proc {
	const struct sluice_processor *cfg;
	enum sluice_processor_type type;	     /* cfg->type, read once a span */
	struct chain_ottl ottl;			     /* filter, OTTL form */
	struct matchprops include, exclude;	     /* filter */
	struct sampler sampler;			     /* probabilistic_sampler */
	struct attrs attrs;			     /* attributes, resource */
	struct spanproc span;			     /* span */
	uint32_t res_after;			     /* resource edits visible to it */
	uint64_t in, out, dropped;		     /* not yet flushed to the slot */
	uint64_t total_in, total_out, total_dropped; /* since chain_new */
	struct stats_proc *slot;		     /* NULL: not bound */
	struct seg_component *comp;		     /* the plan's component-stats slot; NULL: none */
};

/* What the chain read of each span it kept in its last run, in output
 * order, for a spanmetrics connector downstream (chain_collect). */
struct chain_facts {
	struct agg_span_fact *f; /* cap entries, the caller's memory */
	uint32_t n, cap;
	bool lost;	  /* more kept spans than cap: use the output's bytes */
	bool attrs_exact; /* the kept spans' attributes leave as they came */
};

struct chain {
	struct chain_proc procs[CONFIG_MAX_PROCESSORS];
	struct chain_facts *facts; /* NULL: not collected */
	size_t n;
	int first_sampler; /* index of the first sampler, -1 none */
	struct otlp_rewrite_edits res_edits;
	struct otlp_rewrite_edits scratch;
	struct spanctx ctx;
	size_t res_mark; /* scratch bytes the resource phase kept */
	bool has_events; /* spanevent conditions: events may go */
	struct chain_events events;
	bool needs_scope;		/* a condition reads instrumentation_scope */
	bool heads_ok;			/* its processors read only span fields 1-8 */
	bool heads_only;		/* this run decodes only those (chain_run) */
	struct otlp_wire_iter scope_it; /* the ScopeSpans of the record, in turn */
	uint32_t scope_end;		/* spans before the end of scope_cur */
	struct otlp_bytes scope_cur;
	uint8_t buf[CHAIN_SCRATCH_BYTES];
};

/* Builds the chain; NULL with a message in err on a bad pattern or no
 * memory. A batch processor in the list is refused (it belongs to the
 * batch stage). */
struct chain *chain_new(const struct sluice_processor *const *procs, size_t n, char *err, size_t errlen);
void chain_free(struct chain *c);

/* Claims a per-processor stats slot (named by processor id) for each
 * processor. Returns 0, or -ENOSPC if the block has no free slot left
 * (counting continues locally). */
int chain_bind_stats(struct chain *c, struct stage_stats *st);

/* Runs the chain on the ResourceSpans in[0..len), writing the result to
 * out[0..cap). Returns the output length (0 = no span left), -ENOSPC (cap
 * too small: retry with more room), -EBADMSG/-EPROTO (malformed record).
 * res (optional) gets spans in/kept. heads_first: the caller vouches that
 * in every span fields 1-8 come first, in number order, each at most once
 * (RECORD_F_HEADS_FIRST); a chain whose processors read nothing else of a
 * span (filters on names, kinds, durations, services and resource
 * attributes, samplers, resource edits; no span metrics collected) then
 * decodes only those, not the attributes behind them. Same output. */
int64_t chain_run(struct chain *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		  struct otlp_rewrite_result *res, bool heads_first);

/* Whether every kept span leaves the chain with the name, kind, status,
 * times and ids it came with (no processor of the chain edits them), so
 * that what the chain read of it describes its output (chain_collect). */
bool chain_keeps_span_fields(const struct chain *c);
/* The same, and their attributes too (no attributes processor). */
bool chain_keeps_span_attrs(const struct chain *c);

/* From now on each chain_run fills *f (NULL: stops) with the kept spans'
 * facts; only for a chain that chain_keeps_span_fields (f->attrs_exact
 * says whether their attributes may be read from them too). The pointers
 * in them point into that run's input. */
void chain_collect(struct chain *c, struct chain_facts *f);

/* Binds processor i to the segment's component-stats slot comp[i] (the
 * plan's processor_stats; NULL entries are skipped): SEG_C_IN, SEG_C_OUT,
 * SEG_C_DROPPED count spans. */
void chain_bind_components(struct chain *c, struct seg_component *const *comp);

/* Adds the counters gathered since the last flush to the bound slots. */
void chain_flush_stats(struct chain *c);

/* Hints on (the default): the rewriter is told which input attributes the
 * edits name. Off: it finds them by comparing keys; the output is the same
 * (fuzz_chain checks this). */
static inline void chain_hints(struct chain *c, bool on)
{
	c->ctx.no_hints = !on;
}

/* Edits skipped for lack of room (OTLP_EDITS_MAX, scratch) so far. */
static inline uint64_t chain_overflows(const struct chain *c)
{
	return c->ctx.overflows;
}

#endif
