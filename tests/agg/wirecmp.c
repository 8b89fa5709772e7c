/* tests/agg/wirecmp.c: agg_add_wire against the reference path, and
 * agg_add_spans against agg_add_wire (wirecmp.h). */
#include "tests/agg/wirecmp.h"

#include "otlp/wire_field.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_CAP (1u << 20)
#define FACTS_MAX 4096

struct wirecmp {
	struct agg_params p;
	void *region[3];
	struct agg *a[3]; /* 0: agg_add_wire, 1: the reference, 2: agg_add_spans */
	size_t size;
	uint64_t seq, now;
	int diverged, facts_diverged;
	int64_t last;
	uint8_t *out[3];
	struct agg_span_fact *facts;
	char why[160];
};

static const double bounds_s[] = { 0.001, 0.0025, 0.005, 0.1 };

void wirecmp_params(unsigned sel, struct agg_params *p)
{
	memset(p, 0, sizeof *p);
	p->max_series = 64;
	p->max_resources = 8;
	p->commit_series = 16;
	p->exemplars = true;
	switch (sel % WIRECMP_NPARAMS) {
	case 0: /* tools/bench_pipeline.sh --spanmetrics */
		p->dims[0] = (struct agg_dim){ "http.method", NULL };
		p->dims[1] = (struct agg_dim){ "http.status_code", NULL };
		p->dims[2] = (struct agg_dim){ "gen.sampled", NULL };
		p->dims[3] = (struct agg_dim){ "deployment.environment", "bench" };
		p->n_dims = 4;
		break;
	case 1: /* short keys (overflow by length), partial commits */
		p->dims[0] = (struct agg_dim){ "a", NULL };
		p->dims[1] = (struct agg_dim){ "b", "dflt" };
		p->dims[2] = (struct agg_dim){ "http.method", NULL };
		p->dims[3] = (struct agg_dim){ "http.status_code", NULL };
		p->n_dims = 4;
		p->key_bytes = 64;
		p->commit_series = 2;
		break;
	case 2: /* exclusions, delta, cardinality limit */
		p->dims[0] = (struct agg_dim){ "deployment.environment", NULL };
		p->dims[1] = (struct agg_dim){ "http.method", "none" };
		p->n_dims = 2;
		p->exclude = AGG_EXCLUDE_SERVICE_NAME | AGG_EXCLUDE_SPAN_KIND;
		p->delta = true;
		p->cardinality_limit = 3;
		break;
	case 5: /* the Collector's defaults: no dimensions, nothing excluded */
		break;
	case 3: /* no dimensions, few series, resource key attributes */
		p->exclude = AGG_EXCLUDE_SPAN_NAME | AGG_EXCLUDE_STATUS_CODE;
		p->max_series = 4;
		p->resource_keys[0] = "service.name";
		p->n_resource_keys = 1;
		p->exemplars = false;
		break;
	default: /* exponential histogram in seconds; explicit bounds unused */
		p->dims[0] = (struct agg_dim){ "http.method", NULL };
		p->dims[1] = (struct agg_dim){ "b", NULL };
		p->n_dims = 2;
		p->hist = AGG_HIST_EXPONENTIAL;
		p->unit = AGG_UNIT_S;
		p->bounds = bounds_s;
		p->n_bounds = 4;
		p->expo_max_size = 8;
	}
}

int wirecmp_new(struct wirecmp **out, const struct agg_params *p)
{
	struct wirecmp *w = calloc(1, sizeof *w);
	int rc = -ENOMEM;

	*out = NULL;
	if (!w)
		return rc;
	w->p = *p;
	w->size = (agg_region_size(p) + 63) & ~(size_t)63;
	for (int i = 0; i < 3; i++)
		if (!(w->region[i] = aligned_alloc(64, w->size)) || !(w->out[i] = malloc(FLUSH_CAP)))
			goto fail;
	if (!(w->facts = malloc(FACTS_MAX * sizeof *w->facts)))
		goto fail;
	if ((rc = wirecmp_reset(w)) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	wirecmp_free(w);
	return rc;
}

int wirecmp_reset(struct wirecmp *w)
{
	int rc;

	for (int i = 0; i < 3; i++) {
		agg_detach(w->a[i]);
		w->a[i] = NULL;
		if ((rc = agg_format(w->region[i], w->size, &w->p, 1)) < 0 ||
		    (rc = agg_attach(&w->a[i], w->region[i], w->size, &w->p)) < 0)
			return rc;
	}
	w->seq = 0;
	w->now = 1700000000000000000ull;
	w->diverged = w->facts_diverged = 0;
	w->last = 0;
	w->why[0] = 0;
	return 0;
}

void wirecmp_free(struct wirecmp *w)
{
	if (!w)
		return;
	for (int i = 0; i < 3; i++) {
		agg_detach(w->a[i]);
		free(w->region[i]);
		free(w->out[i]);
	}
	free(w->facts);
	free(w);
}

/* The reference: what the process stage did before agg_add_wire, each span
 * added as soon as it is read. *refused: spans agg_span_from_wire refused. */
static int64_t reference(struct agg *a, struct otlp_bytes rs, int *refused)
{
	struct otlp_resource_spans r;
	struct otlp_wire_iter is, it;
	struct otlp_bytes scope, span;
	int64_t n = 0;
	int rc;

	if ((rc = otlp_wire_resource_spans(rs, &r)) < 0)
		return rc;
	if ((rc = agg_resource(a, r.resource)) != 0)
		return rc < 0 ? rc : 0;
	otlp_wire_iter_init(&is, rs, OTLP_F_RS_SCOPE_SPANS);
	while ((rc = otlp_wire_iter_next(&is, &scope)) > 0) {
		otlp_wire_iter_init(&it, scope, OTLP_F_SS_SPANS);
		while ((rc = otlp_wire_iter_next(&it, &span)) > 0) {
			struct agg_span s;
			if (agg_span_from_wire(a, span, &s) < 0) {
				++*refused;
				continue;
			}
			n++;
			if ((rc = agg_add(a, &s)) < 0)
				return rc;
		}
		if (rc < 0)
			return rc;
	}
	return rc < 0 ? rc : n;
}

/* Where span's attribute fields are when they are all in one run: [*lo,
 * *hi) (NULL when there are none or other fields lie between them). */
static void attr_run(struct otlp_bytes span, const uint8_t **lo, const uint8_t **hi)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	const uint8_t *at;
	int gap = 0;

	otlp_wire_reader_init(&r, span.p, span.len);
	for (at = r.p; otlp_wire_field_next(&r, &f) > 0; at = r.p) {
		if (f.num != OTLP_F_SPAN_ATTRIBUTES) {
			gap = *lo != NULL;
			continue;
		}
		if (gap) {
			*lo = *hi = NULL;
			return;
		}
		if (!*lo)
			*lo = at;
		*hi = r.p;
	}
}

int64_t wirecmp_facts(struct otlp_bytes rs, struct agg_span_fact *f, size_t max, bool runs)
{
	struct otlp_wire_iter is, it;
	struct otlp_bytes scope, span;
	int64_t n = 0;
	int rc;

	otlp_wire_iter_init(&is, rs, OTLP_F_RS_SCOPE_SPANS);
	while ((rc = otlp_wire_iter_next(&is, &scope)) > 0) {
		otlp_wire_iter_init(&it, scope, OTLP_F_SS_SPANS);
		while ((rc = otlp_wire_iter_next(&it, &span)) > 0) {
			struct otlp_span sp;
			const uint8_t *lo = NULL, *hi = NULL;
			if ((size_t)n == max || otlp_wire_span(span, &sp) < 0)
				return -1;
			if (runs)
				attr_run(span, &lo, &hi);
			f[n++] = agg_span_fact_of(&sp, lo, hi);
		}
		if (rc < 0)
			return -1;
	}
	return rc < 0 ? -1 : n;
}

/* agg_add_spans (region 2) against agg_add_wire's n0 and commit rc0. */
static int facts_record(struct wirecmp *w, struct otlp_bytes rs, int64_t n0, int rc0)
{
	/* odd records: the attribute run, as the chain finds it; even ones:
	 * none, so the whole span is read */
	int64_t nf = w->facts_diverged ? -1 : wirecmp_facts(rs, w->facts, FACTS_MAX, w->seq & 1);
	if (nf < 0) {
		w->facts_diverged = 1;
		agg_commit(w->a[2]); /* begun with the others: closed, counting nothing */
		return 0;
	}
	int64_t n2 = agg_add_spans(w->a[2], rs, w->facts, (uint32_t)nf);
	int rc2 = agg_commit(w->a[2]);
	if (n2 != n0 || rc2 != rc0) {
		snprintf(w->why, sizeof w->why, "record %llu: wire %lld (commit %d), spans %lld (commit %d)",
			 (unsigned long long)w->seq, (long long)n0, rc0, (long long)n2, rc2);
		return -1;
	}
	return 0;
}

int wirecmp_record(struct wirecmp *w, const uint8_t *rs, size_t len)
{
	struct otlp_bytes b = { rs, len };
	int64_t n[2];
	int refused = 0, rc[2];

	w->seq++;
	w->now += 1000000;
	for (int i = 0; i < 3; i++)
		if (agg_begin(w->a[i], 0, w->seq, w->now) < 0) {
			snprintf(w->why, sizeof w->why, "agg_begin failed");
			return -1;
		}
	n[0] = w->last = agg_add_wire(w->a[0], b);
	n[1] = reference(w->a[1], b, &refused);
	rc[0] = agg_commit(w->a[0]);
	rc[1] = agg_commit(w->a[1]);
	if (facts_record(w, b, n[0], rc[0]) < 0)
		return -1;
	if (w->diverged || refused) {
		w->diverged = 1;
		return 1;
	}
	if (n[0] != n[1] || rc[0] != rc[1]) {
		snprintf(w->why, sizeof w->why,
			 "record %llu: wire %lld (commit %d), reference %lld (commit %d)",
			 (unsigned long long)w->seq, (long long)n[0], rc[0], (long long)n[1], rc[1]);
		return -1;
	}
	return 0;
}

/* Flush bytes of region i against region 0's; 0 the same. */
static int same_flush(struct wirecmp *w, int i, const char *name, const int64_t *n, const size_t *len)
{
	if (n[0] == n[i] && len[0] == len[i] && (n[0] <= 0 || !memcmp(w->out[0], w->out[i], len[0])))
		return 0;
	snprintf(w->why, sizeof w->why, "flush: wire %lld (%zu bytes), %s %lld (%zu bytes)%s",
		 (long long)n[0], len[0], name, (long long)n[i], len[i],
		 n[0] == n[i] && len[0] == len[i] ? ", bytes differ" : "");
	return -1;
}

int wirecmp_flush(struct wirecmp *w)
{
	size_t len[3] = { 0, 0, 0 };
	int64_t n[3] = { 0, 0, 0 };

	w->now += 1000000;
	for (int i = 0; i < 3; i++)
		n[i] = agg_flush(w->a[i], w->now, w->out[i], FLUSH_CAP, &len[i]);
	for (int i = 0; i < 3; i++)
		if (n[i] > 0)
			agg_flush_done(w->a[i], (uint64_t)n[i]);
	if (!w->facts_diverged && same_flush(w, 2, "spans", n, len) < 0)
		return -1;
	if (w->diverged)
		return 0;
	return same_flush(w, 1, "reference", n, len);
}

const char *wirecmp_why(const struct wirecmp *w)
{
	return w->why;
}

int64_t wirecmp_last(const struct wirecmp *w)
{
	return w->last;
}
