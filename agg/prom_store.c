/* agg/prom_store.c: OTLP metrics into the store: the message walk
 * (otlp/wire.h views, no copies), families, targets, series identity. The
 * data points themselves: prom_point.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agg/hash.h"
#include "agg/prom_int.h"

enum { /* metrics.proto field numbers */
	F_RM_RESOURCE = 1,
	F_RM_SCOPE_METRICS = 2,
	F_SM_SCOPE = 1,
	F_SM_METRICS = 2,
	F_SM_SCHEMA = 3,
	F_M_NAME = 1,
	F_M_DESC = 2,
	F_M_UNIT = 3,
	F_M_GAUGE = 5,
	F_M_SUM = 7,
	F_M_HIST = 9,
	F_M_EXPO = 10,
	F_M_SUMMARY = 11,
	F_DATA_POINTS = 1,
	F_TEMPORALITY = 2,
	F_MONOTONIC = 3,
	TEMP_DELTA = 1,
	TEMP_CUMULATIVE = 2,
};

static uint32_t pow2(uint64_t n)
{
	uint32_t c = 64;
	while (c < n && c < (1u << 30))
		c <<= 1;
	return c;
}

int prom_store_new(struct prom_store **out, const struct prom_config *c)
{
	struct prom_store *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->c = *c;
	if (!s->c.expiration_ns)
		s->c.expiration_ns = 300ull * 1000000000ull;
	if (!s->c.max_series)
		s->c.max_series = 100000;
	const char *ns = c->namespace_ ? c->namespace_ : "";
	s->ns = strdup(ns);
	for (char *p = s->ns; p && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == ':' || *p == '_'))
			*p = '_';
	s->cl = calloc(c->n_const_labels + 1, sizeof *s->cl);
	s->tab_mask = pow2(s->c.max_series) - 1;
	s->tab = calloc((size_t)s->tab_mask + 1, sizeof *s->tab);
	s->ttab_mask = 1023;
	s->ttab = calloc(1024, sizeof *s->ttab);
	if (!s->ns || !s->cl || !s->tab || !s->ttab) {
		prom_store_free(s);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < c->n_const_labels; i++) {
		char name[256];
		const char *n = c->const_labels[i].name ? c->const_labels[i].name : "";
		size_t l = prom_label_name((struct otlp_bytes){ (const uint8_t *)n, strlen(n) }, name,
					   sizeof name);
		s->cl[i].name = strndup(name, l);
		s->cl[i].value = strdup(c->const_labels[i].value ? c->const_labels[i].value : "");
	}
	*out = s;
	return 0;
}

static void target_free(struct prom_store *s, struct prom_target *t)
{
	struct prom_target **pp = &s->ttab[t->hash & s->ttab_mask];
	while (*pp != t)
		pp = &(*pp)->next;
	*pp = t->next;
	free(t->labels);
	free(t);
}

void prom_series_free(struct prom_store *s, struct prom_series *x)
{
	if (x->target && --x->target->refs == 0)
		target_free(s, x->target);
	x->fam->n_series--;
	s->st.series--;
	free(x->bounds);
	free(x->counts);
	free(x);
}

void prom_store_free(struct prom_store *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; s->tab && i <= s->tab_mask; i++)
		while (s->tab[i]) {
			struct prom_series *x = s->tab[i];
			s->tab[i] = x->next;
			prom_series_free(s, x);
		}
	for (uint32_t i = 0; i < s->n_fam; i++) {
		free(s->fam[i]->name);
		free(s->fam[i]->help);
		free(s->fam[i]->unit);
		free(s->fam[i]);
	}
	for (uint32_t i = 0; s->cl && i < s->c.n_const_labels; i++) {
		free((char *)s->cl[i].name);
		free((char *)s->cl[i].value);
	}
	free(s->fam);
	free(s->cl);
	free(s->ns);
	free(s->tab);
	free(s->ttab);
	free(s);
}

static struct prom_family *family(struct prom_store *s, const char *name, size_t len, enum prom_type t,
				  struct otlp_bytes help, const char *unit)
{
	for (uint32_t i = 0; i < s->n_fam; i++)
		if (!strncmp(s->fam[i]->name, name, len) && !s->fam[i]->name[len])
			return s->fam[i]->type == t ? s->fam[i] : NULL;
	if (s->n_fam == s->cap_fam) {
		uint32_t cap = s->cap_fam ? 2 * s->cap_fam : 64;
		struct prom_family **f = realloc(s->fam, cap * sizeof *f);
		if (!f)
			return NULL;
		s->fam = f;
		s->cap_fam = cap;
	}
	struct prom_family *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->name = strndup(name, len);
	f->help = prom_utf8_dup(help.p, help.len);
	f->unit = strdup(unit);
	f->type = t;
	if (!f->name || !f->help || !f->unit) {
		free(f->name), free(f->help), free(f->unit), free(f);
		return NULL;
	}
	s->fam[s->n_fam++] = f;
	s->st.families = s->n_fam;
	return f;
}

static struct prom_target *target(struct prom_store *s, struct otlp_bytes res)
{
	long n = prom_target_labels(s, res);
	if (n <= 0)
		return NULL;
	uint64_t h = agg_hash(s->tbuf, (size_t)n, 7);
	struct prom_target *t;
	for (t = s->ttab[h & s->ttab_mask]; t; t = t->next)
		if (t->hash == h && t->len == (size_t)n && !memcmp(t->labels, s->tbuf, (size_t)n))
			return t;
	t = calloc(1, sizeof *t);
	if (!t || !(t->labels = malloc((size_t)n + 1))) {
		free(t);
		return NULL;
	}
	memcpy(t->labels, s->tbuf, (size_t)n + 1);
	t->hash = h;
	t->len = (size_t)n;
	t->next = s->ttab[h & s->ttab_mask];
	s->ttab[h & s->ttab_mask] = t;
	return t;
}

struct mctx { /* one Metric */
	struct prom_attrs at;
	struct prom_family *fam;
	struct prom_target *tgt;
	int kind, delta;
	uint64_t now;
};

static void add_point(struct prom_store *s, struct mctx *m, struct otlp_bytes b, struct prom_point *pt,
		      int *stored)
{
	if (prom_point_decode(m->kind, b, pt) < 0 ||
	    (m->kind == K_HIST && pt->n_counts != pt->n_bounds + 1 && pt->n_counts) ||
	    (m->kind == K_EXPO && pt->scale < -4)) {
		s->st.points_dropped++;
		return;
	}
	if (m->kind == K_HIST && !pt->n_counts) { /* count and sum only */
		pt->n_bounds = 0;
		pt->counts[0] = pt->count;
	}
	m->at.dp = b;
	m->at.dp_field = prom_point_attrs_field(m->kind);
	long n = prom_point_labels(s, &m->at);
	if (n < 0) {
		s->st.points_dropped++;
		return;
	}
	uint64_t h = agg_hash(s->lbuf, (size_t)n, (uint64_t)(uintptr_t)m->fam);
	struct prom_series **pp = &s->tab[h & s->tab_mask], *x;
	for (; (x = *pp); pp = &x->next)
		if (x->hash == h && x->fam == m->fam && x->labels_len == (size_t)n &&
		    !memcmp(x->labels, s->lbuf, (size_t)n))
			break;
	if (pt->flags & 1) { /* no recorded value: the series is gone */
		if (x) {
			*pp = x->next;
			prom_series_free(s, x);
		}
		return;
	}
	int fresh = !x;
	if (fresh) {
		if (s->st.series >= s->c.max_series) {
			s->st.series_refused++;
			return;
		}
		x = calloc(1, sizeof *x + (size_t)n + 1);
		if (!x) {
			s->st.points_dropped++;
			return;
		}
		memcpy(x->labels, s->lbuf, (size_t)n + 1);
		x->labels_len = (size_t)n;
		x->hash = h;
		x->fam = m->fam;
		if (!prom_point_store(x, pt, m->kind, m->delta, 1)) {
			free(x->bounds);
			free(x->counts);
			free(x);
			s->st.points_dropped++;
			return;
		}
		x->fam->n_series++;
		if ((x->target = m->tgt))
			m->tgt->refs++;
		x->next = s->tab[h & s->tab_mask];
		s->tab[h & s->tab_mask] = x;
		s->st.series++;
	} else if (!prom_point_store(x, pt, m->kind, m->delta, 0)) {
		s->st.points_dropped++;
		return;
	}
	x->updated_ns = m->now;
	s->st.points++;
	(*stored)++;
}

static int metric(struct prom_store *s, struct mctx *m, struct otlp_bytes b, struct prom_point *pt,
		  int *stored)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	struct otlp_bytes name = { 0 }, desc = { 0 }, unit = { 0 }, data = { 0 };
	int rc, kind = -1, temp = 0, mono = 0;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.wt != OTLP_WT_LEN)
			continue;
		if (f.num == F_M_NAME)
			name = f.b;
		else if (f.num == F_M_DESC)
			desc = f.b;
		else if (f.num == F_M_UNIT)
			unit = f.b;
		else if (f.num == F_M_GAUGE || f.num == F_M_SUM || f.num == F_M_HIST || f.num == F_M_EXPO ||
			 f.num == F_M_SUMMARY) {
			data = f.b;
			kind = f.num == F_M_GAUGE  ? K_GAUGE
			       : f.num == F_M_SUM  ? K_SUM
			       : f.num == F_M_HIST ? K_HIST
			       : f.num == F_M_EXPO ? K_EXPO
						   : K_SUMMARY;
		}
	}
	if (rc < 0)
		return rc;
	if (kind < 0 || !name.len)
		return 0;
	otlp_wire_reader_init(&r, data.p, data.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == F_TEMPORALITY && f.wt == OTLP_WT_VARINT && kind != K_GAUGE)
			temp = (int)f.u64;
		if (f.num == F_MONOTONIC && f.wt == OTLP_WT_VARINT && kind == K_SUM)
			mono = f.u64 != 0;
	}
	if (rc < 0)
		return rc;
	enum prom_type t = kind == K_GAUGE     ? PT_GAUGE
			   : kind == K_SUM     ? (mono ? PT_COUNTER : PT_GAUGE)
			   : kind == K_SUMMARY ? PT_SUMMARY
					       : PT_HISTOGRAM;
	if ((kind == K_SUM || kind == K_HIST || kind == K_EXPO) &&
	    (temp != TEMP_DELTA && temp != TEMP_CUMULATIVE))
		return 0; /* temporality unspecified: dropped */
	if (kind == K_SUM && !mono && temp == TEMP_DELTA)
		return 0; /* a delta up-down sum has no Prometheus form */
	char pname[512], punit[256];
	size_t pl = prom_metric_name(s, name, unit, t, pname, sizeof pname, punit, sizeof punit);
	if (!pl)
		return 0;
	/* no description: the OTel name, so the exposition has help text */
	m->fam = family(s, pname, pl, t, desc.len ? desc : name, punit);
	if (!m->fam) {
		s->st.points_dropped++;
		return 0;
	}
	m->kind = kind;
	m->delta = temp == TEMP_DELTA;
	otlp_wire_reader_init(&r, data.p, data.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (f.num == F_DATA_POINTS && f.wt == OTLP_WT_LEN)
			add_point(s, m, f.b, pt, stored);
	return rc;
}

static int scope_metrics(struct prom_store *s, struct mctx *m, struct otlp_bytes b, struct prom_point *pt,
			 int *stored)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	m->at.scope = (struct otlp_bytes){ 0 };
	m->at.scope_name = m->at.scope_version = m->at.scope_schema = (struct otlp_bytes){ 0 };
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == F_SM_SCOPE && f.wt == OTLP_WT_LEN) {
			struct otlp_scope sc;
			if (otlp_wire_scope(f.b, &sc) < 0)
				return -EBADMSG;
			m->at.scope = f.b;
			m->at.scope_name = sc.name;
			m->at.scope_version = sc.version;
		} else if (f.num == F_SM_SCHEMA && f.wt == OTLP_WT_LEN) {
			m->at.scope_schema = f.b;
		}
	}
	if (rc < 0)
		return rc;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (f.num == F_SM_METRICS && f.wt == OTLP_WT_LEN && (rc = metric(s, m, f.b, pt, stored)) < 0)
			return rc;
	return rc;
}

static int resource_metrics(struct prom_store *s, struct otlp_bytes b, uint64_t now, int *stored)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	struct mctx m;
	int rc;
	static const struct prom_point zero;
	struct prom_point *pt = malloc(sizeof *pt); /* ~13 KiB: once per ResourceMetrics */
	if (!pt)
		return -ENOMEM;
	*pt = zero;
	memset(&m, 0, sizeof m);
	m.now = now;
	otlp_wire_reader_init(&r, b.p, b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (f.num == F_RM_RESOURCE && f.wt == OTLP_WT_LEN)
			m.at.res = f.b;
	if (rc >= 0) {
		m.tgt = target(s, m.at.res);
		otlp_wire_reader_init(&r, b.p, b.len);
		while ((rc = otlp_wire_next(&r, &f)) > 0)
			if (f.num == F_RM_SCOPE_METRICS && f.wt == OTLP_WT_LEN &&
			    (rc = scope_metrics(s, &m, f.b, pt, stored)) < 0)
				break;
		if (m.tgt && !m.tgt->refs) /* no series took it */
			target_free(s, m.tgt);
	}
	free(pt);
	return rc < 0 ? -EBADMSG : 0;
}

int prom_store_add_resource_metrics(struct prom_store *s, const void *buf, size_t len, uint64_t now_ns)
{
	int stored = 0;
	int rc = resource_metrics(s, (struct otlp_bytes){ buf, len }, now_ns, &stored);
	return rc < 0 ? rc : stored;
}

int prom_store_add_request(struct prom_store *s, const void *buf, size_t len, uint64_t now_ns)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc, stored = 0;
	otlp_wire_reader_init(&r, buf, len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (f.num == 1 && f.wt == OTLP_WT_LEN && (rc = resource_metrics(s, f.b, now_ns, &stored)) < 0)
			break;
	return rc < 0 ? -EBADMSG : stored;
}

void prom_get_stats(const struct prom_store *s, struct prom_stats *st)
{
	*st = s->st;
}
