/* chain_ottl.h: a filter processor's OTTL conditions (config/ottl.h)
 * inside a processor chain: traces.span and traces.spanevent,
 * logs.log_record, metrics.metric and metrics.datapoint. An item is
 * dropped when ANY condition of its list is true (the Collector's filter
 * processor); a span event, when one of the spanevent conditions is.
 *
 * Conditions read the item as the processors before this one left it:
 * item and resource attributes and the span name go through the edit
 * overlay (spanctx.h; their keys are registered there, and bound to the
 * evaluator's keys), everything else is read from the wire form
 * (ottl_access.h).
 *
 * error_mode: an evaluation that fails (malformed bytes met by a
 * condition, an IsMatch target without text form) is, with propagate, an
 * error the chain returns (the record is not emitted, as the Collector
 * fails the batch); with ignore the condition is false and the first such
 * error is logged; with silent it is false. Errors are counted either way.
 */
#ifndef SLUICE_STAGES_CHAIN_OTTL_H
#define SLUICE_STAGES_CHAIN_OTTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "stages/ottl_access.h"
#include "stages/ottl_eval.h"
#include "stages/spanctx.h"

struct chain_ottl_cond {
	struct ottl_eval ev;
	struct spanctx_key *keys; /* [ev.n_keys]: the overlay's keys, bound to ev */
	const struct sluice_ottl *cfg;
};

/* The conditions of one context. */
struct chain_ottl_list {
	struct chain_ottl_cond *c;
	size_t n;
	enum ottl_context ctx;
};

struct chain_ottl {
	struct chain_ottl_list item; /* span, log_record, metric */
	struct chain_ottl_list sub;  /* spanevent, datapoint (none for logs) */
	enum sluice_error_mode mode;
	const char *id;	  /* the processor, for the log line */
	bool needs_scope; /* some condition reads instrumentation_scope */
	uint64_t errors;  /* evaluations that failed */
};

/* What a condition sees: the wire views, and the overlay for the
 * attributes (and span name) processors may have changed. */
struct chain_ottl_item {
	struct ottl_access_item w;
	struct spanctx *c;
};

extern const struct ottl_eval_accessor chain_ottl_access;

/* Does the filter cfg have OTTL conditions for this signal? */
bool chain_ottl_present(const struct sluice_filter *cfg, enum sluice_signal signal);

/* Builds the lists for the signal; registers the attribute keys with c.
 * 0 or -errno with a message in err. */
int chain_ottl_init(struct chain_ottl *o, const struct sluice_processor *cfg, enum sluice_signal signal,
		    struct spanctx *c, char *err, size_t errlen);
void chain_ottl_free(struct chain_ottl *o);

/* Is any condition of l true for it? 1 yes, 0 no, or the error when the
 * error mode is propagate. */
int chain_ottl_any(struct chain_ottl *o, const struct chain_ottl_list *l, struct chain_ottl_item *it);

#endif
