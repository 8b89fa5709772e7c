/* matchprops.c: evaluating include/exclude against the span overlay. The
 * resource half (services, resources) is the same for every span of a
 * record, so it is computed once a record. */
#include "stages/matchprops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int matchprops_list(struct match_re **out, const char **s, const struct sluice_regex *re, size_t n,
			   char *err, size_t errlen)
{
	if (!n)
		return 0;
	struct match_re *a = calloc(n, sizeof *a);
	if (!a)
		return -ENOMEM;
	*out = a;
	for (size_t i = 0; i < n; i++) {
		int rc = kvmatch_re(&a[i], re ? &re[i] : NULL, s[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int matchprops_compile(struct matchprops *m, const struct sluice_match *cfg, struct spanctx *c, char *err,
		       size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->cfg = cfg;
	m->res_cache = -1;
	if (!cfg->present)
		return 0;
	bool re = cfg->match_type == SLUICE_MATCH_REGEXP;
	int rc = 0;
	if (re) {
		rc = matchprops_list(&m->services_re, cfg->services, cfg->services_re, cfg->n_services, err,
				     errlen);
		if (!rc)
			rc = matchprops_list(&m->names_re, cfg->span_names, cfg->span_names_re,
					     cfg->n_span_names, err, errlen);
	}
	if (!rc && cfg->n_span_names) {
		m->names_len = calloc(cfg->n_span_names, sizeof *m->names_len);
		if (!m->names_len)
			rc = -ENOMEM;
		for (size_t i = 0; !rc && i < cfg->n_span_names; i++)
			m->names_len[i] = strlen(cfg->span_names[i]);
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (!rc)
		rc = kvmatch_compile(&m->attrs, cfg->attributes, cfg->n_attributes, cfg->match_type, false, c,
				     err, errlen);
	if (!rc)
		rc = kvmatch_compile(&m->res, cfg->resources, cfg->n_resources, cfg->match_type, true, c, err,
				     errlen);
	m->names_only = cfg->present && cfg->n_span_names && cfg->match_type != SLUICE_MATCH_REGEXP &&
			!cfg->n_services && !cfg->n_resources && !cfg->span_kinds && !cfg->status_codes &&
			!cfg->n_attributes && !cfg->min_duration_ns && !cfg->max_duration_ns && m->names_len;
	m->span_level = cfg->n_span_names || cfg->span_kinds || cfg->status_codes || cfg->n_attributes ||
			cfg->min_duration_ns || cfg->max_duration_ns;
	return rc;
}

static int matchprops_resource(struct matchprops *m, struct spanctx *c)
{
	const struct sluice_match *cfg = m->cfg;
	if (cfg->n_services) {
		static const struct spanctx_key service_name = { "service.name", 12, SPANKEYS_NONE };
		struct otlp_value v;
		int rc = spanctx_get(c, true, &service_name, &v);
		if (rc < 0)
			return rc;
		if (rc == 0 || v.type != OTLP_VALUE_STRING)
			return 0;
		bool any = false;
		for (size_t i = 0; i < cfg->n_services && !any; i++)
			any = matchprops_text(cfg->match_type, cfg->services[i],
					      m->services_re ? &m->services_re[i] : NULL, v.u.b);
		if (!any)
			return 0;
	}
	return kvmatch_match(&m->res, true, c);
}

int matchprops_match_any(struct matchprops *m, struct spanctx *c)
{
	const struct sluice_match *cfg = m->cfg;
	if (!cfg->present)
		return 0;
	if (m->res_cache < 0) {
		int rc = matchprops_resource(m, c);
		if (rc < 0)
			return rc;
		m->res_cache = rc;
	}
	if (!m->res_cache)
		return 0;
	if (!m->span_level)
		return 1;
	const struct otlp_span *sp = c->span;
	if (cfg->span_kinds && (sp->kind < 0 || sp->kind > 31 || !(cfg->span_kinds & (1u << sp->kind))))
		return 0;
	if (cfg->status_codes) {
		struct otlp_status st = { .code = 0 };
		if (sp->has_status && otlp_wire_status(sp->status, &st) < 0)
			return -EBADMSG;
		if (st.code < 0 || st.code > 31 || !(cfg->status_codes & (1u << st.code)))
			return 0;
	}
	if (cfg->min_duration_ns || cfg->max_duration_ns) {
		uint64_t d = sp->end_time_unix_nano >= sp->start_time_unix_nano
				     ? sp->end_time_unix_nano - sp->start_time_unix_nano
				     : 0;
		if (cfg->min_duration_ns && d < cfg->min_duration_ns)
			return 0;
		if (cfg->max_duration_ns && d > cfg->max_duration_ns)
			return 0;
	}
	if (cfg->n_span_names) {
		struct otlp_bytes name = spanctx_name(c);
		bool any = false;
		for (size_t i = 0; i < cfg->n_span_names && !any; i++) {
			size_t n = m->names_len[i];
			switch (cfg->match_type) {
			case SLUICE_MATCH_REGEXP:
				any = match_re_test(&m->names_re[i], name.p, name.len);
				break;
			case SLUICE_MATCH_PREFIX: /* first bytes inline, as for keys */
				any = name.len >= n && otlp_key_bytes_eq(name.p, cfg->span_names[i], n);
				break;
			default:
				any = name.len == n && otlp_key_bytes_eq(name.p, cfg->span_names[i], n);
				break;
			}
		}
		if (!any)
			return 0;
	}
	if (!cfg->n_attributes)
		return 1;
	return kvmatch_match(&m->attrs, false, c);
}

void matchprops_free(struct matchprops *m)
{
	const struct sluice_match *cfg = m->cfg;
	if (!cfg)
		return;
	for (size_t i = 0; m->services_re && i < cfg->n_services; i++)
		match_re_free(&m->services_re[i]);
	for (size_t i = 0; m->names_re && i < cfg->n_span_names; i++)
		match_re_free(&m->names_re[i]);
	free(m->services_re);
	free(m->names_re);
	free(m->names_len);
	kvmatch_free(&m->attrs);
	kvmatch_free(&m->res);
	memset(m, 0, sizeof *m);
}
