/* test_batch_tb.h: records of every signal for the batch stage's tests,
 * built with protobuf-c (the reference encoder), and its output decoded
 * with protobuf-c and checked.
 *
 * A record "S" holds `items` items named "S.0", "S.1", ...: span names,
 * log bodies, or for metrics the `id` attribute of each data point. Items
 * are spread over `scopes` ScopeX in order (scope j: name "scope<j>",
 * version "v<j>", schema_url "https://s/<j>"); the resource has
 * service.name "svc" and schema_url "https://r". Metrics hold
 * `per_metric` points each (the last fewer): Metric k is "m.S.<k>" with
 * description "desc", unit "1", of type k % 5 (gauge, sum, histogram,
 * exponential histogram, summary), temporality and monotonic set where
 * the type has them.
 */
#ifndef SLUICE_TESTS_STAGES_TEST_BATCH_TB_H
#define SLUICE_TESTS_STAGES_TEST_BATCH_TB_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/signal.h"

/* A bare ResourceSpans/Logs/Metrics (malloc'd; *len its size). */
uint8_t *btb_pack(enum otlp_signal sig, uint64_t s, int items, int scopes, int per_metric, size_t *len);

struct btb_out {
	uint32_t items;	    /* items decoded */
	uint32_t resources; /* Resource* in the request */
	uint32_t metrics;   /* Metric messages (metrics) */
	char err[256];	    /* why it failed, "" if not */
};

/* Decodes an Export*ServiceRequest body of signal sig with protobuf-c and
 * checks what the header says above is preserved in every resource, scope
 * and Metric (for a data point "S.i" its Metric must be "m.S.<i /
 * per_metric>" with the type, description, unit and temporality it was
 * built with). Appends each item's name, space-separated, to names (cap
 * bytes, NUL-terminated). 0, or -1 with o->err set. */
int btb_unpack(enum otlp_signal sig, const uint8_t *body, size_t len, int per_metric, char *names, size_t cap,
	       struct btb_out *o);

/* "S.a S.a+1 ... S.b-1" appended to buf: the names of items [a, b) of S. */
void btb_names(char *buf, size_t cap, uint64_t s, int a, int b);

#endif
