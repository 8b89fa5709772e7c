/* agg/prom_fmt.c: values as exposition text: floats as Go's client
 * writes them (strconv 'g' shortest; OpenMetrics adds ".0" to integers),
 * attribute values as pdata's AsString (JSON for arrays and maps, base64
 * for bytes), UTF-8 made valid. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/prom_int.h"

/* shortest digits that read back as v: d[0..n), decimal exponent e such
 * that v = 0.d * 10^(e+1) (scientific exponent e) */
static int shortest(double v, char *d, int *e)
{
	char buf[40];
	for (int p = 0; p < 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	int n = 0;
	char *q = buf;
	if (*q == '-')
		q++;
	for (; *q && *q != 'e'; q++)
		if (*q != '.')
			d[n++] = *q;
	*e = atoi(q + 1);
	while (n > 1 && d[n - 1] == '0')
		n--;
	return n;
}

static size_t special(char *out, double v)
{
	if (isnan(v))
		return (size_t)sprintf(out, "NaN");
	if (isinf(v))
		return (size_t)sprintf(out, v > 0 ? "+Inf" : "-Inf");
	return 0;
}

/* Go's %f of the shortest digits (no exponent) */
static size_t fmt_fixed(char *out, int neg, const char *d, int n, int e)
{
	size_t k = 0;
	if (neg)
		out[k++] = '-';
	if (e < 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (int i = -1; i > e; i--)
			out[k++] = '0';
		for (int i = 0; i < n; i++)
			out[k++] = d[i];
	} else {
		for (int i = 0; i <= e; i++)
			out[k++] = i < n ? d[i] : '0';
		if (n > e + 1) {
			out[k++] = '.';
			for (int i = e + 1; i < n; i++)
				out[k++] = d[i];
		}
	}
	out[k] = 0;
	return k;
}

size_t prom_fmt_g(char *out, double v)
{
	char d[24];
	int e;
	size_t k = special(out, v);
	if (k)
		return k;
	if (v == 0)
		return (size_t)sprintf(out, signbit(v) ? "-0" : "0");
	int n = shortest(v, d, &e), neg = v < 0;
	if (e >= -4 && e < 6) /* Go: %e when exp < -4 || exp >= 6 (shortest) */
		return fmt_fixed(out, neg, d, n, e);
	if (neg)
		out[k++] = '-';
	out[k++] = d[0];
	if (n > 1) {
		out[k++] = '.';
		for (int i = 1; i < n; i++)
			out[k++] = d[i];
	}
	k += (size_t)sprintf(out + k, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	return k;
}

size_t prom_fmt_om(char *out, double v)
{
	size_t k = prom_fmt_g(out, v);
	if (!isfinite(v) || strpbrk(out, "e."))
		return k;
	memcpy(out + k, ".0", 3);
	return k + 2;
}

/* Longest Go 'f' -1 text: "-0." + 323 zeros + 17 digits for the smallest
 * subnormals, 309 digits for the largest finite doubles. */
#define FMT_F_MAX 344

static size_t fmt_f(char *out, double v) /* Go 'f', -1; out holds FMT_F_MAX */
{
	char d[24];
	int e;
	size_t k = special(out, v);
	if (k)
		return k;
	if (v == 0)
		return (size_t)sprintf(out, "0");
	int n = shortest(v, d, &e);
	return fmt_fixed(out, v < 0, d, n, e);
}

static size_t b64(const uint8_t *p, size_t n, char *out, size_t cap)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < cap; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		out[k++] = tab[v >> 18 & 63];
		out[k++] = tab[v >> 12 & 63];
		out[k++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[k++] = i + 2 < n ? tab[v & 63] : '=';
	}
	return k;
}

static size_t json_str(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	if (cap < 3)
		return 0;
	out[k++] = '"';
	for (size_t i = 0; i < n && k + 8 < cap; i++) {
		uint8_t c = p[i];
		if (c == '"' || c == '\\') {
			out[k++] = '\\';
			out[k++] = (char)c;
		} else if (c < 0x20) {
			k += (size_t)snprintf(out + k, cap - k, "\\u%04x", c);
		} else {
			out[k++] = (char)c;
		}
	}
	out[k++] = '"';
	return k;
}

/* AsString of pdata: strings as they are, numbers as text, bytes base64,
 * arrays and maps as JSON. Returns the length written (< cap). */
size_t prom_value_text(const struct otlp_value *v, char *out, size_t cap, int depth)
{
	char num[FMT_F_MAX];
	size_t k = 0;
	if (cap < 64)
		return 0;
	switch (v->type) {
	case OTLP_VALUE_STRING:
		k = v->u.b.len < cap - 1 ? v->u.b.len : cap - 1;
		memcpy(out, v->u.b.p, k);
		break;
	case OTLP_VALUE_BOOL:
		k = (size_t)snprintf(out, cap, "%s", v->u.boolean ? "true" : "false");
		break;
	case OTLP_VALUE_INT:
		k = (size_t)snprintf(out, cap, "%lld", (long long)v->u.i);
		break;
	case OTLP_VALUE_DOUBLE:
		/* a label value is cut at cap like a long string (a double
		 * near 1e308 is 309 digits in Go's 'f' form) */
		k = fmt_f(num, v->u.d);
		k = k < cap - 1 ? k : cap - 1;
		memcpy(out, num, k);
		break;
	case OTLP_VALUE_BYTES:
		k = b64(v->u.b.p, v->u.b.len, out, cap);
		break;
	case OTLP_VALUE_ARRAY:
	case OTLP_VALUE_KVLIST: {
		int kv = v->type == OTLP_VALUE_KVLIST;
		struct otlp_wire_iter it;
		struct otlp_bytes e;
		out[k++] = kv ? '{' : '[';
		otlp_wire_iter_init(&it, v->u.b, OTLP_F_LIST_VALUES);
		for (int first = 1; depth < 8 && otlp_wire_iter_next(&it, &e) > 0 && k + 64 < cap;
		     first = 0) {
			struct otlp_value ev;
			struct otlp_kv kvp;
			if (!first)
				out[k++] = ',';
			if (kv) {
				if (otlp_wire_kv(e, &kvp) < 0)
					break;
				k += json_str(kvp.key.p, kvp.key.len, out + k, cap - k - 2);
				out[k++] = ':';
				ev = kvp.value;
			} else if (otlp_wire_anyvalue(e, &ev) < 0) {
				break;
			}
			if (ev.type == OTLP_VALUE_STRING || ev.type == OTLP_VALUE_BYTES) {
				char *tmp = out + k;
				size_t room = cap - k - 2;
				if (ev.type == OTLP_VALUE_STRING)
					k += json_str(ev.u.b.p, ev.u.b.len, tmp, room);
				else {
					tmp[0] = '"';
					size_t b = b64(ev.u.b.p, ev.u.b.len, tmp + 1, room - 2);
					tmp[b + 1] = '"';
					k += b + 2;
				}
			} else if (ev.type == OTLP_VALUE_EMPTY) {
				k += (size_t)snprintf(out + k, cap - k, "null");
			} else {
				k += prom_value_text(&ev, out + k, cap - k - 2, depth + 1);
			}
		}
		if (k + 1 < cap)
			out[k++] = kv ? '}' : ']';
		break;
	}
	default:
		break;
	}
	out[k] = 0;
	return k;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one. */
size_t prom_utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t len = c < 0x80		     ? 1
		     : c >= 0xc2 && c < 0xe0 ? 2
		     : c >= 0xe0 && c < 0xf0 ? 3
		     : c >= 0xf0 && c < 0xf5 ? 4
					     : 0;
	if (!len || len > n)
		return 0;
	for (size_t j = 1; j < len; j++)
		if ((p[j] & 0xc0) != 0x80)
			return 0;
	if (len == 3) {
		uint32_t cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6;
		if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	} else if (len == 4) {
		uint32_t cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12;
		if (cp < 0x10000 || cp > 0x10ffff)
			return 0;
	}
	return len;
}

/* A copy of p[0..n) with every invalid UTF-8 byte as U+FFFD (malloc'd). */
char *prom_utf8_dup(const uint8_t *p, size_t n)
{
	char *out = malloc(3 * n + 1);
	size_t k = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t l = prom_utf8_len(p + i, n - i);
		if (l) {
			memcpy(out + k, p + i, l);
			k += l;
			i += l;
		} else {
			memcpy(out + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		}
	}
	out[k] = 0;
	return out;
}
