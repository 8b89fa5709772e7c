/* spanproc.c: renaming spans from attributes and extracting attributes from
 * names. New names are built in the spanctx scratch. */
#include "stages/spanproc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm/copy.h"

static int spanproc_too_many(char *err, size_t errlen)
{
	snprintf(err, errlen, "the processors name more than %d attribute keys", SPANKEYS_CONFIG_MAX);
	return -ENOSPC;
}

int spanproc_init(struct spanproc *s, const struct sluice_span_proc *cfg, struct spanctx *c, char *err,
		  size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->sep_len = cfg->separator ? strlen(cfg->separator) : 0;
	s->from = calloc(cfg->n_from_attributes + 1, sizeof *s->from);
	s->rules = calloc(cfg->n_rules + 1, sizeof *s->rules);
	if (!s->from || !s->rules) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_from_attributes; i++)
		if (spanctx_key_add(c, &s->from[i], false, cfg->from_attributes[i],
				    strlen(cfg->from_attributes[i])) < 0)
			return spanproc_too_many(err, errlen);
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct sluice_regex *r = &cfg->to_attributes[i];
		struct spanproc_rule *rule = &s->rules[i];
		int rc = match_re_compile_posix(&rule->re, r->posix, r->group_names, r->n_groups, err,
						errlen);
		if (rc < 0)
			return rc;
		for (unsigned g = 1; g <= rule->re.ngroups; g++)
			if (rule->re.names[g][0] &&
			    spanctx_key_add(c, &rule->group[g], false, rule->re.names[g],
					    strlen(rule->re.names[g])) < 0)
				return spanproc_too_many(err, errlen);
	}
	int rc = matchprops_compile(&s->include, &cfg->include, c, err, errlen);
	if (!rc)
		rc = matchprops_compile(&s->exclude, &cfg->exclude, c, err, errlen);
	return rc;
}

static int spanproc_from_attrs(struct spanproc *s, struct spanctx *c)
{
	const struct sluice_span_proc *cfg = s->cfg;
	struct otlp_bytes parts[CONFIG_MAX_PROCESSORS * 4];
	size_t n = cfg->n_from_attributes, total = 0;
	if (n > sizeof parts / sizeof parts[0])
		n = sizeof parts / sizeof parts[0];
	for (size_t i = 0; i < n; i++) {
		int rc = spanctx_get_text(c, &s->from[i], &parts[i]);
		if (rc == -ENOSPC) { /* no scratch left for a number's text */
			c->overflows++;
			return 0;
		}
		if (rc == 0 || (rc < 0 && rc != -ENOTSUP))
			return rc; /* one missing: no rename */
		if (rc == -ENOTSUP) {
			static const char unk[] = "<unknown-attribute-type>";
			parts[i].p = (const uint8_t *)unk;
			parts[i].len = sizeof unk - 1;
		}
		total += parts[i].len + (i ? s->sep_len : 0);
	}
	uint8_t *name = spanctx_alloc(c, total ? total : 1);
	if (!name) {
		c->overflows++;
		return 0;
	}
	uint8_t *o = name; /* short pieces: copies without a call */
	for (size_t i = 0; i < n; i++) {
		if (i)
			o = copy_short(o, (const uint8_t *)cfg->separator, s->sep_len);
		o = copy_short(o, parts[i].p, parts[i].len);
	}
	return spanctx_rename(c, name, (size_t)(o - name));
}

/* One rule on the current name; 1 if it matched. */
static int spanproc_rule(const struct spanproc_rule *rule, struct spanctx *c)
{
	const struct match_re *re = &rule->re;
	struct otlp_bytes name = spanctx_name(c);
	regmatch_t g[MATCH_MAX_GROUPS + 1];
	if (!match_re_exec(re, name.p, name.len, g))
		return 0;
	/* new name <= old name + every group name with braces */
	size_t cap = name.len;
	for (unsigned i = 1; i <= re->ngroups; i++)
		cap += strlen(re->names[i]) + 2;
	uint8_t *out = spanctx_alloc(c, cap ? cap : 1);
	if (!out) {
		c->overflows++;
		return 1;
	}
	size_t o = 0, prev = 0;
	for (unsigned i = 1; i <= re->ngroups; i++) {
		const char *gname = re->names[i];
		if (!gname[0] || g[i].rm_so < 0 || (size_t)g[i].rm_so < prev)
			continue; /* unnamed, unused, or nested in a replaced group */
		struct otlp_value v = { .type = OTLP_VALUE_STRING };
		v.u.b.p = name.p + g[i].rm_so;
		v.u.b.len = (size_t)(g[i].rm_eo - g[i].rm_so);
		spanctx_put(c, false, &rule->group[i], &v);
		memcpy(out + o, name.p + prev, (size_t)g[i].rm_so - prev);
		o += (size_t)g[i].rm_so - prev;
		out[o++] = '{';
		memcpy(out + o, gname, strlen(gname));
		o += strlen(gname);
		out[o++] = '}';
		prev = (size_t)g[i].rm_eo;
	}
	memcpy(out + o, name.p + prev, name.len - prev);
	o += name.len - prev;
	spanctx_rename(c, out, o);
	return 1;
}

int spanproc_apply(struct spanproc *s, struct spanctx *c)
{
	int rc;
	if (s->include.cfg && s->include.cfg->present && (rc = matchprops_match(&s->include, c)) <= 0)
		return rc;
	if (s->exclude.cfg && s->exclude.cfg->present && (rc = matchprops_match(&s->exclude, c)) != 0)
		return rc < 0 ? rc : 0;
	if (s->cfg->n_from_attributes && (rc = spanproc_from_attrs(s, c)) < 0)
		return rc;
	for (size_t i = 0; i < s->cfg->n_rules; i++)
		if (spanproc_rule(&s->rules[i], c) && s->cfg->break_after_match)
			break;
	return 0;
}

void spanproc_free(struct spanproc *s)
{
	for (size_t i = 0; s->rules && s->cfg && i < s->cfg->n_rules; i++)
		match_re_free(&s->rules[i].re);
	free(s->rules);
	free(s->from);
	matchprops_free(&s->include);
	matchprops_free(&s->exclude);
	memset(s, 0, sizeof *s);
}
