/* tests/shm/test_crc.c - CRC-32C: known values (RFC 3720 B.4 and the
 * "123456789" check value) for every implementation this CPU can run,
 * every implementation equal to a bitwise CRC for all lengths and
 * alignments and in pieces, the tables recomputed, the fused ring copy,
 * and the record seal catching every single-bit flip. An implementation
 * the CPU lacks is reported and skipped (the portable one always runs);
 * the figures are in docs/bench/shm.md. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm/copy.h"
#include "shm/crc32c.h"
#include "shm/crc32c_table.h"
#include "shm/record.h"
#include "tests/check_run.h"

static uint32_t bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
	}
	return ~crc;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

START_TEST(test_known_values)
{
	static const struct {
		const char *name;
		uint8_t bytes[48];
		size_t len;
		uint32_t crc;
	} cases[] = {
		{ "empty", { 0 }, 0, 0x00000000u },
		{ "123456789", "123456789", 9, 0xe3069283u },
		{ "32 x 0x00 (RFC 3720 B.4)", { 0 }, 32, 0x8a9136aau },
		{ "32 x 0xff (RFC 3720 B.4)",
		  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		  32,
		  0x62a8ab43u },
		{ "0..31 (RFC 3720 B.4)",
		  { 0,	1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, 15,
		    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 },
		  32,
		  0x46dd794eu },
		{ "31..0 (RFC 3720 B.4)",
		  { 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
		    15, 14, 13, 12, 11, 10, 9,	8,  7,	6,  5,	4,  3,	2,  1,	0 },
		  32,
		  0x113fdb5cu },
		{ "iSCSI read PDU (RFC 3720 B.4)",
		  { 0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		    0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		    0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
		    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
		  48,
		  0xd9963a56u },
	};
	int ran = 0;

	for (int k = 0; k < CRC32C_KINDS; k++) {
		crc32c_fn *f = crc32c_impl(k);

		if (!f) {
			fprintf(stderr, "test_known_values: %s not available on this CPU\n",
				crc32c_kind_name(k));
			continue;
		}
		ran++;
		for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			ck_assert_msg(f(0, cases[i].bytes, cases[i].len) == cases[i].crc, "%s: %s",
				      crc32c_kind_name(k), cases[i].name);
	}
	ck_assert_int_ge(ran, 1);
	ck_assert_ptr_nonnull(crc32c_impl(CRC32C_PORTABLE));
	ck_assert_ptr_null(crc32c_impl(CRC32C_KINDS));
	ck_assert_ptr_eq(crc32c_impl(crc32c_best()), crc32c_impl(crc32c_best()));
	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xe3069283u);
	fprintf(stderr, "test_known_values: crc32c() uses %s\n", crc32c_kind_name(crc32c_best()));
}
END_TEST

START_TEST(test_tables)
{
	for (unsigned i = 0; i < 256; i++) {
		uint8_t b = (uint8_t)i;
		uint32_t t0 = ~bitwise(~0u, &b, 1); /* raw register after one byte from 0 */

		ck_assert_uint_eq(crc32c_table[0][i], t0);
		for (int s = 1; s < 8; s++)
			ck_assert_uint_eq(crc32c_table[s][i],
					  (crc32c_table[s - 1][i] >> 8) ^
						  crc32c_table[0][crc32c_table[s - 1][i] & 0xff]);
	}
}
END_TEST

/* Every length 0..2100 (all the tail and block boundaries of every
 * implementation: 8, 64, 256, 3 x 128, 3 x 1024) at 8 alignments, some
 * large ones, and each split in two pieces at a random point. */
START_TEST(test_implementations_agree)
{
	enum {
		BIG = 1 << 20
	};
	uint8_t *buf = malloc(BIG + 64);
	uint64_t bad = 0, checked = 0;

	fill_random(buf, BIG + 64);
	for (int k = 0; k < CRC32C_KINDS; k++) {
		crc32c_fn *f = crc32c_impl(k);

		if (!f)
			continue;
		for (size_t n = 0; n <= 2100; n++) {
			for (size_t off = 0; off < 8; off++) {
				uint32_t seed = off & 1 ? rnd() : 0, want = bitwise(seed, buf + off, n);
				size_t cut = n ? rnd() % (n + 1) : 0;

				bad += f(seed, buf + off, n) != want;
				bad += f(f(seed, buf + off, cut), buf + off + cut, n - cut) != want;
				checked += 2;
			}
		}
		for (size_t n = 4096; n <= BIG; n = n * 3 + 8)
			bad += f(0, buf + 3, n) != bitwise(0, buf + 3, n), checked++;
		ck_assert_msg(bad == 0, "%s: %llu of %llu differ from the bitwise CRC", crc32c_kind_name(k),
			      (unsigned long long)bad, (unsigned long long)checked);
	}
	free(buf);
}
END_TEST

/* The fused copies: every implementation, sizes around every step and
 * block boundary, source and destination at all kinds of alignment. */
START_TEST(test_copy_to_ring_crc)
{
	enum {
		MAX = 70000
	};
	uint8_t *src = malloc(MAX + 64), *dst = aligned_alloc(64, (MAX + 128 + 63) & ~63);

	fill_random(src, MAX + 64);
	for (int k = -1; k < CRC32C_KINDS; k++) {
		crc32c_copy_fn *f = k < 0 ? NULL : crc32c_copy_impl(k);

		if (k >= 0 && !f)
			continue;
		for (int i = 0; i < 600; i++) {
			size_t n = i < 300 ? (size_t)i * 61 : rnd() % MAX, so = rnd() % 16, doff = rnd() % 64;
			uint32_t seed = rnd(), got;

			memset(dst, 0xee, MAX + 128);
			got = f ? f(dst + doff, src + so, n, seed)
				: copy_to_ring_crc(dst + doff, src + so, n, seed);
			ck_assert_msg(got == crc32c(seed, src + so, n), "%s: crc, n %zu",
				      f ? crc32c_kind_name(k) : "copy_to_ring_crc", n);
			ck_assert(memcmp(dst + doff, src + so, n) == 0);
			ck_assert_uint_eq(dst[doff + n], 0xee); /* nothing past the end */
			if (doff)
				ck_assert_uint_eq(dst[doff - 1], 0xee);
		}
	}
	ck_assert_ptr_null(crc32c_copy_impl(CRC32C_KINDS));
	free(src);
	free(dst);
}
END_TEST

START_TEST(test_combine)
{
	enum {
		N = 70000
	};
	uint8_t *buf = malloc(N);

	fill_random(buf, N);
	for (int i = 0; i < 2000; i++) {
		size_t n = i < 500 ? (size_t)i : rnd() % N, cut = n ? rnd() % (n + 1) : 0;

		ck_assert_uint_eq(crc32c_combine(crc32c(0, buf, cut), crc32c(0, buf + cut, n - cut), n - cut),
				  crc32c(0, buf, n));
	}
	/* lengths past 2^31 use the table's period: combine with zeros */
	ck_assert_uint_eq(crc32c_combine(0xe3069283u, 0, 0), 0xe3069283u);
	uint32_t a = 0x12345678u, z = crc32c(0, buf, 0);
	ck_assert_uint_eq(crc32c_combine(crc32c_combine(a, z, 1ull << 31), z, 1ull << 31),
			  crc32c_combine(a, z, 1ull << 32));
	free(buf);
}
END_TEST

/* A CRC catches every burst up to 32 bits: so every single-bit flip in a
 * record, header or payload, and the seal from a known payload CRC equals
 * the seal from scratch. */
START_TEST(test_record_seal)
{
	_Alignas(8) uint8_t mem[RECORD_HDR_SIZE + 200];
	struct record *r = (struct record *)mem;

	memset(mem, 0, sizeof(mem));
	r->len = 200;
	r->signal = RECORD_SIGNAL_LOGS;
	r->seq = 77;
	r->ingest_ns = 123456789;
	r->items = 3;
	fill_random(record_payload(r), 200);
	record_seal(r);
	ck_assert_uint_ne(r->crc, 0);
	ck_assert(record_intact(r));
	uint32_t sealed = r->crc;
	record_seal_payload(r, crc32c(0, record_payload(r), 200));
	ck_assert_uint_eq(r->crc, sealed);
	for (size_t bit = 0; bit < sizeof(mem) * 8; bit++) {
		if (bit / 8 >= 28 && bit / 8 < 32)
			continue; /* the crc field itself: any change is caught by comparison */
		if (bit < 32 && (200u ^ (1u << bit)) > 200)
			continue; /* len past the buffer: the ring refuses that before the CRC */
		mem[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_msg(!record_intact(r), "flip of bit %zu not caught", bit);
		mem[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ck_assert(record_intact(r));
	r->crc ^= 1;
	ck_assert(!record_intact(r));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_crc");
	TCase *tc = tcase_create("crc32c");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_known_values);
	tcase_add_test(tc, test_tables);
	tcase_add_test(tc, test_implementations_agree);
	tcase_add_test(tc, test_copy_to_ring_crc);
	tcase_add_test(tc, test_record_seal);
	tcase_add_test(tc, test_combine);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
