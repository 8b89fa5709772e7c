/* bench_tls: new connections per second through the loop, TLS (full
 * handshakes) beside plain TCP.
 *
 *   bench_tls [seconds] [window]        (defaults 3 and 32)
 *
 * The server is a child process pinned to CPU 0 (an HTTP/1.1 listener on
 * the loop, TLS or not); the client, this process pinned to CPU 1, keeps
 * `window` connects in flight and closes each conn as soon as it is open
 * (after the handshake). Rows: plain TCP; TLS 1.3 and 1.2 with an ECDSA
 * P-256 and an RSA-2048 server certificate (no session resumption). For
 * each: conns/s (wall) and conns per CPU-second of the server process,
 * the "per core" figure, which does not depend on how fast the client is.
 */
#include <check.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/net/loop_helpers.h"
#include "tests/net/tls_helpers.h"

static double secs = 3;
static int window = 32;
static struct net_loop *srv_loop;

static void srv_stop(int sig)
{
	(void)sig;
	net_loop_stop(srv_loop);
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static double proc_cpu_s(pid_t pid)
{
	char path[64];
	unsigned long ut = 0, st = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	/* fields 14 and 15 (after the parenthesised name) */
	if (fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		ut = st = 0;
	fclose(f);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

struct cli {
	struct net_loop *loop;
	struct net_tls *tls;
	struct sockaddr_storage sa;
	socklen_t sl;
	unsigned done, failed, inflight;
	bool stop;
};

static void cli_start(struct cli *k);

static void c_open(struct net_conn *c, int st)
{
	struct cli *k = net_conn_udata(c);
	(void)st;
	k->done++;
	net_conn_close(c);
}

static void c_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	(void)c, (void)d, (void)n;
}

static void c_close(struct net_conn *c, int reason)
{
	struct cli *k = net_conn_udata(c);
	if (reason < 0 && reason != -ECONNRESET)
		k->failed++;
	k->inflight--;
	if (!k->stop)
		cli_start(k);
}

static const struct net_conn_ops c_ops = { c_open, c_data, NULL, c_close };

static void cli_start(struct cli *k)
{
	struct net_conn *c;
	if (net_connect(k->loop, (struct sockaddr *)&k->sa, k->sl, &c_ops, k, &c) < 0)
		return;
	k->inflight++;
	net_conn_start_tls(c, k->tls, "127.0.0.1");
}

static void row(const char *name, const char *cert, enum net_tls_version max)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	tlsh_certs();
	pid_t pid = fork();
	if (pid == 0) {
		pin(0);
		char err[200];
		if (net_loop_new(&srv_loop, NULL, err, sizeof(err)) < 0)
			_exit(2);
		struct net_tls *st = cert ? tlsh_server_tls(cert, NULL, "http/1.1") : NULL;
		struct tlsh_h1srv s;
		tlsh_h1srv_start(&s, srv_loop, st);
		signal(SIGTERM, srv_stop);
		if (write(p[1], &s.port, sizeof(s.port)) != sizeof(s.port))
			_exit(3);
		net_loop_run(srv_loop);
		_exit(0);
	}
	pin(1);
	uint16_t port;
	ck_assert_int_eq(read(p[0], &port, sizeof(port)), sizeof(port));
	struct cli k = { .loop = th_loop_new() };
	ck_assert_int_eq(net_resolve("127.0.0.1", port, &k.sa, &k.sl), 0);
	if (cert) {
		char err[200], ca[200];
		snprintf(ca, sizeof(ca), "%s/ca.pem", tlsh_certs());
		struct net_tls_client_config cc = { .ca_file = ca, .max_version = max };
		ck_assert_int_eq(net_tls_client_new(&k.tls, &cc, "http/1.1", err, sizeof(err)), 0);
	}
	th_run_for(k.loop, 100);
	for (int i = 0; i < window; i++)
		cli_start(&k);
	th_run_for(k.loop, 300); /* warm up */
	unsigned d0 = k.done;
	double s0 = proc_cpu_s(pid), w0 = (double)th_now_ms() / 1e3;
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	double c0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	th_run_for(k.loop, (int)(secs * 1000));
	unsigned n = k.done - d0;
	double wall = (double)th_now_ms() / 1e3 - w0, scpu = proc_cpu_s(pid) - s0;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	double ccpu = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - c0;
	k.stop = true;
	for (int i = 0; i < 500 && k.inflight; i++)
		net_loop_run_once(k.loop, 10);
	printf("%-28s %9.0f %14.0f %10.0f %8.2f %8.2f %6u\n", name, n / wall, scpu > 0 ? n / scpu : 0,
	       ccpu > 0 ? n / ccpu : 0, scpu / wall, ccpu / wall, k.failed);
	fflush(stdout);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	net_tls_free(k.tls);
	net_loop_free(k.loop);
}

START_TEST(handshakes)
{
	printf("%-28s %9s %14s %10s %8s %8s %6s\n", "conns (window)", "conns/s", "per srv CPU-s",
	       "per cli CPU-s", "srv CPU", "cli CPU", "failed");
	row("plain TCP", NULL, 0);
	row("TLS 1.3, ECDSA P-256", "server", NET_TLS_VERSION_DEFAULT);
	row("TLS 1.2, ECDSA P-256", "server", NET_TLS_1_2);
	row("TLS 1.3, RSA-2048", "rsa", NET_TLS_VERSION_DEFAULT);
	row("TLS 1.2, RSA-2048", "rsa", NET_TLS_1_2);
}
END_TEST

int main(int argc, char **argv)
{
	if (argc > 1)
		secs = atof(argv[1]);
	if (argc > 2)
		window = atoi(argv[2]);
	signal(SIGPIPE, SIG_IGN);
	Suite *su = suite_create("bench_tls");
	TCase *tc = tcase_create("bench");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, handshakes);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
