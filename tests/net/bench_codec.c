/* bench_codec: whole-body compression of a real OTLP batch, per level, as
 * the exporters do it (one-shot, reused state).
 *
 *   bench_codec [spans] [runs]         (defaults 8192 and 3)
 *
 * Three batches of `spans` spans: "bench" (tests/otlp/gen.c's benchmark
 * request, ~222 bytes a span), "gen" (one request as sluice-gen makes
 * them: 8 attributes a span, fresh ids and times) and "joined" (sluice-gen's
 * 512-span requests one after another, as the batch stage joins them). For zlib 6 (the old default),
 * zlib 1, gzip 1..6 (igzip at 1 where built with libisal, else
 * libdeflate; codec_encoder names it), zstd 1..3 and snappy: compress and decompress
 * CPU throughput (thread CPU time, so other load on the box barely moves
 * it) as M spans/s and MB/s of uncompressed input, and the ratio. Median
 * of `runs` runs of at least 0.3 s CPU each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "net/codec.h"
#include "tests/otlp/gen.h"
#include "tools/gen/gen_req.h"

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct zl {
	z_stream zs;
	int level;
};

static size_t zlib_gzip(struct zl *z, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	deflateReset(&z->zs);
	z->zs.next_in = (uint8_t *)in;
	z->zs.avail_in = (uInt)n;
	z->zs.next_out = out;
	z->zs.avail_out = (uInt)cap;
	if (deflate(&z->zs, Z_FINISH) != Z_STREAM_END)
		abort();
	return cap - z->zs.avail_out;
}

/* libzstd one-shot with the level's own parameters (its hash table size) */
static size_t zstd_own(ZSTD_CCtx **c, const uint8_t *in, size_t n, uint8_t *out, size_t cap, int level)
{
	if (!*c && !(*c = ZSTD_createCCtx()))
		abort();
	size_t r = ZSTD_compressCCtx(*c, out, cap, in, n, level);
	if (ZSTD_isError(r))
		abort();
	return r;
}

struct cfg {
	const char *name;
	int zlib; /* 1: zlib itself; 2: libzstd with its own parameters */
	enum codec c;
	int level;
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void bench(const char *set, const uint8_t *body, size_t len, unsigned spans, int runs)
{
	static const struct cfg cfgs[] = {
		{ "zlib gzip 6", 1, CODEC_GZIP, 6 },
		{ "zlib gzip 1", 1, CODEC_GZIP, 1 },
		{ "libdeflate gzip 1", 0, CODEC_GZIP, 1 },
		{ "libdeflate gzip 2", 0, CODEC_GZIP, 2 },
		{ "libdeflate gzip 3", 0, CODEC_GZIP, 3 },
		{ "libdeflate gzip 4", 0, CODEC_GZIP, 4 },
		{ "libdeflate gzip 5", 0, CODEC_GZIP, 5 },
		{ "libdeflate gzip 6", 0, CODEC_GZIP, 6 },
		{ "zstd 1", 0, CODEC_ZSTD, 1 },
		{ "zstd 1 (own table)", 2, CODEC_ZSTD, 1 }, /* what codec.c's level 1 departs from */
		{ "zstd 2", 0, CODEC_ZSTD, 2 },
		{ "zstd 3", 0, CODEC_ZSTD, 3 },
		{ "snappy", 0, CODEC_SNAPPY, CODEC_LEVEL_DEFAULT },
	};
	size_t cap = codec_encode_bound(CODEC_GZIP, len) + codec_encode_bound(CODEC_ZSTD, len);
	uint8_t *z = malloc(cap), *back = malloc(len);
	printf("\n%s batch: %u spans, %zu bytes (%.0f bytes a span)\n", set, spans, len, (double)len / spans);
	printf("%-18s %8s %10s %10s %10s %10s\n", "codec", "ratio", "enc Msp/s", "enc MB/s", "dec Msp/s",
	       "dec MB/s");
	for (size_t k = 0; k < sizeof(cfgs) / sizeof(cfgs[0]); k++) {
		const struct cfg *f = &cfgs[k];
		struct codec_ctx x;
		codec_ctx_init(&x);
		struct zl zz = { .level = f->level };
		ZSTD_CCtx *zc = NULL;
		if (f->zlib == 1 &&
		    deflateInit2(&zz.zs, f->level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			abort();
		double enc[16], dec[16];
		size_t zl = 0;
		for (int r = 0; r < runs && r < 16; r++) {
			unsigned reps = 0;
			double t0 = cpu_s(), t;
			do {
				zl = f->zlib == 1 ? zlib_gzip(&zz, body, len, z, cap)
				     : f->zlib == 2
					     ? zstd_own(&zc, body, len, z, cap, f->level)
					     : (size_t)codec_encode(&x, f->c, f->level, body, len, z, cap);
				reps++;
			} while ((t = cpu_s() - t0) < 0.3);
			enc[r] = reps / t;
			reps = 0;
			t0 = cpu_s();
			do {
				if (codec_decode(&x, f->c, z, zl, back, len) != (ssize_t)len)
					abort();
				reps++;
			} while ((t = cpu_s() - t0) < 0.3);
			dec[r] = reps / t;
		}
		if (memcmp(back, body, len) != 0)
			abort();
		qsort(enc, (size_t)runs, sizeof(double), cmp);
		qsort(dec, (size_t)runs, sizeof(double), cmp);
		double e = enc[runs / 2], d = dec[runs / 2];
		char name[40];
		snprintf(name, sizeof(name), "%s", f->name);
		if (!f->zlib && f->c == CODEC_GZIP) /* igzip or libdeflate at this level */
			snprintf(name, sizeof(name), "%s gzip %d", codec_encoder(f->c, f->level), f->level);
		printf("%-18s %8.2f %10.2f %10.0f %10.2f %10.0f\n", name, (double)len / (double)zl,
		       e * spans / 1e6, e * (double)len / 1e6, d * spans / 1e6, d * (double)len / 1e6);
		if (f->zlib == 1)
			deflateEnd(&zz.zs);
		codec_ctx_free(&x);
		ZSTD_freeCCtx(zc);
	}
	free(z);
	free(back);
}

int main(int argc, char **argv)
{
	unsigned spans = argc > 1 ? (unsigned)atoi(argv[1]) : 8192;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	if (runs < 1 || runs > 16)
		runs = 3;
	size_t len;
	GenReq *req = gen_bench_request(spans);
	uint8_t *body = gen_pack(&req->base, &len);
	bench("bench", body, len, spans, runs);
	free(body);
	protobuf_c_message_free_unpacked(&req->base, NULL);
	struct gen_req g;
	if (gen_req_build(&g, spans, 8, "checkout", 1) < 0)
		return 1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	gen_req_stamp(&g, 1000, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	bench("gen", g.buf, g.len, spans, runs);
	gen_req_free(&g);
	/* "joined": what the batch stage sends, sluice-gen's 512-span requests
	 * one after another, each with its own ids */
	size_t blen = 0, bcap = 0;
	uint8_t *batch = NULL;
	unsigned first = 0;
	for (; first < spans; first += 512) {
		if (gen_req_build(&g, 512, 8, "checkout", 1) < 0)
			return 1;
		gen_req_stamp(&g, 1000 + first, (uint64_t)ts.tv_sec * 1000000000u + first);
		if (blen + g.len > bcap && !(batch = realloc(batch, bcap = 2 * (blen + g.len))))
			return 1;
		memcpy(batch + blen, g.buf, g.len);
		blen += g.len;
		gen_req_free(&g);
	}
	bench("joined", batch, blen, first, runs);
	free(batch);
	return 0;
}
