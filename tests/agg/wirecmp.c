/* tests/agg/wirecmp.c: agg_add_wire against the reference path (wirecmp.h). */
#include "tests/agg/wirecmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_CAP (1u << 20)

struct wirecmp {
	struct agg_params p;
	void *region[2];
	struct agg *a[2]; /* 0: agg_add_wire, 1: the reference */
	size_t size;
	uint64_t seq, now;
	int diverged;
	int64_t last;
	uint8_t *out[2];
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
	for (int i = 0; i < 2; i++)
		if (!(w->region[i] = aligned_alloc(64, w->size)) || !(w->out[i] = malloc(FLUSH_CAP)))
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

	for (int i = 0; i < 2; i++) {
		agg_detach(w->a[i]);
		w->a[i] = NULL;
		if ((rc = agg_format(w->region[i], w->size, &w->p, 1)) < 0 ||
		    (rc = agg_attach(&w->a[i], w->region[i], w->size, &w->p)) < 0)
			return rc;
	}
	w->seq = 0;
	w->now = 1700000000000000000ull;
	w->diverged = 0;
	w->last = 0;
	w->why[0] = 0;
	return 0;
}

void wirecmp_free(struct wirecmp *w)
{
	if (!w)
		return;
	for (int i = 0; i < 2; i++) {
		agg_detach(w->a[i]);
		free(w->region[i]);
		free(w->out[i]);
	}
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

int wirecmp_record(struct wirecmp *w, const uint8_t *rs, size_t len)
{
	struct otlp_bytes b = { rs, len };
	int64_t n[2];
	int refused = 0, rc[2];

	w->seq++;
	w->now += 1000000;
	for (int i = 0; i < 2; i++)
		if (agg_begin(w->a[i], 0, w->seq, w->now) < 0) {
			snprintf(w->why, sizeof w->why, "agg_begin failed");
			return -1;
		}
	n[0] = w->last = agg_add_wire(w->a[0], b);
	n[1] = reference(w->a[1], b, &refused);
	rc[0] = agg_commit(w->a[0]);
	rc[1] = agg_commit(w->a[1]);
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

int wirecmp_flush(struct wirecmp *w)
{
	size_t len[2] = { 0, 0 };
	int64_t n[2];

	w->now += 1000000;
	for (int i = 0; i < 2; i++)
		n[i] = agg_flush(w->a[i], w->now, w->out[i], FLUSH_CAP, &len[i]);
	for (int i = 0; i < 2; i++)
		if (n[i] > 0)
			agg_flush_done(w->a[i], (uint64_t)n[i]);
	if (w->diverged)
		return 0;
	if (n[0] != n[1] || len[0] != len[1] || (n[0] > 0 && memcmp(w->out[0], w->out[1], len[0]))) {
		snprintf(w->why, sizeof w->why, "flush: wire %lld (%zu bytes), reference %lld (%zu bytes)%s",
			 (long long)n[0], len[0], (long long)n[1], len[1],
			 n[0] == n[1] && len[0] == len[1] ? ", bytes differ" : "");
		return -1;
	}
	return 0;
}

const char *wirecmp_why(const struct wirecmp *w)
{
	return w->why;
}

int64_t wirecmp_last(const struct wirecmp *w)
{
	return w->last;
}
