/* attrs.h: the `attributes` (span attributes) and `resource` (resource
 * attributes) processors: actions in order, with the Collector's meaning.
 *
 *   insert   set key if absent        (value, or from_attribute's value)
 *   update   set key if present
 *   upsert   set key
 *   delete   remove key, or every key matching pattern
 *   hash     replace the value by the SHA-256 hex of its text form (key, or
 *            every key matching pattern)
 *   extract  match pattern on key's string value; each named group becomes
 *            an attribute (upsert) with the captured text
 *
 * `attributes` may have include/exclude (matchprops.h): actions run only on
 * matching spans. from_attribute copies a value of any type (array, kvlist
 * and bytes values as their raw bytes, which the rewriter writes as they
 * came); only a KeyValue without a value has nothing to copy (skipped,
 * counted as an overflow).
 */
#ifndef SLUICE_STAGES_ATTRS_H
#define SLUICE_STAGES_ATTRS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "stages/match.h"
#include "stages/matchprops.h"
#include "stages/spanctx.h"

struct attrs_action {
	const struct sluice_action *cfg;
	enum sluice_action_kind action;			/* cfg->action, without the pointer chase */
	struct spanctx_key key, from;			/* key, from_attribute */
	struct otlp_value value;			/* typed constant, strings view config memory */
	struct match_re re;				/* pattern, when has_pattern */
	struct spanctx_key group[MATCH_MAX_GROUPS + 1]; /* extract: named groups */
};

struct attrs {
	bool resource; /* resource processor: edit resource attributes */
	struct attrs_action *acts;
	size_t n;
	struct matchprops include, exclude;
};

/* Registers the keys it names with c. 0, or -EINVAL (message in err),
 * -ENOMEM, -ENOSPC (too many keys). */
int attrs_init(struct attrs *a, const struct sluice_attributes *cfg, bool resource, struct spanctx *c,
	       char *err, size_t errlen);
/* Runs the actions on the span (or the resource) behind c. 0 or -errno
 * (malformed input). For `attributes`, skips spans include/exclude rule out. */
int attrs_apply(struct attrs *a, struct spanctx *c);
void attrs_free(struct attrs *a);

/* Is v a value an edit can carry? Every type but "no value". */
static inline bool attrs_copyable(const struct otlp_value *v)
{
	return v->type == OTLP_VALUE_STRING || v->type == OTLP_VALUE_INT || v->type == OTLP_VALUE_DOUBLE ||
	       v->type == OTLP_VALUE_BOOL || v->type == OTLP_VALUE_ARRAY || v->type == OTLP_VALUE_KVLIST ||
	       v->type == OTLP_VALUE_BYTES;
}

#endif
