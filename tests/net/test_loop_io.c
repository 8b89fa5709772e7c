/* test_loop_io.c: the loop moving real bytes over 127.0.0.1 -- an echo
 * server with many clients (copied and by-reference sends, partial sends,
 * multi-buffer receives), pause/resume backpressure, idle timeouts closing
 * stalled clients, graceful close flushing output, abort failing queued
 * by-reference sends. Server and clients share one loop. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/net/loop_helpers.h"
#include "tests/check_run.h"

#define SCALE_ECHO_CLIENTS 64
#define ECHO_BYTES (96 * 1024)

static uint8_t pat(size_t i, int id)
{
	return (uint8_t)(i * 7 + (size_t)id * 13 + (i >> 9));
}

/* ---- echo ---- */

struct echo {
	struct net_loop *loop;
	int srv_open, srv_closed, srv_bad_reason;
	int cli_closed, cli_bad, refs_done;
};

struct cli {
	struct echo *e;
	int id;
	size_t recv_off;
	uint8_t *buf;
};

static void srv_open(struct net_conn *c, int st)
{
	struct echo *e = net_conn_udata(c);
	ck_assert_int_eq(st, 0);
	e->srv_open++;
}
static void srv_echo(struct net_conn *c, const uint8_t *d, size_t n)
{
	ck_assert_int_eq(net_conn_send(c, d, n), 0);
}
static void srv_close(struct net_conn *c, int reason)
{
	struct echo *e = net_conn_udata(c);
	e->srv_closed++;
	if (reason != 0)
		e->srv_bad_reason++;
}
static const struct net_conn_ops echo_srv = { .on_open = srv_open,
					      .on_data = srv_echo,
					      .on_close = srv_close };

static void ref_done(struct net_conn *c, void *arg, int status)
{
	struct cli *k = arg;
	(void)c;
	ck_assert_int_eq(status, 0);
	k->e->refs_done++;
}

static void cli_open(struct net_conn *c, int st)
{
	struct cli *k = net_conn_udata(c);
	ck_assert_int_eq(st, 0);
	/* first half copied in uneven pieces, second half by reference */
	size_t off = 0, half = ECHO_BYTES / 2, step = 1;
	while (off < half) {
		size_t n = step < half - off ? step : half - off;
		ck_assert_int_eq(net_conn_send(c, k->buf + off, n), 0);
		off += n;
		step = step * 3 + 1;
	}
	ck_assert_int_eq(net_conn_send_ref(c, k->buf + half, ECHO_BYTES - half, ref_done, k), 0);
	ck_assert_uint_eq(net_conn_out_pending(c) > 0, 1);
}

static void cli_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct cli *k = net_conn_udata(c);
	for (size_t i = 0; i < n; i++)
		if (d[i] != pat(k->recv_off + i, k->id)) {
			k->e->cli_bad++;
			break;
		}
	k->recv_off += n;
	if (k->recv_off >= ECHO_BYTES)
		net_conn_close(c);
}

static void cli_close(struct net_conn *c, int reason)
{
	struct cli *k = net_conn_udata(c);
	ck_assert_int_eq(reason, 0);
	ck_assert_uint_eq(k->recv_off, ECHO_BYTES);
	k->e->cli_closed++;
}
static const struct net_conn_ops echo_cli = { .on_open = cli_open,
					      .on_data = cli_data,
					      .on_close = cli_close };

START_TEST(test_echo_many_clients)
{
	struct echo e = { .loop = th_loop_new_opts(&th_variants[_i]) };
	struct net_listener *l;
	ck_assert_int_eq(net_listen(e.loop, "127.0.0.1", 0, 0, &echo_srv, &e, &l), 0);
	struct sockaddr_storage sa;
	socklen_t salen;
	ck_assert_int_eq(net_resolve("127.0.0.1", net_listener_port(l), &sa, &salen), 0);
	static struct cli k[SCALE_ECHO_CLIENTS];
	for (int i = 0; i < SCALE_ECHO_CLIENTS; i++) {
		k[i] = (struct cli){ .e = &e, .id = i, .buf = malloc(ECHO_BYTES) };
		for (size_t j = 0; j < ECHO_BYTES; j++)
			k[i].buf[j] = pat(j, i);
		struct net_conn *c;
		ck_assert_int_eq(net_connect(e.loop, (struct sockaddr *)&sa, salen, &echo_cli, &k[i], &c), 0);
	}
	int done = 0;
	uint64_t end = th_now_ms() + 30000;
	while (!done && th_now_ms() < end) {
		ck_assert_int_ge(net_loop_run_once(e.loop, 20), 0);
		done = e.cli_closed == SCALE_ECHO_CLIENTS && e.srv_closed == SCALE_ECHO_CLIENTS;
	}
	ck_assert_int_eq(e.srv_open, SCALE_ECHO_CLIENTS);
	ck_assert_int_eq(e.cli_closed, SCALE_ECHO_CLIENTS);
	ck_assert_int_eq(e.srv_closed, SCALE_ECHO_CLIENTS);
	ck_assert_int_eq(e.srv_bad_reason, 0);
	ck_assert_int_eq(e.cli_bad, 0);
	ck_assert_int_eq(e.refs_done, SCALE_ECHO_CLIENTS);
	ck_assert_uint_eq(net_loop_conn_count(e.loop), 0);
	for (int i = 0; i < SCALE_ECHO_CLIENTS; i++)
		free(k[i].buf);
	net_listener_close(l);
	net_loop_free(e.loop);
}
END_TEST

/* The supervisor forks children while its loop runs: the parent's loop must
 * keep receiving (buffer ring page and all) while a child is alive. */
START_TEST(test_echo_while_forked_child_lives)
{
	struct echo e = { .loop = th_loop_new() };
	struct net_listener *l;
	ck_assert_int_eq(net_listen(e.loop, "127.0.0.1", 0, 0, &echo_srv, &e, &l), 0);
	th_run_for(e.loop, 10);
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char b;
		close(pfd[1]);
		(void)!read(pfd[0], &b, 1); /* until the parent is done (or dies) */
		_exit(0);
	}
	close(pfd[0]);
	struct sockaddr_storage sa;
	socklen_t salen;
	ck_assert_int_eq(net_resolve("127.0.0.1", net_listener_port(l), &sa, &salen), 0);
	static struct cli k[8];
	for (int i = 0; i < 8; i++) {
		k[i] = (struct cli){ .e = &e, .id = i, .buf = malloc(ECHO_BYTES) };
		for (size_t j = 0; j < ECHO_BYTES; j++)
			k[i].buf[j] = pat(j, i);
		struct net_conn *c;
		ck_assert_int_eq(net_connect(e.loop, (struct sockaddr *)&sa, salen, &echo_cli, &k[i], &c), 0);
	}
	uint64_t end = th_now_ms() + 30000;
	while ((e.cli_closed < 8 || e.srv_closed < 8) && th_now_ms() < end)
		ck_assert_int_ge(net_loop_run_once(e.loop, 20), 0);
	close(pfd[1]);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(e.cli_closed, 8);
	ck_assert_int_eq(e.cli_bad, 0);
	for (int i = 0; i < 8; i++)
		free(k[i].buf);
	net_listener_close(l);
	net_loop_free(e.loop);
}
END_TEST

/* ---- pause / resume ---- */

#define PAUSE_BYTES (32u << 20)

struct pz {
	struct net_conn *srv;
	size_t got;
	int bad;
	int closed;
};

static void pz_open(struct net_conn *c, int st)
{
	struct pz *p = net_conn_udata(c);
	(void)st;
	p->srv = c;
}
static void pz_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct pz *p = net_conn_udata(c);
	ck_assert(!net_conn_paused(c));
	for (size_t i = 0; i < n; i++)
		if (d[i] != pat(p->got + i, 1))
			p->bad++;
	if (p->got == 0)
		net_conn_pause(c); /* pause inside on_data, like ingest on a full ring */
	p->got += n;
	if (p->got == PAUSE_BYTES)
		net_conn_close(c);
}
static void pz_close(struct net_conn *c, int reason)
{
	struct pz *p = net_conn_udata(c);
	ck_assert_int_eq(reason, 0);
	p->closed = 1;
}
static const struct net_conn_ops pz_srv = { .on_open = pz_open, .on_data = pz_data, .on_close = pz_close };

static void sink_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	(void)c;
	(void)d;
	(void)n;
}
static void sink_close(struct net_conn *c, int reason)
{
	int *f = net_conn_udata(c);
	(void)reason;
	*f = 1;
}
static const struct net_conn_ops sink_cli = { .on_data = sink_data, .on_close = sink_close };

START_TEST(test_pause_resume_backpressure)
{
	struct net_loop *loop = th_loop_new_opts(&th_variants[_i]);
	struct pz p = { 0 };
	struct net_listener *l;
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", 0, 0, &pz_srv, &p, &l), 0);
	struct sockaddr_storage sa;
	socklen_t salen;
	ck_assert_int_eq(net_resolve("127.0.0.1", net_listener_port(l), &sa, &salen), 0);
	uint8_t *big = malloc(PAUSE_BYTES);
	for (size_t i = 0; i < PAUSE_BYTES; i++)
		big[i] = pat(i, 1);
	int cli_closed = 0;
	struct net_conn *c;
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, salen, &sink_cli, &cli_closed, &c), 0);
	ck_assert_int_eq(net_conn_send_ref(c, big, PAUSE_BYTES, NULL, NULL), 0);
	/* Wait for the first bytes (which pause the server), then let time pass:
     * no more on_data while paused, and the client's queue backs up. */
	uint64_t end = th_now_ms() + 10000;
	while (p.got == 0 && th_now_ms() < end)
		net_loop_run_once(loop, 20);
	ck_assert_uint_gt(p.got, 0);
	ck_assert(net_conn_paused(p.srv));
	th_run_for(loop, 300);
	size_t at_pause = p.got;
	th_run_for(loop, 200);
	ck_assert_uint_eq(p.got, at_pause);
	ck_assert_uint_gt(net_conn_out_pending(c), 0); /* TCP pushed back */
	net_conn_resume(p.srv);
	ck_assert(th_run_until(loop, &p.closed, 30000));
	ck_assert_uint_eq(p.got, PAUSE_BYTES);
	ck_assert_int_eq(p.bad, 0);
	ck_assert(th_run_until(loop, &cli_closed, 5000));
	free(big);
	net_listener_close(l);
	net_loop_free(loop);
}
END_TEST

/* ---- idle timeout: stalled clients are closed by the server ---- */

struct idle {
	int srv_timeouts, srv_other, cli_closed;
};
static void idle_open(struct net_conn *c, int st)
{
	(void)st;
	net_conn_set_idle_timeout(c, 150);
}
static void idle_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	(void)c;
	(void)d;
	(void)n;
}
static void idle_close(struct net_conn *c, int reason)
{
	struct idle *s = net_conn_udata(c);
	if (reason == -ETIMEDOUT)
		s->srv_timeouts++;
	else
		s->srv_other++;
}
static const struct net_conn_ops idle_srv = { .on_open = idle_open,
					      .on_data = idle_data,
					      .on_close = idle_close };
static void idlec_close(struct net_conn *c, int reason)
{
	struct idle *s = net_conn_udata(c);
	(void)reason;
	s->cli_closed++;
}
static const struct net_conn_ops idle_cli = { .on_data = idle_data, .on_close = idlec_close };

START_TEST(test_idle_timeout_closes_stalled_client)
{
	struct net_loop *loop = th_loop_new_opts(&th_variants[_i]);
	struct idle s = { 0 };
	struct net_listener *l;
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", 0, 0, &idle_srv, &s, &l), 0);
	struct sockaddr_storage sa;
	socklen_t salen;
	ck_assert_int_eq(net_resolve("127.0.0.1", net_listener_port(l), &sa, &salen), 0);
	struct net_conn *a, *b;
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, salen, &idle_cli, &s, &a), 0);
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, salen, &idle_cli, &s, &b), 0);
	/* a says nothing; b sends half a request and stalls */
	ck_assert_int_eq(net_conn_send(b, "POST /v1/traces HTTP/1.1\r\nContent-Le", 36), 0);
	uint64_t end = th_now_ms() + 10000;
	while ((s.srv_timeouts < 2 || s.cli_closed < 2) && th_now_ms() < end)
		net_loop_run_once(loop, 20);
	ck_assert_int_eq(s.srv_timeouts, 2);
	ck_assert_int_eq(s.srv_other, 0);
	ck_assert_int_eq(s.cli_closed, 2); /* the clients saw the server hang up */
	net_listener_close(l);
	net_loop_free(loop);
}
END_TEST

/* ---- graceful close flushes; abort fails queued references ---- */

#define FLUSH_BYTES (8u << 20)
#define ABORT_BYTES (64u << 20)

struct gc {
	uint8_t *big;
	size_t size;
	size_t cli_got;
	int cli_closed, cli_reason, srv_closed, srv_reason, ref_status, ref_called;
	int abort_mode;
	struct net_conn *srv;
};
static void gc_ref(struct net_conn *c, void *arg, int status)
{
	struct gc *g = arg;
	(void)c;
	g->ref_status = status;
	g->ref_called++;
}
static void gc_srv_open(struct net_conn *c, int st)
{
	struct gc *g = net_conn_udata(c);
	(void)st;
	g->srv = c;
	ck_assert_int_eq(net_conn_send_ref(c, g->big, g->size, gc_ref, g), 0);
	if (!g->abort_mode) {
		net_conn_close(c);
		ck_assert_int_eq(net_conn_send(c, "x", 1), -EPIPE); /* closing: refused */
	}
}
static void gc_srv_close(struct net_conn *c, int reason)
{
	struct gc *g = net_conn_udata(c);
	g->srv_closed = 1;
	g->srv_reason = reason;
}
static const struct net_conn_ops gc_srv = { .on_open = gc_srv_open,
					    .on_data = idle_data,
					    .on_close = gc_srv_close };
static void gc_cli_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct gc *g = net_conn_udata(c);
	ck_assert_int_eq(memcmp(d, g->big + g->cli_got, n), 0);
	g->cli_got += n;
	if (g->abort_mode)
		net_conn_pause(c); /* stop reading so the server's send stays queued */
}
static void gc_cli_close(struct net_conn *c, int reason)
{
	struct gc *g = net_conn_udata(c);
	g->cli_closed = 1;
	g->cli_reason = reason;
}
static const struct net_conn_ops gc_cli = { .on_data = gc_cli_data, .on_close = gc_cli_close };

static void run_gc(struct gc *g)
{
	struct net_loop *loop = th_loop_new();
	struct net_listener *l;
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", 0, 0, &gc_srv, g, &l), 0);
	struct sockaddr_storage sa;
	socklen_t salen;
	ck_assert_int_eq(net_resolve("127.0.0.1", net_listener_port(l), &sa, &salen), 0);
	struct net_conn *c;
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, salen, &gc_cli, g, &c), 0);
	if (g->abort_mode) {
		uint64_t end = th_now_ms() + 10000;
		while (!g->cli_got && th_now_ms() < end)
			net_loop_run_once(loop, 20);
		th_run_for(loop, 100);
		ck_assert_int_eq(g->ref_called, 0);
		net_conn_abort(g->srv);
		ck_assert(th_run_until(loop, &g->srv_closed, 5000));
		net_conn_abort(c);
		ck_assert(th_run_until(loop, &g->cli_closed, 5000));
	} else {
		ck_assert(th_run_until(loop, &g->cli_closed, 30000));
		ck_assert(th_run_until(loop, &g->srv_closed, 5000));
	}
	net_listener_close(l);
	net_loop_free(loop);
}

START_TEST(test_graceful_close_flushes_output)
{
	struct gc g = { .big = malloc(FLUSH_BYTES), .size = FLUSH_BYTES };
	for (size_t i = 0; i < FLUSH_BYTES; i++)
		g.big[i] = pat(i, 3);
	run_gc(&g);
	ck_assert_uint_eq(g.cli_got, FLUSH_BYTES);
	ck_assert_int_eq(g.cli_reason, 0);
	ck_assert_int_eq(g.srv_reason, 0);
	ck_assert_int_eq(g.ref_called, 1);
	ck_assert_int_eq(g.ref_status, 0);
	free(g.big);
}
END_TEST

START_TEST(test_abort_fails_queued_ref)
{
	/* more than socket buffers can absorb, so the send stays queued */
	struct gc g = { .big = malloc(ABORT_BYTES), .size = ABORT_BYTES, .abort_mode = 1 };
	memset(g.big, 'z', ABORT_BYTES);
	run_gc(&g);
	ck_assert_int_eq(g.srv_reason, -ECONNABORTED);
	ck_assert_int_eq(g.ref_called, 1);
	ck_assert_int_lt(g.ref_status, 0);
	ck_assert_int_eq(g.cli_reason, -ECONNABORTED);
	free(g.big);
}
END_TEST

int main(void)
{
	th_require_io_uring();
	Suite *s = suite_create("net_loop_io");
	TCase *tc = tcase_create("io");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_echo_many_clients, 0, TH_NVARIANTS);
	tcase_add_test(tc, test_echo_while_forked_child_lives);
	tcase_add_loop_test(tc, test_pause_resume_backpressure, 0, TH_NVARIANTS);
	tcase_add_loop_test(tc, test_idle_timeout_closes_stalled_client, 0, TH_NVARIANTS);
	tcase_add_test(tc, test_graceful_close_flushes_output);
	tcase_add_test(tc, test_abort_fails_queued_ref);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
