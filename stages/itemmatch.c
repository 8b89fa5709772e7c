/* itemmatch.c: legacy match properties of log records and metrics. The
 * resource half is the same for every item of a record: computed once. */
#include "stages/itemmatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int list_compile(struct itemmatch_list *l, const char **s, const struct sluice_regex *re, size_t n,
			enum sluice_match_type type, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	l->s = s;
	l->n = n;
	l->type = type;
	if (!n)
		return 0;
	l->len = calloc(n, sizeof *l->len);
	l->re = type == SLUICE_MATCH_REGEXP ? calloc(n, sizeof *l->re) : NULL;
	if (!l->len || (type == SLUICE_MATCH_REGEXP && !l->re)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		l->len[i] = strlen(s[i]);
		int rc = l->re ? kvmatch_re(&l->re[i], re ? &re[i] : NULL, s[i], err, errlen) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void list_free(struct itemmatch_list *l)
{
	for (size_t i = 0; l->re && i < l->n; i++)
		match_re_free(&l->re[i]);
	free(l->re);
	free(l->len);
	memset(l, 0, sizeof *l);
}

/* Does t satisfy ANY entry? */
static bool list_any(const struct itemmatch_list *l, struct otlp_bytes t)
{
	if (!t.p)
		t.p = (const uint8_t *)"";
	for (size_t i = 0; i < l->n; i++) {
		if (l->re ? match_re_test(&l->re[i], t.p, t.len)
			  : t.len == l->len[i] && (t.len == 0 || !memcmp(t.p, l->s[i], t.len)))
			return true;
	}
	return false;
}

int itemmatch_log_compile(struct itemmatch_log *m, const struct sluice_log_match *cfg, struct spanctx *c,
			  char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->cfg = cfg;
	m->res_cache = -1;
	if (!cfg->present)
		return 0;
	int rc = kvmatch_compile(&m->record, cfg->record_attributes, cfg->n_record_attributes,
				 cfg->match_type, false, c, err, errlen);
	if (!rc)
		rc = kvmatch_compile(&m->res, cfg->resource_attributes, cfg->n_resource_attributes,
				     cfg->match_type, true, c, err, errlen);
	if (!rc)
		rc = list_compile(&m->texts, cfg->severity_texts, cfg->severity_texts_re,
				  cfg->n_severity_texts, cfg->match_type, err, errlen);
	if (!rc)
		rc = list_compile(&m->bodies, cfg->bodies, cfg->bodies_re, cfg->n_bodies, cfg->match_type,
				  err, errlen);
	return rc;
}

void itemmatch_log_free(struct itemmatch_log *m)
{
	if (!m->cfg)
		return;
	kvmatch_free(&m->record);
	kvmatch_free(&m->res);
	list_free(&m->texts);
	list_free(&m->bodies);
	memset(m, 0, sizeof *m);
}

/* The body as text: 1 with *t, 0 when it has none (bytes, array, kvlist). */
static int body_text(struct spanctx *c, const struct otlp_log_record *lr, struct otlp_bytes *t)
{
	static const uint8_t none[1];
	struct otlp_value v = { .type = OTLP_VALUE_EMPTY };
	*t = (struct otlp_bytes){ none, 0 };
	if (lr->has_body) {
		int rc = otlp_wire_anyvalue(lr->body, &v);
		if (rc < 0)
			return rc;
	}
	if (v.type == OTLP_VALUE_EMPTY)
		return 1;
	int rc = spanctx_value_str(c, &v, t);
	if (rc == -ENOTSUP)
		return 0;
	return rc < 0 ? rc : 1;
}

int itemmatch_log_match(struct itemmatch_log *m, struct spanctx *c, const struct otlp_log_record *lr)
{
	const struct sluice_log_match *cfg = m->cfg;
	int rc;
	if (!cfg->present)
		return 0;
	if (cfg->n_bodies) {
		struct otlp_bytes t;
		if ((rc = body_text(c, lr, &t)) <= 0)
			return rc;
		if (!list_any(&m->bodies, t))
			return 0;
	}
	if (cfg->n_severity_texts && !list_any(&m->texts, lr->severity_text))
		return 0;
	if (cfg->has_severity_number) {
		bool ok = lr->severity_number == 0 ? cfg->severity_match_undefined
						   : lr->severity_number >= (int32_t)cfg->severity_number_min;
		if (!ok)
			return 0;
	}
	if (cfg->n_resource_attributes) {
		if (m->res_cache < 0) {
			if ((rc = kvmatch_match(&m->res, true, c)) < 0)
				return rc;
			m->res_cache = rc;
		}
		if (!m->res_cache)
			return 0;
	}
	return kvmatch_match(&m->record, false, c);
}

int itemmatch_metric_compile(struct itemmatch_metric *m, const struct sluice_metric_match *cfg,
			     struct spanctx *c, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->cfg = cfg;
	m->res_cache = -1;
	if (!cfg->present)
		return 0;
	int rc = kvmatch_compile(&m->res, cfg->resource_attributes, cfg->n_resource_attributes,
				 cfg->match_type, true, c, err, errlen);
	if (!rc)
		rc = list_compile(&m->names, cfg->metric_names, cfg->metric_names_re, cfg->n_metric_names,
				  cfg->match_type, err, errlen);
	return rc;
}

void itemmatch_metric_free(struct itemmatch_metric *m)
{
	if (!m->cfg)
		return;
	kvmatch_free(&m->res);
	list_free(&m->names);
	memset(m, 0, sizeof *m);
}

bool itemmatch_metric_name(const struct itemmatch_metric *m, struct otlp_bytes name)
{
	return list_any(&m->names, name);
}

int itemmatch_metric_resource(struct itemmatch_metric *m, struct spanctx *c)
{
	if (m->res_cache < 0) {
		int rc = kvmatch_match(&m->res, true, c);
		if (rc < 0)
			return rc;
		m->res_cache = rc;
	}
	return m->res_cache;
}
