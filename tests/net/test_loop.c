/* test_loop.c: loop mechanics that need no traffic -- timers, fd watches
 * woken by an eventfd, listener options, failed connects, and the message a
 * user gets when io_uring is unavailable (simulated with seccomp). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/net/loop_helpers.h"
#include "tests/check_run.h"

/* ---- timers ---- */

struct tctx {
	struct net_loop *loop;
	int order[8];
	int n;
	int done;
	struct net_timer *rearm;
	int rearms;
};

struct tnode {
	struct net_timer t;
	struct tctx *ctx;
	int id;
};

static void t_fire(struct net_timer *t, void *arg)
{
	struct tnode *n = arg;
	(void)t;
	if (n->ctx->n < 8)
		n->ctx->order[n->ctx->n++] = n->id;
	if (n->id == 4 && ++n->ctx->rearms < 3) /* re-arm from its own callback */
		net_timer_arm(n->ctx->loop, &n->t, 1);
	if (n->id == 4 && n->ctx->rearms == 3)
		n->ctx->done = 1;
}

START_TEST(test_timers_order_cancel_rearm)
{
	struct tctx ctx = { .loop = th_loop_new() };
	struct tnode n[5];
	uint64_t ms[5] = { 60, 20, 40, 30, 80 };
	for (int i = 0; i < 5; i++) {
		n[i].ctx = &ctx;
		n[i].id = i;
		net_timer_init(&n[i].t, t_fire, &n[i]);
		ck_assert_int_eq(net_timer_arm(ctx.loop, &n[i].t, ms[i]), 0);
	}
	net_timer_cancel(ctx.loop, &n[3].t);
	net_timer_cancel(ctx.loop, &n[3].t); /* twice is harmless */
	ck_assert(!net_timer_armed(&n[3].t));
	ck_assert(net_timer_armed(&n[0].t));
	ck_assert(th_run_until(ctx.loop, &ctx.done, 5000));
	/* deadlines 20, 40, 60, 80 then two re-arms of timer 4; 3 never fires */
	int want[] = { 1, 2, 0, 4, 4, 4 };
	ck_assert_int_eq(ctx.n, 6);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(ctx.order[i], want[i]);
	net_loop_free(ctx.loop);
}
END_TEST

/* ---- eventfd watch ---- */

struct wctx {
	struct net_loop *loop;
	struct net_watch *w;
	int efd;
	int calls;
	uint64_t sum;
	int done;
	struct net_timer kick;
	int kicks;
};

static void w_fire(struct net_watch *w, int fd, void *arg)
{
	struct wctx *c = arg;
	uint64_t v;
	ck_assert_ptr_eq(w, c->w);
	ck_assert_int_eq(read(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	c->calls++;
	c->sum += v;
	if (c->sum == 1 + 2 + 3)
		c->done = 1;
}

static void w_kick(struct net_timer *t, void *arg)
{
	struct wctx *c = arg;
	uint64_t v = (uint64_t)++c->kicks;
	ck_assert_int_eq(write(c->efd, &v, sizeof(v)), (ssize_t)sizeof(v));
	if (c->kicks < 3)
		net_timer_arm(c->loop, t, 5);
}

START_TEST(test_watch_eventfd_wakeup)
{
	struct wctx c = { .loop = th_loop_new() };
	c.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ck_assert_int_ge(c.efd, 0);
	ck_assert_int_eq(net_watch_add(c.loop, c.efd, w_fire, &c, &c.w), 0);
	net_timer_init(&c.kick, w_kick, &c);
	net_timer_arm(c.loop, &c.kick, 5);
	ck_assert(th_run_until(c.loop, &c.done, 5000));
	ck_assert_uint_eq(c.sum, 6);
	ck_assert_int_ge(c.calls, 1);
	ck_assert_int_le(c.calls, 3);
	/* After removal the callback never runs, even if the fd is readable. */
	net_watch_remove(c.w);
	int before = c.calls;
	uint64_t v = 9;
	ck_assert_int_eq(write(c.efd, &v, sizeof(v)), (ssize_t)sizeof(v));
	th_run_for(c.loop, 50);
	ck_assert_int_eq(c.calls, before);
	close(c.efd);
	net_loop_free(c.loop);
}
END_TEST

/* A watch that is not drained keeps firing (level-triggered). */
static void w_count_only(struct net_watch *w, int fd, void *arg)
{
	int *n = arg;
	(void)fd;
	if (++*n == 5)
		net_watch_remove(w); /* removing from inside the callback is allowed */
}

START_TEST(test_watch_level_triggered_and_remove_in_callback)
{
	struct net_loop *loop = th_loop_new();
	int efd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	int n = 0;
	ck_assert_int_eq(net_watch_add(loop, efd, w_count_only, &n, NULL), 0);
	th_run_for(loop, 100);
	ck_assert_int_eq(n, 5);
	close(efd);
	net_loop_free(loop);
}
END_TEST

/* A watch on a bad fd tells its callback once and does not spin. */
static void w_bad(struct net_watch *w, int fd, void *arg)
{
	int *n = arg;
	uint64_t v;
	(void)w;
	ck_assert_int_lt(read(fd, &v, sizeof(v)), 0);
	++*n;
}

START_TEST(test_watch_bad_fd_fires_once)
{
	struct net_loop *loop = th_loop_new();
	int efd = eventfd(0, EFD_CLOEXEC);
	close(efd); /* now a closed descriptor number */
	int n = 0;
	struct net_watch *w;
	ck_assert_int_eq(net_watch_add(loop, efd, w_bad, &n, &w), 0);
	th_run_for(loop, 100);
	ck_assert_int_eq(n, 1);
	net_watch_remove(w);
	th_run_for(loop, 10);
	net_loop_free(loop);
}
END_TEST

/* ---- listeners and connects ---- */

static void nop_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	(void)c;
	(void)d;
	(void)n;
}
static int g_open_called, g_close_reason, g_closed;
static void rec_open(struct net_conn *c, int st)
{
	(void)c;
	(void)st;
	g_open_called++;
}
static void rec_close(struct net_conn *c, int reason)
{
	(void)c;
	g_close_reason = reason;
	g_closed = 1;
}
static const struct net_conn_ops rec_ops = { .on_open = rec_open,
					     .on_data = nop_data,
					     .on_close = rec_close };

START_TEST(test_connect_refused)
{
	struct net_loop *loop = th_loop_new();
	struct net_listener *l;
	/* Grab a free port, then close the listener so nothing listens there. */
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", 0, 0, &rec_ops, NULL, &l), 0);
	uint16_t port = net_listener_port(l);
	ck_assert_uint_ne(port, 0);
	net_listener_close(l);
	th_run_for(loop, 20);
	struct sockaddr_storage sa;
	socklen_t salen;
	ck_assert_int_eq(net_resolve("127.0.0.1", port, &sa, &salen), 0);
	struct net_conn *c;
	g_open_called = g_closed = 0;
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, salen, &rec_ops, NULL, &c), 0);
	ck_assert(th_run_until(loop, &g_closed, 5000));
	ck_assert_int_eq(g_close_reason, -ECONNREFUSED);
	ck_assert_int_eq(g_open_called, 0);
	ck_assert_uint_eq(net_loop_conn_count(loop), 0);
	net_loop_free(loop);
}
END_TEST

START_TEST(test_listen_reuseport)
{
	struct net_loop *loop = th_loop_new();
	struct net_listener *a, *b, *c;
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", 0, NET_LISTEN_REUSEPORT, &rec_ops, NULL, &a), 0);
	uint16_t port = net_listener_port(a);
	/* same port twice: only with SO_REUSEPORT on both */
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", port, NET_LISTEN_REUSEPORT, &rec_ops, NULL, &b), 0);
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", port, 0, &rec_ops, NULL, &c), -EADDRINUSE);
	ck_assert_uint_eq(net_listener_port(b), port);
	net_listener_close(a);
	net_listener_close(b);
	th_run_for(loop, 20);
	net_loop_free(loop);
}
END_TEST

/* ---- io_uring unavailable: seccomp makes io_uring_setup fail ---- */

static int child_without_io_uring(int err_no, const char *want)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err_no & SECCOMP_RET_DATA)),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
			_exit(3);
		struct net_loop *loop = NULL;
		char err[256] = "";
		int rc = net_loop_new(&loop, NULL, err, sizeof(err));
		_exit(rc == -err_no && strstr(err, want) ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

START_TEST(test_io_uring_unavailable_message)
{
	ck_assert_int_eq(child_without_io_uring(EPERM, "io_uring is disabled"), 0);
	ck_assert_int_eq(child_without_io_uring(ENOSYS, "io_uring is not available"), 0);
}
END_TEST

START_TEST(test_bad_opts)
{
	struct net_loop *loop = NULL;
	struct net_loop_opts o = { .buf_count = 100 };
	char err[128];
	ck_assert_int_eq(net_loop_new(&loop, &o, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(loop);
}
END_TEST

int main(void)
{
	th_require_io_uring();
	Suite *s = suite_create("net_loop");
	TCase *tc = tcase_create("loop");
	tcase_add_test(tc, test_timers_order_cancel_rearm);
	tcase_add_test(tc, test_watch_eventfd_wakeup);
	tcase_add_test(tc, test_watch_level_triggered_and_remove_in_callback);
	tcase_add_test(tc, test_watch_bad_fd_fires_once);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_listen_reuseport);
	tcase_add_test(tc, test_io_uring_unavailable_message);
	tcase_add_test(tc, test_bad_opts);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
