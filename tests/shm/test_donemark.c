/* tests/shm/test_donemark.c - done marks in the segment (shm/donemark.h):
 * the region a supervisor formats, lookups the export stage makes, marks
 * that cannot be confused across wrap, a mark set by a process killed
 * right after it (kill -9) seen by the next one, the copy a migration
 * makes, and refusals (bad specs, damaged directory, missing region). */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/donemark.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

static char inst[64];
static struct segment seg;

static const struct donemark_spec specs[] = {
	{ 2, 8, "otlphttp" }, { 2, 8, "otlphttp/b" }, { 5, 100, "otlphttp" }, /* rounded up to 128 */
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static void setup(void)
{
	struct segment_params p;
	uint64_t size;

	shm_test_instance(inst, sizeof(inst), "done");
	segment_unlink(inst);
	memset(&p, 0, sizeof(p));
	p.naux = 1;
	p.aux[0] = (struct segment_aux_params){ DONEMARK_REGION_NAME, donemark_region_size(specs, NSPECS) };
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	void *mem = segment_aux(&seg, DONEMARK_REGION_NAME, &size);
	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(donemark_region_format(mem, size, specs, NSPECS), 0);
}

static void teardown(void)
{
	segment_detach(&seg);
	segment_unlink(inst);
}

START_TEST(test_lookup)
{
	struct donemark a, b, c, none;
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp", &a), 0);
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp/b", &b), 0);
	ck_assert_int_eq(donemark_for(&seg, 5, "otlphttp", &c), 0);
	ck_assert_uint_eq(a.mask, 7);
	ck_assert_uint_eq(c.mask, 127);
	ck_assert_ptr_ne(a.words, b.words);
	ck_assert_int_eq(donemark_for(&seg, 3, "otlphttp", &none), -ENOENT);
	ck_assert_ptr_null(none.words);
	ck_assert_int_eq(donemark_for(&seg, 2, "otlp", &none), -ENOENT);
	ck_assert_int_eq(donemark_for(NULL, 2, "otlphttp", &none), -ENOENT);
	/* a handle without words marks nothing and says nothing is done */
	donemark_set(&none, 5);
	ck_assert(!donemark_has(&none, 5));
}
END_TEST

/* Per exporter; a slot reused by seq + slots never reads as the older seq;
 * seq 0 (zeroed memory) is never done. */
START_TEST(test_marks)
{
	struct donemark a, b;
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp", &a), 0);
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp/b", &b), 0);
	ck_assert(!donemark_has(&a, 0));
	donemark_set(&a, 0);
	ck_assert(!donemark_has(&a, 0));
	for (uint64_t s = 1; s <= 8; s++)
		ck_assert(!donemark_has(&a, s));
	donemark_set(&a, 3);
	ck_assert(donemark_has(&a, 3));
	ck_assert(!donemark_has(&b, 3));  /* exporter b has not finished it */
	ck_assert(!donemark_has(&a, 11)); /* same slot, later record */
	donemark_set(&a, 11);
	ck_assert(donemark_has(&a, 11));
	ck_assert(!donemark_has(&a, 3)); /* overwritten: sent again, never skipped */
	ck_assert(!donemark_has(&a, 19));
	/* a mark survives another attach (a restarted stage) */
	struct segment again;
	struct donemark a2;
	ck_assert_int_eq(segment_attach(&again, inst), 0);
	ck_assert_int_eq(donemark_for(&again, 2, "otlphttp", &a2), 0);
	ck_assert(donemark_has(&a2, 11));
	segment_detach(&again);
}
END_TEST

/* A writer killed with SIGKILL right after its marks: the next process
 * sees every mark it made, and none it did not make. */
START_TEST(test_kill9)
{
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	pid_t pid = fork();
	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		struct segment s;
		struct donemark m;
		if (segment_attach(&s, inst) < 0 || donemark_for(&s, 5, "otlphttp", &m) < 0)
			_exit(2);
		for (uint64_t q = 1; q <= 300; q += 2) /* odd seqs done, out of order */
			donemark_set(&m, q);
		if (write(pfd[1], "x", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	ck_assert_int_ge(pid, 0);
	char c;
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	kill(pid, SIGKILL);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st));
	struct donemark m;
	ck_assert_int_eq(donemark_for(&seg, 5, "otlphttp", &m), 0);
	/* 128 slots: the marks of the last 128 seqs are all there, older
	 * ones were overwritten (they would be sent again) */
	for (uint64_t q = 300 - 127; q <= 300; q++)
		ck_assert_msg(donemark_has(&m, q) == (q % 2 == 1), "seq %llu", (unsigned long long)q);
	ck_assert(!donemark_has(&m, 45));
	close(pfd[0]);
	close(pfd[1]);
}
END_TEST

START_TEST(test_copy)
{
	static const struct donemark_spec other[] = {
		{ 2, 8, "otlphttp/b" }, /* kept */
		{ 2, 16, "otlphttp" },	/* other size: starts empty */
		{ 7, 8, "debug" },	/* new */
	};
	static _Alignas(64) uint8_t mem[4096];
	uint64_t size = 0;
	void *src = segment_aux(&seg, DONEMARK_REGION_NAME, &size);
	struct donemark a, b;
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp", &a), 0);
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp/b", &b), 0);
	donemark_set(&a, 4);
	donemark_set(&b, 6);
	ck_assert_uint_le(donemark_region_size(other, 3), sizeof(mem));
	ck_assert_int_eq(donemark_region_format(mem, sizeof(mem), other, 3), 0);
	ck_assert_uint_eq(donemark_region_copy(mem, sizeof(mem), src, size), 1);
	const struct donemark_region *r = (const void *)mem;
	struct donemark nb = { (_Atomic uint64_t *)(mem + r->e[0].off), 7 };
	struct donemark na = { (_Atomic uint64_t *)(mem + r->e[1].off), 15 };
	ck_assert(donemark_has(&nb, 6));
	ck_assert(!donemark_has(&na, 4));
	ck_assert_uint_eq(donemark_region_copy(mem, sizeof(mem), src, 64), 0); /* src cut short */
}
END_TEST

START_TEST(test_refusals)
{
	static _Alignas(64) uint8_t mem[4096];
	const struct donemark_spec dup[] = { { 1, 8, "a" }, { 1, 8, "a" } };
	const struct donemark_spec zero[] = { { 1, 0, "a" } };
	const struct donemark_spec big[] = { { 1, DONEMARK_MAX_SLOTS + 1, "a" } };
	const struct donemark_spec noname[] = { { 1, 8, "" } };
	const struct donemark_spec ok[] = { { 1, 8, "a" }, { 2, 8, "a" } };
	ck_assert_uint_eq(donemark_region_size(zero, 1), 0);
	ck_assert_uint_eq(donemark_region_size(big, 1), 0);
	ck_assert_uint_eq(donemark_region_size(noname, 1), 0);
	ck_assert_int_eq(donemark_region_format(mem, sizeof(mem), dup, 2), -EINVAL);
	ck_assert_int_eq(donemark_region_format(mem, sizeof(mem), zero, 1), -EINVAL);
	ck_assert_int_eq(donemark_region_format(mem, 64 + 128, ok, 2), -EINVAL);
	ck_assert_int_eq(donemark_region_format(mem, sizeof(mem), ok, 2), 0);

	/* damage the segment's directory one way at a time: no handle */
	uint64_t size = 0;
	struct donemark_region *r = segment_aux(&seg, DONEMARK_REGION_NAME, &size);
	struct donemark m;
	struct donemark_entry saved = r->e[1];
	r->e[1].off = r->e[0].off; /* overlaps exporter 0's words */
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp", &m), -ENOENT);
	r->e[1] = saved;
	r->e[1].slots = 6; /* not a power of two */
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp", &m), -ENOENT);
	r->e[1] = saved;
	struct donemark_entry saved2 = r->e[2];
	r->e[2].off = size; /* past the end */
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp", &m), -ENOENT);
	r->e[2] = saved2;
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp", &m), 0);
	memset(r->e[0].exporter, 'x', sizeof(r->e[0].exporter)); /* no NUL */
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp/b", &m), -ENOENT);
	r->magic = 0;
	ck_assert_int_eq(donemark_for(&seg, 2, "otlphttp/b", &m), -ENOENT);
	ck_assert_ptr_null(m.words);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_donemark");
	TCase *tc = tcase_create("donemark");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_marks);
	tcase_add_test(tc, test_kill9);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
