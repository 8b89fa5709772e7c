/* agg/prom_render.c: the exposition, text 0.0.4 or OpenMetrics 1.0, in
 * the shape Go's client library writes it (families sorted by name, series
 * by labels, le last, +Inf bucket = count). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/prom_int.h"

struct ow { /* output: copies what fits, counts all */
	char *buf;
	size_t cap, len;
};

static void put(struct ow *w, const char *s, size_t n)
{
	if (w->len < w->cap) {
		size_t k = w->cap - w->len < n ? w->cap - w->len : n;
		memcpy(w->buf + w->len, s, k);
	}
	w->len += n;
}

static void puts_(struct ow *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_help(struct ow *w, const char *h, int om)
{
	for (const char *p = h; *p; p++) {
		if (*p == '\\')
			puts_(w, "\\\\");
		else if (*p == '\n')
			puts_(w, "\\n");
		else if (*p == '"' && om)
			puts_(w, "\\\"");
		else
			put(w, p, 1);
	}
}

static void put_num(struct ow *w, double v, int om)
{
	char b[64];
	put(w, b, om ? prom_fmt_om(b, v) : prom_fmt_g(b, v));
}

static void put_uint(struct ow *w, uint64_t v, int om)
{
	char b[32];
	if (om) {
		put(w, b, (size_t)snprintf(b, sizeof b, "%llu", (unsigned long long)v));
		return;
	}
	put(w, b, prom_fmt_g(b, (double)v));
}

/* name{labels[,extra="v"]} */
static void put_series(struct ow *w, const char *name, const char *suffix, const char *labels, size_t ll,
		       const char *extra, const char *eval)
{
	puts_(w, name);
	puts_(w, suffix);
	if (!ll && !extra)
		return;
	put(w, "{", 1);
	put(w, labels, ll);
	if (extra) {
		if (ll)
			put(w, ",", 1);
		puts_(w, extra);
		puts_(w, "=\"");
		puts_(w, eval);
		put(w, "\"", 1);
	}
	put(w, "}", 1);
}

static void put_exemplar(struct ow *w, const struct prom_exemplar *e)
{
	int any = 0;
	puts_(w, " # {");
	if (e->trace[0]) {
		puts_(w, "trace_id=\"");
		puts_(w, e->trace);
		puts_(w, "\"");
		any = 1;
	}
	if (e->span[0]) {
		puts_(w, any ? ",span_id=\"" : "span_id=\"");
		puts_(w, e->span);
		puts_(w, "\"");
	}
	puts_(w, "} ");
	put_num(w, e->value, 1);
	if (e->time_ns) {
		put(w, " ", 1);
		put_num(w, (double)e->time_ns / 1e9, 1);
	}
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void put_histogram(struct ow *w, const char *name, const struct prom_series *x, int om)
{
	char le[64];
	/* the Collector's conversion: distinct bounds, sorted, cumulative */
	double sorted[PROM_BUCKETS_MAX];
	uint32_t nb = 0;
	for (uint32_t i = 0; i < x->n_bounds; i++) {
		int seen = 0;
		for (uint32_t j = 0; j < nb && !seen; j++)
			seen = sorted[j] == x->bounds[i];
		if (!seen && !isnan(x->bounds[i]))
			sorted[nb++] = x->bounds[i];
	}
	qsort(sorted, nb, sizeof sorted[0], cmp_dbl);
	const struct prom_exemplar *exb[PROM_BUCKETS_MAX + 1] = { 0 };
	for (uint32_t e = 0; om && e < x->n_ex; e++) {
		uint32_t k = 0;
		while (k < nb && sorted[k] < x->ex[e].value)
			k++;
		exb[k] = &x->ex[e];
	}
	uint64_t cum = 0;
	for (uint32_t k = 0; k < nb; k++) {
		for (uint32_t i = 0; i < x->n_bounds; i++)
			if (x->bounds[i] == sorted[k]) {
				cum += x->counts[i];
				break;
			}
		if (isinf(sorted[k]) && sorted[k] > 0)
			continue; /* +Inf is written from the count below */
		om ? prom_fmt_om(le, sorted[k]) : prom_fmt_g(le, sorted[k]);
		put_series(w, name, "_bucket", x->labels, x->labels_len, "le", le);
		put(w, " ", 1);
		put_uint(w, cum, om);
		if (exb[k])
			put_exemplar(w, exb[k]);
		put(w, "\n", 1);
	}
	put_series(w, name, "_bucket", x->labels, x->labels_len, "le", "+Inf");
	put(w, " ", 1);
	put_uint(w, x->count, om);
	if (exb[nb])
		put_exemplar(w, exb[nb]);
	put(w, "\n", 1);
	put_series(w, name, "_sum", x->labels, x->labels_len, NULL, NULL);
	put(w, " ", 1);
	put_num(w, x->value, om);
	put(w, "\n", 1);
	put_series(w, name, "_count", x->labels, x->labels_len, NULL, NULL);
	put(w, " ", 1);
	put_uint(w, x->count, om);
	put(w, "\n", 1);
}

static void put_summary(struct ow *w, const char *name, const struct prom_series *x, int om)
{
	char q[64];
	for (uint32_t i = 0; i < x->n_q; i++) {
		om ? prom_fmt_om(q, x->bounds[2 * i]) : prom_fmt_g(q, x->bounds[2 * i]);
		put_series(w, name, "", x->labels, x->labels_len, "quantile", q);
		put(w, " ", 1);
		put_num(w, x->bounds[2 * i + 1], om);
		put(w, "\n", 1);
	}
	put_series(w, name, "_sum", x->labels, x->labels_len, NULL, NULL);
	put(w, " ", 1);
	put_num(w, x->value, om);
	put(w, "\n", 1);
	put_series(w, name, "_count", x->labels, x->labels_len, NULL, NULL);
	put(w, " ", 1);
	put_uint(w, x->count, om);
	put(w, "\n", 1);
}

static const char *type_name(enum prom_type t)
{
	return t == PT_COUNTER	   ? "counter"
	       : t == PT_HISTOGRAM ? "histogram"
	       : t == PT_SUMMARY   ? "summary"
				   : "gauge";
}

struct item { /* one series (or target) to write */
	const char *fam;
	const char *labels;
	const struct prom_series *x; /* NULL: a target_info line */
	size_t ll;
};

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->fam, y->fam);
	return c ? c : strcmp(x->labels, y->labels);
}

static void put_family_head(struct ow *w, const char *name, const char *help, const char *unit,
			    enum prom_type t, int om)
{
	char fname[600];
	snprintf(fname, sizeof fname, "%s", name);
	size_t n = strlen(fname);
	if (om && t == PT_COUNTER && n > 6 && !strcmp(fname + n - 6, "_total"))
		fname[n - 6] = 0; /* OpenMetrics: the family has no _total */
	puts_(w, "# HELP ");
	puts_(w, fname);
	put(w, " ", 1);
	put_help(w, help, om);
	puts_(w, "\n# TYPE ");
	puts_(w, fname);
	put(w, " ", 1);
	puts_(w, type_name(t));
	put(w, "\n", 1);
	size_t fl = strlen(fname), ul = strlen(unit);
	if (om && ul && fl > ul + 1 && fname[fl - ul - 1] == '_' && !strcmp(fname + fl - ul, unit)) {
		puts_(w, "# UNIT ");
		puts_(w, fname);
		put(w, " ", 1);
		puts_(w, unit);
		put(w, "\n", 1);
	}
}

static void put_item(struct ow *w, const struct item *it, int om)
{
	const struct prom_series *x = it->x;
	if (!x) {
		put_series(w, it->fam, "", it->labels, it->ll, NULL, NULL);
		puts_(w, om ? " 1.0\n" : " 1\n");
		return;
	}
	switch (x->fam->type) {
	case PT_HISTOGRAM:
		put_histogram(w, it->fam, x, om);
		return;
	case PT_SUMMARY:
		put_summary(w, it->fam, x, om);
		return;
	case PT_COUNTER: {
		char fname[600];
		snprintf(fname, sizeof fname, "%s", it->fam);
		size_t n = strlen(fname);
		if (om && n > 6 && !strcmp(fname + n - 6, "_total"))
			fname[n - 6] = 0;
		put_series(w, fname, om ? "_total" : "", x->labels, x->labels_len, NULL, NULL);
		put(w, " ", 1);
		put_num(w, x->value, om);
		if (om && x->n_ex)
			put_exemplar(w, &x->ex[x->n_ex - 1]);
		put(w, "\n", 1);
		return;
	}
	default:
		put_series(w, it->fam, "", x->labels, x->labels_len, NULL, NULL);
		put(w, " ", 1);
		put_num(w, x->value, om);
		put(w, "\n", 1);
	}
}

size_t prom_render(struct prom_store *s, enum prom_format f, uint64_t now_ns, char *buf, size_t cap)
{
	struct ow w = { buf, cap, 0 };
	int om = f == PROM_OPENMETRICS;
	/* expire first, and count what is left */
	size_t n = 0;
	for (uint32_t i = 0; i <= s->tab_mask; i++) {
		struct prom_series **pp = &s->tab[i], *x;
		while ((x = *pp)) {
			if (now_ns > x->updated_ns && now_ns - x->updated_ns >= s->c.expiration_ns) {
				*pp = x->next;
				prom_series_free(s, x);
				s->st.series_expired++;
				continue;
			}
			n++;
			pp = &x->next;
		}
	}
	for (uint32_t i = 0; i <= s->ttab_mask; i++)
		for (struct prom_target *t = s->ttab[i]; t; t = t->next)
			n++;
	char tname[300];
	snprintf(tname, sizeof tname, "%s%starget_info", s->ns, s->ns[0] ? "_" : "");
	struct item *items = malloc((n + 1) * sizeof *items);
	if (!items)
		return 0;
	size_t k = 0;
	for (uint32_t i = 0; i <= s->tab_mask; i++)
		for (struct prom_series *x = s->tab[i]; x; x = x->next)
			items[k++] = (struct item){ x->fam->name, x->labels, x, x->labels_len };
	for (uint32_t i = 0; i <= s->ttab_mask; i++)
		for (struct prom_target *t = s->ttab[i]; t; t = t->next)
			items[k++] = (struct item){ tname, t->labels, NULL, t->len };
	qsort(items, k, sizeof *items, cmp_item);
	for (size_t i = 0; i < k; i++) {
		if (i == 0 || strcmp(items[i].fam, items[i - 1].fam)) {
			if (items[i].x)
				put_family_head(&w, items[i].fam, items[i].x->fam->help,
						items[i].x->fam->unit, items[i].x->fam->type, om);
			else
				put_family_head(&w, items[i].fam, "Target metadata", "", PT_GAUGE, om);
		}
		put_item(&w, &items[i], om);
	}
	if (om)
		puts_(&w, "# EOF\n");
	free(items);
	/* families no series uses any more */
	uint32_t keep = 0;
	for (uint32_t i = 0; i < s->n_fam; i++) {
		struct prom_family *fa = s->fam[i];
		if (fa->n_series) {
			s->fam[keep++] = fa;
			continue;
		}
		free(fa->name);
		free(fa->help);
		free(fa->unit);
		free(fa);
	}
	s->n_fam = keep;
	s->st.families = keep;
	return w.len;
}

enum prom_format prom_format_for(const char *accept)
{
	/* Prometheus asks "application/openmetrics-text;version=1.0.0,...;q=0.75,
	 * text/plain;version=0.0.4;q=0.5,*\/\*;q=0.1": take OpenMetrics when it
	 * is listed without q=0 */
	const char *p = accept ? strstr(accept, "application/openmetrics-text") : NULL;
	if (!p)
		return PROM_TEXT;
	const char *end = strchr(p, ',');
	const char *q = strstr(p, "q=");
	if (q && (!end || q < end) && strtod(q + 2, NULL) <= 0)
		return PROM_TEXT;
	return PROM_OPENMETRICS;
}

const char *prom_content_type(enum prom_format f)
{
	return f == PROM_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
				     : "text/plain; version=0.0.4; charset=utf-8";
}
