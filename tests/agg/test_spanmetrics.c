/* tests/agg/test_spanmetrics.c: known spans in, flushes out: every series'
 * calls, bucket counts and sum exact; cumulative vs delta; cardinality
 * overflow; expiration; exponential buckets; exemplars; key attributes. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "agg/sm_layout.h"
#include "aggtest.h"
#include "mwalk.h"
#include "smfix.h"
#include "tests/check_run.h"

static const char *A_POST_OK = "service.name=checkout;span.name=GET /pay;span.kind=SPAN_KIND_SERVER;"
			       "status.code=STATUS_CODE_OK;http.method=POST;region=eu";
static const char *A_POST_ERR = "service.name=checkout;span.name=GET /pay;span.kind=SPAN_KIND_SERVER;"
				"status.code=STATUS_CODE_ERROR;http.method=POST;region=eu";
static const char *A_DB = "service.name=checkout;span.name=db;span.kind=SPAN_KIND_CLIENT;"
			  "status.code=STATUS_CODE_UNSET;http.method=GET;region=eu";
static const char *B_CART = "service.name=cart;span.name=GET /cart;span.kind=SPAN_KIND_SERVER;"
			    "status.code=STATUS_CODE_UNSET;http.method=GET";

static uint8_t res_a[256], res_b[256];
static size_t res_a_len, res_b_len;

static void record1(struct agg *a)
{
	res_a_len = at_resource(res_a, "service.name", "checkout", "region", "eu", "host", "h1", NULL);
	res_b_len = at_resource(res_b, "service.name", "cart", NULL);
	ck_assert_int_eq(agg_begin(a, 0, 1, 1000 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res_a, res_a_len }), 0);
	struct agg_span s = at_span("GET /pay", 2, 1, 5 * SEC, 1 * MS);
	at_dim_str(&s, 0, "POST");
	ck_assert_int_eq(agg_add(a, &s), 0);
	s.end_ns = s.start_ns + 2 * MS; /* exactly on the bound 2: bucket 0 */
	ck_assert_int_eq(agg_add(a, &s), 0);
	s.status = 2;
	s.end_ns = s.start_ns + 3 * MS;
	ck_assert_int_eq(agg_add(a, &s), 0);
	s = at_span("db", 3, 0, 5 * SEC, 20000 * MS); /* past the last bound */
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res_b, res_b_len }), 0);
	s = at_span("GET /cart", 2, 0, 5 * SEC, 5 * MS);
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_commit(a), 0);
}

static void record2(struct agg *a)
{
	ck_assert_int_eq(agg_begin(a, 0, 2, 1020 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res_a, res_a_len }), 0);
	struct agg_span s = at_span("GET /pay", 2, 1, 9 * SEC, 10 * MS);
	at_dim_str(&s, 0, "POST");
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res_b, res_b_len }), 0);
	s = at_span("GET /cart", 2, 0, 9 * SEC, 7 * MS);
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_commit(a), 0);
}

static void check_hist(const struct mw_point *p, uint64_t count, double sum,
		       const uint64_t *nonzero /* pairs index,count; UINT64_MAX ends */)
{
	uint64_t want[17] = { 0 };
	for (int i = 0; nonzero[i] != UINT64_MAX; i += 2)
		want[nonzero[i]] = nonzero[i + 1];
	ck_assert_uint_eq(p->count, count);
	ck_assert_double_eq(p->sum, sum);
	ck_assert_uint_eq(p->n_buckets, 17);
	ck_assert_uint_eq(p->n_bounds, 16);
	ck_assert_double_eq(p->bounds[0], 2);
	ck_assert_double_eq(p->bounds[15], 15000);
	for (int i = 0; i < 17; i++)
		ck_assert_msg(p->buckets[i] == want[i], "bucket %d: %llu, want %llu", i,
			      (unsigned long long)p->buckets[i], (unsigned long long)want[i]);
}

START_TEST(two_flushes_cumulative)
{
	struct agg_params p;
	void *region;
	sm_base_params(&p);
	struct agg *a = sm_mk(&p, &region);
	record1(a);
	int n = sm_flush(a, 1010 * SEC, 1);
	ck_assert_int_eq(n, 8);
	const struct mw_point *c = mw_find(sm_pts, n, "traces.span.metrics.calls", A_POST_OK);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->count, 2);
	ck_assert_int_eq(c->type, MW_SUM);
	ck_assert_int_eq(c->temporality, 2);
	ck_assert_int_eq(c->monotonic, 1);
	ck_assert_str_eq(c->scope, "spanmetricsconnector");
	ck_assert_str_eq(c->res, "service.name=checkout;region=eu;host=h1");
	ck_assert_uint_eq(c->start, 1000 * SEC);
	ck_assert_uint_eq(c->time, 1010 * SEC);
	const struct mw_point *h = mw_find(sm_pts, n, "traces.span.metrics.duration", A_POST_OK);
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->unit, "ms");
	ck_assert_int_eq(h->type, MW_HIST);
	check_hist(h, 2, 3.0, (uint64_t[]){ 0, 2, UINT64_MAX });
	h = mw_find(sm_pts, n, "traces.span.metrics.duration", A_POST_ERR);
	ck_assert_ptr_nonnull(h);
	check_hist(h, 1, 3.0, (uint64_t[]){ 1, 1, UINT64_MAX });
	h = mw_find(sm_pts, n, "traces.span.metrics.duration", A_DB);
	ck_assert_ptr_nonnull(h);
	check_hist(h, 1, 20000.0, (uint64_t[]){ 16, 1, UINT64_MAX });
	h = mw_find(sm_pts, n, "traces.span.metrics.duration", B_CART);
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->res, "service.name=cart");
	check_hist(h, 1, 5.0, (uint64_t[]){ 2, 1, UINT64_MAX });

	record2(a);
	n = sm_flush(a, 1030 * SEC, 1);
	ck_assert_int_eq(n, 8);
	c = mw_find(sm_pts, n, "traces.span.metrics.calls", A_POST_OK);
	ck_assert_uint_eq(c->count, 3);
	ck_assert_uint_eq(c->start, 1000 * SEC); /* cumulative: first seen */
	ck_assert_uint_eq(c->time, 1030 * SEC);
	h = mw_find(sm_pts, n, "traces.span.metrics.duration", A_POST_OK);
	check_hist(h, 3, 13.0, (uint64_t[]){ 0, 2, 4, 1, UINT64_MAX });
	h = mw_find(sm_pts, n, "traces.span.metrics.duration", A_POST_ERR);
	check_hist(h, 1, 3.0, (uint64_t[]){ 1, 1, UINT64_MAX });
	h = mw_find(sm_pts, n, "traces.span.metrics.duration", B_CART);
	check_hist(h, 2, 12.0, (uint64_t[]){ 2, 1, 3, 1, UINT64_MAX });

	/* a restart (detach + attach) continues the series */
	agg_detach(a);
	ck_assert_int_eq(agg_attach(&a, region, agg_region_size(&p), &p), 0);
	ck_assert_uint_eq(agg_applied_seq(a, 0), 2);
	ck_assert_int_eq(agg_begin(a, 0, 2, 1040 * SEC), -EALREADY);
	n = sm_flush(a, 1040 * SEC, 1);
	c = mw_find(sm_pts, n, "traces.span.metrics.calls", A_POST_OK);
	ck_assert_uint_eq(c->count, 3);
	ck_assert_uint_eq(c->start, 1000 * SEC);
	agg_detach(a);
}
END_TEST

START_TEST(two_flushes_delta)
{
	struct agg_params p;
	void *region;
	sm_base_params(&p);
	p.delta = true;
	struct agg *a = sm_mk(&p, &region);
	record1(a);
	int n = sm_flush(a, 1010 * SEC, 1);
	ck_assert_int_eq(n, 8);
	const struct mw_point *c = mw_find(sm_pts, n, "traces.span.metrics.calls", A_POST_OK);
	ck_assert_uint_eq(c->count, 2);
	ck_assert_int_eq(c->temporality, 1);
	ck_assert_uint_eq(c->start, 1000 * SEC);
	record2(a);
	n = sm_flush(a, 1030 * SEC, 1);
	ck_assert_int_eq(n, 4); /* only the series with spans since sm_flush 1 */
	c = mw_find(sm_pts, n, "traces.span.metrics.calls", A_POST_OK);
	ck_assert_uint_eq(c->count, 1);
	ck_assert_uint_eq(c->start, 1010 * SEC); /* the previous sm_flush */
	ck_assert_uint_eq(c->time, 1030 * SEC);
	const struct mw_point *h = mw_find(sm_pts, n, "traces.span.metrics.duration", A_POST_OK);
	check_hist(h, 1, 10.0, (uint64_t[]){ 4, 1, UINT64_MAX });
	ck_assert_ptr_null(mw_find(sm_pts, n, "traces.span.metrics.calls", A_POST_ERR));
	h = mw_find(sm_pts, n, "traces.span.metrics.duration", B_CART);
	check_hist(h, 1, 7.0, (uint64_t[]){ 3, 1, UINT64_MAX });
	/* a cancelled sm_flush keeps the counts for the next one */
	ck_assert_int_eq(agg_begin(a, 0, 3, 1040 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res_b, res_b_len }), 0);
	struct agg_span s = at_span("GET /cart", 2, 0, 9 * SEC, 7 * MS);
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_commit(a), 0);
	size_t len;
	int64_t f = agg_flush(a, 1050 * SEC, sm_out, sizeof sm_out, &len);
	ck_assert_int_eq(f, 3);
	ck_assert_int_eq(agg_begin(a, 0, 4, 1050 * SEC), -EBUSY);
	ck_assert_int_eq(agg_flush_cancel(a, 3), 0);
	n = sm_flush(a, 1060 * SEC, 1);
	c = mw_find(sm_pts, n, "traces.span.metrics.calls", B_CART);
	ck_assert_uint_eq(c->count, 1);
	ck_assert_uint_eq(agg_flushed_seq(a), 3);
	ck_assert_int_eq(agg_flush_done(a, 3), 0); /* repeated: a no-op */
	/* a series that skipped a sm_flush starts where its own previous point
	 * ended (sm_flush 2 at 1030 s), so a consumer adding deltas up chains
	 * them; a new series starts at the last sm_flush (1060 s) */
	ck_assert_int_eq(agg_begin(a, 0, 4, 1065 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res_a, res_a_len }), 0);
	s = at_span("GET /pay", 2, 1, 9 * SEC, 4 * MS);
	at_dim_str(&s, 0, "POST");
	ck_assert_int_eq(agg_add(a, &s), 0);
	s = at_span("new", 2, 0, 9 * SEC, 4 * MS);
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_commit(a), 0);
	n = sm_flush(a, 1070 * SEC, 1);
	c = mw_find(sm_pts, n, "traces.span.metrics.calls", A_POST_OK);
	ck_assert_uint_eq(c->count, 1);
	ck_assert_uint_eq(c->start, 1030 * SEC);
	h = mw_find(sm_pts, n, "traces.span.metrics.duration", A_POST_OK);
	ck_assert_uint_eq(h->start, 1030 * SEC);
	c = mw_find(sm_pts, n, "traces.span.metrics.calls",
		    "service.name=checkout;span.name=new;span.kind=SPAN_KIND_SERVER;"
		    "status.code=STATUS_CODE_UNSET;http.method=GET;region=eu");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->start, 1060 * SEC);
	/* touched again right after: starts at the sm_flush that ended its last point */
	ck_assert_int_eq(agg_begin(a, 0, 5, 1075 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res_a, res_a_len }), 0);
	s = at_span("GET /pay", 2, 1, 9 * SEC, 4 * MS);
	at_dim_str(&s, 0, "POST");
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_commit(a), 0);
	n = sm_flush(a, 1080 * SEC, 1);
	c = mw_find(sm_pts, n, "traces.span.metrics.calls", A_POST_OK);
	ck_assert_uint_eq(c->start, 1070 * SEC);
	agg_detach(a);
}
END_TEST

START_TEST(cardinality_overflow)
{
	struct agg_params p;
	void *region;
	memset(&p, 0, sizeof p);
	p.cardinality_limit = 3;
	p.max_series = 100;
	p.max_resources = 4;
	struct agg *a = sm_mk(&p, &region);
	uint8_t res[128];
	size_t rl = at_resource(res, "service.name", "s", NULL);
	ck_assert_int_eq(agg_begin(a, 0, 1, 10 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res, rl }), 0);
	const char *names[] = { "a", "b", "c", "d", "e", "a", "e" };
	for (int i = 0; i < 7; i++) {
		struct agg_span s = at_span(names[i], 1, 0, 0, 1 * MS);
		ck_assert_int_eq(agg_add(a, &s), 0);
	}
	ck_assert_int_eq(agg_commit(a), 0);
	int n = sm_flush(a, 20 * SEC, 1);
	ck_assert_int_eq(n, 8); /* a b c + overflow, two metrics each */
	const struct mw_point *c = mw_find(sm_pts, n, "traces.span.metrics.calls",
					   "otel.metric.overflow=true");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->count, 3); /* d, e, e: nothing dropped */
	c = mw_find(sm_pts, n, "traces.span.metrics.calls",
		    "service.name=s;span.name=a;span.kind=SPAN_KIND_INTERNAL;"
		    "status.code=STATUS_CODE_UNSET");
	ck_assert_uint_eq(c->count, 2);
	struct agg_stats st;
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.overflow_spans, 3);
	agg_detach(a);
}
END_TEST

START_TEST(expiration)
{
	struct agg_params p;
	void *region;
	memset(&p, 0, sizeof p);
	p.expiration_ns = 10 * SEC;
	p.max_series = 10;
	p.max_resources = 2;
	p.hist = AGG_HIST_DISABLED;
	struct agg *a = sm_mk(&p, &region);
	uint8_t res[128];
	size_t rl = at_resource(res, "service.name", "s", NULL);
	const char *x = "service.name=s;span.name=x;span.kind=SPAN_KIND_SERVER;"
			"status.code=STATUS_CODE_UNSET";
	const char *y = "service.name=s;span.name=y;span.kind=SPAN_KIND_SERVER;"
			"status.code=STATUS_CODE_UNSET";
	struct agg_span sx = at_span("x", 2, 0, 0, MS), sy = at_span("y", 2, 0, 0, MS);
	ck_assert_int_eq(agg_begin(a, 0, 1, 100 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res, rl }), 0);
	ck_assert_int_eq(agg_add(a, &sx), 0);
	ck_assert_int_eq(agg_commit(a), 0);
	ck_assert_int_eq(agg_begin(a, 0, 2, 115 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res, rl }), 0);
	ck_assert_int_eq(agg_add(a, &sy), 0);
	ck_assert_int_eq(agg_commit(a), 0);
	int n = sm_flush(a, 120 * SEC, 1);
	ck_assert_int_eq(n, 1); /* no histogram; x expired (20 s idle) */
	ck_assert_ptr_nonnull(mw_find(sm_pts, n, "traces.span.metrics.calls", y));
	/* x comes back as a new series: count and start restart */
	ck_assert_int_eq(agg_begin(a, 0, 3, 125 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res, rl }), 0);
	ck_assert_int_eq(agg_add(a, &sx), 0);
	ck_assert_int_eq(agg_commit(a), 0);
	n = sm_flush(a, 126 * SEC, 1);
	const struct mw_point *c = mw_find(sm_pts, n, "traces.span.metrics.calls", x);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->count, 1);
	ck_assert_uint_eq(c->start, 125 * SEC);
	agg_detach(a);
}
END_TEST

START_TEST(exemplars_and_keys)
{
	struct agg_params p;
	void *region;
	memset(&p, 0, sizeof p);
	p.exemplars = true;
	p.exemplars_max = 2;
	p.exclude = AGG_EXCLUDE_STATUS_CODE;
	p.resource_keys[0] = "service.name";
	p.n_resource_keys = 1;
	p.unit = AGG_UNIT_S;
	p.max_series = 10;
	p.max_resources = 4;
	struct agg *a = sm_mk(&p, &region);
	uint8_t r1[128], r2[128];
	size_t l1 = at_resource(r1, "service.name", "s", "host", "h1", NULL);
	size_t l2 = at_resource(r2, "service.name", "s", "host", "h2", NULL);
	uint8_t tid[16] = { 1, 2, 3 }, sid[8] = { 9 };
	ck_assert_int_eq(agg_begin(a, 0, 1, 100 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ r1, l1 }), 0);
	struct agg_span s = at_span("op", 2, 1, 0, 3 * SEC);
	s.trace_id = (struct otlp_bytes){ tid, 16 };
	s.span_id = (struct otlp_bytes){ sid, 8 };
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ r2, l2 }), 0);
	s.status = 2; /* excluded: the same series */
	s.end_ns = 500 * MS;
	ck_assert_int_eq(agg_add(a, &s), 0);
	s.end_ns = 501 * MS;
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_commit(a), 0);
	int n = sm_flush(a, 200 * SEC, 1);
	ck_assert_int_eq(n, 2); /* one resource (keyed by service.name), one series */
	const char *k = "service.name=s;span.name=op;span.kind=SPAN_KIND_SERVER";
	const struct mw_point *h = mw_find(sm_pts, n, "traces.span.metrics.duration", k);
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->res, "service.name=s;host=h1");
	ck_assert_str_eq(h->unit, "s");
	ck_assert_double_eq(h->bounds[0], 0.002);
	ck_assert_uint_eq(h->count, 3);
	ck_assert_uint_le(h->n_exemplars, 2);
	ck_assert_uint_ge(h->n_exemplars, 1);
	ck_assert_int_eq(memcmp(h->ex_trace[0], tid, 16), 0);
	/* exemplars belong to one sm_flush interval */
	ck_assert_int_eq(agg_begin(a, 0, 2, 210 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ r1, l1 }), 0);
	s = at_span("op", 2, 1, 0, 3 * SEC);
	ck_assert_int_eq(agg_add(a, &s), 0); /* no trace id: no exemplar */
	ck_assert_int_eq(agg_commit(a), 0);
	n = sm_flush(a, 220 * SEC, 1);
	h = mw_find(sm_pts, n, "traces.span.metrics.duration", k);
	ck_assert_uint_eq(h->count, 4);
	ck_assert_uint_eq(h->n_exemplars, 0);
	agg_detach(a);
}
END_TEST

START_TEST(partial_commits)
{
	struct agg_params p;
	void *region;
	memset(&p, 0, sizeof p);
	p.commit_series = 2;
	p.max_series = 100;
	p.max_resources = 100;
	struct agg *a = sm_mk(&p, &region);
	char names[20][8];
	uint8_t res[128];
	size_t rl = at_resource(res, "service.name", "s", NULL);
	ck_assert_int_eq(agg_begin(a, 3, 7, 100 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res, rl }), 0);
	struct agg_span sp[20];
	for (int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof names[i], "n%d", i % 7);
		sp[i] = at_span(names[i], 2, 0, 0, (uint64_t)(i + 1) * MS);
	}
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(agg_add(a, &sp[i]), 0);
	ck_assert_int_eq(agg_add_many(a, sp + 3, 17), 0); /* both entry points */
	ck_assert_int_eq(agg_commit(a), 0);
	struct agg_stats st;
	agg_get_stats(a, &st);
	ck_assert_uint_ge(st.partial_commits, 3);
	ck_assert_uint_eq(agg_applied_seq(a, 3), 7);
	int n = sm_flush(a, 200 * SEC, 1);
	uint64_t total = 0;
	for (int i = 0; i < n; i++)
		if (!strcmp(sm_pts[i].metric, "traces.span.metrics.calls"))
			total += sm_pts[i].count;
	ck_assert_uint_eq(total, 20);
	agg_detach(a);
}
END_TEST

/* Capacity limits fold into overflow series, never drop: a key longer than
 * key_bytes, and a resource past max_resources (the overflow resource). */
START_TEST(capacity_overflow)
{
	struct agg_params p;
	void *region;
	memset(&p, 0, sizeof p);
	p.max_series = 10;
	p.max_resources = 1;
	p.key_bytes = 64;
	struct agg *a = sm_mk(&p, &region);
	uint8_t r1[128], r2[128];
	size_t l1 = at_resource(r1, "service.name", "one", NULL);
	size_t l2 = at_resource(r2, "service.name", "two", NULL);
	char long_name[200];
	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = 0;
	ck_assert_int_eq(agg_begin(a, 0, 1, 10 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ r1, l1 }), 0);
	struct agg_span s = at_span("short", 2, 0, 0, MS);
	ck_assert_int_eq(agg_add(a, &s), 0);
	s = at_span(long_name, 2, 0, 0, MS);
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ r2, l2 }), 0);
	s = at_span("short", 2, 0, 0, MS);
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_add(a, &s), 0);
	uint8_t r3[128]; /* no service.name: not counted, as the Collector */
	size_t l3 = at_resource(r3, "host", "h", NULL);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ r3, l3 }), 1);
	ck_assert_int_eq(agg_add(a, &s), 0);
	ck_assert_int_eq(agg_commit(a), 0);
	int n = sm_flush(a, 20 * SEC, 1);
	ck_assert_int_eq(n, 6); /* one: short + overflow; the overflow resource: overflow */
	uint64_t over = 0, total = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(sm_pts[i].metric, "traces.span.metrics.calls"))
			continue;
		total += sm_pts[i].count;
		if (!strcmp(sm_pts[i].attrs, "otel.metric.overflow=true"))
			over += sm_pts[i].count;
	}
	ck_assert_uint_eq(total, 4);
	ck_assert_uint_eq(over, 3);
	struct agg_stats st;
	agg_get_stats(a, &st);
	ck_assert_uint_eq(st.spans_no_service, 1);
	ck_assert_uint_eq(st.overflow_spans, 3);
	agg_detach(a);
}
END_TEST

/* agg_span_from_wire reads a Span message as the process stage sees it. */
int main(void)
{
	Suite *s = suite_create("spanmetrics");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, two_flushes_cumulative);
	tcase_add_test(tc, two_flushes_delta);
	tcase_add_test(tc, cardinality_overflow);
	tcase_add_test(tc, expiration);
	tcase_add_test(tc, exemplars_and_keys);
	tcase_add_test(tc, partial_commits);
	tcase_add_test(tc, capacity_overflow);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
