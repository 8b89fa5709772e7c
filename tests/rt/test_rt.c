/* The stage runtime: what every stage relies on at start and stop.
 * Each case that changes signal masks or waits runs in a forked child
 * (Check's fork mode), so cases never see each other's state. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt/rt.h"
#include "tests/check_run.h"

static char g_dir[] = "/tmp/rt_test_XXXXXX";

static void inst(char *buf, size_t n, const char *tag)
{
	snprintf(buf, n, "rt%ld%s", (long)getpid(), tag);
}

/* A config file naming `instance`; returns its path (static buffer). */
static const char *cfg_file(const char *instance, const char *extra)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s.yaml", g_dir, instance);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "sluice:\n  instance: %s\n%s", instance, extra ? extra : "");
	fclose(f);
	return path;
}

static bool open_with(struct rt *rt, const char *path, int *code)
{
	char *argv[] = { "sluice-test", "-c", (char *)path, NULL };
	return rt_open(rt, 3, argv, STAGE_PROCESS, "test stage", code);
}

START_TEST(usage_and_help)
{
	struct rt rt;
	int code = -1;
	char *bad[] = { "sluice-test", "-x", NULL };
	ck_assert(!rt_open(&rt, 2, bad, STAGE_PROCESS, "test", &code));
	ck_assert_int_eq(code, 2);
	char *extra[] = { "sluice-test", "surplus", NULL };
	ck_assert(!rt_open(&rt, 2, extra, STAGE_PROCESS, "test", &code));
	ck_assert_int_eq(code, 2);
	char *help[] = { "sluice-test", "-h", NULL };
	ck_assert(!rt_open(&rt, 2, help, STAGE_PROCESS, "test", &code));
	ck_assert_int_eq(code, 0);
}
END_TEST

START_TEST(config_error_is_exit_2)
{
	char name[64];
	inst(name, sizeof(name), "cfg");
	const char *path = cfg_file(name, "  no_such_key: 1\n");
	struct rt rt;
	int code = -1;
	ck_assert(!open_with(&rt, path, &code));
	ck_assert_int_eq(code, 2);
}
END_TEST

START_TEST(no_segment_is_exit_1_after_the_wait)
{
	char name[64];
	inst(name, sizeof(name), "none");
	const char *path = cfg_file(name, NULL);
	struct rt rt;
	int code = -1;
	uint64_t t0 = rt_mono_ns();
	ck_assert(!open_with(&rt, path, &code));
	ck_assert_int_eq(code, 1);
	/* it waited for a supervisor to create the segment before giving up */
	ck_assert_uint_ge(rt_mono_ns() - t0, (uint64_t)RT_ATTACH_WAIT_MS * 1000000ull / 2);
}
END_TEST

/* The supervisor may create the segment a little after it started us. */
START_TEST(attach_waits_for_a_late_segment)
{
	char name[64];
	inst(name, sizeof(name), "late");
	const char *path = cfg_file(name, NULL);
	segment_unlink(name);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		usleep(300000);
		struct segment seg;
		struct segment_params p = { .nrings = 3 };
		for (int i = 0; i < 3; i++)
			p.ring_capacity[i] = 1 << 16;
		_exit(segment_create(&seg, name, &p) == 0 ? 0 : 1);
	}
	struct rt rt;
	int code = -1;
	bool ok = open_with(&rt, path, &code);
	int status;
	waitpid(child, &status, 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_msg(ok, "rt_open failed with exit code %d", code);
	ck_assert_ptr_nonnull(rt.st);
	ck_assert_uint_eq(atomic_load(&rt.st->state), STAGE_STATE_STARTING);
	ck_assert_int_eq(atomic_load(&rt.st->pid), getpid());
	rt_ready(&rt);
	ck_assert_uint_eq(atomic_load(&rt.st->state), STAGE_STATE_RUNNING);
	struct stage_stats *st = rt.st;
	struct segment keep; /* map it once more to read the block after rt_close */
	ck_assert_int_eq(segment_attach(&keep, name), 0);
	st = segment_stats(&keep, STAGE_PROCESS);
	ck_assert_int_eq(rt_close(&rt, 0), 0);
	ck_assert_uint_eq(atomic_load(&st->state), STAGE_STATE_STOPPED);
	segment_detach(&keep);
	segment_unlink(name);
}
END_TEST

/* SIGTERM during start-up or work does not kill the stage: it is read
 * from the signalfd, so the stage can drain. */
START_TEST(stop_signal_is_read_not_fatal)
{
	struct rt_stop s;
	ck_assert_int_eq(rt_stop_init(&s), 0);
	ck_assert(!rt_stop_poll(&s));
	ck_assert_int_eq(kill(getpid(), SIGTERM), 0);
	ck_assert(rt_stop_poll(&s));
	ck_assert_int_eq(s.signo, SIGTERM);
	/* a second signal keeps the first one's name */
	ck_assert_int_eq(kill(getpid(), SIGINT), 0);
	ck_assert(rt_stop_check(&s));
	ck_assert_int_eq(s.signo, SIGTERM);
	rt_stop_close(&s);
}
END_TEST

/* rt_stop_check reads the fd at most once per RT_STOP_POLL_NS: a signal
 * that arrives right after a check is seen by a check one period later. */
START_TEST(stop_check_is_rate_limited)
{
	struct rt_stop s;
	ck_assert_int_eq(rt_stop_init(&s), 0);
	ck_assert(!rt_stop_check(&s));
	ck_assert_int_eq(kill(getpid(), SIGTERM), 0);
	ck_assert(!rt_stop_check(&s)); /* within the period: not read yet */
	uint64_t until = rt_mono_ns() + 2000000000ull;
	bool seen = false;
	while (!seen && rt_mono_ns() < until)
		seen = rt_stop_check(&s);
	ck_assert(seen);
	rt_stop_close(&s);
}
END_TEST

START_TEST(ms_ceil)
{
	ck_assert_uint_eq(rt_ms_ceil(0), 0);
	ck_assert_uint_eq(rt_ms_ceil(1), 1);
	ck_assert_uint_eq(rt_ms_ceil(1000000), 1);
	ck_assert_uint_eq(rt_ms_ceil(1000001), 2);
	ck_assert_uint_eq(rt_ms_ceil(UINT64_MAX), UINT32_MAX);
}
END_TEST

int main(void)
{
	if (!mkdtemp(g_dir)) {
		perror("mkdtemp");
		return 1;
	}
	Suite *s = suite_create("rt");
	TCase *tc = tcase_create("rt");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, usage_and_help);
	tcase_add_test(tc, config_error_is_exit_2);
	tcase_add_test(tc, no_segment_is_exit_1_after_the_wait);
	tcase_add_test(tc, attach_waits_for_a_late_segment);
	tcase_add_test(tc, stop_signal_is_read_not_fatal);
	tcase_add_test(tc, stop_check_is_rate_limited);
	tcase_add_test(tc, ms_ceil);
	suite_add_tcase(s, tc);
	int failed = check_run(s, CK_FORK_GETENV);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", g_dir);
	return failed ? 1 : 0;
}
