/* tools/sink/sink_digest.c: --digest lines (formats in sink.h). Not a
 * benchmark path: it decodes every item and writes text for it. Malformed
 * items are skipped (the body was validated before, so there are none
 * unless --no-check let them in). */
#include "tools/sink/sink.h"

#include <stdio.h>
#include <string.h>

#include "otlp/wire.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"

static void put_hex(FILE *out, struct otlp_bytes b)
{
	if (!b.len) {
		fputc('-', out);
		return;
	}
	for (size_t i = 0; i < b.len; i++)
		fprintf(out, "%02x", b.p[i]);
}

/* The gen.id attribute among the KeyValues numbered field of msg: a
 * string of 1..16 hex digits as it is, an int as 16 hex digits, else "-". */
static void put_gen_id(FILE *out, struct otlp_bytes msg, uint32_t field)
{
	struct otlp_value v;
	if (otlp_wire_find_attr(msg, field, "gen.id", 6, &v) == 1) {
		if (v.type == OTLP_VALUE_INT) {
			fprintf(out, "%016llx", (unsigned long long)v.u.i);
			return;
		}
		if (v.type == OTLP_VALUE_STRING && v.u.b.len >= 1 && v.u.b.len <= 16) {
			size_t i = 0;
			while (i < v.u.b.len && strchr("0123456789abcdefABCDEF", v.u.b.p[i]) && v.u.b.p[i])
				i++;
			if (i == v.u.b.len) {
				for (i = 0; i < v.u.b.len; i++)
					fputc(v.u.b.p[i] | 0x20, out);
				return;
			}
		}
	}
	fputc('-', out);
}

static int digest_span(void *arg, const struct otlp_span *span, int rc)
{
	FILE *out = arg;
	if (rc < 0)
		return 0;
	for (size_t i = 0; i < span->trace_id.len; i++)
		fprintf(out, "%02x", span->trace_id.p[i]);
	fputc(' ', out);
	for (size_t i = 0; i < span->span_id.len; i++)
		fprintf(out, "%02x", span->span_id.p[i]);
	fprintf(out, " %.*s %llu\n", (int)span->name.len, (const char *)span->name.p,
		(unsigned long long)span->end_time_unix_nano);
	return 0;
}

static int digest_log(void *arg, const struct otlp_log_record *lr, int rc)
{
	FILE *out = arg;
	if (rc < 0)
		return 0;
	fputs("log ", out);
	put_gen_id(out, lr->raw, OTLP_F_LOG_ATTRIBUTES);
	fputc(' ', out);
	put_hex(out, lr->trace_id);
	fputc(' ', out);
	put_hex(out, lr->span_id);
	fprintf(out, " %d %llu\n", lr->severity_number, (unsigned long long)lr->time_unix_nano);
	return 0;
}

struct point_ctx {
	FILE *out;
	const struct otlp_metric *m;
};

static const char *type_word(enum otlp_metric_type t)
{
	switch (t) {
	case OTLP_METRIC_GAUGE:
		return "gauge";
	case OTLP_METRIC_SUM:
		return "sum";
	case OTLP_METRIC_HISTOGRAM:
		return "histogram";
	case OTLP_METRIC_EXP_HISTOGRAM:
		return "exphistogram";
	case OTLP_METRIC_SUMMARY:
		return "summary";
	default:
		return "none";
	}
}

static int digest_point(void *arg, const struct otlp_data_point *dp, int rc)
{
	struct point_ctx *pc = arg;
	if (rc < 0)
		return 0;
	fputs("point ", pc->out);
	put_gen_id(pc->out, dp->raw, dp->attributes_field);
	fputc(' ', pc->out);
	/* a metric name has no spaces in OTLP; one that has is written with
	 * '_' so the line keeps its words */
	if (!pc->m->name.len)
		fputc('-', pc->out);
	for (size_t i = 0; i < pc->m->name.len; i++) {
		uint8_t c = pc->m->name.p[i];
		fputc(c > ' ' && c < 0x7f ? c : '_', pc->out);
	}
	fprintf(pc->out, " %s %llu\n", type_word(pc->m->type), (unsigned long long)dp->time_unix_nano);
	return 0;
}

static int digest_metric(void *arg, const struct otlp_metric *m, int rc)
{
	struct point_ctx pc = { arg, m };
	if (rc == 0)
		otlp_wire_each_data_point(m, digest_point, &pc);
	return 0;
}

void sink_digest(FILE *out, int signal, const uint8_t *body, size_t len)
{
	struct otlp_bytes req = { body, len };
	if (signal == OTLP_SIGNAL_TRACES)
		otlp_wire_each_span(req, digest_span, out);
	else if (signal == OTLP_SIGNAL_LOGS)
		otlp_wire_each_log_record(req, digest_log, out);
	else if (signal == OTLP_SIGNAL_METRICS)
		otlp_wire_each_metric(req, digest_metric, out);
}
