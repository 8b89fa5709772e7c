/* exporter/debug_lines.c: one text line a span, straight from the wire
 * form (no protobuf-c unpack; the body is only read). */
#include "exporter/debug_lines.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "otlp/wire.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"

/* The name quoted; worst case 4 bytes a byte. */
static char *lines_quoted(char *o, struct otlp_bytes s)
{
	static const char digits[] = "0123456789abcdef";
	*o++ = '"';
	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20 || c > 0x7e) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = digits[c >> 4];
			*o++ = digits[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	return o;
}

static int lines_span(struct otlp_bytes raw, struct otlp_json_buf *out)
{
	struct otlp_span sp;
	struct otlp_status st = { .code = 0 };
	int rc = otlp_wire_span(raw, &sp);
	if (rc < 0)
		return rc;
	if (sp.has_status && (rc = otlp_wire_status(sp.status, &st)) < 0)
		return rc;
	if ((rc = otlp_json_buf_put(out, "span trace_id=", 14)) < 0 ||
	    (rc = otlp_json_hex_put(out, sp.trace_id.p, sp.trace_id.len)) < 0 ||
	    (rc = otlp_json_buf_put(out, " span_id=", 9)) < 0 ||
	    (rc = otlp_json_hex_put(out, sp.span_id.p, sp.span_id.len)) < 0)
		return rc;
	/* the quoted name (4 bytes a byte at worst) and the numbers */
	if ((rc = otlp_json_buf_reserve(out, 200 + 4 * sp.name.len)) < 0)
		return rc;
	char *o = (char *)out->data + out->len;
	memcpy(o, " name=", 6);
	o = lines_quoted(o + 6, sp.name);
	uint64_t d = sp.end_time_unix_nano >= sp.start_time_unix_nano
			     ? sp.end_time_unix_nano - sp.start_time_unix_nano
			     : 0;
	o += snprintf(o, 120, " kind=%d duration_ns=%llu status=%d attributes=%u\n", (int)sp.kind,
		      (unsigned long long)d, (int)st.code, sp.n_attributes);
	out->len = (size_t)((uint8_t *)o - out->data);
	return 0;
}

int debug_lines_normal(const uint8_t *body, size_t len, struct otlp_json_buf *out)
{
	struct otlp_wire_iter rit, sit, pit;
	struct otlp_bytes rs, ss, span;
	int rc, rc2, rc3;
	otlp_wire_iter_init(&rit, (struct otlp_bytes){ body, len }, OTLP_F_REQ_RESOURCE_SPANS);
	while ((rc = otlp_wire_iter_next(&rit, &rs)) > 0) {
		otlp_wire_iter_init(&sit, rs, OTLP_F_RS_SCOPE_SPANS);
		while ((rc2 = otlp_wire_iter_next(&sit, &ss)) > 0) {
			otlp_wire_iter_init(&pit, ss, OTLP_F_SS_SPANS);
			while ((rc3 = otlp_wire_iter_next(&pit, &span)) > 0)
				if ((rc = lines_span(span, out)) < 0)
					return rc;
			if (rc3 < 0)
				return rc3;
		}
		if (rc2 < 0)
			return rc2;
	}
	return rc;
}

/* ---- logs and metrics ---- */

static int put_fmt(struct otlp_json_buf *out, const char *fmt, ...)
{
	int rc = otlp_json_buf_reserve(out, 160);
	if (rc < 0)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf((char *)out->data + out->len, 160, fmt, ap);
	va_end(ap);
	out->len += n < 0 ? 0 : n >= 160 ? 159 : (size_t)n;
	return 0;
}

/* " key=\"...\"" */
static int put_quoted(struct otlp_json_buf *out, const char *key, struct otlp_bytes s)
{
	int rc = otlp_json_buf_reserve(out, 8 + strlen(key) + 4 * s.len);
	if (rc < 0)
		return rc;
	char *o = (char *)out->data + out->len;
	*o++ = ' ';
	memcpy(o, key, strlen(key));
	o += strlen(key);
	*o++ = '=';
	o = lines_quoted(o, s);
	out->len = (size_t)((uint8_t *)o - out->data);
	return 0;
}

static int put_id(struct otlp_json_buf *out, const char *key, struct otlp_bytes id)
{
	int rc;
	if (!id.len)
		return 0;
	if ((rc = put_fmt(out, " %s=", key)) < 0)
		return rc;
	return otlp_json_hex_put(out, id.p, id.len);
}

static int put_value(struct otlp_json_buf *out, const char *key, struct otlp_bytes anyvalue)
{
	struct otlp_value v;
	int rc = otlp_wire_anyvalue(anyvalue, &v);
	if (rc < 0)
		return rc;
	switch (v.type) {
	case OTLP_VALUE_STRING:
		return put_quoted(out, key, v.u.b);
	case OTLP_VALUE_BOOL:
		return put_fmt(out, " %s=%s", key, v.u.boolean ? "true" : "false");
	case OTLP_VALUE_INT:
		return put_fmt(out, " %s=%lld", key, (long long)v.u.i);
	case OTLP_VALUE_DOUBLE:
		return put_fmt(out, " %s=%.17g", key, v.u.d);
	case OTLP_VALUE_ARRAY:
		return put_fmt(out, " %s=<array>", key);
	case OTLP_VALUE_KVLIST:
		return put_fmt(out, " %s=<kvlist>", key);
	case OTLP_VALUE_BYTES:
		return put_fmt(out, " %s=<%zu bytes>", key, v.u.b.len);
	default:
		return 0;
	}
}

static int lines_log(void *arg, const struct otlp_log_record *lr, int rc)
{
	struct otlp_json_buf *out = arg;
	if (rc < 0)
		return rc;
	if ((rc = put_fmt(out, "log time_unix_nano=%llu severity=%d", (unsigned long long)lr->time_unix_nano,
			  (int)lr->severity_number)) < 0 ||
	    (lr->severity_text.len && (rc = put_quoted(out, "severity_text", lr->severity_text)) < 0) ||
	    (rc = put_id(out, "trace_id", lr->trace_id)) < 0 ||
	    (rc = put_id(out, "span_id", lr->span_id)) < 0 ||
	    (lr->has_body && (rc = put_value(out, "body", lr->body)) < 0))
		return rc;
	return put_fmt(out, " attributes=%u\n", lr->n_attributes);
}

static const char *metric_type_name(enum otlp_metric_type t)
{
	switch (t) {
	case OTLP_METRIC_GAUGE:
		return "gauge";
	case OTLP_METRIC_SUM:
		return "sum";
	case OTLP_METRIC_HISTOGRAM:
		return "histogram";
	case OTLP_METRIC_EXP_HISTOGRAM:
		return "exponential_histogram";
	case OTLP_METRIC_SUMMARY:
		return "summary";
	default:
		return "none";
	}
}

static int lines_point(void *arg, const struct otlp_data_point *dp, int rc)
{
	const struct otlp_metric *m = ((void **)arg)[1];
	struct otlp_json_buf *out = ((void **)arg)[0];
	if (rc < 0)
		return rc;
	if ((rc = put_fmt(out, "datapoint")) < 0 || (rc = put_quoted(out, "metric", m->name)) < 0 ||
	    (rc = put_fmt(out, " type=%s", metric_type_name(dp->type))) < 0)
		return rc;
	if (dp->type == OTLP_METRIC_GAUGE || dp->type == OTLP_METRIC_SUM)
		rc = dp->number == OTLP_NUMBER_INT ? put_fmt(out, " value=%lld", (long long)dp->as_int)
						   : put_fmt(out, " value=%.17g", dp->as_double);
	else
		rc = put_fmt(out, " count=%llu sum=%.17g", (unsigned long long)dp->count, dp->sum);
	if (rc < 0)
		return rc;
	return put_fmt(out, " attributes=%u\n", dp->n_attributes);
}

static int lines_metric(void *arg, const struct otlp_metric *m, int rc)
{
	if (rc < 0)
		return rc;
	void *pair[2] = { arg, (void *)m };
	return otlp_wire_each_data_point(m, lines_point, pair);
}

int debug_lines_normal_signal(enum otlp_signal sig, const uint8_t *body, size_t len,
			      struct otlp_json_buf *out)
{
	struct otlp_bytes req = { body, len };
	switch (sig) {
	case OTLP_SIGNAL_TRACES:
		return debug_lines_normal(body, len, out);
	case OTLP_SIGNAL_LOGS:
		return otlp_wire_each_log_record(req, lines_log, out);
	case OTLP_SIGNAL_METRICS:
		return otlp_wire_each_metric(req, lines_metric, out);
	default:
		return -EINVAL;
	}
}
