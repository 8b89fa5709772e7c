/* shm/crc32c_combine.c - the CRC-32C of a concatenation from the CRCs of
 * its parts, without reading the data: multiply the first part's CRC by
 * x^(8 * length of the second) modulo the polynomial. */
#include "shm/crc32c.h"

/* x^(2^k) mod P, bit-reflected, k = 0..30: x has order 2^31 - 1 modulo
 * the Castagnoli polynomial, so x^(2^31) = x and the table repeats. */
static const uint32_t x_pow2k[31] = {
	0x40000000u, 0x20000000u, 0x08000000u, 0x00800000u, 0x00008000u, 0x82f63b78u, 0x6ea2d55cu,
	0x18b8ea18u, 0x510ac59au, 0xb82be955u, 0xb8fdb1e7u, 0x88e56f72u, 0x74c360a4u, 0xe4172b16u,
	0x0d65762au, 0x35d73a62u, 0x28461564u, 0xbf455269u, 0xe2ea32dcu, 0xfe7740e6u, 0xf946610bu,
	0x3c204f8fu, 0x538586e3u, 0x59726915u, 0x734d5309u, 0xbc1ac763u, 0x7d0722ccu, 0xd289cabeu,
	0xe94ca9bcu, 0x05b74f3fu, 0xa51e1f42u,
};

/* a * b mod P, both bit-reflected (bit 31 = x^0). */
static uint32_t mul_mod_p(uint32_t a, uint32_t b)
{
	uint32_t product = 0;

	for (uint32_t m = 1u << 31; m; m >>= 1) {
		if (a & m)
			product ^= b;
		b = b & 1 ? (b >> 1) ^ 0x82f63b78u : b >> 1;
	}
	return product;
}

/* With finished CRCs the pre- and post-inversions cancel:
 * crc(A || B) = crc(A) * x^(8 len(B)) mod P  xor  crc(B). */
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
	for (unsigned k = 3; len_b; len_b >>= 1, k++)
		if (len_b & 1)
			crc_a = mul_mod_p(x_pow2k[k % 31], crc_a);
	return crc_a ^ crc_b;
}
