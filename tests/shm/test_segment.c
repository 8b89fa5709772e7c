/* tests/shm/test_segment.c - the instance segment: create / attach from
 * another process / unlink, refusal of a segment of another layout
 * version (clear message), damaged segments, instance names, eventfd
 * passing in SLUICE_WAKE_FDS across exec-like inheritance, stats tables.
 * What layout v2 added is in test_segment_v2.c. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/segment.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

static char inst[64];
static struct segment seg;

static void setup(void)
{
	shm_test_instance(inst, sizeof(inst), "seg");
	segment_unlink(inst);
	memset(&seg, 0, sizeof(seg));
	for (unsigned i = 0; i < SEG_MAX_RINGS; i++)
		seg.data_fd[i] = seg.space_fd[i] = -1;
}

static void teardown(void)
{
	segment_wake_close(&seg);
	segment_detach(&seg);
	segment_unlink(inst);
}

START_TEST(test_create_attach_child)
{
	struct segment_params p = { .nrings = 3, .ring_capacity = { 5000, 0, 1 << 16 } };
	struct ring r;
	struct record *rec;
	pid_t pid;
	int status;

	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	ck_assert_uint_eq(segment_nrings(&seg), 3);
	ck_assert_uint_eq(seg.rings[0].capacity, 8192); /* rounded up */
	ck_assert_uint_eq(seg.rings[1].capacity, SEG_DEFAULT_RING_CAPACITY);
	ck_assert_uint_eq(seg.rings[2].capacity, 1 << 16);
	ck_assert_int_eq(segment_ring(&seg, RING_BATCH_EXPORT, &r), 0);
	ck_assert_int_eq(segment_ring(&seg, 3, &r), -EINVAL);
	ck_assert_int_eq(ring_try_reserve(&r, 11, &rec), 0);
	rec->seq = 42;
	memcpy(record_payload(rec), "hello child", 11);
	ck_assert_int_eq(ring_publish(&r), 1);
	stats_add(segment_stats(&seg, STAGE_BATCH), STAT_RECORDS_OUT, 1);

	pid = fork();
	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		/* A separate process attaches by name and reads what we wrote. */
		struct segment s2;
		struct ring c;
		const struct record *got;
		int ok = segment_attach(&s2, inst) == 0 && segment_ring(&s2, RING_BATCH_EXPORT, &c) == 0 &&
			 ring_try_peek(&c, &got) == 0 && got->seq == 42 && got->len == 11 &&
			 memcmp(record_cpayload(got), "hello child", 11) == 0 &&
			 ring_commit(&c, ring_cursor(&c)) == 0 &&
			 stats_get(segment_stats(&s2, STAGE_BATCH), STAT_RECORDS_OUT) == 1;
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(ring_used(&r), 0); /* the child's commit is visible */
}
END_TEST

START_TEST(test_exists_missing_unlink)
{
	struct segment other;

	ck_assert_int_eq(segment_attach(&other, inst), -ENOENT);
	ck_assert_ptr_nonnull(strstr(segment_errmsg(&other), inst));
	ck_assert_int_eq(segment_create(&seg, inst, NULL), 0);
	ck_assert_uint_eq(segment_nrings(&seg), RING_PIPELINE_COUNT);
	ck_assert_int_eq(segment_create(&other, inst, NULL), -EEXIST);
	ck_assert_int_eq(segment_unlink(inst), 0);
	ck_assert_int_eq(segment_unlink(inst), -ENOENT);
	ck_assert_int_eq(segment_attach(&other, inst), -ENOENT);
}
END_TEST

START_TEST(test_layout_version_mismatch)
{
	struct segment other;

	ck_assert_int_eq(segment_create(&seg, inst, NULL), 0);
	seg.hdr->layout_version = SEG_LAYOUT_VERSION + 41;
	ck_assert_int_eq(segment_attach(&other, inst), -EPROTO);
	ck_assert_ptr_null(other.base);
	ck_assert_ptr_nonnull(strstr(segment_errmsg(&other), "layout version 43"));
	ck_assert_ptr_nonnull(strstr(segment_errmsg(&other), "expects 2"));
	seg.hdr->layout_version = SEG_LAYOUT_VERSION;
	ck_assert_int_eq(segment_attach(&other, inst), 0);
	segment_detach(&other);
}
END_TEST

START_TEST(test_damaged)
{
	struct segment other;
	uint64_t off;

	ck_assert_int_eq(segment_create(&seg, inst, NULL), 0);
	seg.hdr->magic ^= 1;
	ck_assert_int_eq(segment_attach(&other, inst), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(segment_errmsg(&other), "not a sluice segment"));
	seg.hdr->magic ^= 1;
	seg.rings[1].off += 4096 * 100000ull;
	ck_assert_int_eq(segment_attach(&other, inst), -EBADMSG);
	seg.rings[1].off -= 4096 * 100000ull;
	off = seg.rings[2].off;
	((struct ring_ctrl *)(seg.base + off))->capacity = 8192;
	ck_assert_int_eq(segment_attach(&other, inst), -ENOTRECOVERABLE);
	ck_assert_ptr_nonnull(strstr(segment_errmsg(&other), "ring 2"));
	((struct ring_ctrl *)(seg.base + off))->capacity = SEG_DEFAULT_RING_CAPACITY;
	ck_assert_int_eq(segment_attach(&other, inst), 0);
	segment_detach(&other);
	/* A file that is not even a header long. */
	char name[80];
	snprintf(name, sizeof(name), "/sluice.%s-small", inst);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 100), 0);
	close(fd);
	snprintf(name, sizeof(name), "%s-small", inst);
	ck_assert_int_eq(segment_attach(&other, name), -EBADMSG);
	ck_assert_int_eq(segment_unlink(name), 0);
}
END_TEST

START_TEST(test_instance_names)
{
	static const struct {
		const char *name;
		int rc;
	} cases[] = {
		{ "", -EINVAL },
		{ "a/b", -EINVAL },
		{ "../x", -EINVAL },
		{ "sp ace", -EINVAL },
		{ "0123456789012345678901234567890123456789012345678901234567890123x", -EINVAL },
		{ "no-such-instance_1.x", -ENOENT },
	};
	struct segment other;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(segment_attach(&other, cases[i].name) == cases[i].rc, "name \"%s\"",
			      cases[i].name);
	ck_assert_int_eq(segment_create(&other, "bad/name", NULL), -EINVAL);
	ck_assert_int_eq(segment_attach(&other, NULL), -EINVAL);
	struct segment_params p = { .nrings = SEG_MAX_RINGS + 1 };
	ck_assert_int_eq(segment_create(&other, inst, &p), -EINVAL);
	p.nrings = 1;
	p.ring_capacity[0] = RING_MAX_CAPACITY * 2;
	ck_assert_int_eq(segment_create(&other, inst, &p), -EINVAL);
}
END_TEST

START_TEST(test_wake_env)
{
	static const char *bad[] = {
		"x", "0:1", "0:1:", "0:1:2;", "9:1:2", "0:1:2,", "0:-1:2", "0:99999:2", "0:1:2 ",
	};
	struct segment other;
	char env[256];
	pid_t pid;
	int status, n;

	ck_assert_int_eq(segment_create(&seg, inst, NULL), 0);
	ck_assert_int_eq(segment_wake_create(&seg), 0);
	n = segment_wake_env(&seg, env, sizeof(env));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(segment_wake_env(&seg, env, 4), -ENOSPC);
	n = segment_wake_env(&seg, env, sizeof(env));
	ck_assert_int_eq(setenv(SEG_WAKE_ENV, env, 1), 0);
	pid = fork();
	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		/* The child inherits the fds and finds them through the env. */
		struct ring r;
		int ok = segment_attach(&other, inst) == 0 && segment_wake_import(&other, NULL) == 0 &&
			 segment_ring(&other, RING_BATCH_EXPORT, &r) == 0 &&
			 ring_data_fd(&r) == seg.data_fd[2] && ring_space_fd(&r) == seg.space_fd[2] &&
			 other.data_fd[0] == seg.data_fd[0];
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unsetenv(SEG_WAKE_ENV);

	ck_assert_int_eq(segment_attach(&other, inst), 0);
	ck_assert_int_eq(segment_wake_import(&other, NULL), 0); /* absent: none */
	ck_assert_int_eq(other.data_fd[0], -1);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(segment_wake_import(&other, bad[i]) == -EINVAL, "value \"%s\"", bad[i]);
		ck_assert_ptr_nonnull(strstr(segment_errmsg(&other), SEG_WAKE_ENV));
	}
	ck_assert_int_eq(segment_wake_import(&other, "0:1000000:1000001"), -EINVAL); /* not open */
	ck_assert_ptr_nonnull(strstr(segment_errmsg(&other), "not open"));
	segment_detach(&other);
}
END_TEST

START_TEST(test_stats_tables)
{
	struct stage_stats *st;

	for (int c = 0; c < STAT_COUNT; c++) {
		ck_assert_ptr_nonnull(stats_counter_name(c));
		for (int d = 0; d < c; d++)
			ck_assert_str_ne(stats_counter_name(c), stats_counter_name(d));
	}
	ck_assert_ptr_null(stats_counter_name(STAT_COUNT));
	ck_assert_str_eq(stats_counter_name(STAT_SPANS_REFUSED_FULL), "spans_refused_full");
	ck_assert(stats_counter_is_gauge(STAT_CONNECTIONS_OPEN));
	ck_assert(!stats_counter_is_gauge(STAT_SPANS_IN));
	ck_assert_str_eq(stats_stage_name(STAGE_SUPERVISOR), "supervisor");
	ck_assert_ptr_null(stats_stage_name(STAGE_COUNT));
	ck_assert_str_eq(stats_state_name(STAGE_STATE_DRAINING), "draining");

	ck_assert_int_eq(segment_create(&seg, inst, NULL), 0);
	ck_assert_ptr_null(segment_stats(&seg, STAGE_COUNT));
	st = segment_stats(&seg, STAGE_PROCESS);
	stats_stage_start(st);
	ck_assert_int_eq(st->pid, getpid());
	ck_assert_uint_eq(st->state, STAGE_STATE_RUNNING);
	ck_assert_uint_gt(st->started_ns, 0);
	stats_set(st, STAT_EXPORT_INFLIGHT, 7);
	stats_add(st, STAT_EXPORT_INFLIGHT, 2);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_INFLIGHT), 9);
	/* Other stages' blocks are separate. */
	ck_assert_uint_eq(stats_get(segment_stats(&seg, STAGE_EXPORT), STAT_EXPORT_INFLIGHT), 0);
	struct stats_proc *a = stats_proc_slot(st, "filter/drop_health");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(stats_proc_slot(st, "filter/drop_health"), a);
	ck_assert_ptr_nonnull(stats_proc_slot(st, "a-very-long-processor-name-longer-than-31"));
	for (int i = 2; i < STATS_MAX_PROCS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%d", i);
		ck_assert_ptr_nonnull(stats_proc_slot(st, name));
	}
	ck_assert_ptr_null(stats_proc_slot(st, "one-too-many"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_segment");
	TCase *tc = tcase_create("segment");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_attach_child);
	tcase_add_test(tc, test_exists_missing_unlink);
	tcase_add_test(tc, test_layout_version_mismatch);
	tcase_add_test(tc, test_damaged);
	tcase_add_test(tc, test_instance_names);
	tcase_add_test(tc, test_wake_env);
	tcase_add_test(tc, test_stats_tables);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
