/* otlp/rewrite_span.h: private to otlp/: the rewriter's lazy span decode
 * (one scan: struct otlp_span plus the attribute index). */
#ifndef SLUICE_OTLP_REWRITE_SPAN_H
#define SLUICE_OTLP_REWRITE_SPAN_H

#include "otlp/rewrite.h"

/* Decodes raw into st once (st->state 0 -> 1 or the error). 0 or -errno. */
int rewrite_span_decode(struct otlp_rewrite_span_state *st, struct otlp_bytes raw);

/* Fills the keys and values of the decoded span's attribute index (once;
 * a KeyValue the splitter rejects leaves the span not indexed). */
void rewrite_span_split(struct otlp_rewrite_span_state *st);

#endif
