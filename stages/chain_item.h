/* chain_item.h: the processor chain for log records and metric data points
 * (spans: stages/chain.h), run on one ring record on its wire form.
 * sigchain.h is the interface; logchain.c and metricchain.c walk the
 * two record shapes, this file holds what they share: the processors,
 * their counters, the resource phase and the edit overlay.
 *
 * Processors, in pipeline order on every item; each sees what the ones
 * before it did:
 *   resource               resource attribute actions, once a record
 *   attributes             log record attributes / data point attributes
 *                          (every point type); no include/exclude (they
 *                          match spans: refused)
 *   filter                 logs: legacy include/exclude (itemmatch.h) or
 *                          logs.log_record OTTL; metrics: legacy
 *                          include/exclude or metrics.metric (drops the
 *                          metric) / metrics.datapoint (drops the point);
 *                          a filter with nothing for the signal passes
 *   probabilistic_sampler  logs: by trace id as for spans (same seed, same
 *                          percentage, same trace id: same decision); with
 *                          attribute_source record, by the from_attribute
 *                          value's bytes (ints, doubles, bools as text);
 *                          nothing to hash: dropped iff fail_closed
 * span, batch, and the sampler for metrics are refused at chain_item_new.
 * One allocation at chain_item_new; none per record or item.
 */
#ifndef SLUICE_STAGES_CHAIN_ITEM_H
#define SLUICE_STAGES_CHAIN_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "otlp/rewrite.h"
#include "shm/segment.h"
#include "stages/attrs.h"
#include "stages/chain.h"
#include "stages/chain_ottl.h"
#include "stages/itemmatch.h"
#include "stages/sampler.h"
#include "stages/spanctx.h"

enum chain_item_kind {
	CHAIN_ITEM_PASS = 0, /* nothing for this signal: counted in = out */
	CHAIN_ITEM_RESOURCE,
	CHAIN_ITEM_ATTRIBUTES,
	CHAIN_ITEM_FILTER_LOGS, /* legacy include/exclude */
	CHAIN_ITEM_FILTER_METRICS,
	CHAIN_ITEM_FILTER_OTTL,
	CHAIN_ITEM_SAMPLER,
};

struct chain_item_proc {
	const struct sluice_processor *cfg;
	enum chain_item_kind kind;
	struct attrs attrs;		       /* attributes, resource */
	struct itemmatch_log log_inc, log_exc; /* filter, logs */
	struct itemmatch_metric m_inc, m_exc;  /* filter, metrics */
	struct chain_ottl ottl;		       /* filter, OTTL form */
	struct sampler sampler;		       /* probabilistic_sampler */
	struct spanctx_key from;	       /* its from_attribute */
	bool by_attr, fail_closed;
	uint32_t res_after;	    /* resource edits visible to it */
	uint64_t in, out, dropped;  /* since the last flush */
	struct seg_component *comp; /* NULL: not counted */
};

struct chain_item {
	enum sluice_signal signal;
	size_t n;
	bool needs_decode; /* a processor reads fields of the item itself */
	bool needs_scope;  /* an OTTL condition reads the instrumentation scope */
	bool point_work;   /* metrics: a processor looks at each point */
	bool point_filter; /* metrics: datapoint conditions (an emptied metric goes) */
	struct chain_item_proc procs[CONFIG_MAX_PROCESSORS];
	struct otlp_bytes resource; /* this record's input Resource */
	struct otlp_rewrite_edits res_edits, scratch;
	struct spanctx ctx;
	size_t res_mark; /* scratch bytes the resource phase kept */
	uint8_t buf[CHAIN_SCRATCH_BYTES];
};

struct chain_item_result {
	uint64_t in, kept; /* items */
};

/* signal is LOGS or METRICS. NULL with a message naming the processor in
 * err when one cannot serve the signal or cannot be built. */
struct chain_item *chain_item_new(enum sluice_signal signal, const struct sluice_processor *const *procs,
				  size_t n, char *err, size_t errlen);
void chain_item_free(struct chain_item *c);
/* Processor i counts into comp[i] (NULL entries: not counted). */
void chain_item_bind(struct chain_item *c, struct seg_component *const *comp);
void chain_item_flush(struct chain_item *c);

/* Runs the chain on a bare ResourceLogs / ResourceMetrics. Returns the
 * output length (0: nothing left: emit nothing), -ENOSPC (cap too small),
 * -EBADMSG/-EPROTO (malformed), or an OTTL condition's error under
 * error_mode propagate. */
int64_t logchain_run(struct chain_item *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		     struct chain_item_result *res);
int64_t metricchain_run(struct chain_item *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
			struct chain_item_result *res);

/* ----- shared by logchain.c and metricchain.c ----- */

/* The resource phase of a record: the resource processors' edits, in
 * order; per-record caches forgotten. 0 or -errno. */
int chain_item_begin(struct chain_item *c, struct otlp_bytes resource);

/* Starts an item: its bytes and attribute field. */
static inline void chain_item_start(struct chain_item *c, struct otlp_bytes raw, uint32_t field)
{
	otlp_rewrite_edits_reset(&c->scratch);
	spanctx_item_begin(&c->ctx, raw, field, &c->scratch);
	c->ctx.used = c->res_mark;
}

/* Runs the resource phase (chain_item_begin) and writes the record's
 * top-level fields: its Resource (edited), each Scope* field through fn
 * (the field's bytes and its body; fn writes what is left of it), the
 * rest copied. Returns the bytes written or -errno. */
struct wform;
typedef int (*chain_item_scope_fn)(struct chain_item *c, struct wform *w, void *arg, const uint8_t *start,
				   size_t size, struct otlp_bytes body);
int64_t chain_item_write(struct chain_item *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
			 chain_item_scope_fn fn, void *arg);

#endif
