/* test_codec.c: every codec of net/codec.h -- round trips at every level,
 * the decode cap at its exact boundary, bombs refused with -EFBIG whether
 * the size claims in the input tell the truth, lie or are absent, corrupt
 * and truncated inputs, names and levels, and interop with the zstd and
 * gzip command-line tools. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "net/codec.h"
#include "tests/check_run.h"

static unsigned char *sample(size_t n, int compressible)
{
	unsigned char *p = malloc(n ? n : 1);
	uint32_t x = 777;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = compressible ? (unsigned char)("service.name=checkout "[i % 22] + (i / 8192) % 5)
				    : (unsigned char)(x >> 16);
	}
	return p;
}

static const enum codec all[] = { CODEC_GZIP, CODEC_ZLIB,   CODEC_DEFLATE,
				  CODEC_ZSTD, CODEC_SNAPPY, CODEC_RAW_DEFLATE };
#define NALL (sizeof(all) / sizeof(all[0]))

START_TEST(roundtrip_every_codec_and_level)
{
	size_t sizes[] = { 0, 1, 777, 65536, 1u << 20 };
	struct codec_ctx x;
	codec_ctx_init(&x);
	for (unsigned ci = 0; ci < NALL; ci++) {
		enum codec c = all[ci];
		int levels[] = { CODEC_LEVEL_DEFAULT, 0, 1, 3, 6, 9, 12, 19 };
		for (unsigned li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
			if (codec_level_check(c, levels[li]) < 0)
				continue;
			for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
				size_t n = sizes[si];
				unsigned char *in = sample(n, si & 1), *out = malloc(n + 1);
				size_t bound = codec_encode_bound(c, n);
				unsigned char *z = malloc(bound);
				ssize_t zl = codec_encode(&x, c, levels[li], in, n, z, bound);
				ck_assert_msg(zl > 0, "%s level %d size %zu: %zd", codec_name(c), levels[li],
					      n, zl);
				ck_assert_int_eq(codec_decode(&x, c, z, (size_t)zl, out, n), (ssize_t)n);
				ck_assert(n == 0 || memcmp(in, out, n) == 0);
				if (n)
					ck_assert_int_eq(codec_decode(&x, c, z, (size_t)zl, out, n - 1),
							 -EFBIG);
				ck_assert_int_eq(codec_decode(NULL, c, z, (size_t)zl, out, n + 1),
						 (ssize_t)n);
				free(in);
				free(out);
				free(z);
			}
		}
	}
	codec_ctx_free(&x);
}
END_TEST

/* 64 MiB of zeros, compressed with c; decoded under a 1 MiB cap. */
static unsigned char *bomb(enum codec c, size_t *zl)
{
	size_t total = 64u << 20;
	unsigned char *zeros = calloc(1, total);
	size_t bound = codec_encode_bound(c, total);
	unsigned char *z = malloc(bound);
	ssize_t n = codec_encode(NULL, c,
				 c == CODEC_SNAPPY ? CODEC_LEVEL_DEFAULT
				 : c == CODEC_ZSTD ? 3
						   : 9,
				 zeros, total, z, bound);
	ck_assert_int_gt(n, 0);
	free(zeros);
	*zl = (size_t)n;
	return z;
}

START_TEST(bombs_refused_at_the_cap)
{
	size_t cap = 1u << 20, zl;
	unsigned char *out = malloc(cap);
	for (unsigned ci = 0; ci < NALL; ci++) {
		unsigned char *z = bomb(all[ci], &zl);
		ck_assert_uint_lt(zl, 16u << 20);
		ck_assert_msg(codec_decode(NULL, all[ci], z, zl, out, cap) == -EFBIG, "%s",
			      codec_name(all[ci]));
		if (all[ci] == CODEC_GZIP) {
			/* ISIZE lies (says 100 bytes): decoding still stops at the cap. */
			memset(z + zl - 4, 0, 4);
			z[zl - 4] = 100;
			ck_assert_int_eq(codec_size_hint(CODEC_GZIP, z, zl), 100);
			ck_assert_int_eq(codec_decode(NULL, CODEC_GZIP, z, zl, out, cap), -EFBIG);
		}
		free(z);
	}
	free(out);
}
END_TEST

START_TEST(zstd_without_or_with_lying_content_size)
{
	/* A streamed frame carries no content size: only the decode cap holds. */
	size_t total = 64u << 20, cap = 1u << 20;
	unsigned char *zeros = calloc(1, total), *out = malloc(cap);
	size_t bound = ZSTD_compressBound(total);
	unsigned char *z = malloc(bound);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
	size_t zl = ZSTD_compress2(cc, z, bound, zeros, total);
	ck_assert(!ZSTD_isError(zl));
	ck_assert_int_eq(codec_size_hint(CODEC_ZSTD, z, zl), -1);
	ck_assert_int_eq(codec_decode(NULL, CODEC_ZSTD, z, zl, out, cap), -EFBIG);
	/* A frame that claims 100 bytes but holds more is refused, not obeyed. */
	ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
	size_t small = 4096;
	zl = ZSTD_compress2(cc, z, bound, zeros, small);
	ck_assert(!ZSTD_isError(zl));
	ck_assert_int_eq(codec_decode(NULL, CODEC_ZSTD, z, zl, out, small), (ssize_t)small);
	ck_assert_int_eq(codec_decode(NULL, CODEC_ZSTD, z, zl, out, small - 1), -EFBIG);
	/* A pre-1.0 ("legacy") frame, whose header libzstd does not hold to its
	 * content: refused as corrupt (found by fuzz_codec). */
	static const uint8_t legacy[] = { 0x26, 0xb5, 0x2f, 0xfd, 0x41, 0x3b, 0, 0, 0 };
	ck_assert_int_eq(codec_decode(NULL, CODEC_ZSTD, legacy, sizeof(legacy), out, cap), -EBADMSG);
	/* Two frames decode as one body; the cap covers both. */
	size_t a = ZSTD_compress(z, bound, "hello ", 6, 1);
	size_t b = ZSTD_compress(z + a, bound - a, "world", 5, 1);
	ck_assert_int_eq(codec_decode(NULL, CODEC_ZSTD, z, a + b, out, cap), 11);
	ck_assert(memcmp(out, "hello world", 11) == 0);
	ck_assert_int_eq(codec_decode(NULL, CODEC_ZSTD, z, a + b, out, 10), -EFBIG);
	ZSTD_freeCCtx(cc);
	free(zeros);
	free(out);
	free(z);
}
END_TEST

START_TEST(corrupt_and_truncated)
{
	size_t n = 20000;
	unsigned char *in = sample(n, 1), *out = malloc(n);
	for (unsigned ci = 0; ci < NALL; ci++) {
		enum codec c = all[ci];
		size_t bound = codec_encode_bound(c, n) + 16;
		unsigned char *z = malloc(bound);
		ssize_t zl = codec_encode(NULL, c, CODEC_LEVEL_DEFAULT, in, n, z, bound);
		ck_assert_int_gt(zl, 8);
		for (ssize_t k = 0; k < zl; k += (k < 30 ? 1 : 113)) {
			ssize_t r = codec_decode(NULL, c, z, (size_t)k, out, n);
			ck_assert_msg(r == -EBADMSG, "%s truncated at %zd: %zd", codec_name(c), k, r);
		}
		memcpy(z + zl, "garbage!", 8);
		ck_assert_msg(codec_decode(NULL, c, z, (size_t)zl + 8, out, n) < 0, "%s trailing garbage",
			      codec_name(c));
		ck_assert_int_eq(codec_decode(NULL, c, "not compressed at all", 21, out, n) < 0, 1);
		free(z);
	}
	free(in);
	free(out);
}
END_TEST

START_TEST(names_and_levels)
{
	struct {
		const char *name;
		int want;
	} t[] = {
		{ "gzip", CODEC_GZIP },	      { "X-GZIP", CODEC_GZIP }, { "zlib", CODEC_ZLIB },
		{ "deflate", CODEC_DEFLATE }, { "zstd", CODEC_ZSTD },	{ "snappy", CODEC_SNAPPY },
		{ "identity", CODEC_NONE },   { "", CODEC_NONE },	{ "br", -ENOTSUP },
		{ "raw-deflate", -ENOTSUP },  { "zstd2", -ENOTSUP },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(codec_from_name(t[i].name, strlen(t[i].name)) == t[i].want, "%s", t[i].name);
	ck_assert_str_eq(codec_name(CODEC_ZSTD), "zstd");
	ck_assert_int_eq(codec_level_check(CODEC_GZIP, 12), 0);
	ck_assert_int_eq(codec_level_check(CODEC_GZIP, 13), -EINVAL);
	ck_assert_int_eq(codec_level_check(CODEC_ZSTD, 0), -EINVAL);
	ck_assert_int_eq(codec_level_check(CODEC_ZSTD, 19), 0);
	ck_assert_int_eq(codec_level_check(CODEC_SNAPPY, 3), -EINVAL);
	unsigned char z[16];
	ck_assert_int_eq(codec_encode(NULL, CODEC_ZSTD, 1, "0123456789012345678901234567", 28, z, 4),
			 -ENOSPC);
	ck_assert_int_eq(codec_encode(NULL, CODEC_GZIP, 1, "0123456789", 10, z, 4), -ENOSPC);
}
END_TEST

/* Our output decodes with the reference tools, and theirs with us. */
static void tool_roundtrip(enum codec c, const char *enc_cmd, const char *dec_cmd)
{
	char dir[] = "/tmp/codec-XXXXXX", path[128], cmd[512];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	size_t n = 300000;
	unsigned char *in = sample(n, 1), *out = malloc(n + 1);
	size_t bound = codec_encode_bound(c, n);
	unsigned char *z = malloc(bound);
	ssize_t zl = codec_encode(NULL, c, CODEC_LEVEL_DEFAULT, in, n, z, bound);
	ck_assert_int_gt(zl, 0);
	snprintf(path, sizeof(path), "%s/ours", dir);
	FILE *f = fopen(path, "w");
	fwrite(z, 1, (size_t)zl, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s < %s/ours > %s/plain && %s < %s/plain > %s/theirs", dec_cmd, dir, dir,
		 enc_cmd, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/plain", dir);
	f = fopen(path, "r");
	ck_assert_uint_eq(fread(out, 1, n + 1, f), n);
	fclose(f);
	ck_assert(memcmp(in, out, n) == 0);
	snprintf(path, sizeof(path), "%s/theirs", dir);
	f = fopen(path, "r");
	size_t tl = fread(z, 1, bound, f);
	fclose(f);
	ck_assert_int_eq(codec_decode(NULL, c, z, tl, out, n), (ssize_t)n);
	ck_assert(memcmp(in, out, n) == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(in);
	free(out);
	free(z);
}

/* What the exporters send at the default level (igzip where built with
 * libisal) is what zlib itself reads: gzip, zlib and raw deflate, with
 * their checksums, for compressible and random bodies. */
START_TEST(default_level_decodes_with_zlib)
{
	static const struct {
		enum codec c;
		int wbits;
	} forms[] = { { CODEC_GZIP, 16 + MAX_WBITS },
		      { CODEC_ZLIB, MAX_WBITS },
		      { CODEC_RAW_DEFLATE, -MAX_WBITS } };
	struct codec_ctx x;
	codec_ctx_init(&x);
	for (unsigned k = 0; k < 3; k++) {
		for (int compressible = 0; compressible < 2; compressible++) {
			size_t n = 2u << 20;
			unsigned char *in = sample(n, compressible), *out = malloc(n);
			size_t bound = codec_encode_bound(forms[k].c, n);
			unsigned char *z = malloc(bound);
			ssize_t zl = codec_encode(&x, forms[k].c, CODEC_LEVEL_DEFAULT, in, n, z, bound);
			ck_assert_int_gt(zl, 0);
			z_stream zs = { 0 };
			ck_assert_int_eq(inflateInit2(&zs, forms[k].wbits), Z_OK);
			zs.next_in = z;
			zs.avail_in = (uInt)zl;
			zs.next_out = out;
			zs.avail_out = (uInt)n;
			ck_assert_msg(inflate(&zs, Z_FINISH) == Z_STREAM_END, "%s (%s)",
				      codec_name(forms[k].c), codec_encoder(forms[k].c, CODEC_LEVEL_DEFAULT));
			ck_assert_uint_eq(zs.total_out, n);
			ck_assert_uint_eq(zs.avail_in, 0);
			ck_assert(memcmp(in, out, n) == 0);
			inflateEnd(&zs);
			free(in);
			free(out);
			free(z);
		}
	}
	codec_ctx_free(&x);
	ck_assert_str_eq(codec_encoder(CODEC_GZIP, 6), "libdeflate");
	ck_assert_str_eq(codec_encoder(CODEC_ZSTD, 1), "zstd");
}
END_TEST

START_TEST(interop_with_cli_tools)
{
	if (system("command -v zstd >/dev/null && command -v gzip >/dev/null") != 0)
		return;
	tool_roundtrip(CODEC_ZSTD, "zstd -q -3 -c", "zstd -q -d -c");
	tool_roundtrip(CODEC_GZIP, "gzip -c -6", "gzip -d -c");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_codec");
	TCase *tc = tcase_create("codec");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, roundtrip_every_codec_and_level);
	tcase_add_test(tc, bombs_refused_at_the_cap);
	tcase_add_test(tc, zstd_without_or_with_lying_content_size);
	tcase_add_test(tc, corrupt_and_truncated);
	tcase_add_test(tc, names_and_levels);
	tcase_add_test(tc, default_level_decodes_with_zlib);
	tcase_add_test(tc, interop_with_cli_tools);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
