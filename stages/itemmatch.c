/* itemmatch.c: legacy match properties of log records and metrics. The
 * resource half is the same for every item of a record: computed once. */
#include "stages/itemmatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int regex_list(struct match_re **out, const char **s, const struct sluice_regex *re,
		      size_t n, char *err, size_t errlen)
{
	if (!n)
		return 0;
	struct match_re *a = calloc(n, sizeof *a);
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*out = a;
	for (size_t i = 0; i < n; i++) {
		int rc = kvmatch_re(&a[i], re ? &re[i] : NULL, s[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void regex_list_free(struct match_re *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++)
		match_re_free(&a[i]);
	free(a);
}

/* Does t satisfy ANY of the strings (strict) or regexes? */
static bool any_text(enum sluice_match_type type, const char **s, const struct match_re *re,
		     size_t n, struct otlp_bytes t)
{
	for (size_t i = 0; i < n; i++)
		if (kvmatch_text(type, s[i], re ? &re[i] : NULL, t))
			return true;
	return false;
}

int itemmatch_log_compile(struct itemmatch_log *m, const struct sluice_log_match *cfg,
			  struct spanctx *c, char *err, size_t errlen)
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
	if (!rc && cfg->match_type == SLUICE_MATCH_REGEXP)
		rc = regex_list(&m->texts_re, cfg->severity_texts, cfg->severity_texts_re,
				cfg->n_severity_texts, err, errlen);
	if (!rc && cfg->match_type == SLUICE_MATCH_REGEXP)
		rc = regex_list(&m->bodies_re, cfg->bodies, cfg->bodies_re, cfg->n_bodies, err, errlen);
	return rc;
}

void itemmatch_log_free(struct itemmatch_log *m)
{
	if (!m->cfg)
		return;
	kvmatch_free(&m->record);
	kvmatch_free(&m->res);
	regex_list_free(m->texts_re, m->cfg->n_severity_texts);
	regex_list_free(m->bodies_re, m->cfg->n_bodies);
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
		if (!any_text(cfg->match_type, cfg->bodies, m->bodies_re, cfg->n_bodies, t))
			return 0;
	}
	if (cfg->n_severity_texts &&
	    !any_text(cfg->match_type, cfg->severity_texts, m->texts_re, cfg->n_severity_texts,
		      lr->severity_text.p ? lr->severity_text : (struct otlp_bytes){ (const uint8_t *)"", 0 }))
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
	if (!rc && cfg->match_type == SLUICE_MATCH_REGEXP)
		rc = regex_list(&m->names_re, cfg->metric_names, cfg->metric_names_re,
				cfg->n_metric_names, err, errlen);
	return rc;
}

void itemmatch_metric_free(struct itemmatch_metric *m)
{
	if (!m->cfg)
		return;
	kvmatch_free(&m->res);
	regex_list_free(m->names_re, m->cfg->n_metric_names);
	memset(m, 0, sizeof *m);
}

bool itemmatch_metric_name(const struct itemmatch_metric *m, struct otlp_bytes name)
{
	if (!name.p)
		name.p = (const uint8_t *)"";
	return any_text(m->cfg->match_type, m->cfg->metric_names, m->names_re,
			m->cfg->n_metric_names, name);
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
