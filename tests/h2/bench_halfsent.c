/* bench_halfsent: the half-sent gRPC stream attack (issue 14, section 5)
 * against an HTTP/2 server on the loop, with the server's RSS before,
 * during and after it.
 *
 *   bench_halfsent [conns] [read_timeout_ms]     (defaults 2000 and 3000)
 *
 * The server (a child process: h2_link + h2_server, idle timeout 1 s)
 * answers gRPC calls. Each of `conns` clients opens one stream: HEADERS,
 * then a DATA frame whose gRPC prefix promises 100,000 bytes and carries
 * 16 KiB, then nothing. The server takes a 100 kB body buffer per stream.
 * read_timeout_ms 0: the server has no timeouts and the clients hang up
 * after the "during" sample instead (the memory must come back then too).
 * Prints the server's VmRSS and how long until every conn had ended.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/h2/h2_raw.h"
#include "tests/net/loop_helpers.h"
#include "tests/net/tls_helpers.h"

static struct net_loop *srv_loop;
static void srv_stop(int sig)
{
	(void)sig;
	net_loop_stop(srv_loop);
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static int n = 2000;
static uint32_t read_ms = 3000;
static int result;

/* Inside a Check runner (no fork) because the helpers assert with Check. */
START_TEST(halfsent)
{
	int p[2];
	if (pipe(p) < 0)
		return;
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	if (pid == 0) {
		char err[200];
		if (net_loop_new(&srv_loop, NULL, err, sizeof(err)) < 0)
			_exit(2);
		struct tlsh_h2srv s = { .lim = { .read_timeout_ms = read_ms,
						 .idle_timeout_ms = read_ms ? 1000 : 0 } };
		tlsh_h2srv_start(&s, srv_loop, NULL);
		signal(SIGTERM, srv_stop);
		if (write(p[1], &s.port, sizeof(s.port)) != sizeof(s.port))
			_exit(3);
		net_loop_run(srv_loop);
		struct net_loop_stats ls;
		net_loop_get_stats(srv_loop, &ls);
		fprintf(stderr, "server: %llu malloc_trim calls\n", (unsigned long long)ls.trims);
		_exit(0);
	}
	uint16_t port;
	if (read(p[0], &port, sizeof(port)) != sizeof(port))
		return;
	struct net_loop *loop = th_loop_new();
	th_run_for(loop, 300);
	long before = rss_kb(pid);
	struct h2raw *r = calloc((size_t)n, sizeof(*r));
	for (int i = 0; i < n; i++) {
		r[i].promise = 100000;
		r[i].give = 16384;
		h2raw_connect(&r[i], loop, port);
		h2raw_call(&r[i]);
		if (i % 64 == 0)
			net_loop_run_once(loop, 0);
	}
	th_run_for(loop, 1000);
	long during = rss_kb(pid);
	uint64_t t0 = th_now_ms();
	if (!read_ms)
		for (int i = 0; i < n; i++)
			if (r[i].c)
				net_conn_close(r[i].c);
	int open = n;
	while (open && th_now_ms() < t0 + 120000) {
		net_loop_run_once(loop, 10);
		open = 0;
		for (int i = 0; i < n; i++)
			open += !r[i].closed;
	}
	uint64_t ended_ms = th_now_ms() - t0;
	th_run_for(loop, 500);
	long after = rss_kb(pid);
	int deadline = 0;
	for (int i = 0; i < n; i++)
		deadline += r[i].grpc_status == 4;
	printf("conns %d, read_timeout %u ms: server RSS before %ld kB, during %ld kB, after %ld kB; "
	       "all conns ended %llu ms after the during sample (%d answered DEADLINE_EXCEEDED, %d "
	       "still open)\n",
	       n, read_ms, before, during, after, (unsigned long long)ended_ms, deadline, open);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	for (int i = 0; i < n; i++)
		h2raw_free(&r[i]);
	free(r);
	net_loop_free(loop);
	result = open ? 1 : 0;
}
END_TEST

int main(int argc, char **argv)
{
	n = argc > 1 ? atoi(argv[1]) : 2000;
	read_ms = argc > 2 ? (uint32_t)atoi(argv[2]) : 3000;
	Suite *su = suite_create("bench_halfsent");
	TCase *tc = tcase_create("bench");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, halfsent);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed || result ? 1 : 0;
}
