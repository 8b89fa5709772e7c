/* otlp/json_out.c: protobuf -> OTLP/JSON text, for any signal. protobuf-c
 * unpacks the input; the JSON is written straight into the caller's
 * growable buffer by walking the descriptors (proto3 JSON: defaults
 * omitted, 64-bit integers as strings, ids hex, other bytes base64, enums
 * as integers). Every signal has the same shape (request field 1:
 * resources, resource field 2: scopes, scope field 2: items), so the
 * one-line-an-item mode is written once, over descriptors. */
#include "otlp/json.h"
#include "otlp/json_util.h"
#include "otlp/utf8.h"
#include "otlp/validate_tolerant.h"
#include "otlp/wire.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PUTS(b, s) otlp_json_buf_put((b), (s), strlen(s))

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
			size_t k = otlp_utf8_seq((const uint8_t *)s + i, n - i);
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

static int put_fmt(struct otlp_json_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
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
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		return put_fmt(b, "%" PRId32, *(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return put_fmt(b, "%" PRIu32, *(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return put_fmt(b, "\"%" PRId64 "\"", *(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
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
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
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
		size_t es = fd->type == PROTOBUF_C_TYPE_MESSAGE	 ? sizeof(void *)
			    : fd->type == PROTOBUF_C_TYPE_STRING ? sizeof(char *)
			    : fd->type == PROTOBUF_C_TYPE_BYTES	 ? sizeof(ProtobufCBinaryData)
			    : fd->type == PROTOBUF_C_TYPE_BOOL	 ? sizeof(protobuf_c_boolean)
			    : (fd->type == PROTOBUF_C_TYPE_DOUBLE || fd->type == PROTOBUF_C_TYPE_INT64 ||
			       fd->type == PROTOBUF_C_TYPE_SINT64 || fd->type == PROTOBUF_C_TYPE_SFIXED64 ||
			       fd->type == PROTOBUF_C_TYPE_UINT64 || fd->type == PROTOBUF_C_TYPE_FIXED64)
				    ? 8
				    : 4;
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

static int put_line(struct otlp_json_buf *b, const ProtobufCMessage *m)
{
	size_t mark = b->len;
	int rc = put_message(b, m);

	if (!rc)
		rc = PUTS(b, "\n");
	if (rc)
		b->len = mark; /* never leave half a line */
	return rc;
}

/* The repeated message field num of m: its count and array. */
static size_t repeated(const ProtobufCMessage *m, unsigned num, ProtobufCMessage ***arr)
{
	const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(m->descriptor, num);

	*arr = *(ProtobufCMessage ***)((uint8_t *)m + fd->offset);
	return *(const size_t *)((const uint8_t *)m + fd->quantifier_offset);
}

/* Makes *dst (room for its type; may be src) a shallow copy of src whose
 * repeated field num holds only *one. */
static void only(ProtobufCMessage *dst, const ProtobufCMessage *src, unsigned num, ProtobufCMessage **one)
{
	const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(src->descriptor, num);

	if (dst != src)
		memcpy(dst, src, src->descriptor->sizeof_message);
	*(size_t *)((uint8_t *)dst + fd->quantifier_offset) = 1;
	*(ProtobufCMessage ***)((uint8_t *)dst + fd->offset) = one;
}

/* Room for a shallow copy of a request, resource or scope message. */
union msg_room {
	max_align_t align;
	uint8_t bytes[512];
};

/* One request an item: shallow copies that point at the one item. */
static int put_item_lines(struct otlp_json_buf *b, const ProtobufCMessageDescriptor *req_d,
			  ProtobufCMessage *const *res, size_t n_res)
{
	union msg_room req, one_res, one_scope;
	int lines = 0;

	if (req_d->sizeof_message > sizeof(req))
		return -EINVAL;
	for (size_t i = 0; i < n_res; i++) {
		ProtobufCMessage **scopes, *pres = (ProtobufCMessage *)&one_res;
		size_t n_scopes = repeated(res[i], 2, &scopes);
		if (res[i]->descriptor->sizeof_message > sizeof(one_res))
			return -EINVAL;
		for (size_t k = 0; k < n_scopes; k++) {
			ProtobufCMessage **items, *pscope = (ProtobufCMessage *)&one_scope;
			size_t n_items = repeated(scopes[k], 2, &items);
			if (scopes[k]->descriptor->sizeof_message > sizeof(one_scope))
				return -EINVAL;
			for (size_t s = 0; s < n_items; s++) {
				only(pscope, scopes[k], 2, &items[s]);
				only(pres, res[i], 2, &pscope);
				req_d->message_init((ProtobufCMessage *)&req);
				only((ProtobufCMessage *)&req, (ProtobufCMessage *)&req, 1, &pres);
				int rc = put_line(b, (ProtobufCMessage *)&req);
				if (rc)
					return rc;
				lines++;
			}
		}
	}
	return lines;
}

int otlp_json_from_pb_signal(enum otlp_signal sig, const void *pb, size_t len, enum otlp_json_input in,
			     enum otlp_json_mode mode, struct otlp_json_buf *out, char *err, size_t err_len)
{
	const struct otlp_signal_desc *sd = otlp_signal_get(sig);
	struct otlp_wire_diag diag;
	ProtobufCMessage *m;
	int rc;

	if (err && err_len)
		err[0] = 0;
	if (!sd)
		return -EINVAL;
	const ProtobufCMessageDescriptor *d = in == OTLP_JSON_IN_RESOURCE ? sd->resource_desc
									  : sd->request_desc;
	/* Validate first: a clear message, and a bounded nesting depth before
	 * protobuf-c's (unbounded) recursive unpack and our recursive printer.
	 * Not UTF-8: put_string() replaces bad bytes. */
	rc = otlp_validate_tolerant((int)sig, in == OTLP_JSON_IN_RESOURCE, pb, len, NULL, &diag);
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
			snprintf(err, err_len, "undecodable %s protobuf (%zu bytes)", d->short_name, len);
		return -EINVAL;
	}
	ProtobufCMessage **res = &m;
	size_t n_res = 1;
	if (in != OTLP_JSON_IN_RESOURCE)
		n_res = repeated(m, 1, &res);
	if (mode == OTLP_JSON_ITEM_LINES) {
		rc = put_item_lines(out, sd->request_desc, res, n_res);
	} else if (in == OTLP_JSON_IN_RESOURCE) {
		union msg_room req;
		if (sd->request_desc->sizeof_message > sizeof(req)) {
			rc = -EINVAL;
		} else {
			sd->request_desc->message_init((ProtobufCMessage *)&req);
			only((ProtobufCMessage *)&req, (ProtobufCMessage *)&req, 1, res);
			if ((rc = put_line(out, (ProtobufCMessage *)&req)) == 0)
				rc = 1;
		}
	} else if ((rc = put_line(out, m)) == 0) {
		rc = 1;
	}
	protobuf_c_message_free_unpacked(m, NULL);
	if (rc < 0 && err && err_len)
		snprintf(err, err_len, "JSON output: %s", strerror(-rc));
	return rc;
}

int otlp_json_from_pb(const void *pb, size_t len, enum otlp_json_input in, enum otlp_json_mode mode,
		      struct otlp_json_buf *out, char *err, size_t err_len)
{
	return otlp_json_from_pb_signal(OTLP_SIGNAL_TRACES, pb, len, in, mode, out, err, err_len);
}
