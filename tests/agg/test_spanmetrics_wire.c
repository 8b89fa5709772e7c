/* tests/agg/test_spanmetrics_wire.c: agg_add_wire, the process stage's way
 * of counting spans from their wire bytes, counts exactly what the
 * reference path (agg_span_from_wire + agg_add a span) counts: same
 * returns, same flush bytes, for every seed of fuzz_agg_wire's corpus
 * (canonical and unusual encodings, resource dimensions, defaults, a
 * resource without service.name, a malformed span, spans of one series
 * in a row) under every test
 * setting (tests/agg/wirecmp.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/agg/wirecmp.h"
#include "tests/check_run.h"

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[512];
	const char *src = getenv("SLUICE_SOURCE_DIR");
	snprintf(path, sizeof path, "%s/tests/agg/corpus/agg_wire/%s", src ? src : ".", name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: not found (SLUICE_SOURCE_DIR)", path);
	static uint8_t buf[1 << 16];
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

/* Runs seed `name` (its first byte is fuzz_agg_wire's params selector,
 * skipped here: every setting runs) twice with a flush after each;
 * returns what wirecmp_record said the first time. */
static int run(const char *name, unsigned sel, int64_t *count)
{
	size_t len;
	uint8_t *b = slurp(name, &len);
	struct agg_params p;
	struct wirecmp *w;
	int first = 0;

	wirecmp_params(sel, &p);
	ck_assert_int_eq(wirecmp_new(&w, &p), 0);
	for (int r = 0; r < 2; r++) {
		int rc = wirecmp_record(w, b + 1, len - 1);
		ck_assert_msg(rc >= 0, "%s, params %u: %s", name, sel, wirecmp_why(w));
		if (r == 0) {
			first = rc;
			*count = wirecmp_last(w);
		}
		ck_assert_msg(wirecmp_flush(w) == 0, "%s, params %u: %s", name, sel, wirecmp_why(w));
	}
	wirecmp_free(w);
	return first;
}

START_TEST(same_as_reference)
{
	static const char *seeds[] = { "typical", "noncanonical", "resource_dims", "no_service", "repeats" };
	static const int64_t spans[] = { 9, 2, 20, 0, 9 };
	for (unsigned i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
		for (unsigned sel = 0; sel < WIRECMP_NPARAMS; sel++) {
			int64_t n = -1;
			ck_assert_msg(run(seeds[i], sel, &n) == 0, "%s, params %u: not compared", seeds[i],
				      sel);
			ck_assert_msg(n == spans[i], "%s, params %u: %lld spans read, want %lld", seeds[i],
				      sel, (long long)n, (long long)spans[i]);
		}
}
END_TEST

/* A span the reference refuses (a trace id of 5 bytes) is refused here
 * too: of the seed's three spans, two are read. */
START_TEST(malformed_span_left_out)
{
	int64_t n = -1;
	for (unsigned sel = 0; sel < WIRECMP_NPARAMS; sel++) {
		ck_assert_int_eq(run("bad_span", sel, &n), 1);
		ck_assert_int_eq(n, 2);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spanmetrics_wire");
	TCase *tc = tcase_create("wire");
	tcase_add_test(tc, same_as_reference);
	tcase_add_test(tc, malformed_span_left_out);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
