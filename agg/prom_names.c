/* agg/prom_names.c: OTel metric and attribute names to Prometheus names,
 * the way the Collector translates them (prometheus/otlptranslator). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/prom_int.h"

static int metric_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':';
}

static int label_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
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
	{ "d", "days" },
	{ "h", "hours" },
	{ "min", "minutes" },
	{ "s", "seconds" },
	{ "ms", "milliseconds" },
	{ "us", "microseconds" },
	{ "ns", "nanoseconds" },
	{ "By", "bytes" },
	{ "KiBy", "kibibytes" },
	{ "MiBy", "mebibytes" },
	{ "GiBy", "gibibytes" },
	{ "TiBy", "tibibytes" },
	{ "KBy", "kilobytes" },
	{ "MBy", "megabytes" },
	{ "GBy", "gigabytes" },
	{ "TBy", "terabytes" },
	{ "m", "meters" },
	{ "V", "volts" },
	{ "A", "amperes" },
	{ "J", "joules" },
	{ "W", "watts" },
	{ "g", "grams" },
	{ "Cel", "celsius" },
	{ "Hz", "hertz" },
	{ "1", "" },
	{ "%", "percent" },
};
static const char *const per_map[][2] = {
	{ "s", "second" }, { "m", "minute" }, { "h", "hour" }, { "d", "day" },
	{ "w", "week" },   { "mo", "month" }, { "y", "year" },
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
			k += (size_t)snprintf(out + k, cap - k, "%s%.*s", i ? "_" : "", (int)tk[i].n,
					      tk[i].p);
		return k < cap ? k : cap - 1;
	}

	uint32_t n = split(nm, name.len, metric_char, tk, TOKS_MAX);
	/* unit suffixes */
	const char *u = (const char *)unit.p;
	const char *slash = unit.len ? memchr(u, '/', unit.len) : NULL;
	struct tok mainu = trim(u, slash ? (size_t)(slash - u) : unit.len);
	char mbuf[128] = "", pbuf[128] = "";
	if (mainu.n && !has_braces(mainu))
		clean_unit(map_unit(mainu, unit_map, sizeof unit_map / sizeof unit_map[0]), "", mbuf,
			   sizeof mbuf);
	if (slash && (size_t)(slash - u) + 1 < unit.len) {
		struct tok per = trim(slash + 1, unit.len - (size_t)(slash - u) - 1);
		if (per.n && !has_braces(per))
			clean_unit(map_unit(per, per_map, sizeof per_map / sizeof per_map[0]), "per_", pbuf,
				   sizeof pbuf);
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
	const char *tail = t == PT_COUNTER				     ? "total"
			   : (t == PT_GAUGE && unit.len == 1 && u[0] == '1') ? "ratio"
									     : NULL;
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
	const char *pre = out[0] >= '0' && out[0] <= '9'   ? "key_"
			  : out[0] == '_' && out[1] != '_' ? "key"
							   : "";
	size_t pl = strlen(pre);
	if (pl) {
		memmove(out + pl, out, k + 1);
		memcpy(out, pre, pl);
		k += pl;
	}
	for (size_t i = 0; i < k; i++)
		if (out[i] != '_')
			return k;
	return 0; /* all underscores: not a valid name */
}
