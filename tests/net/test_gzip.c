/* test_gzip.c: gzip/zlib/raw deflate bodies -- round trips, the output cap
 * at its exact boundary, a gzip bomb stopped at the cap, corrupt, truncated
 * and trailing-garbage inputs, concatenated members, encoder limits, and the
 * Content-Encoding name table. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "net/gzip.h"
#include "tests/check_run.h"

static unsigned char *sample(size_t n, int compressible)
{
	unsigned char *p = malloc(n ? n : 1);
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = compressible ? (unsigned char)("span-attribute-"[i % 15] + (i / 4096) % 3)
				    : (unsigned char)(x >> 16);
	}
	return p;
}

/* zlib-wrapped or raw deflate of in (windowBits as zlib takes them). */
static size_t zlib_pack(const void *in, size_t n, void *out, size_t cap, int wbits)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	size_t len = cap - zs.avail_out;
	deflateEnd(&zs);
	return len;
}

START_TEST(test_roundtrip_sizes)
{
	size_t sizes[] = { 0, 1, 100, 4096, 65537, 1u << 20 };
	struct gzip_encoder e;
	struct gzip_decoder d;
	gzip_encoder_init(&e);
	gzip_decoder_init(&d);
	for (int comp = 0; comp < 2; comp++)
		for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			size_t n = sizes[k];
			unsigned char *in = sample(n, comp);
			size_t zcap = gzip_encode_bound(n);
			unsigned char *z = malloc(zcap), *out = malloc(n + 1);
			ssize_t zl = gzip_encoder_run(&e, in, n, z, zcap, -1);
			ck_assert_int_gt(zl, 0);
			ck_assert(z[0] == 0x1f && z[1] == 0x8b);
			/* exact cap works; one byte less is refused */
			ck_assert_int_eq(gzip_decoder_run(&d, GZIP_FMT_GZIP, z, (size_t)zl, out, n),
					 (ssize_t)n);
			ck_assert(n == 0 || memcmp(in, out, n) == 0);
			if (n)
				ck_assert_int_eq(gzip_decoder_run(&d, GZIP_FMT_GZIP, z, (size_t)zl, out,
								  n - 1),
						 -EFBIG);
			/* the one-shot API agrees */
			ck_assert_int_eq(gzip_decode(GZIP_FMT_GZIP, z, (size_t)zl, out, n + 1), (ssize_t)n);
			free(in);
			free(z);
			free(out);
		}
	gzip_encoder_free(&e);
	gzip_decoder_free(&d);
}
END_TEST

START_TEST(test_zlib_raw_and_deflate_detection)
{
	size_t n = 50000;
	unsigned char *in = sample(n, 1), *z = malloc(n + 1024), *out = malloc(n);
	struct gzip_decoder d;
	gzip_decoder_init(&d);
	size_t zl = zlib_pack(in, n, z, n + 1024, MAX_WBITS);
	ck_assert_int_eq(gzip_decoder_run(&d, GZIP_FMT_ZLIB, z, zl, out, n), (ssize_t)n);
	ck_assert_int_eq(gzip_decoder_run(&d, GZIP_FMT_DEFLATE, z, zl, out, n), (ssize_t)n);
	ck_assert_int_eq(gzip_decoder_run(&d, GZIP_FMT_GZIP, z, zl, out, n), -EBADMSG);
	size_t rl = zlib_pack(in, n, z, n + 1024, -MAX_WBITS);
	ck_assert_int_eq(gzip_decoder_run(&d, GZIP_FMT_RAW, z, rl, out, n), (ssize_t)n);
	ck_assert_int_eq(gzip_decoder_run(&d, GZIP_FMT_DEFLATE, z, rl, out, n), (ssize_t)n);
	ck_assert(memcmp(in, out, n) == 0);
	ck_assert_int_eq(gzip_decoder_run(&d, GZIP_FMT_IDENTITY, z, rl, out, n), -EINVAL);
	gzip_decoder_free(&d);
	free(in);
	free(z);
	free(out);
}
END_TEST

START_TEST(test_bomb_stopped_at_cap)
{
	/* 256 MiB of zeros squeezed into ~256 KiB, decoded with a 4 MiB cap. */
	size_t total = 256u << 20, chunk = 1u << 20;
	unsigned char *zeros = calloc(1, chunk), *z = malloc(1u << 20);
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_out = z;
	zs.avail_out = 1u << 20;
	for (size_t done = 0; done < total; done += chunk) {
		zs.next_in = zeros;
		zs.avail_in = (uInt)chunk;
		ck_assert_int_eq(deflate(&zs, done + chunk < total ? Z_NO_FLUSH : Z_FINISH),
				 done + chunk < total ? Z_OK : Z_STREAM_END);
	}
	size_t zl = (1u << 20) - zs.avail_out;
	deflateEnd(&zs);
	ck_assert_uint_lt(zl, 1u << 20);
	size_t cap = 4u << 20;
	unsigned char *out = malloc(cap);
	ck_assert_int_eq(gzip_decode(GZIP_FMT_GZIP, z, zl, out, cap), -EFBIG);
	ck_assert_int_eq(gzip_decode(GZIP_FMT_DEFLATE, z, zl, out, cap), -EBADMSG);
	free(zeros);
	free(z);
	free(out);
}
END_TEST

START_TEST(test_bad_inputs)
{
	size_t n = 10000;
	unsigned char *in = sample(n, 1), *out = malloc(n), *z = malloc(gzip_encode_bound(n) + 64);
	ssize_t zl = gzip_encode(in, n, z, gzip_encode_bound(n), 6);
	ck_assert_int_gt(zl, 20);
	/* truncated anywhere: never a success */
	for (ssize_t k = 0; k < zl; k += (k < 40 ? 1 : 97))
		ck_assert_int_eq(gzip_decode(GZIP_FMT_GZIP, z, (size_t)k, out, n), -EBADMSG);
	/* CRC32 in the trailer corrupted */
	z[zl - 6] ^= 0x55;
	ck_assert_int_eq(gzip_decode(GZIP_FMT_GZIP, z, (size_t)zl, out, n), -EBADMSG);
	z[zl - 6] ^= 0x55;
	/* trailing garbage after the member */
	memcpy(z + zl, "garbage", 7);
	ck_assert_int_eq(gzip_decode(GZIP_FMT_GZIP, z, (size_t)zl + 7, out, n), -EBADMSG);
	/* not compressed at all */
	ck_assert_int_eq(gzip_decode(GZIP_FMT_GZIP, "hello world", 11, out, n), -EBADMSG);
	ck_assert_int_eq(gzip_decode(GZIP_FMT_DEFLATE, "hello world", 11, out, n), -EBADMSG);
	free(in);
	free(out);
	free(z);
}
END_TEST

START_TEST(test_concatenated_members)
{
	unsigned char z[256], out[64];
	ssize_t a = gzip_encode("hello ", 6, z, sizeof(z), 1);
	ck_assert_int_gt(a, 0);
	ssize_t b = gzip_encode("world", 5, z + a, sizeof(z) - (size_t)a, 9);
	ck_assert_int_gt(b, 0);
	ck_assert_int_eq(gzip_decode(GZIP_FMT_GZIP, z, (size_t)(a + b), out, sizeof(out)), 11);
	ck_assert(memcmp(out, "hello world", 11) == 0);
	/* the cap covers all members together */
	ck_assert_int_eq(gzip_decode(GZIP_FMT_GZIP, z, (size_t)(a + b), out, 10), -EFBIG);
}
END_TEST

START_TEST(test_encoder_limits_and_names)
{
	unsigned char *in = sample(100000, 0), z[64];
	ck_assert_int_eq(gzip_encode(in, 100000, z, sizeof(z), 6), -ENOSPC);
	ck_assert_int_eq(gzip_encode(in, 10, z, sizeof(z), 13), -EINVAL);
	free(in);
	struct {
		const char *name;
		int want;
	} names[] = {
		{ "gzip", GZIP_FMT_GZIP },
		{ "GZip", GZIP_FMT_GZIP },
		{ "x-gzip", GZIP_FMT_GZIP },
		{ "deflate", GZIP_FMT_DEFLATE },
		{ "identity", GZIP_FMT_IDENTITY },
		{ "", GZIP_FMT_IDENTITY },
		{ "br", -ENOTSUP },
		{ "zstd", GZIP_FMT_ZSTD },
		{ "zlib", GZIP_FMT_ZLIB },
		{ "snappy", GZIP_FMT_SNAPPY },
		{ "lz4", -ENOTSUP },
		{ "gzip2", -ENOTSUP },
	};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(gzip_format_from_name(names[i].name, strlen(names[i].name)) == names[i].want,
			      "name %s", names[i].name);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_gzip");
	TCase *tc = tcase_create("gzip");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip_sizes);
	tcase_add_test(tc, test_zlib_raw_and_deflate_detection);
	tcase_add_test(tc, test_bomb_stopped_at_cap);
	tcase_add_test(tc, test_bad_inputs);
	tcase_add_test(tc, test_concatenated_members);
	tcase_add_test(tc, test_encoder_limits_and_names);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
