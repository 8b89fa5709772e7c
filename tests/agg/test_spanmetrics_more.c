/* tests/agg/test_spanmetrics_more.c: exponential histogram indexes and
 * buckets, spans read from the wire form, and a region refused for other
 * settings. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "agg/sm_layout.h"
#include "aggtest.h"
#include "mwalk.h"
#include "smfix.h"
#include "tests/check_run.h"

START_TEST(expo_indexes)
{
	/* hand-computed: bucket i at scale s is (2^(i/2^s), 2^((i+1)/2^s)] */
	static const struct {
		double v;
		int32_t scale, want;
	} t[] = {
		{ 1.0, 0, -1 }, /* (0.5, 1] */
		{ 3.0, 0, 1 },	/* (2, 4] */
		{ 4.0, 0, 1 },	/* a power of two closes its bucket */
		{ 4.5, 0, 2 },
		{ 3.0, 1, 3 },	     /* (2^1.5, 2^2] = (2.83, 4] */
		{ 2.5, 1, 2 },	     /* (2, 2.83] */
		{ 3.0, -1, 0 },	     /* (1, 4] */
		{ 5.0, -1, 1 },	     /* (4, 16] */
		{ 0.25, -1, -2 },    /* (1/16, 1/4] */
		{ 1.5, 20, 613377 }, /* floor(log2(1.5) * 2^20) */
		{ 1024.0, 20, (10 << 20) - 1 },
		{ 1e-6, 0, -20 }, /* 1 ns in ms: 2^-20 < 1e-6 <= 2^-19 */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_msg(sm_expo_index(t[i].v, t[i].scale) == t[i].want, "index(%g, %d) = %d, want %d",
			      t[i].v, t[i].scale, sm_expo_index(t[i].v, t[i].scale), t[i].want);
}
END_TEST

START_TEST(expo_histogram)
{
	struct agg_params p;
	void *region;
	memset(&p, 0, sizeof p);
	p.hist = AGG_HIST_EXPONENTIAL;
	p.expo_max_size = 4;
	p.max_series = 10;
	p.max_resources = 2;
	struct agg *a = sm_mk(&p, &region);
	uint8_t res[128];
	size_t rl = at_resource(res, "service.name", "s", NULL);
	ck_assert_int_eq(agg_begin(a, 0, 1, 100 * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res, rl }), 0);
	/* 1 2 4 8 16 ms in 4 buckets: scale 20 -> 1 -> 0 -> -1, where
	 * 1 is in (1/4, 1], 2 and 4 in (1, 4], 8 and 16 in (4, 16] */
	uint64_t durs[] = { 1, 2, 4, 8, 16, 0 };
	for (int i = 0; i < 6; i++) {
		struct agg_span s = at_span("op", 2, 0, 0, durs[i] * MS);
		ck_assert_int_eq(agg_add(a, &s), 0);
	}
	ck_assert_int_eq(agg_commit(a), 0);
	int n = sm_flush(a, 200 * SEC, 1);
	ck_assert_int_eq(n, 2);
	const struct mw_point *e = &sm_pts[1];
	ck_assert_int_eq(e->type, MW_EXPO);
	ck_assert_int_eq(e->scale, -1);
	ck_assert_int_eq(e->offset, -1);
	ck_assert_uint_eq(e->n_pos, 3);
	ck_assert_uint_eq(e->pos[0], 1);
	ck_assert_uint_eq(e->pos[1], 2);
	ck_assert_uint_eq(e->pos[2], 2);
	ck_assert_uint_eq(e->zero, 1);
	ck_assert_uint_eq(e->count, 6);
	ck_assert_double_eq(e->sum, 31.0);
	ck_assert_double_eq(e->min, 0.0);
	ck_assert_double_eq(e->max, 16.0);
	agg_detach(a);
}
END_TEST

START_TEST(span_from_wire)
{
	struct agg_params p;
	void *region;
	sm_base_params(&p);
	struct agg *a = sm_mk(&p, &region);
	uint8_t span[256], *q = span;
	static const uint8_t tid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	*q++ = 1 << 3 | 2, *q++ = 16, memcpy(q, tid, 16), q += 16; /* trace_id */
	*q++ = 5 << 3 | 2, *q++ = 3, memcpy(q, "op1", 3), q += 3;  /* name */
	*q++ = 6 << 3, *q++ = 3;				   /* kind CLIENT */
	uint64_t t0 = 100, t1 = 100 + 7 * MS;
	*q++ = 7 << 3 | 1, memcpy(q, &t0, 8), q += 8;
	*q++ = 8 << 3 | 1, memcpy(q, &t1, 8), q += 8;
	uint8_t kv[64];
	size_t kl = at_resource(kv, "http.method", "PUT", NULL);
	kv[0] = 9 << 3 | 2; /* Span.attributes */
	memcpy(q, kv, kl), q += kl;
	*q++ = 15 << 3 | 2, *q++ = 2, *q++ = 3 << 3, *q++ = 2; /* status ERROR */
	struct agg_span s;
	ck_assert_int_eq(agg_span_from_wire(a, (struct otlp_bytes){ span, (size_t)(q - span) }, &s), 0);
	ck_assert_int_eq(s.kind, 3);
	ck_assert_int_eq(s.status, 2);
	ck_assert_uint_eq(s.end_ns - s.start_ns, 7 * MS);
	ck_assert_uint_eq(s.trace_id.len, 16);
	ck_assert_uint_eq(s.dims_present, 1);
	ck_assert_int_eq(s.dim[0].type, OTLP_VALUE_STRING);
	ck_assert_int_eq(memcmp(s.dim[0].u.b.p, "PUT", 3), 0);
	agg_detach(a);
}
END_TEST

START_TEST(refuses_other_params)
{
	struct agg_params p, q;
	void *region;
	sm_base_params(&p);
	struct agg *a = sm_mk(&p, &region);
	agg_detach(a);
	q = p;
	q.dims[0].default_value = "PUT";
	ck_assert_int_eq(agg_attach(&a, region, agg_region_size(&p), &q), -ESTALE);
	static uint8_t zero[8192] __attribute__((aligned(64)));
	ck_assert_int_eq(agg_attach(&a, zero, sizeof zero, &p), -ENODATA);
	p.n_dims = AGG_DIMS_MAX + 1;
	ck_assert_uint_eq(agg_region_size(&p), 0);
	char err[128];
	ck_assert_int_eq(agg_params_check(&p, err, sizeof err), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spanmetrics_more");
	TCase *tc = tcase_create("more");
	tcase_add_test(tc, expo_indexes);
	tcase_add_test(tc, expo_histogram);
	tcase_add_test(tc, span_from_wire);
	tcase_add_test(tc, refuses_other_params);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
