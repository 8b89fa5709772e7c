/* exporter/debug_lines.c: one text line a span, straight from the wire
 * form (no protobuf-c unpack; the body is only read). */
#include "exporter/debug_lines.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "otlp/wire.h"

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
		? sp.end_time_unix_nano - sp.start_time_unix_nano : 0;
	o += snprintf(o, 120, " kind=%d duration_ns=%llu status=%d attributes=%u\n",
		      (int)sp.kind, (unsigned long long)d, (int)st.code, sp.n_attributes);
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
