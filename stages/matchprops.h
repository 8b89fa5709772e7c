/* matchprops.h: the Collector's include/exclude match properties, compiled.
 *
 * A span matches when EVERY property that is set matches; a list property
 * (services, span_names) matches when ANY entry does; attributes and
 * resources match when ALL listed key/values do (value NONE: the key only
 * has to exist). match_type: strict (typed equality; int and double compare
 * as numbers), regexp (POSIX ERE search on the text form), prefix.
 * Not present (no include:/exclude: given) matches nothing.
 *
 *   struct matchprops m; matchprops_compile(&m, &cfg->include, ctx, err, n);
 *   matchprops_match(&m, ctx)  -> 1 / 0 / -errno
 *   matchprops_free(&m);
 */
#ifndef SLUICE_STAGES_MATCHPROPS_H
#define SLUICE_STAGES_MATCHPROPS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "stages/kvmatch.h"
#include "stages/match.h"
#include "stages/spanctx.h"

struct matchprops {
	const struct sluice_match *cfg;
	struct match_re *services_re; /* [n_services] when regexp */
	struct match_re *names_re;    /* [n_span_names] when regexp */
	size_t *names_len;	      /* [n_span_names]: strlen, once */
	struct kvmatch attrs;	      /* span attributes (ALL) */
	struct kvmatch res;	      /* resource attributes (ALL) */
	bool span_level;	      /* some property depends on the span */
	bool names_only;	      /* only span_names, strict or prefix */
	int res_cache;		      /* resource-only part this record: -1 unknown */
};

/* Registers the span attribute keys it names with c. 0 or -errno (message
 * in err). */
int matchprops_compile(struct matchprops *m, const struct sluice_match *cfg, struct spanctx *c, char *err,
		       size_t errlen);
/* 1 match, 0 no match, or -errno (malformed input). */
int matchprops_match_any(struct matchprops *m, struct spanctx *c);
static inline int matchprops_match(struct matchprops *m, struct spanctx *c)
{
	if (!m->names_only)
		return matchprops_match_any(m, c);
	/* the usual filter, a list of names: compared in line */
	struct otlp_bytes name = spanctx_name(c);
	for (size_t i = 0; i < m->cfg->n_span_names; i++) {
		size_t n = m->names_len[i];
		if ((m->cfg->match_type == SLUICE_MATCH_PREFIX ? name.len >= n : name.len == n) &&
		    otlp_key_bytes_eq(name.p, m->cfg->span_names[i], n))
			return 1;
	}
	return 0;
}
/* Forget the per-record resource result (call at each new record). */
static inline void matchprops_new_record(struct matchprops *m)
{
	m->res_cache = -1;
}
void matchprops_free(struct matchprops *m);

/* Does text t satisfy the string pattern s / regex re under type? */
static inline bool matchprops_text(enum sluice_match_type type, const char *s, const struct match_re *re,
				   struct otlp_bytes t)
{
	return kvmatch_text(type, s, re, t);
}

#endif
