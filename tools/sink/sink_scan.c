/* tools/sink/sink_scan.c: how the sink checks a body.
 *
 * otlp's request validator decides (otlp_wire_validate_request, and
 * otlp_wire_validate_resource_spans for one top-level field of a streamed
 * body): the sink accepts exactly what ingest accepts, with the same counts,
 * through the same fast path. Only then are end times read, from spans
 * known to be well formed, so that reader needs no checks of its own beyond
 * staying inside the bytes. */
#include "tools/sink/sink_scan.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#include "otlp/wire.h"

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

/* Notes the end time of every span of a valid ResourceSpans. */
static void rs_ends(struct otlp_bytes rs, struct sink_lat_req *lat)
{
	struct otlp_wire_iter is, ip;
	struct otlp_bytes ss, sp;

	otlp_wire_iter_init(&is, rs, OTLP_F_RS_SCOPE_SPANS);
	while (otlp_wire_iter_next(&is, &ss) > 0) {
		otlp_wire_iter_init(&ip, ss, OTLP_F_SS_SPANS);
		while (otlp_wire_iter_next(&ip, &sp) > 0)
			sink_lat_note(lat, span_end(sp.p, sp.p + sp.len));
	}
}

int sink_scan_request(const uint8_t *body, size_t len, struct sink_scan_counts *c,
		      struct sink_lat_req *lat)
{
	struct otlp_wire_counts wc;
	int rc = otlp_wire_validate_request(body, len, &wc, NULL);

	c->resource_spans = wc.resource_spans;
	c->scope_spans = wc.scope_spans;
	c->spans = wc.spans;
	if (rc < 0 || !lat || !len)
		return rc;
	struct otlp_wire_iter ir;
	struct otlp_bytes rs;
	otlp_wire_iter_init(&ir, (struct otlp_bytes){ body, len }, OTLP_F_REQ_RESOURCE_SPANS);
	while (otlp_wire_iter_next(&ir, &rs) > 0)
		rs_ends(rs, lat);
	return 0;
}

int sink_scan_top_field(const uint8_t *p, size_t size, struct sink_scan_counts *c,
			struct sink_lat_req *lat)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	struct otlp_wire_counts wc;

	otlp_wire_reader_init(&r, p, size);
	if (otlp_wire_next(&r, &f) <= 0)
		return -EBADMSG;
	if (f.num != OTLP_F_REQ_RESOURCE_SPANS)
		return 0;  /* unknown field: skipped, as protobuf does */
	if (f.wt != OTLP_WT_LEN)
		return -EPROTO;
	int rc = otlp_wire_validate_resource_spans(f.b.p, f.b.len, &wc, NULL);
	if (rc < 0)
		return rc;
	c->resource_spans += wc.resource_spans;
	c->scope_spans += wc.scope_spans;
	c->spans += wc.spans;
	if (lat)
		rs_ends(f.b, lat);
	return 0;
}

static int sink_scan_end_of(void *arg, const struct otlp_span *span, int rc)
{
	if (rc == 0) /* as before: bad spans skipped */
		sink_lat_note(arg, span->end_time_unix_nano);
	return 0;
}

void sink_scan_ends(const uint8_t *body, size_t len, struct sink_lat_req *lat)
{
	otlp_wire_each_span((struct otlp_bytes){ body, len }, sink_scan_end_of, lat);
}
