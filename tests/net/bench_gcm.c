/* bench_gcm.c: what sealing and opening TLS records costs with the
 * ipsec-mb provider (net/tls_gcm.c) and with OpenSSL's own AES-GCM, driven
 * as libssl drives TLS 1.3 (nonce, 5-byte AAD, body, tag). Not a test:
 * prints figures (docs/bench/wire.md).
 *
 *   bench_gcm [record bytes (16384)] [runs (7)]
 *
 * GB/s of plaintext per CPU second of this thread, median of the runs,
 * each >= 256 MiB; the runs alternate between the two. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/net/gcm_helpers.h"

static double cpu_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* iters records through one context keyed once, as a connection's: seal
 * (enc) or open; 0 if any failed. */
static int records(const EVP_CIPHER *c, int enc, long iters, const uint8_t *in, uint8_t *out, int n,
		   uint8_t tag[16])
{
	static const uint8_t key[16] = { 1 }, iv[12] = { 2 };
	uint8_t aad[5] = { 23, 3, 3, (uint8_t)(n >> 8), (uint8_t)n };
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int ok = x && EVP_CipherInit_ex(x, c, NULL, key, NULL, enc) == 1;
	for (long i = 0; ok && i < iters; i++)
		ok = gcmh_message(x, enc, iv, aad, 5, in, n, out, tag);
	EVP_CIPHER_CTX_free(x);
	return ok;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 16384, runs = argc > 2 ? atoi(argv[2]) : 7;
	struct gcmh g;
	if (n <= 0 || n > (1 << 20) || runs <= 0 || runs > 99 || gcmh_load(&g) < 0) {
		fprintf(stderr, "usage: bench_gcm [record bytes] [runs]; needs VAES and AVX-512\n");
		return 2;
	}
	uint8_t *in = malloc((size_t)n), *out = malloc((size_t)n), *back = malloc((size_t)n), tag[16];
	memset(in, 7, (size_t)n);
	long iters = (256L << 20) / n;
	double gbs[2][2][99]; /* [ours/theirs][seal/open][run] */
	for (int r = 0; r < runs; r++)
		for (int w = 0; w < 2; w++) {
			const EVP_CIPHER *c = w == 0 ? g.ours[0] : g.theirs[0];
			double t0 = cpu_s();
			if (!records(c, 1, iters, in, out, n, tag))
				return 1;
			double t1 = cpu_s();
			if (!records(c, 0, iters, out, back, n, tag) || memcmp(back, in, (size_t)n) != 0)
				return 1;
			double t2 = cpu_s();
			gbs[w][0][r] = (double)n * (double)iters / (t1 - t0) / 1e9;
			gbs[w][1][r] = (double)n * (double)iters / (t2 - t1) / 1e9;
		}
	printf("AES-128-GCM, %d-byte records, GB/s per CPU second (median of %d runs)\n", n, runs);
	printf("%-28s %8s %8s\n", "implementation", "seal", "open");
	for (int w = 0; w < 2; w++) {
		qsort(gbs[w][0], (size_t)runs, sizeof(double), cmp);
		qsort(gbs[w][1], (size_t)runs, sizeof(double), cmp);
		printf("%-28s %8.2f %8.2f\n", w == 0 ? "ipsec-mb (net/tls_gcm.c)" : "OpenSSL 3.0 (default)",
		       gbs[w][0][runs / 2], gbs[w][1][runs / 2]);
	}
	gcmh_free(&g);
	free(in);
	free(out);
	free(back);
	return 0;
}
