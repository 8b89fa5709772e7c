/* test_tls_verify.c: who may talk to whom -- mTLS (no client certificate
 * and one from another CA are refused, a good one is served and named),
 * a client refusing servers whose certificate names another host, has
 * expired or comes from an unknown CA (each with OpenSSL's reason and the
 * failure counted), certificate rotation while clients keep connecting
 * (and of a client's own certificate),
 * and a crowd of handshakes that must not stall an established conn (the
 * server in its own process, with its own handshake budget). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TLSH_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(TLSH_SANITIZED)
#define TLSH_SANITIZED 1
#endif
#ifndef TLSH_SANITIZED
#define TLSH_SANITIZED 0
#endif

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/net/loop_helpers.h"
#include "tests/net/tls_helpers.h"
#include "tests/check_run.h"

static void post_and_wait(struct net_loop *loop, struct tlsh_h1cli *k, uint16_t port, struct net_tls *ct,
			  const char *name)
{
	tlsh_h1cli_post(k, loop, port, ct, name, "/v1/traces", "hi", 2);
	ck_assert(th_run_until(loop, &k->done, 10000));
}

START_TEST(mtls_requires_a_good_client_certificate)
{
	struct net_loop *loop = th_loop_new();
	struct net_tls *st = tlsh_server_tls("server", "ca", "http/1.1");
	struct tlsh_fails sf = { 0 };
	net_tls_set_fail_hook(st, tlsh_count, &sf);
	struct tlsh_h1srv s;
	tlsh_h1srv_start(&s, loop, st);
	struct tlsh_h1cli k;
	/* no client certificate: refused (TLS 1.3 says so after the client's
	 * handshake: the request fails, nothing is served) */
	struct net_tls *none = tlsh_client_tls(NULL, NULL, "http/1.1");
	post_and_wait(loop, &k, s.port, none, "127.0.0.1");
	ck_assert_int_eq(k.status, 0);
	ck_assert_int_lt(k.close_reason, 0);
	ck_assert_msg(strstr(k.error, "certificate required"), "%s", k.error);
	th_run_for(loop, 50);
	ck_assert_uint_eq(sf.n, 1);
	ck_assert_str_eq(sf.side, "server");
	ck_assert_str_eq(sf.reason, "no_client_cert");
	/* a certificate from another CA: refused, unknown CA */
	struct net_tls *other = tlsh_client_tls(NULL, "other", "http/1.1");
	post_and_wait(loop, &k, s.port, other, "127.0.0.1");
	ck_assert_int_eq(k.status, 0);
	th_run_for(loop, 50);
	ck_assert_uint_eq(sf.n, 2);
	ck_assert_str_eq(sf.reason, "unknown_ca");
	ck_assert_msg(strstr(sf.detail, "unable to get local issuer certificate"), "%s", sf.detail);
	/* the right one: served, and the server knows who it is */
	struct net_tls *good = tlsh_client_tls(NULL, "client", "http/1.1");
	post_and_wait(loop, &k, s.port, good, "127.0.0.1");
	ck_assert_int_eq(k.status, 200);
	ck_assert_str_eq(s.last_cn, "client");
	ck_assert_uint_eq(s.served, 1);
	ck_assert_uint_eq(sf.n, 2);
	struct net_tls_stats stats;
	net_tls_get_stats(st, &stats);
	ck_assert_uint_eq(stats.failures, 2);
	net_tls_free(none);
	net_tls_free(other);
	net_tls_free(good);
	net_tls_free(st);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

/* A client trusting the test CA against a server with cert `name`. */
static void expect_refused(const char *name, const char *server_name, const char *reason, const char *text)
{
	struct net_loop *loop = th_loop_new();
	struct net_tls *st = tlsh_server_tls(name, NULL, "http/1.1");
	struct tlsh_h1srv s;
	tlsh_h1srv_start(&s, loop, st);
	net_tls_free(st);
	struct net_tls *ct = tlsh_client_tls(NULL, NULL, "http/1.1");
	struct tlsh_fails cf = { 0 };
	net_tls_set_fail_hook(ct, tlsh_count, &cf);
	struct tlsh_h1cli k;
	post_and_wait(loop, &k, s.port, ct, server_name);
	ck_assert_int_eq(k.status, 0);
	ck_assert_int_eq(k.close_reason, -EKEYREJECTED);
	ck_assert_msg(strstr(k.error, "certificate verify failed") && strstr(k.error, text), "%s: %s", name,
		      k.error);
	ck_assert_uint_eq(cf.n, 1);
	ck_assert_str_eq(cf.side, "client");
	ck_assert_str_eq(cf.reason, reason);
	ck_assert_uint_eq(s.served, 0);
	net_tls_free(ct);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}

START_TEST(client_refuses_bad_server_certificates)
{
	expect_refused("wronghost", "127.0.0.1", "hostname", "IP address mismatch");
	expect_refused("wronghost", "localhost", "hostname", "hostname mismatch");
	expect_refused("expired", "127.0.0.1", "expired", "certificate has expired");
	expect_refused("other", "127.0.0.1", "unknown_ca", "unable to get local issuer certificate");
}
END_TEST

START_TEST(skip_verify_and_server_name_override)
{
	struct net_loop *loop = th_loop_new();
	struct net_tls *st = tlsh_server_tls("wronghost", NULL, "http/1.1");
	struct tlsh_h1srv s;
	tlsh_h1srv_start(&s, loop, st);
	net_tls_free(st);
	char err[256];
	struct tlsh_h1cli k;
	struct net_tls *ct;
	/* the name the certificate has */
	struct net_tls_client_config cc = { .ca_file = tlsh_cert("ca.pem"),
					    .server_name_override = "not-this-host.example" };
	ck_assert_int_eq(net_tls_client_new(&ct, &cc, "http/1.1", err, sizeof(err)), 0);
	post_and_wait(loop, &k, s.port, ct, "127.0.0.1");
	ck_assert_int_eq(k.status, 200);
	net_tls_free(ct);
	/* no verification at all (an untrusted CA and the wrong name) */
	cc = (struct net_tls_client_config){ .ca_file = tlsh_cert("other-ca.pem"),
					     .insecure_skip_verify = true };
	ck_assert_int_eq(net_tls_client_new(&ct, &cc, "http/1.1", err, sizeof(err)), 0);
	post_and_wait(loop, &k, s.port, ct, "127.0.0.1");
	ck_assert_int_eq(k.status, 200);
	net_tls_free(ct);
	/* a version the server refuses */
	cc = (struct net_tls_client_config){ .ca_file = tlsh_cert("ca.pem"), .max_version = NET_TLS_1_2 };
	ck_assert_int_eq(net_tls_client_new(&ct, &cc, NULL, err, sizeof(err)), 0);
	struct net_tls_server_config sc = { .cert_file = tlsh_cert("server.pem"),
					    .key_file = tlsh_cert("server.key"),
					    .min_version = NET_TLS_1_3 };
	struct net_tls *st13;
	ck_assert_int_eq(net_tls_server_new(&st13, &sc, NULL, err, sizeof(err)), 0);
	struct tlsh_h1srv s13;
	tlsh_h1srv_start(&s13, loop, st13);
	net_tls_free(st13);
	post_and_wait(loop, &k, s13.port, ct, "127.0.0.1");
	ck_assert_int_eq(k.status, 0);
	ck_assert_int_eq(k.close_reason, -EPROTO);
	ck_assert_msg(k.error[0], "no reason given");
	net_tls_free(ct);
	tlsh_srv_free(&s.list);
	tlsh_srv_free(&s13.list);
	net_loop_free(loop);
}
END_TEST

START_TEST(rotation_under_load)
{
	struct net_loop *loop = th_loop_new();
	char dir[200], cmd[800], err[256];
	snprintf(dir, sizeof(dir), "%s/rot", tlsh_certs());
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s %s/cert.pem && cp %s %s/key.pem", dir,
		 tlsh_cert("server.pem"), dir, tlsh_cert("server.key"), dir);
	ck_assert_int_eq(system(cmd), 0);
	char cf[220], kf[220];
	snprintf(cf, sizeof(cf), "%s/cert.pem", dir);
	snprintf(kf, sizeof(kf), "%s/key.pem", dir);
	struct net_tls_server_config sc = { .cert_file = cf, .key_file = kf, .reload_interval_ms = 20 };
	struct net_tls *st;
	ck_assert_int_eq(net_tls_server_new(&st, &sc, "http/1.1", err, sizeof(err)), 0);
	struct tlsh_fails sf = { 0 };
	net_tls_set_fail_hook(st, tlsh_count, &sf);
	struct tlsh_h1srv s;
	tlsh_h1srv_start(&s, loop, st);
	struct net_tls *ct = tlsh_client_tls(NULL, NULL, "http/1.1");
	/* one conn made before the rotation keeps working after it */
	struct tlsh_h1cli old;
	post_and_wait(loop, &old, s.port, ct, "127.0.0.1");
	ck_assert_int_eq(old.status, 200);
	enum {
		N = 8,
		ROUNDS = 40
	};
	struct tlsh_h1cli k[N];
	unsigned ok = 0;
	for (int round = 0; round < ROUNDS; round++) {
		/* the key first, then the certificate: for a few rounds they do
		 * not match, and reloads must keep the old pair then */
		if (round == ROUNDS / 4) {
			snprintf(cmd, sizeof(cmd), "cp %s %s/k.tmp && mv %s/k.tmp %s",
				 tlsh_cert("server2.key"), dir, dir, kf);
			ck_assert_int_eq(system(cmd), 0);
			th_run_for(loop, 25);
		}
		if (round == ROUNDS / 4 + 3) {
			snprintf(cmd, sizeof(cmd), "cp %s %s/c.tmp && mv %s/c.tmp %s",
				 tlsh_cert("server2.pem"), dir, dir, cf);
			ck_assert_int_eq(system(cmd), 0);
			th_run_for(loop, 25);
		}
		for (int i = 0; i < N; i++)
			tlsh_h1cli_post(&k[i], loop, s.port, ct, "127.0.0.1", "/v1/traces", "x", 1);
		for (int i = 0; i < N; i++) {
			ck_assert(th_run_until(loop, &k[i].done, 10000));
			ck_assert_msg(k[i].status == 200, "round %d: %s", round, k[i].error);
			ok++;
			net_conn_close(k[i].c);
		}
		th_run_for(loop, 5);
	}
	ck_assert_uint_eq(ok, N * ROUNDS);
	ck_assert_uint_eq(sf.n, 0);
	struct net_tls_stats stats;
	net_tls_get_stats(st, &stats);
	ck_assert_uint_ge(stats.reloads, 1);
	ck_assert_uint_ge(stats.reload_errors, 1); /* the mismatched moment */
	/* new conns see the new certificate ... */
	struct tlsh_h1cli fresh;
	post_and_wait(loop, &fresh, s.port, ct, "127.0.0.1");
	char cn[64] = "";
	ck_assert_int_eq(net_conn_peer_name(fresh.c, cn, sizeof(cn)), 0);
	ck_assert_str_eq(cn, "server2");
	/* ... and the old one still talks, with the old certificate */
	tlsh_h1cli_again(&old, "/v1/traces", "after", 5);
	ck_assert(th_run_until(loop, &old.done, 10000));
	ck_assert_int_eq(old.status, 200);
	ck_assert_int_eq(net_conn_peer_name(old.c, cn, sizeof(cn)), 0);
	ck_assert_str_eq(cn, "server");
	net_tls_free(st);
	net_tls_free(ct);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

/* The client side rotates too (exporters: tls.reload_interval): a new conn
 * after the files changed presents the new client certificate. */
START_TEST(client_rotation)
{
	struct net_loop *loop = th_loop_new();
	char dir[200], cmd[2000], err[256], cf[220], kf[220];
	snprintf(dir, sizeof(dir), "%s/crot", tlsh_certs());
	snprintf(cf, sizeof(cf), "%s/cert.pem", dir);
	snprintf(kf, sizeof(kf), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s %s && cp %s %s", dir, tlsh_cert("client.pem"), cf,
		 tlsh_cert("client.key"), kf);
	ck_assert_int_eq(system(cmd), 0);
	struct net_tls *st = tlsh_server_tls("server", "ca", "http/1.1");
	struct tlsh_h1srv s;
	tlsh_h1srv_start(&s, loop, st);
	struct net_tls_client_config cc = {
		.ca_file = tlsh_cert("ca.pem"), .cert_file = cf, .key_file = kf, .reload_interval_ms = 20
	};
	struct net_tls *ct;
	ck_assert_msg(net_tls_client_new(&ct, &cc, "http/1.1", err, sizeof(err)) == 0, "%s", err);
	struct tlsh_h1cli a, b;
	post_and_wait(loop, &a, s.port, ct, "127.0.0.1");
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(s.last_cn, "client");
	snprintf(cmd, sizeof(cmd), "cp %s %s/k.tmp && mv %s/k.tmp %s && cp %s %s/c.tmp && mv %s/c.tmp %s",
		 tlsh_cert("client2.key"), dir, dir, kf, tlsh_cert("client2.pem"), dir, dir, cf);
	ck_assert_int_eq(system(cmd), 0);
	th_run_for(loop, 40);
	post_and_wait(loop, &b, s.port, ct, "127.0.0.1");
	ck_assert_msg(b.status == 200, "%s", b.error);
	ck_assert_str_eq(s.last_cn, "client2");
	struct net_tls_stats stats;
	net_tls_get_stats(ct, &stats);
	ck_assert_uint_ge(stats.reloads, 1);
	/* the conn made before keeps talking */
	tlsh_h1cli_again(&a, "/v1/traces", "after", 5);
	ck_assert(th_run_until(loop, &a.done, 10000));
	ck_assert_int_eq(a.status, 200);
	net_tls_free(st);
	net_tls_free(ct);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

/* A client that trickles its ClientHello (a byte every 20 ms, each one
 * resetting any idle timer) is cut off by the handshake deadline. */
struct trickle {
	struct net_conn *c;
	struct net_timer t;
	unsigned sent;
	int closed;
};
static void tr_open(struct net_conn *c, int st)
{
	(void)c, (void)st;
}
static void tr_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	(void)c, (void)d, (void)n;
}
static void tr_close(struct net_conn *c, int r)
{
	struct trickle *k = net_conn_udata(c);
	(void)r;
	k->closed = 1;
	k->c = NULL;
	net_timer_cancel(net_conn_loop(c), &k->t);
}
static const struct net_conn_ops tr_ops = { tr_open, tr_data, NULL, tr_close };
static void tr_tick(struct net_timer *t, void *arg)
{
	struct trickle *k = arg;
	static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0xfc, 0x03, 0x03 };
	if (!k->c)
		return;
	net_conn_send(k->c, &hello[k->sent % sizeof(hello)], 1);
	k->sent++;
	net_timer_arm(net_conn_loop(k->c), t, 20);
}

START_TEST(trickled_handshake_times_out)
{
	struct net_loop *loop = th_loop_new();
	char err[256];
	struct net_tls_server_config sc = { .cert_file = tlsh_cert("server.pem"),
					    .key_file = tlsh_cert("server.key"),
					    .handshake_timeout_ms = 300 };
	struct net_tls *st;
	ck_assert_int_eq(net_tls_server_new(&st, &sc, NULL, err, sizeof(err)), 0);
	struct tlsh_fails sf = { 0 };
	net_tls_set_fail_hook(st, tlsh_count, &sf);
	struct tlsh_h1srv s;
	tlsh_h1srv_start(&s, loop, st);
	struct sockaddr_storage sa;
	socklen_t sl;
	ck_assert_int_eq(net_resolve("127.0.0.1", s.port, &sa, &sl), 0);
	struct trickle k = { 0 };
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, sl, &tr_ops, &k, &k.c), 0);
	net_timer_init(&k.t, tr_tick, &k);
	net_timer_arm(loop, &k.t, 20);
	/* at 20 ms a byte the trickle would last 100 s; bounded here by 500 bytes */
	while (!k.closed && k.sent < 500)
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
	ck_assert(k.closed);
	ck_assert_uint_lt(k.sent, 500);
	ck_assert_uint_eq(sf.n, 1);
	ck_assert_str_eq(sf.reason, "timeout");
	ck_assert_uint_eq(s.conns, 0); /* never handed to the server's user */
	net_tls_free(st);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

/* The server of the crowd test, in its own process (its own CPU budget):
 * writes its port, serves until SIGTERM, then writes its loop stats. */
static struct net_loop *crowd_loop;
static void crowd_stop(int sig)
{
	(void)sig;
	net_loop_stop(crowd_loop);
}

static pid_t crowd_server(int *port_fd, int *stats_fd)
{
	int p1[2], p2[2];
	ck_assert_int_eq(pipe(p1), 0);
	ck_assert_int_eq(pipe(p2), 0);
	tlsh_certs();
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid) {
		close(p1[1]);
		close(p2[1]);
		*port_fd = p1[0];
		*stats_fd = p2[0];
		return pid;
	}
	struct net_loop_opts o = { .handshake_budget_us = 300 };
	char err[200];
	if (net_loop_new(&crowd_loop, &o, err, sizeof(err)) < 0)
		_exit(2);
	struct net_tls *st = tlsh_server_tls("server", NULL, "http/1.1");
	struct tlsh_h1srv s;
	tlsh_h1srv_start(&s, crowd_loop, st);
	signal(SIGTERM, crowd_stop);
	if (write(p1[1], &s.port, sizeof(s.port)) != sizeof(s.port))
		_exit(3);
	net_loop_run(crowd_loop);
	struct net_loop_stats ls;
	net_loop_get_stats(crowd_loop, &ls);
	if (write(p2[1], &ls, sizeof(ls)) != sizeof(ls))
		_exit(4);
	_exit(0);
}

START_TEST(handshake_crowd_does_not_stall_established_data)
{
	int port_fd, stats_fd;
	pid_t pid = crowd_server(&port_fd, &stats_fd);
	uint16_t port = 0;
	ck_assert_int_eq(read(port_fd, &port, sizeof(port)), sizeof(port));
	struct net_loop *loop = th_loop_new();
	struct net_tls *ct = tlsh_client_tls(NULL, NULL, "http/1.1");
	/* the established conn: a ping-pong on /echo */
	struct tlsh_h1cli a;
	tlsh_h1cli_post(&a, loop, port, ct, "127.0.0.1", "/echo", "ping", 4);
	ck_assert(th_run_until(loop, &a.done, 10000));
	ck_assert_int_eq(a.status, 200);
	/* Under the sanitizers a handshake costs several times more CPU; a
	 * smaller crowd still outnumbers what one loop turn may handshake. */
	enum {
		M = TLSH_SANITIZED ? 60 : 300
	};
	static struct tlsh_h1cli crowd[M];
	for (int i = 0; i < M; i++)
		tlsh_h1cli_post(&crowd[i], loop, port, ct, "127.0.0.1", "/v1/traces", "x", 1);
	tlsh_h1cli_again(&a, "/echo", "ping", 4);
	unsigned pings_during = 0, served = 0;
	uint64_t end = th_now_ms() + 60000;
	while (served < M && th_now_ms() < end) {
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
		unsigned opened = 0;
		served = 0;
		for (int i = 0; i < M; i++) {
			opened += crowd[i].opened;
			served += crowd[i].status == 200;
		}
		if (a.done) {
			ck_assert_int_eq(a.status, 200);
			ck_assert_str_eq(a.body, "ping");
			if (opened < M)
				pings_during++;
			tlsh_h1cli_again(&a, "/echo", "ping", 4);
		}
	}
	ck_assert_uint_eq(served, M);
	kill(pid, SIGTERM);
	struct net_loop_stats ls;
	ck_assert_int_eq(read(stats_fd, &ls, sizeof(ls)), sizeof(ls));
	waitpid(pid, NULL, 0);
	/* The server spread the handshakes over loop turns, and the
	 * established conn's requests were answered meanwhile. */
	fprintf(stderr,
		"crowd: %u pings answered during %d handshakes; server: %llu steps, "
		"%llu deferred\n",
		pings_during, M, (unsigned long long)ls.handshake_steps,
		(unsigned long long)ls.handshake_deferrals);
	ck_assert_uint_ge(ls.handshake_steps, M);
	ck_assert_uint_gt(ls.handshake_deferrals, 0);
	ck_assert_uint_ge(pings_during, 3);
	close(port_fd);
	close(stats_fd);
	net_tls_free(ct);
	net_loop_free(loop);
}
END_TEST

int main(void)
{
	th_require_io_uring();
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("net_tls_verify");
	TCase *tc = tcase_create("verify");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, mtls_requires_a_good_client_certificate);
	tcase_add_test(tc, client_refuses_bad_server_certificates);
	tcase_add_test(tc, skip_verify_and_server_name_override);
	tcase_add_test(tc, rotation_under_load);
	tcase_add_test(tc, client_rotation);
	tcase_add_test(tc, trickled_handshake_times_out);
	tcase_add_test(tc, handshake_crowd_does_not_stall_established_data);
	suite_add_tcase(s, tc);
	return check_run(s, CK_NOFORK) ? 1 : 0;
}
