/* otlp/json_out.c: protobuf -> OTLP/JSON text. protobuf-c unpacks the input;
 * the JSON is written straight into the caller's growable buffer by walking
 * the descriptors (proto3 JSON: defaults omitted, 64-bit integers as strings,
 * ids hex, other bytes base64, enums as integers). */
#include "otlp/json.h"
#include "otlp/json_util.h"
#include "otlp/wire.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#define PUTS(b, s) otlp_json_buf_put((b), (s), strlen(s))

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one
 * (overlong forms, surrogates and values past U+10FFFF are invalid). */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* A JSON string. Protobuf strings should be UTF-8 but the wire does not
 * promise it: an invalid byte becomes U+FFFD so the line stays valid JSON. */
static int put_string(struct otlp_json_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	int rc = otlp_json_buf_reserve(b, n * 6 + 2);

	if (rc)
		return rc;
	b->data[b->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '"' || c == '\\') {
			b->data[b->len++] = '\\';
			b->data[b->len++] = c;
		} else if (c < 0x20) {
			memcpy(b->data + b->len, "\\u00", 4);
			b->len += 4;
			b->data[b->len++] = (uint8_t)hex[c >> 4];
			b->data[b->len++] = (uint8_t)hex[c & 15];
		} else if (c < 0x80) {
			b->data[b->len++] = c;
		} else {
			size_t k = utf8_seq((const uint8_t *)s + i, n - i);
			if (k == 0) {
				memcpy(b->data + b->len, "\\ufffd", 6);
				b->len += 6;
			} else {
				memcpy(b->data + b->len, s + i, k);
				b->len += k;
				i += k - 1;
			}
		}
	}
	b->data[b->len++] = '"';
	return 0;
}

static int put_fmt(struct otlp_json_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int put_fmt(struct otlp_json_buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return otlp_json_buf_put(b, tmp, n > 0 ? (size_t)n : 0);
}

static int put_message(struct otlp_json_buf *b, const ProtobufCMessage *m);

static int put_double(struct otlp_json_buf *b, double d)
{
	if (isnan(d))
		return PUTS(b, "\"NaN\"");
	if (isinf(d))
		return PUTS(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	return put_fmt(b, "%.17g", d);
}

static int put_value(struct otlp_json_buf *b, const ProtobufCMessageDescriptor *md,
		     const ProtobufCFieldDescriptor *fd, const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_ENUM:
		return put_fmt(b, "%" PRId32, *(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		return put_fmt(b, "%" PRIu32, *(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return put_fmt(b, "\"%" PRId64 "\"", *(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		return put_fmt(b, "\"%" PRIu64 "\"", *(const uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return put_double(b, *(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return put_double(b, *(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return PUTS(b, *(const protobuf_c_boolean *)p ? "true" : "false");
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return put_string(b, s ? s : "", s ? strlen(s) : 0);
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *bd = p;
		int rc = PUTS(b, "\"");
		if (!rc)
			rc = otlp_json_is_id_field(md->name, fd->name)
				     ? otlp_json_hex_put(b, bd->data, bd->len)
				     : otlp_json_b64_put(b, bd->data, bd->len);
		return rc ? rc : PUTS(b, "\"");
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
		return sub ? put_message(b, sub) : PUTS(b, "{}");
	}
	}
	return -EINVAL;
}

/* Whether a singular proto3 field holds its default (and is left out). */
static int is_default(const ProtobufCFieldDescriptor *fd, const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p == NULL;
	case PROTOBUF_C_TYPE_BOOL:
		return !*(const protobuf_c_boolean *)p;
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: {
		uint64_t v;
		memcpy(&v, p, 8);
		return v == 0;
	}
	default: {
		uint32_t v;
		memcpy(&v, p, 4);
		return v == 0;
	}
	}
}

static int put_message(struct otlp_json_buf *b, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const uint8_t *base = (const uint8_t *)m;
	int first = 1, rc = PUTS(b, "{");

	for (unsigned i = 0; i < d->n_fields && !rc; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		const void *p = base + fd->offset;
		size_t n = 0;
		char name[128];

		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			n = *(const size_t *)(base + fd->quantifier_offset);
			if (n == 0)
				continue;
		} else if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)(base + fd->quantifier_offset) != fd->id)
				continue;
		} else if (is_default(fd, p)) {
			continue;
		}
		otlp_json_camel(fd->name, name, sizeof(name));
		if (!first && (rc = PUTS(b, ",")))
			break;
		first = 0;
		if ((rc = put_string(b, name, strlen(name))) || (rc = PUTS(b, ":")))
			break;
		if (fd->label != PROTOBUF_C_LABEL_REPEATED) {
			rc = put_value(b, d, fd, p);
			continue;
		}
		const uint8_t *arr = *(const uint8_t *const *)p;
		size_t es = fd->type == PROTOBUF_C_TYPE_MESSAGE ? sizeof(void *) :
			    fd->type == PROTOBUF_C_TYPE_STRING ? sizeof(char *) :
			    fd->type == PROTOBUF_C_TYPE_BYTES ? sizeof(ProtobufCBinaryData) :
			    fd->type == PROTOBUF_C_TYPE_BOOL ? sizeof(protobuf_c_boolean) :
			    (fd->type == PROTOBUF_C_TYPE_DOUBLE ||
			     fd->type == PROTOBUF_C_TYPE_INT64 ||
			     fd->type == PROTOBUF_C_TYPE_SINT64 ||
			     fd->type == PROTOBUF_C_TYPE_SFIXED64 ||
			     fd->type == PROTOBUF_C_TYPE_UINT64 ||
			     fd->type == PROTOBUF_C_TYPE_FIXED64) ? 8 : 4;
		rc = PUTS(b, "[");
		for (size_t k = 0; k < n && !rc; k++) {
			if (k && (rc = PUTS(b, ",")))
				break;
			rc = put_value(b, d, fd, arr + k * es);
		}
		if (!rc)
			rc = PUTS(b, "]");
	}
	return rc ? rc : PUTS(b, "}");
}

int otlp_json_from_message(const ProtobufCMessage *msg, struct otlp_json_buf *out)
{
	return put_message(out, msg);
}

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest Req;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans RS;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans SS;
typedef Opentelemetry__Proto__Trace__V1__Span Span;

static int put_line(struct otlp_json_buf *b, const ProtobufCMessage *m)
{
	size_t mark = b->len;
	int rc = put_message(b, m);

	if (!rc)
		rc = PUTS(b, "\n");
	if (rc)
		b->len = mark;  /* never leave half a line */
	return rc;
}

/* One request a span: shallow copies that point at the one span. */
static int put_span_lines(struct otlp_json_buf *b, RS *const *rss, size_t n_rs)
{
	int lines = 0;

	for (size_t i = 0; i < n_rs; i++) {
		for (size_t k = 0; k < rss[i]->n_scope_spans; k++) {
			const SS *ss = rss[i]->scope_spans[k];
			for (size_t s = 0; s < ss->n_spans; s++) {
				Span *sp = ss->spans[s];
				SS one_ss = *ss;
				SS *pss = &one_ss;
				RS one_rs = *rss[i];
				RS *prs = &one_rs;
				Req req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
				one_ss.n_spans = 1;
				one_ss.spans = &sp;
				one_rs.n_scope_spans = 1;
				one_rs.scope_spans = &pss;
				req.n_resource_spans = 1;
				req.resource_spans = &prs;
				int rc = put_line(b, &req.base);
				if (rc)
					return rc;
				lines++;
			}
		}
	}
	return lines;
}

int otlp_json_from_pb(const void *pb, size_t len, enum otlp_json_input in,
		      enum otlp_json_mode mode, struct otlp_json_buf *out,
		      char *err, size_t err_len)
{
	const ProtobufCMessageDescriptor *d = in == OTLP_JSON_IN_RESOURCE_SPANS
		? &opentelemetry__proto__trace__v1__resource_spans__descriptor
		: &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
	ProtobufCMessage *m;
	Req req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	struct otlp_wire_diag diag;
	RS *one;
	int rc;

	if (err && err_len)
		err[0] = 0;
	/* Validate first: a clear message, and a bounded nesting depth before
	 * protobuf-c's (unbounded) recursive unpack and our recursive printer. */
	rc = in == OTLP_JSON_IN_RESOURCE_SPANS
		? otlp_wire_validate_resource_spans(pb, len, NULL, &diag)
		: otlp_wire_validate_request(pb, len, NULL, &diag);
	if (rc < 0) {
		if (err && err_len) {
			int n = snprintf(err, err_len, "undecodable %s protobuf: ", d->short_name);
			if (n > 0 && (size_t)n < err_len)
				otlp_wire_diag_format(&diag, err + n, err_len - (size_t)n);
		}
		return -EINVAL;
	}
	m = protobuf_c_message_unpack(d, NULL, len, pb);
	if (!m) {
		if (err && err_len)
			snprintf(err, err_len, "undecodable %s protobuf (%zu bytes)",
				 d->short_name, len);
		return -EINVAL;
	}
	if (in == OTLP_JSON_IN_RESOURCE_SPANS) {
		one = (RS *)m;
		req.n_resource_spans = 1;
		req.resource_spans = &one;
	} else {
		req = *(Req *)m;
	}
	if (mode == OTLP_JSON_SPAN_LINES)
		rc = put_span_lines(out, req.resource_spans, req.n_resource_spans);
	else if ((rc = put_line(out, &req.base)) == 0)
		rc = 1;
	protobuf_c_message_free_unpacked(m, NULL);
	if (rc < 0 && err && err_len)
		snprintf(err, err_len, "JSON output: %s", strerror(-rc));
	return rc;
}
