/* stages/route.h: the routing connector as the process stage runs it: the
 * table compiled once (each condition's evaluator, each route's target
 * pipelines as a mask), then a decision for every record or every item.
 *
 *   struct route_conn *r;
 *   route_new(&r, cfg, k, item_access, err, sizeof err);
 *   if (!route_by_item(r))   d = route_decide_record(r, record);   whole record
 *   else                     n = route_decide_items(r, record, dec, cap);
 *   route_targets(r, d)      the pipelines decision d sends to
 *   route_split(record, sig, dec, d, out, cap, &items)   the items of route d alone
 *   route_free(r);
 *
 * Decisions: 0..n-1 = table entry (first match wins), ROUTE_DEFAULT =
 * default_pipelines (empty mask when there are none: dropped), ROUTE_DROP
 * = an evaluation error under error_mode propagate (the items are dropped
 * and the error is logged). error_mode ignore logs the error and takes the
 * condition as false; silent takes it as false without a word. Logging is
 * limited to one line every ROUTE_LOG_NS a connector, with the count.
 *
 * Contexts: a resource-context condition reads the record's Resource
 * (attributes["k"] / resource.attributes["k"]; this file's accessor). A
 * table whose entries are all resource context decides per record: the
 * whole record goes to one route, no copy. Any span, log or metric entry
 * makes it decide per item (Span, LogRecord, Metric); resource entries are
 * then evaluated once a record and apply to each of its items. Item
 * contexts read the item through the accessor given for that context
 * (item = struct route_item *): without one, route_new refuses the table.
 */
#ifndef SLUICE_STAGES_ROUTE_H
#define SLUICE_STAGES_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "config/ottl.h"
#include "otlp/wire.h"
#include "stages/ottl_access.h"
#include "stages/ottl_eval.h"

#define ROUTE_MAX_TABLE 250u /* entries a table may have here */
#define ROUTE_DEFAULT 254u   /* decision: default_pipelines */
#define ROUTE_DROP 255u	     /* decision: dropped (evaluation error, propagate) */
#define ROUTE_LOG_NS (10ull * 1000000000ull)

/* What an item-context accessor is handed (the `item` of ottl_eval_run). */
struct route_item {
	struct otlp_bytes resource; /* the Resource message (empty if absent) */
	struct otlp_bytes scope;    /* the InstrumentationScope (empty if absent) */
	struct otlp_bytes item;	    /* the Span, LogRecord or Metric */
	enum sluice_signal signal;
	/* private to route_access_wire: the item decoded on first use (state_
	 * 0 not yet, 1 decoded, <0 its error); route_decide_items resets it */
	int state_;
	struct ottl_access_item w_;
	union {
		struct otlp_span span;
		struct otlp_log_record log;
		struct otlp_metric metric;
	} u_;
};

/* Accessors for the item contexts, indexed by enum ottl_context; NULL
 * entries: that context is not available. */
struct route_access {
	const struct ottl_eval_accessor *acc[OTTL_CTX_COUNT];
};

/* The span, log and metric contexts over the wire form (route_access.c):
 * every path those contexts have (stages/ottl_access.h), the item decoded
 * once however many conditions read it. What the process stage runs. */
extern const struct route_access route_access_wire;

struct route_entry {
	struct ottl_eval ev;
	enum ottl_context ctx;
	uint64_t targets; /* pipelines (bit = cfg->pipelines index) */
};

struct route_conn {
	const struct sluice_connector *cfg;
	enum sluice_signal signal;
	struct route_entry *e;
	uint32_t n;
	uint64_t default_targets;
	enum sluice_error_mode mode;
	bool by_item;				   /* some entry has an item context */
	const struct ottl_eval_accessor *item_acc; /* for that context */
	bool *res_true;				   /* [n] resource entries' results, by_item */
	uint64_t errors, errors_logged;		   /* evaluation errors */
	uint64_t next_log_ns;
};

/* Compiles connector cfg->connectors[k] (a routing connector). `access`
 * may be NULL (no item contexts). 0, or -EINVAL / -ENOTSUP / -ENOMEM with
 * a message in err. */
int route_new(struct route_conn **out, const struct sluice_config *cfg, size_t k,
	      const struct route_access *access, char *err, size_t errlen);
void route_free(struct route_conn *r);

static inline bool route_by_item(const struct route_conn *r)
{
	return r->by_item;
}

/* The pipelines decision d sends to (0: none, the items are dropped). */
uint64_t route_targets(const struct route_conn *r, unsigned d);

/* The decision for a whole record (a bare ResourceSpans/Logs/Metrics),
 * when !route_by_item(r). Never fails: a malformed record is ROUTE_DROP. */
unsigned route_decide_record(struct route_conn *r, struct otlp_bytes record);

/* Decides each item of the record in order into dec[0..cap). Returns the
 * number of items, -ENOSPC when there are more than cap (ask again with
 * more room), -EBADMSG/-EPROTO for a malformed record. */
int64_t route_decide_items(struct route_conn *r, struct otlp_bytes record, uint8_t *dec, size_t cap);

/* Writes into out[0..cap) the record with only the items whose decision
 * is `want` (empty scopes left out), *items = what they count (spans, log
 * records, data points). Returns its length (0: no item), -ENOSPC, or
 * -EBADMSG/-EPROTO. dec is what route_decide_items filled. */
int64_t route_split(struct otlp_bytes record, enum sluice_signal signal, const uint8_t *dec, unsigned want,
		    uint8_t *out, size_t cap, uint64_t *items);

/* The Resource message of a record (field 1): 0 and *res (empty if
 * absent), or -EBADMSG. */
int route_resource_of(struct otlp_bytes record, struct otlp_bytes *res);

/* An attribute as the evaluator wants it (empty AnyValue: nil). */
void route_value(const struct otlp_value *v, struct ottl_value *out);

#endif
