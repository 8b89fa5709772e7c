/* bench_h2: unary gRPC calls/s of 512-span-sized (~111 KiB) messages from
 * h2_client to h2_server over an AF_UNIX socketpair, both driven by one
 * thread (tests/h2/h2_pump.c), with W calls kept in flight on the one
 * connection. Baseline in the same run: the same bytes written and read
 * through the same kind of socketpair with no HTTP/2 at all (request of
 * the same size, 5-byte answer), i.e. the floor set by the kernel copy.
 *
 *   bench_h2 [calls-per-run] [runs]      (defaults 4000 and 5)
 * Prints medians for windows 1, 8 and 32: wall calls/s, and calls per CPU
 * second of the process (both ends), whose ratio to the baseline is the
 * figure that survives a loaded, shared machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "h2_pump.h"
#include "net/grpc.h"
#include "net/h2.h"

#define MSG_LEN (512 * 222) /* 113,664 bytes: a 512-span request */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* user + system CPU seconds of this process: on a shared, loaded box
 * this moves far less than wall time. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct rate {
	double wall; /* calls/s */
	double cpu;  /* calls per CPU-second */
};

struct bench {
	struct h2_client *c;
	const uint8_t *msg;
	long started, done, target, failed;
	int window;
};

static void on_request(void *ud, struct h2_server *s, const struct h2_request *req)
{
	const uint8_t *m;
	size_t ml;
	bool comp;
	(void)ud;
	/* what ingest does first: check the framing; answer an empty
	 * ExportTraceServiceResponse */
	int rc = grpc_frame_unary(req->body, req->body_len, &m, &ml, &comp);
	h2_server_respond_grpc(s, req->stream_id, rc ? GRPC_STATUS_INVALID_ARGUMENT : 0, NULL,
			       (const uint8_t *)"", 0, -1);
}

static void start_one(struct bench *b);

static void on_done(void *ud, const struct h2_call_result *r)
{
	struct bench *b = ud;
	b->done++;
	if (r->err || r->grpc_status != 0)
		b->failed++;
	start_one(b);
}

static void start_one(struct bench *b)
{
	if (b->started >= b->target)
		return;
	struct h2_call call = { .path = "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
				.msg = b->msg,
				.msg_len = MSG_LEN,
				.done = on_done,
				.ud = b };
	if (h2_client_call(b->c, &call) > 0)
		b->started++;
}

static bool all_done(void *arg)
{
	struct bench *b = arg;
	return b->done >= b->target;
}

static struct rate run_h2(const uint8_t *msg, long calls, int window)
{
	struct h2_server_cbs cbs = { on_request, NULL };
	struct h2_server *s = h2_server_new(NULL, &cbs, NULL);
	struct h2_client_opts o = { .authority = "127.0.0.1:4317" };
	struct bench b = { .c = h2_client_new(&o), .msg = msg, .target = calls, .window = window };
	struct h2p p;

	if (!s || !b.c || h2p_open(&p, s, b.c)) {
		fprintf(stderr, "bench_h2: setup failed\n");
		exit(1);
	}
	h2p_run(&p, NULL, NULL, 1000);
	double t0 = now_s(), c0 = cpu_s();
	for (int i = 0; i < window; i++)
		start_one(&b);
	if (!h2p_run(&p, all_done, &b, 120000) || b.failed) {
		fprintf(stderr, "bench_h2: %ld of %ld calls done, %ld failed\n", b.done, calls, b.failed);
		exit(1);
	}
	struct rate r = { (double)calls / (now_s() - t0), (double)calls / (cpu_s() - c0) };
	h2_client_free(b.c);
	h2_server_free(s);
	h2p_close(&p);
	return r;
}

/* The same bytes through a socketpair, one thread, no framing layer:
 * write a request (nonblocking, reading the other end as needed), read
 * it whole, answer 5 bytes, read them. */
static struct rate run_raw(const uint8_t *msg, long calls)
{
	int fd[2];
	static uint8_t rbuf[256 * 1024];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd))
		exit(1);
	for (int i = 0; i < 2; i++)
		fcntl(fd[i], F_SETFL, fcntl(fd[i], F_GETFL) | O_NONBLOCK);
	double t0 = now_s(), c0 = cpu_s();
	for (long c = 0; c < calls; c++) {
		size_t woff = 0, got = 0;
		while (got < MSG_LEN + 5) {
			if (woff < MSG_LEN + 5) {
				const uint8_t *src = woff < 5 ? (const uint8_t *)"\0\0\0\0\0" : msg;
				size_t n = woff < 5 ? 5 - woff : MSG_LEN + 5 - woff;
				ssize_t w = write(fd[0], src + (woff < 5 ? woff : woff - 5), n);
				if (w > 0)
					woff += (size_t)w;
			}
			ssize_t r = read(fd[1], rbuf, sizeof(rbuf));
			if (r > 0)
				got += (size_t)r;
		}
		if (write(fd[1], "\0\0\0\0\0", 5) != 5 || read(fd[0], rbuf, 5) != 5)
			exit(1);
	}
	struct rate r = { (double)calls / (now_s() - t0), (double)calls / (cpu_s() - c0) };
	close(fd[0]);
	close(fd[1]);
	return r;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 4000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	uint8_t *msg = malloc(MSG_LEN);
	static const int windows[] = { 1, 8, 32 };
	enum {
		NW = 3
	};
	double wall[NW + 1][64], cpu[NW + 1][64];

	if (calls <= 0 || runs <= 0 || runs > 64 || !msg) {
		fprintf(stderr, "usage: bench_h2 [calls-per-run] [runs<=64]\n");
		return 2;
	}
	for (size_t i = 0; i < MSG_LEN; i++)
		msg[i] = (uint8_t)(i * 2654435761u >> 11);
	/* Interleaved: each run measures the baseline and every window, so
	 * load changes on the shared box hit all of them alike. */
	for (int r = 0; r < runs; r++) {
		struct rate x = run_raw(msg, calls);
		wall[0][r] = x.wall;
		cpu[0][r] = x.cpu;
		for (int w = 0; w < NW; w++) {
			x = run_h2(msg, calls, windows[w]);
			wall[w + 1][r] = x.wall;
			cpu[w + 1][r] = x.cpu;
		}
	}
	printf("message %d bytes (512 spans x 222 B), %ld calls a run, %d runs, medians\n", MSG_LEN, calls,
	       runs);
	printf("%-26s %12s %10s %14s %12s %10s\n", "", "calls/s", "MiB/s", "calls/CPU-s", "k spans/s",
	       "CPU ratio");
	double base = median(cpu[0], runs);
	for (int w = 0; w <= NW; w++) {
		char name[40];
		if (w == 0)
			snprintf(name, sizeof(name), "baseline raw socketpair");
		else
			snprintf(name, sizeof(name), "h2c unary, %2d in flight", windows[w - 1]);
		double mw = median(wall[w], runs), mc = median(cpu[w], runs);
		printf("%-26s %12.0f %10.1f %14.0f %12.0f %9.2fx\n", name, mw, mw * MSG_LEN / 1048576.0, mc,
		       mw * 512 / 1000.0, mc / base);
	}
	free(msg);
	return 0;
}
