/* bench_http1.c: HTTP/1.1 parser throughput.
 *
 *   bench_http1 [iterations] [runs]
 *
 * 1. request head: a typical OTLP/HTTP export head (what the SDKs send),
 *    parsed with http1_parse_request; baseline in the same run: memmem for
 *    "\r\n\r\n" over the same bytes (the least any parser must do).
 * 2. chunked body: a 512 KiB body in 16 KiB chunks decoded in place; baseline:
 *    memmove of the same bytes.
 * Prints the median of `runs` runs for each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/http1.h"

static const char head[] = "POST /v1/traces HTTP/1.1\r\n"
			   "Host: 127.0.0.1:4318\r\n"
			   "User-Agent: OTel-OTLP-Exporter-JavaScript/0.52.1\r\n"
			   "Content-Type: application/x-protobuf\r\n"
			   "Content-Length: 113664\r\n"
			   "Accept: */*\r\n"
			   "Accept-Encoding: gzip, deflate\r\n"
			   "Connection: keep-alive\r\n"
			   "\r\n";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static volatile size_t sink;

static double run_parse(long iters)
{
	struct http1_request r;
	struct http1_header h[32];
	size_t len = sizeof(head) - 1;
	double t0 = now_s();
	for (long i = 0; i < iters; i++) {
		r.m.headers = h;
		r.m.max_headers_in = 32;
		int rc = http1_parse_request(head, len, 0, NULL, &r);
		if (rc != (int)len)
			abort();
		sink += r.m.content_length;
	}
	return now_s() - t0;
}

static double run_memmem(long iters)
{
	size_t len = sizeof(head) - 1;
	double t0 = now_s();
	for (long i = 0; i < iters; i++) {
		const char *e = memmem(head, len, "\r\n\r\n", 4);
		sink += (size_t)(e - head);
		__asm__ volatile("" ::: "memory");
	}
	return now_s() - t0;
}

#define BODY (512u * 1024)
#define CHUNK (16u * 1024)

static char *make_chunked(size_t *len)
{
	char *w = malloc(BODY + BODY / CHUNK * 16 + 16);
	size_t n = 0;
	for (size_t off = 0; off < BODY; off += CHUNK) {
		n += (size_t)sprintf(w + n, "%x\r\n", CHUNK);
		memset(w + n, 'a' + (int)(off / CHUNK % 26), CHUNK);
		n += CHUNK;
		memcpy(w + n, "\r\n", 2);
		n += 2;
	}
	memcpy(w + n, "0\r\n\r\n", 5);
	*len = n + 5;
	return w;
}

static double run_chunked(long iters, const char *wire, size_t len, char *buf)
{
	struct http1_msg m = { .body_kind = HTTP1_BODY_CHUNKED };
	double t = 0;
	for (long i = 0; i < iters; i++) {
		memcpy(buf, wire, len); /* untimed: restore the wire bytes */
		double t0 = now_s();
		struct http1_body b;
		http1_body_init(&b, &m, 0);
		size_t cons, prod;
		if (http1_body_decode(&b, buf, len, &cons, buf, len, &prod) != 1 || prod != BODY)
			abort();
		t += now_s() - t0;
	}
	return t;
}

static double run_memmove(long iters, const char *wire, size_t len, char *buf)
{
	double t = 0;
	for (long i = 0; i < iters; i++) {
		memcpy(buf, wire, len);
		double t0 = now_s();
		memmove(buf, buf + 1, BODY);
		__asm__ volatile("" ::: "memory");
		t += now_s() - t0;
	}
	return t;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 2000000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > 99 || iters < 1)
		return 2;
	double p[99], m[99], c[99], mv[99];
	size_t wl;
	char *wire = make_chunked(&wl);
	char *buf = malloc(wl);
	long citers = iters / 2000 > 0 ? iters / 2000 : 1;
	for (int r = 0; r < runs; r++) {
		p[r] = run_parse(iters);
		m[r] = run_memmem(iters);
		c[r] = run_chunked(citers, wire, wl, buf);
		mv[r] = run_memmove(citers, wire, wl, buf);
	}
	qsort(p, (size_t)runs, sizeof(double), cmp);
	qsort(m, (size_t)runs, sizeof(double), cmp);
	qsort(c, (size_t)runs, sizeof(double), cmp);
	qsort(mv, (size_t)runs, sizeof(double), cmp);
	double pm = p[runs / 2], mm = m[runs / 2], cm = c[runs / 2], mvm = mv[runs / 2];
	size_t hl = sizeof(head) - 1;
	printf("request head (%zu bytes, 7 headers), %ld parses x %d runs, medians:\n", hl, iters, runs);
	printf("  http1_parse_request: %.2f M req/s  %.0f MB/s  %.0f ns/req\n", iters / pm / 1e6,
	       iters * (double)hl / pm / 1e6, pm / iters * 1e9);
	printf("  baseline memmem CRLFCRLF: %.2f M/s  %.0f MB/s  (parser/baseline time %.1fx)\n",
	       iters / mm / 1e6, iters * (double)hl / mm / 1e6, pm / mm);
	printf("chunked body (%u KiB in %u KiB chunks, in place), %ld x %d runs, medians:\n", BODY / 1024,
	       CHUNK / 1024, citers, runs);
	printf("  http1_body_decode: %.0f MB/s   baseline memmove: %.0f MB/s  (ratio %.2fx)\n",
	       citers * (double)BODY / cm / 1e6, citers * (double)BODY / mvm / 1e6, cm / mvm);
	free(wire);
	free(buf);
	return sink == 42 ? 1 : 0;
}
