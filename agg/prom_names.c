/* agg/prom_names.c: OTel names and values to Prometheus text, the way the
 * Collector translates them (prometheus/otlptranslator), and the float
 * formats Go's client writes (strconv 'g' shortest; OpenMetrics adds
 * ".0" to integers). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/prom_int.h"

static int metric_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == ':';
}

static int label_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

struct tok {
	const char *p;
	size_t n;
};

#define TOKS_MAX 128

static int tok_eq(struct tok t, const char *s)
{
	return t.n == strlen(s) && !memcmp(t.p, s, t.n);
}

static uint32_t split(const char *s, size_t n, int (*keep)(int), struct tok *t, uint32_t max)
{
	uint32_t k = 0;
	for (size_t i = 0; i < n && k < max;) {
		while (i < n && !keep((unsigned char)s[i]))
			i++;
		size_t b = i;
		while (i < n && keep((unsigned char)s[i]))
			i++;
		if (i > b)
			t[k++] = (struct tok){ s + b, i - b };
	}
	return k;
}

static const char *const unit_map[][2] = {
	{ "d", "days" }, { "h", "hours" }, { "min", "minutes" }, { "s", "seconds" },
	{ "ms", "milliseconds" }, { "us", "microseconds" }, { "ns", "nanoseconds" },
	{ "By", "bytes" }, { "KiBy", "kibibytes" }, { "MiBy", "mebibytes" },
	{ "GiBy", "gibibytes" }, { "TiBy", "tibibytes" }, { "KBy", "kilobytes" },
	{ "MBy", "megabytes" }, { "GBy", "gigabytes" }, { "TBy", "terabytes" },
	{ "m", "meters" }, { "V", "volts" }, { "A", "amperes" }, { "J", "joules" },
	{ "W", "watts" }, { "g", "grams" }, { "Cel", "celsius" }, { "Hz", "hertz" },
	{ "1", "" }, { "%", "percent" },
};
static const char *const per_map[][2] = {
	{ "s", "second" }, { "m", "minute" }, { "h", "hour" }, { "d", "day" },
	{ "w", "week" }, { "mo", "month" }, { "y", "year" },
};

static struct tok trim(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return (struct tok){ p, n };
}

static struct tok map_unit(struct tok u, const char *const (*m)[2], size_t nm)
{
	for (size_t i = 0; i < nm; i++)
		if (tok_eq(u, m[i][0]))
			return (struct tok){ m[i][1], strlen(m[i][1]) };
	return u;
}

/* cleanUpUnit: invalid characters to '_', runs of '_' to one, no leading. */
static size_t clean_unit(struct tok u, const char *prefix, char *out, size_t cap)
{
	char tmp[256];
	size_t n = (size_t)snprintf(tmp, sizeof tmp, "%s%.*s", prefix, (int)u.n, u.p);
	size_t k = 0;
	if (n >= sizeof tmp)
		n = sizeof tmp - 1;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		char c = metric_char((unsigned char)tmp[i]) ? tmp[i] : '_';
		if (c == '_' && (k == 0 || out[k - 1] == '_'))
			continue;
		out[k++] = c;
	}
	out[k] = 0;
	return k;
}

static int has_braces(struct tok t)
{
	return memchr(t.p, '{', t.n) || memchr(t.p, '}', t.n);
}

size_t prom_metric_name(const struct prom_store *s, struct otlp_bytes name, struct otlp_bytes unit,
			enum prom_type t, char *out, size_t cap, char *unit_out, size_t ucap)
{
	struct tok tk[TOKS_MAX + 4];
	const char *nm = (const char *)name.p;
	size_t k = 0;
	unit_out[0] = 0;
	if (s->c.no_metric_suffixes) {
		/* only characters outside [a-zA-Z0-9:_] split */
		uint32_t n = 0;
		for (size_t i = 0; i < name.len && n < TOKS_MAX;) {
			while (i < name.len && !(metric_char(nm[i]) || nm[i] == '_'))
				i++;
			size_t b = i;
			while (i < name.len && (metric_char(nm[i]) || nm[i] == '_'))
				i++;
			if (i > b)
				tk[n++] = (struct tok){ nm + b, i - b };
		}
		if (s->ns[0])
			k += (size_t)snprintf(out + k, cap - k, "%s%s", s->ns, n ? "_" : "");
		else if (n && tk[0].p[0] >= '0' && tk[0].p[0] <= '9')
			k += (size_t)snprintf(out + k, cap - k, "_");
		for (uint32_t i = 0; i < n && k < cap; i++)
			k += (size_t)snprintf(out + k, cap - k, "%s%.*s", i ? "_" : "", (int)tk[i].n, tk[i].p);
		return k < cap ? k : cap - 1;
	}

	uint32_t n = split(nm, name.len, metric_char, tk, TOKS_MAX);
	/* unit suffixes */
	const char *u = (const char *)unit.p;
	const char *slash = unit.len ? memchr(u, '/', unit.len) : NULL;
	struct tok mainu = trim(u, slash ? (size_t)(slash - u) : unit.len);
	char mbuf[128] = "", pbuf[128] = "";
	if (mainu.n && !has_braces(mainu))
		clean_unit(map_unit(mainu, unit_map, sizeof unit_map / sizeof unit_map[0]), "",
			   mbuf, sizeof mbuf);
	if (slash && (size_t)(slash - u) + 1 < unit.len) {
		struct tok per = trim(slash + 1, unit.len - (size_t)(slash - u) - 1);
		if (per.n && !has_braces(per))
			clean_unit(map_unit(per, per_map, sizeof per_map / sizeof per_map[0]), "per_",
				   pbuf, sizeof pbuf);
	}
	size_t ml = strlen(mbuf), pl = strlen(pbuf);
	for (uint32_t i = 0; i < n; i++)
		if (ml && tk[i].n == ml && !memcmp(tk[i].p, mbuf, ml))
			ml = 0;
	if (!strcmp(pbuf, "per_")) {
		pl = 0;
	} else {
		while (pl && pbuf[pl - 1] == '_')
			pl--;
		for (uint32_t i = 0; i < n; i++)
			if (pl && tk[i].n == pl && !memcmp(tk[i].p, pbuf, pl))
				pl = 0;
	}
	if (pl)
		while (ml && mbuf[ml - 1] == '_')
			ml--;
	if (ml)
		tk[n++] = (struct tok){ mbuf, ml };
	if (pl)
		tk[n++] = (struct tok){ pbuf, pl };
	if (ml || pl)
		snprintf(unit_out, ucap, "%.*s%s%.*s", (int)ml, mbuf, ml && pl ? "_" : "", (int)pl, pbuf);
	const char *tail = t == PT_COUNTER ? "total"
			   : (t == PT_GAUGE && unit.len == 1 && u[0] == '1') ? "ratio" : NULL;
	if (tail) {
		uint32_t w = 0;
		for (uint32_t i = 0; i < n; i++)
			if (!tok_eq(tk[i], tail))
				tk[w++] = tk[i];
		n = w;
		tk[n++] = (struct tok){ tail, strlen(tail) };
	}
	if (s->ns[0])
		k += (size_t)snprintf(out + k, cap - k, "%s", s->ns);
	for (uint32_t i = 0; i < n && k < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%s%.*s", k ? "_" : "", (int)tk[i].n, tk[i].p);
	if (k >= cap)
		k = cap - 1;
	if (k && out[0] >= '0' && out[0] <= '9' && k + 1 < cap) {
		memmove(out + 1, out, k + 1);
		out[0] = '_';
		k++;
	}
	return k;
}

size_t prom_label_name(struct otlp_bytes name, char *out, size_t cap)
{
	const uint8_t *p = name.p;
	size_t k = 0;
	if (!name.len || cap < 8)
		return 0;
	/* sanitizeLabelName: each character outside [a-zA-Z0-9_] is one '_'
	 * (a multi-byte UTF-8 character too: its continuation bytes go) */
	for (size_t i = 0; i < name.len && k + 5 < cap; i++) {
		if (p[i] >= 0x80 && p[i] < 0xc0)
			continue;
		out[k++] = label_char(p[i]) ? (char)p[i] : '_';
	}
	out[k] = 0;
	const char *pre = out[0] >= '0' && out[0] <= '9' ? "key_"
			  : out[0] == '_' && out[1] != '_' ? "key" : "";
	size_t pl = strlen(pre);
	if (pl) {
		memmove(out + pl, out, k + 1);
		memcpy(out, pre, pl);
		k += pl;
	}
	for (size_t i = 0; i < k; i++)
		if (out[i] != '_')
			return k;
	return 0;   /* all underscores: not a valid name */
}

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
	if (e >= -4 && e < 6)   /* Go: %e when exp < -4 || exp >= 6 (shortest) */
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

static size_t fmt_f(char *out, double v)   /* Go 'f', -1 */
{
	char d[24];
	int e;
	size_t k = special(out, v);
	if (k)
		return k;
	if (v == 0)
		return (size_t)sprintf(out, "0");
	int n = shortest(v, d, &e);
	if (e > 300 || e < -300)
		return (size_t)sprintf(out, "%g", v);
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
	char num[64];
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
		k = fmt_f(num, v->u.d);
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
		for (int first = 1; depth < 8 && otlp_wire_iter_next(&it, &e) > 0 && k + 64 < cap; first = 0) {
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
	size_t len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3
		     : c >= 0xf0 && c < 0xf5 ? 4 : 0;
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
