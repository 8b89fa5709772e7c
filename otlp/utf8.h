/* otlp/utf8.h: is a byte string valid UTF-8? (proto3 requires it of every
 * `string` field; Collector-based backends refuse requests that break it.)
 *
 * otlp_utf8_valid(p, n): 1 if p[0..n) is valid UTF-8 (the Unicode standard's
 * definition: no overlong forms, no surrogates U+D800..U+DFFF, nothing past
 * U+10FFFF, no truncated sequence), else 0. n == 0 is valid.
 *
 * Inline, because the validators call it for every key and string value:
 * almost all of them are ASCII, which otlp_ascii() decides 16 bytes a load
 * (the OR of all words, one test at the end); only a string with a byte
 * >= 0x80 goes to the out-of-line decoder, otlp_utf8_valid_slow(). No
 * allocation, reads only p[0..n). */
#ifndef SLUICE_OTLP_UTF8_H
#define SLUICE_OTLP_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The full check (ASCII runs skipped 8 bytes at a time too). */
int otlp_utf8_valid_slow(const uint8_t *p, size_t n);

/* Length (1..4) of the valid UTF-8 sequence at p[0..n) (n >= 1), or 0 if
 * the bytes there are not one: for printers that replace bad bytes. */
size_t otlp_utf8_seq(const uint8_t *p, size_t n);

/* Two 64-bit lanes: one SSE2 register on x86-64 (a NEON one on arm64). */
typedef uint64_t otlp_u64x2 __attribute__((vector_size(16)));

/* 1 if p[0..n) is all ASCII: the OR of its bytes, 32 a step in two vector
 * registers, the tail read as the last 16 (or 8, 4) bytes again,
 * overlapping; one test at the end. */
static inline __attribute__((always_inline)) int otlp_ascii(const uint8_t *p, size_t n)
{
	const uint64_t hi = 0x8080808080808080ull;
	uint64_t a = 0;

	if (n >= 16) {
		otlp_u64x2 x = { 0, 0 }, y = { 0, 0 }, w;
		size_t i = 0;
		for (; i + 32 <= n; i += 32) {
			memcpy(&w, p + i, 16);
			x |= w;
			memcpy(&w, p + i + 16, 16);
			y |= w;
		}
		if (i + 16 <= n) {
			memcpy(&w, p + i, 16);
			x |= w;
		}
		memcpy(&w, p + n - 16, 16);
		x |= y | w;
		a = x[0] | x[1];
	} else if (n >= 8) {
		uint64_t u, v;
		memcpy(&u, p, 8);
		memcpy(&v, p + n - 8, 8);
		a = u | v;
	} else if (n >= 4) {
		uint32_t u, v;
		memcpy(&u, p, 4);
		memcpy(&v, p + n - 4, 4);
		a = u | v;
	} else if (n) {
		a = (uint64_t)(p[0] | p[n - 1] | p[n >> 1]); /* all of 1..3 bytes */
	}
	return (a & hi) == 0;
}

static inline __attribute__((always_inline)) int otlp_utf8_valid(const uint8_t *p, size_t n)
{
	return otlp_ascii(p, n) ? 1 : otlp_utf8_valid_slow(p, n);
}

#endif
