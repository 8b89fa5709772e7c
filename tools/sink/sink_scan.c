/* tools/sink/sink_scan.c: how the sink checks a body.
 *
 * otlp's validators decide (the signal's validate_request, and
 * validate_resource for one top-level field of a streamed body): the sink
 * accepts exactly what ingest accepts, with the same counts, through the
 * same fast paths. Only then are times read, from items known to be well
 * formed, so those readers need no checks of their own beyond staying
 * inside the bytes. A singular field written twice counts by its last
 * occurrence, as the otlp decoders read it (fuzz_sink_scan holds them to
 * that). */
#include "tools/sink/sink_scan.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#include "otlp/signal.h"
#include "otlp/wire.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"

/* Skips one varint; NULL past the end. */
static const uint8_t *skip_varint(const uint8_t *p, const uint8_t *end)
{
	for (int i = 0; p < end && i < 10; i++)
		if (*p++ < 0x80)
			return p;
	return NULL;
}

/* end_time_unix_nano of a valid span: the last field 8, 0 when absent (as
 * otlp_wire_span reads it). SDKs write fields in number order, so the usual
 * head (trace_id, span_id, parent, name, kind, start, end) and the
 * attributes are stepped over straight through; the rest goes field by
 * field, watching for another field 8 (the last one wins). */
static uint64_t span_end(const uint8_t *p, const uint8_t *end)
{
	uint64_t end_ns = 0, len;

	if (end - p >= 18 && p[0] == 0x0a && p[1] == 16)
		p += 18;
	if (end - p >= 10 && p[0] == 0x12 && p[1] == 8)
		p += 10;
	if (end - p >= 10 && p[0] == 0x22 && p[1] == 8)
		p += 10;
	if (end - p >= 2 && p[0] == 0x2a && p[1] < 0x80 && p[1] <= end - p - 2)
		p += 2 + p[1];
	if (end - p >= 2 && p[0] == 0x30 && p[1] < 0x80)
		p += 2;
	if (end - p >= 9 && p[0] == 0x39)
		p += 9;
	if (end - p >= 9 && p[0] == 0x41) {
		memcpy(&end_ns, p + 1, 8);
		end_ns = le64toh(end_ns);
		p += 9;
	}
	while (end - p >= 2 && p[0] == 0x4a && p[1] < 0x80 && p[1] <= end - p - 2)
		p += 2 + p[1]; /* attributes with one-byte lengths */
	while (p && p < end) {
		uint64_t tag = *p++;
		if (tag >= 0x80) {
			const uint8_t *t = p - 1;
			if (otlp_wire_varint(&t, end, &tag) < 0)
				break;
			p = t;
		}
		switch (tag & 7) {
		case OTLP_WT_VARINT:
			p = skip_varint(p, end);
			break;
		case OTLP_WT_I64:
			if (end - p < 8)
				return end_ns;
			if (tag >> 3 == OTLP_F_SPAN_END) {
				memcpy(&end_ns, p, 8);
				end_ns = le64toh(end_ns);
			}
			p += 8;
			break;
		case OTLP_WT_LEN: /* attributes, mostly: one- or two-byte lengths inline */
			if (p < end && *p < 0x80) {
				len = *p++;
			} else if (end - p >= 2 && p[1] < 0x80) {
				len = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
				p += 2;
			} else if (otlp_wire_varint(&p, end, &len) < 0) {
				return end_ns;
			}
			if (len > (uint64_t)(end - p))
				return end_ns;
			p += len;
			break;
		case OTLP_WT_I32:
			p = end - p >= 4 ? p + 4 : NULL;
			break;
		default:
			return end_ns;
		}
	}
	return end_ns;
}

/* The last values of the fixed64 fields numbered a and b of a valid
 * message (0 when absent): every field is stepped over, since a later
 * occurrence wins. */
static void last_fixed64(const uint8_t *p, const uint8_t *end, uint32_t a, uint32_t b, uint64_t *va,
			 uint64_t *vb)
{
	uint64_t tag, len, v;
	*va = *vb = 0;
	while (p && p < end) {
		tag = *p++;
		if (tag >= 0x80) {
			const uint8_t *t = p - 1;
			if (otlp_wire_varint(&t, end, &tag) < 0)
				return;
			p = t;
		}
		switch (tag & 7) {
		case OTLP_WT_VARINT:
			p = skip_varint(p, end);
			break;
		case OTLP_WT_I64:
			if (end - p < 8)
				return;
			memcpy(&v, p, 8);
			if (tag >> 3 == a)
				*va = le64toh(v);
			else if (tag >> 3 == b)
				*vb = le64toh(v);
			p += 8;
			break;
		case OTLP_WT_LEN:
			if (p < end && *p < 0x80)
				len = *p++;
			else if (otlp_wire_varint(&p, end, &len) < 0)
				return;
			if (len > (uint64_t)(end - p))
				return;
			p += len;
			break;
		case OTLP_WT_I32:
			p = end - p >= 4 ? p + 4 : NULL;
			break;
		default:
			return;
		}
	}
}

/* A log record's time: time_unix_nano, else observed_time_unix_nano. */
static uint64_t log_time(struct otlp_bytes lr)
{
	uint64_t t, obs;
	last_fixed64(lr.p, lr.p + lr.len, OTLP_F_LOG_TIME, OTLP_F_LOG_OBSERVED_TIME, &t, &obs);
	return t ? t : obs;
}

/* Notes the time of every item of a valid resource. The scopes are field 2
 * of a resource and the items field 2 of a scope for every signal; a
 * metric's points sit one level further down. */
static void resource_times(int signal, struct otlp_bytes res, struct sink_lat_req *lat)
{
	struct otlp_wire_iter is, ii, ip;
	struct otlp_bytes sc, it, dp;
	uint64_t t, unused;

	otlp_wire_iter_init(&is, res, OTLP_F_RS_SCOPE_SPANS);
	while (otlp_wire_iter_next(&is, &sc) > 0) {
		otlp_wire_iter_init(&ii, sc, OTLP_F_SS_SPANS);
		while (otlp_wire_iter_next(&ii, &it) > 0) {
			if (signal == OTLP_SIGNAL_TRACES) {
				sink_lat_note(lat, span_end(it.p, it.p + it.len));
			} else if (signal == OTLP_SIGNAL_LOGS) {
				sink_lat_note(lat, log_time(it));
			} else {
				struct otlp_metric m;
				if (otlp_wire_metric(it, &m) < 0 || m.type == OTLP_METRIC_NONE)
					continue;
				otlp_wire_iter_init(&ip, m.data, OTLP_F_DATA_POINTS);
				while (otlp_wire_iter_next(&ip, &dp) > 0) {
					last_fixed64(dp.p, dp.p + dp.len, OTLP_F_DP_TIME, 0, &t, &unused);
					sink_lat_note(lat, t);
				}
			}
		}
	}
}

int sink_scan_request(int signal, const uint8_t *body, size_t len, struct sink_scan_counts *c,
		      struct sink_lat_req *lat)
{
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)signal);
	struct otlp_wire_counts wc;
	memset(c, 0, sizeof(*c));
	if (!sd)
		return -EINVAL;
	int rc = sd->validate_request(body, len, &wc, NULL);
	c->resources = wc.resources;
	c->scopes = wc.scopes;
	c->items = wc.items;
	if (rc < 0 || !lat || !len)
		return rc;
	struct otlp_wire_iter ir;
	struct otlp_bytes res;
	otlp_wire_iter_init(&ir, (struct otlp_bytes){ body, len }, OTLP_F_REQ_RESOURCE_SPANS);
	while (otlp_wire_iter_next(&ir, &res) > 0)
		resource_times(signal, res, lat);
	return 0;
}

int sink_scan_top_field(int signal, const uint8_t *p, size_t size, struct sink_scan_counts *c,
			struct sink_lat_req *lat)
{
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)signal);
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	struct otlp_wire_counts wc;

	if (!sd)
		return -EINVAL;
	otlp_wire_reader_init(&r, p, size);
	if (otlp_wire_next(&r, &f) <= 0)
		return -EBADMSG;
	if (f.num != OTLP_F_REQ_RESOURCE_SPANS)
		return 0; /* unknown field: skipped, as protobuf does */
	if (f.wt != OTLP_WT_LEN)
		return -EPROTO;
	int rc = sd->validate_resource(f.b.p, f.b.len, &wc, NULL);
	if (rc < 0)
		return rc;
	c->resources += wc.resources;
	c->scopes += wc.scopes;
	c->items += wc.items;
	if (lat)
		resource_times(signal, f.b, lat);
	return 0;
}

static int ends_span(void *arg, const struct otlp_span *span, int rc)
{
	if (rc == 0) /* as before: bad spans skipped */
		sink_lat_note(arg, span->end_time_unix_nano);
	return 0;
}

static int ends_log(void *arg, const struct otlp_log_record *lr, int rc)
{
	if (rc == 0)
		sink_lat_note(arg, lr->time_unix_nano ? lr->time_unix_nano : lr->observed_time_unix_nano);
	return 0;
}

static int ends_point(void *arg, const struct otlp_data_point *dp, int rc)
{
	if (rc == 0)
		sink_lat_note(arg, dp->time_unix_nano);
	return 0;
}

static int ends_metric(void *arg, const struct otlp_metric *m, int rc)
{
	if (rc == 0)
		otlp_wire_each_data_point(m, ends_point, arg);
	return 0;
}

void sink_scan_ends(int signal, const uint8_t *body, size_t len, struct sink_lat_req *lat)
{
	struct otlp_bytes req = { body, len };
	if (signal == OTLP_SIGNAL_TRACES)
		otlp_wire_each_span(req, ends_span, lat);
	else if (signal == OTLP_SIGNAL_LOGS)
		otlp_wire_each_log_record(req, ends_log, lat);
	else if (signal == OTLP_SIGNAL_METRICS)
		otlp_wire_each_metric(req, ends_metric, lat);
}
