/* otlp/json_util.c: buffer growth, hex, base64 and name mapping for the
 * OTLP/JSON transcoder. */
#include "otlp/json_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void otlp_json_buf_free(struct otlp_json_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int otlp_json_buf_reserve(struct otlp_json_buf *b, size_t n)
{
	if (n > OTLP_JSON_MAX_OUTPUT || b->len > OTLP_JSON_MAX_OUTPUT - n)
		return -E2BIG;
	if (b->cap - b->len >= n)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int otlp_json_buf_put(struct otlp_json_buf *b, const void *p, size_t n)
{
	int rc = otlp_json_buf_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int otlp_json_name_matches(const char *name, const char *key)
{
	if (strcmp(name, key) == 0)
		return 1;
	while (*name) {
		if (*name == '_' && name[1]) {
			if (*key != toupper((unsigned char)name[1]))
				return 0;
			name += 2;
		} else {
			if (*key != *name)
				return 0;
			name++;
		}
		key++;
	}
	return *key == 0;
}

void otlp_json_camel(const char *name, char *out, size_t n)
{
	size_t i = 0;

	while (*name && i + 1 < n) {
		if (*name == '_' && name[1]) {
			out[i++] = (char)toupper((unsigned char)name[1]);
			name += 2;
		} else {
			out[i++] = *name++;
		}
	}
	if (n)
		out[i] = 0;
}

int otlp_json_is_id_field(const char *msg, const char *field)
{
	/* The messages whose trace_id/span_id/parent_span_id are ids. */
	static const char *const with_ids[] = {
		"opentelemetry.proto.trace.v1.Span",
		"opentelemetry.proto.trace.v1.Span.Link",
		"opentelemetry.proto.logs.v1.LogRecord",
		"opentelemetry.proto.metrics.v1.Exemplar",
	};
	size_t i = 0;

	while (i < sizeof(with_ids) / sizeof(with_ids[0]) && strcmp(msg, with_ids[i]) != 0)
		i++;
	if (i == sizeof(with_ids) / sizeof(with_ids[0]))
		return 0;
	return strcmp(field, "trace_id") == 0 || strcmp(field, "span_id") == 0 ||
	       strcmp(field, "parent_span_id") == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int otlp_json_hex_decode(const char *s, size_t slen, uint8_t *out)
{
	for (size_t i = 0; i + 1 < slen; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return slen % 2 ? -EINVAL : 0;
}

int otlp_json_hex_put(struct otlp_json_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	int rc = otlp_json_buf_reserve(b, 2 * n);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		b->data[b->len++] = (uint8_t)digits[p[i] >> 4];
		b->data[b->len++] = (uint8_t)digits[p[i] & 15];
	}
	return 0;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

long otlp_json_b64_decode(const char *s, size_t slen, uint8_t *out)
{
	uint32_t acc = 0;
	int bits = 0;
	long n = 0;

	while (slen && s[slen - 1] == '=')
		slen--;
	for (size_t i = 0; i < slen; i++) {
		int v = b64val(s[i]);
		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (slen % 4 == 1)
		return -EINVAL; /* a lone sextet cannot end a byte */
	return n;
}

int otlp_json_b64_put(struct otlp_json_buf *b, const uint8_t *p, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int rc = otlp_json_buf_reserve(b, (n + 2) / 3 * 4);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		b->data[b->len++] = (uint8_t)al[v >> 18];
		b->data[b->len++] = (uint8_t)al[(v >> 12) & 63];
		b->data[b->len++] = (uint8_t)(i + 1 < n ? al[(v >> 6) & 63] : '=');
		b->data[b->len++] = (uint8_t)(i + 2 < n ? al[v & 63] : '=');
	}
	return 0;
}
