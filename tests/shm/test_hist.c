/* tests/shm/test_hist.c - histograms in the segment (shm/hist.h): the
 * region a supervisor formats, lookups a stage makes, where values land
 * (bounds inclusive, +Inf), what a reader in another process sees,
 * quantiles, and refusals (bad specs, damaged region, missing region). */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/hist.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

static char inst[64];
static struct segment seg;

static const struct hist_spec specs[] = {
	{ HIST_RECEIPT_TO_ACK, 7 }, { HIST_EXPORT_DURATION, 7 }, { HIST_BATCH_SIZE, 3 },
	{ HIST_RING_AGE, 0 },	    { HIST_RING_AGE, 1 },
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static void setup(void)
{
	struct segment_params p;
	void *mem;
	uint64_t size;

	shm_test_instance(inst, sizeof(inst), "hist");
	segment_unlink(inst);
	memset(&p, 0, sizeof(p));
	p.naux = 1;
	p.aux[0] = (struct segment_aux_params){ HIST_REGION_NAME, hist_region_size(NSPECS) };
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	mem = segment_aux(&seg, HIST_REGION_NAME, &size);
	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(hist_region_format(mem, size, specs, NSPECS), 0);
}

static void teardown(void)
{
	segment_detach(&seg);
	segment_unlink(inst);
}

START_TEST(test_lookup)
{
	ck_assert_uint_eq(hist_count(&seg), NSPECS);
	ck_assert_ptr_nonnull(hist_for(&seg, HIST_RECEIPT_TO_ACK, 7));
	ck_assert_ptr_ne(hist_for(&seg, HIST_RECEIPT_TO_ACK, 7), hist_for(&seg, HIST_EXPORT_DURATION, 7));
	ck_assert_ptr_null(hist_for(&seg, HIST_RECEIPT_TO_ACK, 6));
	ck_assert_ptr_null(hist_for(&seg, HIST_BATCH_SIZE, 7));
	ck_assert_ptr_null(hist_for(&seg, (enum hist_kind)9, 0));
	ck_assert_ptr_null(hist_for(NULL, HIST_RING_AGE, 0));
	hist_observe(NULL, 5); /* no region, no histogram: nothing happens */
}
END_TEST

START_TEST(test_buckets)
{
	struct hist *h = hist_for(&seg, HIST_RING_AGE, 1);
	struct hist_snapshot s;
	const uint64_t *b;
	uint32_t n = hist_bounds(HIST_RING_AGE, &b);

	ck_assert_uint_eq(n, 18);
	ck_assert_uint_eq(b[0], 100000);	     /* 100 us */
	ck_assert_uint_eq(b[n - 1], 60000000000ull); /* 60 s */
	hist_observe(h, 0);			     /* first bucket */
	hist_observe(h, 100000);		     /* a bound is inclusive: still first */
	hist_observe(h, 100001);		     /* second */
	hist_observe(h, 60000000000ull);	     /* last finite */
	hist_observe(h, 60000000001ull);	     /* +Inf */
	ck_assert_int_eq(hist_read(&seg, 4, &s), 0);
	ck_assert_int_eq(s.kind, HIST_RING_AGE);
	ck_assert_uint_eq(s.index, 1);
	ck_assert_uint_eq(s.count, 5);
	ck_assert_uint_eq(s.sum, 100000 + 100001 + 60000000000ull + 60000000001ull);
	ck_assert_uint_eq(s.cumulative[0], 2);
	ck_assert_uint_eq(s.cumulative[1], 3);
	ck_assert_uint_eq(s.cumulative[n - 2], 3);
	ck_assert_uint_eq(s.cumulative[n - 1], 4);
	ck_assert_uint_eq(s.cumulative[n], 5);
	ck_assert_int_eq(hist_read(&seg, NSPECS, &s), -EINVAL);
}
END_TEST

START_TEST(test_batch_size_bounds)
{
	struct hist_snapshot s;
	const uint64_t *b;
	uint32_t n = hist_bounds(HIST_BATCH_SIZE, &b);

	/* the Collector's otelcol_processor_batch_batch_send_size buckets */
	ck_assert_uint_eq(n, 22);
	ck_assert_uint_eq(b[0], 10);
	ck_assert_uint_eq(b[3], 75);
	ck_assert_uint_eq(b[9], 2000);
	ck_assert_uint_eq(b[21], 100000);
	ck_assert_int_eq(hist_is_time(HIST_BATCH_SIZE), 0);
	ck_assert_int_eq(hist_is_time(HIST_RECEIPT_TO_ACK), 1);
	hist_observe(hist_for(&seg, HIST_BATCH_SIZE, 3), 8192);
	ck_assert_int_eq(hist_read(&seg, 2, &s), 0);
	ck_assert_uint_eq(s.cumulative[15], 0); /* <= 8000 */
	ck_assert_uint_eq(s.cumulative[16], 1); /* <= 9000 */
}
END_TEST

/* A stage writes, the supervisor (another process) reads. */
START_TEST(test_other_process)
{
	struct hist_snapshot s;
	pid_t pid = fork();
	int status;

	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		struct segment mine;
		if (segment_attach(&mine, inst) != 0)
			_exit(1);
		struct hist *h = hist_for(&mine, HIST_RECEIPT_TO_ACK, 7);
		for (uint64_t i = 1; i <= 1000; i++)
			hist_observe(h, i * 1000000ull); /* 1 ms .. 1 s */
		_exit(h ? 0 : 2);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status)); /* a crashed child's WEXITSTATUS reads 0 */
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(hist_read(&seg, 0, &s), 0);
	ck_assert_uint_eq(s.count, 1000);
	ck_assert_uint_eq(s.sum, 500500ull * 1000000ull);
	/* 500 values <= 500 ms, 990 <= 990 ms: the estimates fall in the
	 * buckets that hold them (250..500 ms and 500 ms..1 s) */
	double p50 = hist_quantile(&s, 0.5), p99 = hist_quantile(&s, 0.99);
	ck_assert(p50 > 250e6 && p50 <= 500e6);
	ck_assert(p99 > 500e6 && p99 <= 1000e6);
}
END_TEST

START_TEST(test_quantile_edges)
{
	struct hist_snapshot s;

	ck_assert_int_eq(hist_read(&seg, 1, &s), 0);
	ck_assert(hist_quantile(&s, 0.5) < 0); /* empty */
	for (int i = 0; i < 10; i++)
		hist_observe(hist_for(&seg, HIST_EXPORT_DURATION, 7), 120 * 1000000000ull);
	ck_assert_int_eq(hist_read(&seg, 1, &s), 0);
	/* everything past the last bound: the estimate is that bound */
	ck_assert(hist_quantile(&s, 0.99) == 60e9);
}
END_TEST

START_TEST(test_format_refusals)
{
	uint8_t mem[4096];
	struct hist_spec dup[] = { { HIST_RING_AGE, 2 }, { HIST_RING_AGE, 2 } };
	struct hist_spec bad[] = { { (enum hist_kind)HIST_KINDS, 0 } };

	ck_assert_uint_eq(hist_region_size(3), 64 + 3 * 256);
	ck_assert_int_eq(hist_region_format(mem, sizeof(mem), dup, 2), -EINVAL);
	ck_assert_int_eq(hist_region_format(mem, sizeof(mem), bad, 1), -EINVAL);
	ck_assert_int_eq(hist_region_format(mem, 64 + 256, specs, 2), -EINVAL);
	ck_assert_int_eq(hist_region_format(mem, sizeof(mem), specs, 2), 0);
}
END_TEST

/* A damaged header is no region: nothing found, nothing written. */
START_TEST(test_damaged_region)
{
	struct hist_region *r = segment_aux(&seg, HIST_REGION_NAME, NULL);

	r->n = 1u << 30;
	ck_assert_uint_eq(hist_count(&seg), 0);
	ck_assert_ptr_null(hist_for(&seg, HIST_RING_AGE, 0));
	r->n = NSPECS;
	r->magic ^= 1;
	ck_assert_ptr_null(hist_for(&seg, HIST_RING_AGE, 0));
	r->magic ^= 1;
	/* a kind this build does not know: lookups skip it, reads refuse it */
	r->h[3].kind = 77;
	hist_observe(&r->h[3], 1);
	ck_assert_uint_eq(r->h[3].bucket[0], 0);
	struct hist_snapshot s;
	ck_assert_int_eq(hist_read(&seg, 3, &s), -EINVAL);
}
END_TEST

/* A segment without the region (made by a test or an older supervisor). */
START_TEST(test_no_region)
{
	struct segment other;
	char name[64];

	shm_test_instance(name, sizeof(name), "hist2");
	segment_unlink(name);
	ck_assert_int_eq(segment_create(&other, name, NULL), 0);
	ck_assert_uint_eq(hist_count(&other), 0);
	ck_assert_ptr_null(hist_for(&other, HIST_RING_AGE, 0));
	segment_detach(&other);
	segment_unlink(name);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hist");
	TCase *tc = tcase_create("hist");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_buckets);
	tcase_add_test(tc, test_batch_size_bounds);
	tcase_add_test(tc, test_other_process);
	tcase_add_test(tc, test_quantile_edges);
	tcase_add_test(tc, test_format_refusals);
	tcase_add_test(tc, test_damaged_region);
	tcase_add_test(tc, test_no_region);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
