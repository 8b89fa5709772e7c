/* tests/producer/bench_ingest.c: ingest alone, into its IN ring drained by
 * a null consumer, loaded over keep-alive connections from this process.
 *
 *   bench_ingest http|grpc [seconds=5] [conns=8] [items=512] [streams=1]
 *                [traces|logs|metrics] [none|gzip|zstd]
 *
 * Starts a real sluice-ingest (ingest_proc.h) on a fresh segment with a
 * 64 MiB IN ring (a pipeline of the signal), a consumer thread that commits
 * every record (no work), and one epoll thread driving `conns`
 * connections: HTTP/1.1 POSTs of one protobuf body of `items` items, or
 * gRPC Export calls (`streams` in flight a connection, net/h2's client).
 * Bodies: traces tl_request (about 220 bytes a span), logs gen_bench_logs
 * (about 200 bytes a record), metrics gen_bench_metrics (sums of 8 points,
 * 4 attributes a point); compressed once (the codec's default level) when
 * a codec is named. After a 1 s warm-up it measures: items/s acknowledged,
 * ingest CPU seconds per million items (utime+stime from /proc), ingest
 * RSS (VmRSS, VmHWM). Baseline of the same run: protobuf-c unpack+free of
 * the same (uncompressed) body on one core (what a decode-everything
 * receiver would pay), as items/s. The spans_* names of the output are
 * kept for the traces scripts (they are items of any signal). The last
 * line ("summary:") says it in words: the wall rate, the ingest's CPU per
 * million items and items per ingest CPU-second, and how busy the ingest
 * was (its CPU over the wall time): a wall rate with the ingest well under
 * 100 % busy was set by the load generator or the host, not the ingest.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <protobuf-c/protobuf-c.h>

#include "net/codec.h"
#include "net/h2.h"
#include "otlp/signal.h"
#include "tests/producer/ingest_proc.h"
#include "tests/producer/ingest_testlib.h"

#define MAX_CONNS 64

static atomic_bool stop_consumer;
static atomic_uint_fast64_t acked_spans;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *consumer(void *arg)
{
	struct ring *r = arg;
	const struct record *rec;
	while (!atomic_load(&stop_consumer)) {
		int n = 0;
		while (n < 256 && ring_peek(r, &rec, n ? 0 : 50000000) == 0)
			n++;
		if (n)
			ring_commit(r, ring_cursor(r));
	}
	return NULL;
}

struct conn {
	int fd;
	size_t sent; /* bytes of the request written */
	char in[4096];
	size_t have;
	struct h2_client *h2;
	unsigned inflight;
};

static const uint8_t *g_req;
static size_t g_req_len;
static char g_head[256];
static size_t g_head_len;
static unsigned g_spans, g_streams;
static const char *g_mode;
static const struct otlp_signal_desc *g_sig;
static int g_codec = CODEC_NONE;

/* HTTP/1.1: write the request (head + body), then read one response. */
static void http_step(struct conn *c, uint32_t ev)
{
	if ((ev & EPOLLOUT) && c->sent < g_head_len + g_req_len) {
		while (c->sent < g_head_len + g_req_len) {
			struct iovec iov[2];
			int k = 0;
			if (c->sent < g_head_len)
				iov[k++] = (struct iovec){ g_head + c->sent, g_head_len - c->sent };
			size_t boff = c->sent > g_head_len ? c->sent - g_head_len : 0;
			iov[k++] = (struct iovec){ (void *)(g_req + boff), g_req_len - boff };
			struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)k };
			ssize_t n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			c->sent += (size_t)n;
		}
	}
	if (ev & EPOLLIN) {
		ssize_t n;
		while ((n = recv(c->fd, c->in + c->have, sizeof(c->in) - 1 - c->have, 0)) > 0) {
			c->have += (size_t)n;
			c->in[c->have] = 0;
			char *end = strstr(c->in, "\r\n\r\n");
			if (!end)
				continue;
			/* Success bodies are empty (Content-Length: 0). */
			if (strncmp(c->in, "HTTP/1.1 200", 12) != 0) {
				fprintf(stderr, "bench: unexpected response: %.60s\n", c->in);
				exit(1);
			}
			size_t used = (size_t)(end + 4 - c->in);
			memmove(c->in, c->in + used, c->have - used);
			c->have -= used;
			atomic_fetch_add(&acked_spans, g_spans);
			c->sent = 0;
			http_step(c, EPOLLOUT);
		}
	}
}

static bool g_stopping;

static void grpc_done(void *ud, const struct h2_call_result *r)
{
	struct conn *c = ud;
	c->inflight--;
	if (g_stopping)
		return;
	if (r->err || r->grpc_status != 0) {
		fprintf(stderr, "bench: grpc call failed: err %d status %d %s\n", r->err, r->grpc_status,
			r->grpc_message);
		exit(1);
	}
	atomic_fetch_add(&acked_spans, g_spans);
}

static void grpc_fill(struct conn *c)
{
	while (c->inflight < g_streams) {
		struct h2_call call = {
			.path = g_sig->grpc_method,
			.msg = g_req,
			.msg_len = g_req_len,
			.compressed = g_codec != CODEC_NONE,
			.encoding = codec_name((enum codec)g_codec),
			.done = grpc_done,
			.ud = c,
		};
		if (h2_client_call(c->h2, &call) < 0)
			break;
		c->inflight++;
	}
}

static void grpc_step(struct conn *c, uint32_t ev)
{
	if (ev & EPOLLIN) {
		uint8_t buf[65536];
		ssize_t n;
		while ((n = recv(c->fd, buf, sizeof(buf), 0)) > 0)
			if (h2_client_recv(c->h2, buf, (size_t)n) < 0) {
				fprintf(stderr, "bench: h2 error %s\n", h2_client_error(c->h2));
				exit(1);
			}
	}
	grpc_fill(c);
	const uint8_t *p;
	ssize_t n;
	while ((n = h2_client_out(c->h2, &p)) > 0) {
		ssize_t w = send(c->fd, p, (size_t)n, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		h2_client_sent(c->h2, (size_t)w);
	}
}

static long g_anon_kb;

static double self_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void proc_cpu(pid_t pid, double *cpu_s, long *rss_kb, long *hwm_kb)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	unsigned long ut = 0, st = 0;
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			char *p = strrchr(buf, ')');
			if (p)
				sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
				       &st);
		}
		fclose(f);
	}
	*cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f) {
		while (fgets(buf, sizeof(buf), f)) {
			sscanf(buf, "VmRSS: %ld", rss_kb);
			sscanf(buf, "VmHWM: %ld", hwm_kb);
			sscanf(buf, "RssAnon: %ld", &g_anon_kb);
		}
		fclose(f);
	}
}

static double baseline_unpack(const uint8_t *req, size_t len)
{
	double t0 = now_s();
	unsigned n = 0;
	while (now_s() - t0 < 1.0) {
		ProtobufCMessage *m = protobuf_c_message_unpack(g_sig->request_desc, NULL, len, req);
		protobuf_c_message_free_unpacked(m, NULL);
		n++;
	}
	return (double)n * g_spans / (now_s() - t0);
}

int main(int argc, char **argv)
{
	g_mode = argc > 1 ? argv[1] : "http";
	double secs = argc > 2 ? atof(argv[2]) : 5;
	unsigned nconn = argc > 3 ? (unsigned)atoi(argv[3]) : 8;
	g_spans = argc > 4 ? (unsigned)atoi(argv[4]) : 512;
	g_streams = argc > 5 ? (unsigned)atoi(argv[5]) : 1;
	const char *sname = argc > 6 ? argv[6] : "traces";
	const char *cname = argc > 7 ? argv[7] : "none";
	g_sig = otlp_signal_by_name(sname, strlen(sname));
	g_codec = strcmp(cname, "none") == 0 ? CODEC_NONE : codec_from_name(cname, strlen(cname));
	bool grpc = strcmp(g_mode, "grpc") == 0;
	if (nconn == 0 || nconn > MAX_CONNS || (!grpc && strcmp(g_mode, "http") != 0) || !g_sig ||
	    g_codec < 0) {
		fprintf(stderr, "usage: bench_ingest http|grpc [seconds] [conns] [items] [streams] "
				"[traces|logs|metrics] [none|gzip|zstd|...]\n");
		return 2;
	}
	size_t raw_len;
	uint8_t *raw = tl_signal_request(g_sig->signal, 1, g_spans, 1234, &raw_len);
	double base = baseline_unpack(raw, raw_len);
	g_req = raw;
	g_req_len = raw_len;
	if (g_codec != CODEC_NONE) {
		size_t cap = codec_encode_bound((enum codec)g_codec, raw_len);
		uint8_t *z = malloc(cap);
		ssize_t zl = codec_encode(NULL, (enum codec)g_codec, CODEC_LEVEL_DEFAULT, raw, raw_len, z,
					  cap);
		if (zl < 0) {
			fprintf(stderr, "encode: %s\n", strerror((int)-zl));
			return 1;
		}
		g_req = z;
		g_req_len = (size_t)zl;
	}
	g_head_len = (size_t)
		snprintf(g_head, sizeof(g_head),
			 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
			 "%s%s%sContent-Length: %zu\r\n\r\n",
			 g_sig->http_path, g_codec ? "Content-Encoding: " : "",
			 g_codec ? codec_name((enum codec)g_codec) : "", g_codec ? "\r\n" : "", g_req_len);

	struct ingest_proc ip;
	char yaml[1024];
	snprintf(yaml, sizeof(yaml),
		 "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		 "      http:\n        endpoint: 127.0.0.1:0\n"
		 "exporters:\n  debug:\nservice:\n  pipelines:\n    %s:\n      receivers: [otlp]\n"
		 "      exporters: [debug]\n",
		 g_sig->name);
	if (ip_start_yaml(&ip, 64u << 20, yaml) < 0) {
		ip_dump_log(&ip);
		return 1;
	}
	char rname[32];
	snprintf(rname, sizeof(rname), "in:%s", g_sig->name);
	pthread_t th;
	pthread_create(&th, NULL, consumer, ip_ring(&ip, rname));

	int ep = epoll_create1(0);
	struct conn *conns = calloc(nconn, sizeof(*conns));
	for (unsigned i = 0; i < nconn; i++) {
		struct conn *c = &conns[i];
		c->fd = tl_connect(grpc ? ip.grpc : ip.http);
		if (c->fd < 0) {
			fprintf(stderr, "connect: %s\n", strerror(-c->fd));
			return 1;
		}
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
		if (grpc) {
			struct h2_client_opts o = { .authority = "127.0.0.1" };
			c->h2 = h2_client_new(&o);
		}
		struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c };
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
	}
	double t0 = now_s(), tm = 0, cpu0 = 0, cpu1 = 0, self0 = 0;
	uint64_t s0 = 0;
	long rss = 0, hwm = 0;
	bool measuring = false;
	for (;;) {
		struct epoll_event evs[MAX_CONNS];
		int n = epoll_wait(ep, evs, MAX_CONNS, 100);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (grpc)
				grpc_step(c, evs[i].events);
			else
				http_step(c, evs[i].events);
		}
		double t = now_s();
		if (!measuring && t - t0 >= 1.0) {
			measuring = true;
			tm = t;
			s0 = atomic_load(&acked_spans);
			proc_cpu(ip.pid, &cpu0, &rss, &hwm);
			self0 = self_cpu();
		}
		if (measuring && t - tm >= secs)
			break;
	}
	double el = now_s() - tm;
	uint64_t spans = atomic_load(&acked_spans) - s0;
	proc_cpu(ip.pid, &cpu1, &rss, &hwm);
	double self1 = self_cpu();
	double rate = (double)spans / el;
	printf("mode=%s conns=%u streams=%u spans_per_req=%u body_bytes=%zu seconds=%.2f signal=%s codec=%s raw_bytes=%zu\n",
	       g_mode, nconn, grpc ? g_streams : 1, g_spans, g_req_len, el, g_sig->name,
	       codec_name((enum codec)g_codec), raw_len);
	printf("spans_per_s=%.0f requests_per_s=%.0f ingest_cpu_s_per_Mspans=%.3f ingest_rss_kb=%ld ingest_hwm_kb=%ld ingest_rss_anon_kb=%ld\n",
	       rate, rate / g_spans, (cpu1 - cpu0) / ((double)spans / 1e6), rss, hwm, g_anon_kb);
	printf("loadgen_and_consumer_cpu_s_per_Mspans=%.3f\n", (self1 - self0) / ((double)spans / 1e6));
	printf("baseline_protobuf_c_unpack_spans_per_s=%.0f ratio=%.2f\n", base, rate / base);
	/* The summary in words. "busy" is the ingest's CPU over the wall time
	 * (its loop is one thread): well under 100 % means something else set
	 * the wall rate (the load generator, or other load on the box). */
	double ing = (cpu1 - cpu0) / ((double)spans / 1e6), gen = (self1 - self0) / ((double)spans / 1e6);
	double la[3] = { 0 };
	FILE *lf = fopen("/proc/loadavg", "r");
	if (lf) {
		if (fscanf(lf, "%lf %lf %lf", &la[0], &la[1], &la[2]) != 3)
			la[0] = 0;
		fclose(lf);
	}
	printf("summary: %s %s bodies: wall %.2f M %s/s; ingest %.3f CPU s per M %s = %.2f M %s per ingest "
	       "CPU-second, busy %.0f%% of a core; load generator + consumer %.3f CPU s per M (%.0f%% of a "
	       "core); host load %.1f on %ld cores\n",
	       g_mode, codec_name((enum codec)g_codec), rate / 1e6, g_sig->item_text, ing, g_sig->item_text,
	       ing > 0 ? 1 / ing : 0, g_sig->item_text, 100 * (cpu1 - cpu0) / el, gen,
	       100 * (self1 - self0) / el, la[0], sysconf(_SC_NPROCESSORS_ONLN));
	g_stopping = true;
	for (unsigned i = 0; i < nconn; i++) {
		if (conns[i].h2)
			h2_client_free(conns[i].h2);
		close(conns[i].fd);
	}
	int rc = ip_stop(&ip);
	atomic_store(&stop_consumer, true);
	pthread_join(th, NULL);
	ip_destroy(&ip);
	free(conns);
	if (g_req != raw)
		free((void *)g_req);
	free(raw);
	return rc == 0 ? 0 : 1;
}
