/* stages/ottl_access.h: the OTTL accessor (stages/ottl_eval.h) over items
 * in their wire form, for every OTTL context. Nothing is allocated or
 * copied: values are views into the item's bytes, valid as long as they.
 *
 *   struct ottl_access_item it;
 *   ottl_access_item_init(&it, OTTL_CTX_LOG, rs.resource, ss.scope);
 *   it.log = &lr;                            from otlp_wire_log_record()
 *   r = ottl_eval_run(&ev, &ottl_access_wire, &it);   1 true, 0 false, -errno
 *
 * The item holds views of what a context reads; set the members its
 * context names (the others may stay NULL):
 *   resource   resource
 *   span       span (otlp_wire_span),                   scope, resource
 *   spanevent  event + event_raw (otlp_wire_event), span, scope, resource
 *   log        log (otlp_wire_log_record),              scope, resource
 *   metric     metric (otlp_wire_metric),               scope, resource
 *   datapoint  point (otlp_wire_data_point), metric,    scope, resource
 * resource and scope are the Resource and InstrumentationScope messages
 * (ResourceX.resource, ScopeX.scope; len 0 when absent: no attributes).
 *
 * Values, as pdata gives them to OTTL: string, int, double, bool, bytes as
 * such; arrays and kvlists OTTL_OTHER; an absent key, a KeyValue without a
 * value or an empty AnyValue OTTL_NIL. The first KeyValue with the key
 * counts (pcommon.Map.Get). Keys are compared as bytes: keys[i].bound is
 * not used. Fields are typed as config/ottl.h's enum ottl_field says; an
 * absent string field is "" (pdata's zero value), an absent number 0.
 * Errors: -EBADMSG/-EPROTO for malformed bytes met on the way (a scope or
 * status that does not decode, a KeyValue that does not split), -EINVAL for
 * a field or map the item was not given (the parser keeps a condition to
 * its context's paths, so that is a caller's bug).
 */
#ifndef SLUICE_STAGES_OTTL_ACCESS_H
#define SLUICE_STAGES_OTTL_ACCESS_H

#include <stdint.h>

#include "config/ottl.h"
#include "otlp/wire.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"
#include "stages/ottl_eval.h"

struct ottl_access_item {
	enum ottl_context ctx;
	struct otlp_bytes resource;	     /* Resource message (len 0: none) */
	struct otlp_bytes scope;	     /* InstrumentationScope message (len 0: none) */
	const struct otlp_span *span;	     /* span, spanevent (the event's span) */
	const struct otlp_event *event;	     /* spanevent */
	struct otlp_bytes event_raw;	     /* spanevent: the Event message */
	const struct otlp_log_record *log;   /* log */
	const struct otlp_metric *metric;    /* metric, datapoint (the point's metric) */
	const struct otlp_data_point *point; /* datapoint */
	/* private: the scope decoded on first use */
	int scope_state_; /* 0 not yet, 1 decoded, <0 its error */
	struct otlp_scope scope_;
};

/* Sets the context and the views every context shares; the rest NULL. */
void ottl_access_item_init(struct ottl_access_item *it, enum ottl_context ctx, struct otlp_bytes resource,
			   struct otlp_bytes scope);

/* The accessor: item is a struct ottl_access_item. */
extern const struct ottl_eval_accessor ottl_access_wire;

/* An attribute's value (otlp_wire_anyvalue's result) as OTTL sees it. */
void ottl_access_value(const struct otlp_value *v, struct ottl_value *out);

/* A field of the item; exposed for accessors that read some fields through
 * an edit overlay and the rest here (stages/chain_ottl.h). 0 or -errno. */
int ottl_access_field(struct ottl_access_item *it, enum ottl_field f, struct ottl_value *out);

/* Attribute key of map m of the item, as the accessor looks it up: 0 with
 * *out (OTTL_NIL when absent) or -errno. */
int ottl_access_attr(struct ottl_access_item *it, enum ottl_map m, const uint8_t *key, size_t len,
		     struct ottl_value *out);

/* pdata's number for a metric type (METRIC_DATA_TYPE_*: GAUGE 1, SUM 2,
 * HISTOGRAM 3, EXPONENTIAL_HISTOGRAM 4, SUMMARY 5, NONE 0). */
int64_t ottl_access_metric_type(enum otlp_metric_type t);

#endif
