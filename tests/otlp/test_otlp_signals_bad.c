/* tests/otlp/test_otlp_signals_bad.c: the validators of all three signals
 * on hand-made inputs, one line a case: one field, wrapped in the messages
 * that lead to it, with the verdict and the error path users see. Every
 * kind of string field with invalid UTF-8, ids of wrong lengths, wrong wire
 * types, packed fields (the UTF-8 checker and the signal lookups:
 * test_otlp_utf8.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/signal.h"
#include "otlp/wire.h"
#include "pbw.h"

#include <protobuf-c/protobuf-c.h>
#include "tests/check_run.h"

enum {
	V = 0,
	I64 = 1,
	L = 2,
	I32 = 5
}; /* wire types */

struct row {
	const char *name;
	int sig;	  /* enum otlp_signal */
	uint8_t wrap[10]; /* field numbers from the top to the leaf's message */
	uint8_t num, wt;  /* the leaf field */
	const char *val;  /* LEN: the payload; else the raw value bytes */
	size_t len;
	int want;
	const char *path; /* the error's path (want < 0) */
};

#define RS "resourceSpans[0]."
#define SP RS "scopeSpans[0].spans[0]."
#define RL "resourceLogs[0]."
#define LR RL "scopeLogs[0].logRecords[0]."
#define RM "resourceMetrics[0]."
#define MT RM "scopeMetrics[0].metrics[0]."
#define BAD "\xff"
#define ID15 "0123456789abcde"

static const struct row rows[] = {
	/* traces: invalid UTF-8 in every kind of string field */
	{ "span name", 0, { 1, 2, 2 }, 5, L, BAD, 1, -EILSEQ, SP "name" },
	{ "span trace_state", 0, { 1, 2, 2 }, 3, L, "a=\xc3", 3, -EILSEQ, SP "traceState" },
	{ "span attribute key", 0, { 1, 2, 2, 9 }, 1, L, "k\xc3(", 3, -EILSEQ, SP "attributes[0].key" },
	{ "span string value",
	  0,
	  { 1, 2, 2, 9, 2 },
	  1,
	  L,
	  "\xed\xa0\x80",
	  3,
	  -EILSEQ,
	  SP "attributes[0].value.stringValue" },
	{ "array element",
	  0,
	  { 1, 2, 2, 9, 2, 5, 1 },
	  1,
	  L,
	  "\xc0\xaf",
	  2,
	  -EILSEQ,
	  SP "attributes[0].value.arrayValue.values[0].stringValue" },
	{ "kvlist key",
	  0,
	  { 1, 2, 2, 9, 2, 6, 1 },
	  1,
	  L,
	  "\xf4\x90\x80\x80",
	  4,
	  -EILSEQ,
	  SP "attributes[0].value.kvlistValue.values[0].key" },
	{ "bytes value is not text", 0, { 1, 2, 2, 9, 2 }, 7, L, BAD, 1, 0, "" },
	{ "resource attribute key", 0, { 1, 1, 1 }, 1, L, BAD, 1, -EILSEQ, RS "resource.attributes[0].key" },
	{ "resource attribute value",
	  0,
	  { 1, 1, 1, 2 },
	  1,
	  L,
	  "ok\xe2\x82",
	  4,
	  -EILSEQ,
	  RS "resource.attributes[0].value.stringValue" },
	{ "entity ref type", 0, { 1, 1, 3 }, 2, L, BAD, 1, -EILSEQ, RS "resource.entityRefs[0].type" },
	{ "entity ref id key", 0, { 1, 1, 3 }, 3, L, BAD, 1, -EILSEQ, RS "resource.entityRefs[0].idKeys[0]" },
	{ "scope name", 0, { 1, 2, 1 }, 1, L, BAD, 1, -EILSEQ, RS "scopeSpans[0].scope.name" },
	{ "scope version", 0, { 1, 2, 1 }, 2, L, BAD, 1, -EILSEQ, RS "scopeSpans[0].scope.version" },
	{ "scope attribute",
	  0,
	  { 1, 2, 1, 3 },
	  1,
	  L,
	  BAD,
	  1,
	  -EILSEQ,
	  RS "scopeSpans[0].scope.attributes[0].key" },
	{ "resource schema url", 0, { 1 }, 3, L, BAD, 1, -EILSEQ, RS "schemaUrl" },
	{ "scope schema url", 0, { 1, 2 }, 3, L, BAD, 1, -EILSEQ, RS "scopeSpans[0].schemaUrl" },
	{ "status message", 0, { 1, 2, 2, 15 }, 2, L, BAD, 1, -EILSEQ, SP "status.message" },
	{ "event name", 0, { 1, 2, 2, 11 }, 2, L, BAD, 1, -EILSEQ, SP "events[0].name" },
	{ "event attribute", 0, { 1, 2, 2, 11, 3 }, 1, L, BAD, 1, -EILSEQ, SP "events[0].attributes[0].key" },
	{ "link trace_state", 0, { 1, 2, 2, 13 }, 3, L, BAD, 1, -EILSEQ, SP "links[0].traceState" },
	{ "link attribute", 0, { 1, 2, 2, 13, 4 }, 1, L, BAD, 1, -EILSEQ, SP "links[0].attributes[0].key" },
	{ "span name, long UTF-8",
	  0,
	  { 1, 2, 2 },
	  5,
	  L,
	  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 ok",
	  16,
	  0,
	  "" },

	/* logs */
	{ "severity text", 1, { 1, 2, 2 }, 3, L, BAD, 1, -EILSEQ, LR "severityText" },
	{ "event name", 1, { 1, 2, 2 }, 12, L, BAD, 1, -EILSEQ, LR "eventName" },
	{ "body string", 1, { 1, 2, 2, 5 }, 1, L, "x\xe0\x80\x80", 4, -EILSEQ, LR "body.stringValue" },
	{ "body kvlist key",
	  1,
	  { 1, 2, 2, 5, 6, 1 },
	  1,
	  L,
	  BAD,
	  1,
	  -EILSEQ,
	  LR "body.kvlistValue.values[0].key" },
	{ "log attribute key", 1, { 1, 2, 2, 6 }, 1, L, BAD, 1, -EILSEQ, LR "attributes[0].key" },
	{ "log attribute value",
	  1,
	  { 1, 2, 2, 6, 2 },
	  1,
	  L,
	  BAD,
	  1,
	  -EILSEQ,
	  LR "attributes[0].value.stringValue" },
	{ "log resource attribute", 1, { 1, 1, 1 }, 1, L, BAD, 1, -EILSEQ, RL "resource.attributes[0].key" },
	{ "log scope name", 1, { 1, 2, 1 }, 1, L, BAD, 1, -EILSEQ, RL "scopeLogs[0].scope.name" },
	{ "log resource schema url", 1, { 1 }, 3, L, BAD, 1, -EILSEQ, RL "schemaUrl" },
	{ "log scope schema url", 1, { 1, 2 }, 3, L, BAD, 1, -EILSEQ, RL "scopeLogs[0].schemaUrl" },
	{ "trace_id 15 bytes", 1, { 1, 2, 2 }, 9, L, ID15, 15, -EPROTO, LR "traceId" },
	{ "trace_id 17 bytes", 1, { 1, 2, 2 }, 9, L, ID15 "01", 17, -EPROTO, LR "traceId" },
	{ "trace_id 16 bytes", 1, { 1, 2, 2 }, 9, L, ID15 "0", 16, 0, "" },
	{ "trace_id empty", 1, { 1, 2, 2 }, 9, L, "", 0, 0, "" },
	{ "span_id 7 bytes", 1, { 1, 2, 2 }, 10, L, "1234567", 7, -EPROTO, LR "spanId" },
	{ "span_id 8 bytes", 1, { 1, 2, 2 }, 10, L, "12345678", 8, 0, "" },
	{ "time as varint", 1, { 1, 2, 2 }, 1, V, "\x01", 1, -EPROTO, LR "timeUnixNano" },
	{ "observed time as fixed32",
	  1,
	  { 1, 2, 2 },
	  11,
	  I32,
	  "\1\2\3\4",
	  4,
	  -EPROTO,
	  LR "observedTimeUnixNano" },
	{ "severity number as LEN", 1, { 1, 2, 2 }, 2, L, "", 0, -EPROTO, LR "severityNumber" },
	{ "flags as varint", 1, { 1, 2, 2 }, 8, V, "\x01", 1, -EPROTO, LR "flags" },
	{ "body as varint", 1, { 1, 2, 2 }, 5, V, "\x01", 1, -EPROTO, LR "body" },
	{ "log_records as varint", 1, { 1, 2 }, 2, V, "\x01", 1, -EPROTO, RL "scopeLogs[0].logRecords[0]" },
	{ "removed field 4 is unknown", 1, { 1, 2, 2 }, 4, L, BAD, 1, 0, "" },
	{ "truncated varint in a record",
	  1,
	  { 1, 2, 2 },
	  2,
	  V,
	  "\x80",
	  1,
	  -EBADMSG,
	  RL "scopeLogs[0].logRecords[0]" },

	/* metrics */
	{ "metric name", 2, { 1, 2, 2 }, 1, L, BAD, 1, -EILSEQ, MT "name" },
	{ "metric description", 2, { 1, 2, 2 }, 2, L, BAD, 1, -EILSEQ, MT "description" },
	{ "metric unit", 2, { 1, 2, 2 }, 3, L, BAD, 1, -EILSEQ, MT "unit" },
	{ "metric metadata key", 2, { 1, 2, 2, 12 }, 1, L, BAD, 1, -EILSEQ, MT "metadata[0].key" },
	{ "sum point attribute",
	  2,
	  { 1, 2, 2, 7, 1, 7 },
	  1,
	  L,
	  BAD,
	  1,
	  -EILSEQ,
	  MT "sum.dataPoints[0].attributes[0].key" },
	{ "histogram point attribute",
	  2,
	  { 1, 2, 2, 9, 1, 9 },
	  1,
	  L,
	  BAD,
	  1,
	  -EILSEQ,
	  MT "histogram.dataPoints[0].attributes[0].key" },
	{ "exp histogram point attribute",
	  2,
	  { 1, 2, 2, 10, 1, 1 },
	  1,
	  L,
	  BAD,
	  1,
	  -EILSEQ,
	  MT "exponentialHistogram.dataPoints[0].attributes[0].key" },
	{ "summary point attribute",
	  2,
	  { 1, 2, 2, 11, 1, 7, 2 },
	  1,
	  L,
	  BAD,
	  1,
	  -EILSEQ,
	  MT "summary.dataPoints[0].attributes[0].value.stringValue" },
	{ "exemplar attribute",
	  2,
	  { 1, 2, 2, 5, 1, 5, 7 },
	  1,
	  L,
	  BAD,
	  1,
	  -EILSEQ,
	  MT "gauge.dataPoints[0].exemplars[0].filteredAttributes[0].key" },
	{ "metrics scope version", 2, { 1, 2, 1 }, 2, L, BAD, 1, -EILSEQ, RM "scopeMetrics[0].scope.version" },
	{ "exemplar trace_id 15 bytes",
	  2,
	  { 1, 2, 2, 5, 1, 5 },
	  5,
	  L,
	  ID15,
	  15,
	  -EPROTO,
	  MT "gauge.dataPoints[0].exemplars[0].traceId" },
	{ "exemplar span_id 9 bytes",
	  2,
	  { 1, 2, 2, 9, 1, 8 },
	  4,
	  L,
	  "123456789",
	  9,
	  -EPROTO,
	  MT "histogram.dataPoints[0].exemplars[0].spanId" },
	{ "exp histogram exemplar span_id",
	  2,
	  { 1, 2, 2, 10, 1, 11 },
	  4,
	  L,
	  "1",
	  1,
	  -EPROTO,
	  MT "exponentialHistogram.dataPoints[0].exemplars[0].spanId" },
	{ "gauge as varint", 2, { 1, 2, 2 }, 5, V, "\x01", 1, -EPROTO, MT "gauge" },
	{ "as_double as varint",
	  2,
	  { 1, 2, 2, 5, 1 },
	  4,
	  V,
	  "\x01",
	  1,
	  -EPROTO,
	  MT "gauge.dataPoints[0].asDouble" },
	{ "as_int as fixed32",
	  2,
	  { 1, 2, 2, 7, 1 },
	  6,
	  I32,
	  "\1\2\3\4",
	  4,
	  -EPROTO,
	  MT "sum.dataPoints[0].asInt" },
	{ "point flags as fixed32",
	  2,
	  { 1, 2, 2, 5, 1 },
	  8,
	  I32,
	  "\1\2\3\4",
	  4,
	  -EPROTO,
	  MT "gauge.dataPoints[0].flags" },
	{ "temporality as fixed64",
	  2,
	  { 1, 2, 2, 7 },
	  2,
	  I64,
	  "12345678",
	  8,
	  -EPROTO,
	  MT "sum.aggregationTemporality" },
	{ "is_monotonic as LEN", 2, { 1, 2, 2, 7 }, 3, L, "", 0, -EPROTO, MT "sum.isMonotonic" },
	{ "histogram count as varint",
	  2,
	  { 1, 2, 2, 9, 1 },
	  4,
	  V,
	  "\x05",
	  1,
	  -EPROTO,
	  MT "histogram.dataPoints[0].count" },
	{ "scale as fixed64",
	  2,
	  { 1, 2, 2, 10, 1 },
	  6,
	  I64,
	  "12345678",
	  8,
	  -EPROTO,
	  MT "exponentialHistogram.dataPoints[0].scale" },
	{ "buckets offset as LEN",
	  2,
	  { 1, 2, 2, 10, 1, 8 },
	  1,
	  L,
	  "",
	  0,
	  -EPROTO,
	  MT "exponentialHistogram.dataPoints[0].positive.offset" },
	{ "quantile as varint",
	  2,
	  { 1, 2, 2, 11, 1, 6 },
	  1,
	  V,
	  "\x01",
	  1,
	  -EPROTO,
	  MT "summary.dataPoints[0].quantileValues[0].quantile" },
	{ "bucket_counts packed", 2, { 1, 2, 2, 9, 1 }, 6, L, "1234567812345678", 16, 0, "" },
	{ "bucket_counts unpacked", 2, { 1, 2, 2, 9, 1 }, 6, I64, "12345678", 8, 0, "" },
	{ "bucket_counts packed, 7 bytes",
	  2,
	  { 1, 2, 2, 9, 1 },
	  6,
	  L,
	  "1234567",
	  7,
	  -EBADMSG,
	  MT "histogram.dataPoints[0].bucketCounts[0]" },
	{ "explicit_bounds as varint",
	  2,
	  { 1, 2, 2, 9, 1 },
	  7,
	  V,
	  "\x01",
	  1,
	  -EPROTO,
	  MT "histogram.dataPoints[0].explicitBounds[0]" },
	{ "exp buckets packed varints", 2, { 1, 2, 2, 10, 1, 9 }, 2, L, "\x01\x96\x01", 3, 0, "" },
	{ "exp buckets unpacked varint", 2, { 1, 2, 2, 10, 1, 9 }, 2, V, "\x96\x01", 2, 0, "" },
	{ "exp buckets, cut varint",
	  2,
	  { 1, 2, 2, 10, 1, 9 },
	  2,
	  L,
	  "\x01\x80",
	  2,
	  -EBADMSG,
	  MT "exponentialHistogram.dataPoints[0].negative.bucketCounts[0]" },
	{ "exp buckets as fixed64",
	  2,
	  { 1, 2, 2, 10, 1, 9 },
	  2,
	  I64,
	  "12345678",
	  8,
	  -EPROTO,
	  MT "exponentialHistogram.dataPoints[0].negative.bucketCounts[0]" },
	{ "removed metric field 6 is unknown", 2, { 1, 2, 2 }, 6, L, BAD, 1, 0, "" },
	{ "histogram min as varint",
	  2,
	  { 1, 2, 2, 9, 1 },
	  11,
	  V,
	  "\x01",
	  1,
	  -EPROTO,
	  MT "histogram.dataPoints[0].min" },
};

static size_t build(const struct row *r, struct pbw *w)
{
	w->n = 0;
	pbw_tag(w, r->num, r->wt);
	if (r->wt == L)
		pbw_var(w, r->len);
	memcpy(w->b + w->n, r->val, r->len);
	w->n += r->len;
	size_t depth = 0;
	while (depth < sizeof(r->wrap) && r->wrap[depth])
		depth++;
	for (size_t i = depth; i-- > 0;)
		pbw_wrap(w, r->wrap[i]);
	return depth;
}

START_TEST(t_row)
{
	const struct row *r = &rows[_i];
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)r->sig);
	struct pbw *w = malloc(sizeof(*w));
	struct otlp_wire_counts c;
	struct otlp_wire_diag d;
	char msg[400];

	build(r, w);
	uint8_t *p = malloc(w->n); /* exact size: ASan sees any read past it */
	memcpy(p, w->b, w->n);
	int rc = sd->validate_request(p, w->n, &c, &d);
	ck_assert_msg(rc == r->want, "%s: got %d, want %d", r->name, rc, r->want);
	if (rc < 0) {
		ck_assert_int_eq(d.err, rc);
		ck_assert_msg(strcmp(d.path, r->path) == 0, "%s: path %s, want %s", r->name, d.path, r->path);
		otlp_wire_diag_format(&d, msg, sizeof(msg));
		ck_assert_msg(strncmp(msg, r->path, strlen(r->path)) == 0 && msg[strlen(r->path)] == ':',
			      "%s: %s", r->name, msg);
		if (rc == -EILSEQ)
			ck_assert_ptr_nonnull(strstr(msg, ": invalid UTF-8 ("));
	}
	/* The same input as a bare resource: the same verdict, the path
	 * without its first step. */
	struct otlp_wire_reader rd;
	struct otlp_wire_field f;
	otlp_wire_reader_init(&rd, p, w->n);
	ck_assert_int_eq(otlp_wire_next(&rd, &f), 1);
	ck_assert_int_eq(sd->validate_resource(f.b.p, f.b.len, &c, &d), rc);
	if (rc < 0)
		ck_assert_str_eq(d.path, strchr(r->path, '.') + 1);
	else
		ck_assert_uint_eq(c.resources, 1);
	/* protobuf-c checks neither UTF-8 nor id lengths; everything else we
	 * refuse, it refuses too (it is laxer only about bool wire types). */
	ProtobufCMessage *m = protobuf_c_message_unpack(sd->request_desc, NULL, w->n, p);
	if (rc == 0 || rc == -EILSEQ || strstr(r->name, "_id"))
		ck_assert_msg(m != NULL, "%s: protobuf-c refuses it", r->name);
	else if (!strstr(r->name, "is_monotonic"))
		ck_assert_msg(m == NULL, "%s: protobuf-c accepts it", r->name);
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
	free(p);
	free(w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("otlp_signals_bad");
	TCase *tc = tcase_create("bad");
	tcase_add_loop_test(tc, t_row, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	suite_add_tcase(s, tc);
	/* pure table cases: one process, not a fork a case (under ASan a fork
	 * of this test costs ~0.2 s, hundreds of them ran past the timeout) */
	return check_run(s, CK_NOFORK) ? 1 : 0;
}
