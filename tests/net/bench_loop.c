/* bench_loop.c: receive throughput of the io_uring loop over 127.0.0.1.
 *
 *   bench_loop [MiB per connection] [connections] [runs]
 *
 * A forked client process opens N connections and writes MiB per connection
 * with blocking write() of 256 KiB. The server side is, in turn:
 *   loop:     one net_loop, multishot recv into provided 16 KiB buffers,
 *             on_data counts bytes (what ingest does before parsing)
 *   baseline: N threads doing blocking read() into 64 KiB buffers
 * Reports MB/s and server CPU seconds per GB (getrusage of the server
 * process only; the client runs in its own process), median of runs. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/loop.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static pid_t client(uint16_t port, int conns, size_t bytes)
{
	pid_t pid = fork();
	if (pid)
		return pid;
	static char buf[256 * 1024];
	memset(buf, 'x', sizeof(buf));
	int fds[64];
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	for (int i = 0; i < conns; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(1);
	}
	/* round-robin so every connection is busy at once */
	size_t left = bytes;
	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);
		for (int i = 0; i < conns; i++)
			for (size_t off = 0; off < n;) {
				ssize_t w = write(fds[i], buf + off, n - off);
				if (w <= 0)
					_exit(2);
				off += (size_t)w;
			}
		left -= n;
	}
	for (int i = 0; i < conns; i++)
		close(fds[i]);
	_exit(0);
}

struct lb {
	size_t got;
	int closed;
};
static void lb_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct lb *s = net_conn_udata(c);
	(void)d;
	s->got += n;
}
static void lb_close(struct net_conn *c, int reason)
{
	struct lb *s = net_conn_udata(c);
	(void)reason;
	s->closed++;
}
static const struct net_conn_ops lb_ops = { .on_data = lb_data, .on_close = lb_close };

static int run_loop(int conns, size_t per, double *secs, double *cpu)
{
	struct net_loop *loop;
	char err[256];
	/* BENCH_BUF_SIZE / BENCH_BUF_COUNT: provided-buffer geometry to try */
	struct net_loop_opts o = { 0 };
	if (getenv("BENCH_BUF_SIZE"))
		o.buf_size = (unsigned)atoi(getenv("BENCH_BUF_SIZE"));
	if (getenv("BENCH_BUF_COUNT"))
		o.buf_count = (unsigned)atoi(getenv("BENCH_BUF_COUNT"));
	if (net_loop_new(&loop, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	struct lb s = { 0 };
	struct net_listener *l;
	if (net_listen(loop, "127.0.0.1", 0, 0, &lb_ops, &s, &l) < 0)
		return -1;
	double c0 = cpu_s(), t0 = now_s();
	pid_t pid = client(net_listener_port(l), conns, per);
	while (s.closed < conns)
		if (net_loop_run_once(loop, 100) < 0)
			return -1;
	*secs = now_s() - t0;
	*cpu = cpu_s() - c0;
	waitpid(pid, NULL, 0);
	net_listener_close(l);
	net_loop_free(loop);
	return s.got == per * (size_t)conns ? 0 : -1;
}

static void *reader(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static __thread char buf[65536];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (void *)(uintptr_t)got;
}

static int run_threads(int conns, size_t per, double *secs, double *cpu)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	double c0 = cpu_s(), t0 = now_s();
	pid_t pid = client(ntohs(sa.sin_port), conns, per);
	pthread_t th[64];
	for (int i = 0; i < conns; i++) {
		int fd = accept(lfd, NULL, NULL);
		pthread_create(&th[i], NULL, reader, (void *)(intptr_t)fd);
	}
	size_t total = 0;
	for (int i = 0; i < conns; i++) {
		void *r;
		pthread_join(th[i], &r);
		total += (size_t)(uintptr_t)r;
	}
	*secs = now_s() - t0;
	*cpu = cpu_s() - c0;
	waitpid(pid, NULL, 0);
	close(lfd);
	return total == per * (size_t)conns ? 0 : -1;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 256;
	int conns = argc > 2 ? atoi(argv[2]) : 8;
	int runs = argc > 3 ? atoi(argv[3]) : 5;
	if (conns < 1 || conns > 64 || runs < 1 || runs > 99 || mib < 1)
		return 2;
	size_t per = mib << 20;
	double lt[99], lc[99], tt[99], tc[99];
	for (int r = 0; r < runs; r++) {
		if (run_loop(conns, per, &lt[r], &lc[r]) < 0 || run_threads(conns, per, &tt[r], &tc[r]) < 0) {
			fprintf(stderr, "run %d failed\n", r);
			return 1;
		}
	}
	qsort(lt, (size_t)runs, sizeof(double), cmp);
	qsort(lc, (size_t)runs, sizeof(double), cmp);
	qsort(tt, (size_t)runs, sizeof(double), cmp);
	qsort(tc, (size_t)runs, sizeof(double), cmp);
	double gb = (double)per * conns / 1e9;
	printf("%d connections x %zu MiB, %d runs, medians:\n", conns, mib, runs);
	printf("  net_loop (multishot recv, provided buffers): %.0f MB/s  %.2f server CPU s/GB\n",
	       gb * 1e3 / lt[runs / 2], lc[runs / 2] / gb);
	printf("  baseline (thread per conn, blocking read):   %.0f MB/s  %.2f server CPU s/GB\n",
	       gb * 1e3 / tt[runs / 2], tc[runs / 2] / gb);
	printf("  loop/baseline throughput %.2fx, CPU per GB %.2fx\n", tt[runs / 2] / lt[runs / 2],
	       (lc[runs / 2] / gb) / (tc[runs / 2] / gb));
	return 0;
}
