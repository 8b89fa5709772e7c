/* otlp/utf8.h: is a byte string valid UTF-8? (proto3 requires it of every
 * `string` field; Collector-based backends refuse requests that break it.)
 *
 * otlp_utf8_valid(p, n): 1 if p[0..n) is valid UTF-8 (the Unicode standard's
 * definition: no overlong forms, no surrogates U+D800..U+DFFF, nothing past
 * U+10FFFF, no truncated sequence), else 0. n == 0 is valid.
 *
 * Inline, because the validators call it for every key and string value:
 * almost all of them are ASCII, which is decided 8 bytes a load (the OR of
 * all words, one test at the end); only a string with a byte >= 0x80 goes
 * to the out-of-line decoder, otlp_utf8_valid_slow(). No allocation, reads
 * only p[0..n). */
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

static inline __attribute__((always_inline)) int otlp_utf8_valid(const uint8_t *p, size_t n)
{
	const uint64_t hi = 0x8080808080808080ull;
	uint64_t acc = 0, w;

	if (n >= 8) {
		size_t i = 0;
		for (; i + 8 <= n; i += 8) {
			memcpy(&w, p + i, 8);
			acc |= w;
		}
		memcpy(&w, p + n - 8, 8);  /* the tail, overlapping the last word */
		acc |= w;
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		acc = a | b;
	} else if (n) {
		acc = (uint64_t)(p[0] | p[n - 1] | p[n >> 1]);  /* all of 1..3 bytes */
	}
	return (acc & hi) == 0 ? 1 : otlp_utf8_valid_slow(p, n);
}

#endif
