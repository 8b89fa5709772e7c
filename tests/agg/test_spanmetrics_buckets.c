/* tests/agg/test_spanmetrics_buckets.c: the explicit histogram's bucket by
 * integer compares (sm_derive's bound_ns thresholds, sm_update's count)
 * is the bucket the search over the doubles gives, the one the Collector
 * gives (the first bound >= the duration in the unit), for durations at,
 * around and between every bound, for the default bounds in ms and s and
 * for bounds that are no whole number of ns. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg/sm_layout.h"
#include "tests/check_run.h"

/* The reference: how many bounds lie below the duration, on doubles. */
static uint32_t reference(const struct agg *a, uint64_t ns)
{
	double d = (double)ns / a->divider;
	uint32_t n = 0;
	for (uint32_t i = 0; i < a->n_bounds; i++)
		n += a->bounds[i] < d;
	return n;
}

static uint32_t counted(const struct agg *a, uint64_t ns)
{
	uint32_t lo = a->n_always;
	for (uint32_t i = 0; i < a->n_bounds; i++)
		lo += ns > a->bound_ns[i];
	return lo;
}

static void check_params(const struct agg_params *p)
{
	struct agg *a = calloc(1, sizeof *a);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(sm_derive(a, p), 0);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < a->n_bounds; i++) {
		double at = a->bounds[i] * a->divider;
		uint64_t c[] = { a->bound_ns[i], at > 0 && at < 1.8e19 ? (uint64_t)at : 0 };
		for (int k = 0; k < 2; k++)
			for (int64_t dlt = -3; dlt <= 3; dlt++) {
				uint64_t ns = c[k] + (uint64_t)dlt;
				ck_assert_msg(counted(a, ns) == reference(a, ns),
					      "bound %g, %llu ns: %u, want %u", a->bounds[i],
					      (unsigned long long)ns, counted(a, ns), reference(a, ns));
			}
	}
	for (int k = 0; k < 100000; k++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t ns = k % 2 ? x % 20000000000ull : x >> (x % 64);
		ck_assert_uint_eq(counted(a, ns), reference(a, ns));
	}
	ck_assert_uint_eq(counted(a, 0), reference(a, 0));
	ck_assert_uint_eq(counted(a, UINT64_MAX), reference(a, UINT64_MAX));
	free(a);
}

START_TEST(same_bucket_as_the_search)
{
	static const double odd[] = { 1e-9, 0.0001, 0.1, 0.3, 3.7, 7.000001, 1e6, 1e12 };
	static const double low[] = { -5, -0.5, 0, 1e-300 };
	struct agg_params p;
	memset(&p, 0, sizeof p);
	check_params(&p); /* the Collector's default bounds, ms */
	p.unit = AGG_UNIT_S;
	check_params(&p);
	p.bounds = odd;
	p.n_bounds = sizeof odd / sizeof odd[0];
	check_params(&p);
	p.unit = AGG_UNIT_MS;
	check_params(&p);
	p.bounds = low; /* below every duration, or at zero */
	p.n_bounds = sizeof low / sizeof low[0];
	check_params(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spanmetrics_buckets");
	TCase *tc = tcase_create("buckets");
	tcase_add_test(tc, same_bucket_as_the_search);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
