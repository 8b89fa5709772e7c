/* tests/agg/promfix.c: see promfix.h. */
#include <check.h>
#include <stdlib.h>

#include "aggtest.h"
#include "promfix.h"

struct prom_store *promfix_store(enum agg_unit unit, bool delta, const struct prom_config *c)
{
	static const double ms[] = { 2, 4, 10 }, s[] = { 0.002, 0.004, 0.010 };
	struct agg_params p;
	memset(&p, 0, sizeof p);
	p.unit = unit;
	p.bounds = unit == AGG_UNIT_S ? s : ms;
	p.n_bounds = 3;
	p.delta = delta;
	p.max_series = 8;
	p.max_resources = 2;
	size_t size = agg_region_size(&p);
	void *region = at_region(size);
	struct agg *a;
	ck_assert_int_eq(agg_format(region, size, &p, 1), 0);
	ck_assert_int_eq(agg_attach(&a, region, size, &p), 0);
	struct prom_store *st;
	ck_assert_int_eq(prom_store_new(&st, c), 0);
	uint8_t res[256];
	size_t rl = at_resource(res, "service.name", "checkout", "service.instance.id", "i-1", "region", "eu",
				NULL);
	static uint8_t out[65536];
	uint64_t durs[] = { 1, 3 };
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(agg_begin(a, 0, (uint64_t)i + 1, (uint64_t)(10 + i) * SEC), 0);
		ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res, rl }), 0);
		struct agg_span sp = at_span("GET /pay", 2, 1, 0, durs[i] * MS);
		ck_assert_int_eq(agg_add(a, &sp), 0);
		ck_assert_int_eq(agg_commit(a), 0);
		if (!delta && i == 0)
			continue;
		size_t len;
		int64_t n = agg_flush(a, (uint64_t)(20 + i) * SEC, out, sizeof out, &len);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(prom_store_add_request(st, out, len, (uint64_t)(20 + i) * SEC), 2);
		ck_assert_int_eq(agg_flush_done(a, (uint64_t)n), 0);
	}
	agg_detach(a);
	munmap(region, size);
	return st;
}
