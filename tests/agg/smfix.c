/* tests/agg/smfix.c: the span-metrics test fixture (smfix.h). */
#include "smfix.h"

#include <check.h>
#include <string.h>

#include "aggtest.h"

uint8_t sm_out[1 << 20];
struct mw_point sm_pts[256];

struct agg *sm_mk(const struct agg_params *p, void **region)
{
	size_t size = agg_region_size(p);
	ck_assert_uint_gt(size, 0);
	*region = at_region(size);
	ck_assert_ptr_nonnull(*region);
	ck_assert_int_eq(agg_format(*region, size, p, 1), 0);
	struct agg *a;
	ck_assert_int_eq(agg_attach(&a, *region, size, p), 0);
	return a;
}

/* Flushes at now, decodes, confirms; returns the point count. */
int sm_flush(struct agg *a, uint64_t now, int confirm)
{
	size_t len;
	int64_t n = agg_flush(a, now, sm_out, sizeof sm_out, &len);
	ck_assert_int_gt(n, 0);
	int np = mw_decode(sm_out, len, sm_pts, 256);
	ck_assert_int_ge(np, 0);
	if (confirm)
		ck_assert_int_eq(agg_flush_done(a, (uint64_t)n), 0);
	return np;
}

void sm_base_params(struct agg_params *p)
{
	memset(p, 0, sizeof *p);
	p->dims[0] = (struct agg_dim){ "http.method", "GET" };
	p->dims[1] = (struct agg_dim){ "region", NULL };
	p->n_dims = 2;
	p->max_series = 1000;
	p->max_resources = 16;
}
