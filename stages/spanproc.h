/* spanproc.h: the `span` processor (Collector semantics).
 *
 * name.from_attributes [a, b], separator s: when EVERY listed attribute is
 *   present, the span is renamed to text(a) s text(b) (text of ints,
 *   doubles, bools as in spanctx_value_str; other types are rendered as
 *   "<unknown-attribute-type>", like the Collector).
 * name.to_attributes.rules: each rule (a regex with named groups) is matched
 *   on the current name; on a match every named group becomes a string
 *   attribute with the captured text and, in the name, the captured text is
 *   replaced by "{group}". Rules run in order on the renamed name;
 *   break_after_match stops after the first rule that matched.
 * from_attributes runs before to_attributes. include/exclude select spans.
 */
#ifndef SLUICE_STAGES_SPANPROC_H
#define SLUICE_STAGES_SPANPROC_H

#include <stddef.h>

#include "config/config.h"
#include "stages/match.h"
#include "stages/matchprops.h"
#include "stages/spanctx.h"

/* A to_attributes rule and the attribute keys its named groups set. */
struct spanproc_rule {
	struct match_re re;
	struct spanctx_key group[MATCH_MAX_GROUPS + 1];
};

struct spanproc {
	const struct sluice_span_proc *cfg;
	struct spanctx_key *from; /* [n_from_attributes] */
	size_t sep_len;
	struct spanproc_rule *rules; /* [cfg->n_rules] */
	struct matchprops include, exclude;
};

/* Registers the keys it names with c. 0 or -errno (message in err). */
int spanproc_init(struct spanproc *s, const struct sluice_span_proc *cfg, struct spanctx *c, char *err,
		  size_t errlen);
/* 0 or -errno (malformed input). */
int spanproc_apply(struct spanproc *s, struct spanctx *c);
void spanproc_free(struct spanproc *s);

#endif
