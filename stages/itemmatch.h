/* itemmatch.h: the filter processor's legacy include/exclude properties
 * for log records and metrics (the Collector's filterlog and filtermetric),
 * compiled, evaluated against the edit overlay (spanctx.h).
 *
 * Log records: a record matches when EVERY property given matches:
 *   record_attributes, resource_attributes   ALL key/values (kvmatch.h)
 *   severity_texts                           ANY (strict: equal; regexp: search)
 *   severity_number {min, match_undefined}   severity >= min; a record
 *                                            without severity (0) matches
 *                                            iff match_undefined
 *   bodies                                   ANY, on the body's text (string
 *                                            as is, numbers and bools as text,
 *                                            no body ""; bytes, arrays and
 *                                            kvlists match no pattern)
 * Metrics (metric_names, resource_attributes) are two separate tests, as
 * in the Collector's filter processor: see metricchain.h for how they
 * combine.
 */
#ifndef SLUICE_STAGES_ITEMMATCH_H
#define SLUICE_STAGES_ITEMMATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "otlp/wire_logs.h"
#include "stages/kvmatch.h"
#include "stages/match.h"
#include "stages/spanctx.h"

/* A list of strings (ANY matches): strict, or regexps. */
struct itemmatch_list {
	const char **s;
	size_t *len;	     /* strlen, once */
	struct match_re *re; /* [n] when regexp */
	size_t n;
	enum sluice_match_type type;
};

struct itemmatch_log {
	const struct sluice_log_match *cfg;
	struct kvmatch record, res;
	struct itemmatch_list texts, bodies;
	int res_cache; /* resource_attributes this record: -1 unknown */
};

int itemmatch_log_compile(struct itemmatch_log *m, const struct sluice_log_match *cfg, struct spanctx *c,
			  char *err, size_t errlen);
/* 1 match, 0 no match, -errno (malformed input). lr: the decoded record. */
int itemmatch_log_match(struct itemmatch_log *m, struct spanctx *c, const struct otlp_log_record *lr);
static inline void itemmatch_log_new_record(struct itemmatch_log *m)
{
	m->res_cache = -1;
}
void itemmatch_log_free(struct itemmatch_log *m);

struct itemmatch_metric {
	const struct sluice_metric_match *cfg;
	struct kvmatch res;
	struct itemmatch_list names;
	int res_cache; /* resource_attributes this record: -1 unknown */
};

int itemmatch_metric_compile(struct itemmatch_metric *m, const struct sluice_metric_match *cfg,
			     struct spanctx *c, char *err, size_t errlen);
/* Does any metric_names entry match name? */
bool itemmatch_metric_name(const struct itemmatch_metric *m, struct otlp_bytes name);
/* Do ALL resource_attributes match (once a record)? 1, 0 or -errno. */
int itemmatch_metric_resource(struct itemmatch_metric *m, struct spanctx *c);
static inline void itemmatch_metric_new_record(struct itemmatch_metric *m)
{
	m->res_cache = -1;
}
void itemmatch_metric_free(struct itemmatch_metric *m);

#endif
