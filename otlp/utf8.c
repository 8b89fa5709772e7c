/* otlp/utf8.c: the UTF-8 decoder behind otlp_utf8_valid() for strings that
 * are not all ASCII. The well-formed byte sequences, from the Unicode
 * standard (table 3-7): the second byte's range depends on the lead byte,
 * which is what rules out overlong forms (E0, F0), surrogates (ED) and
 * values past U+10FFFF (F4); C0, C1 and F5..FF never occur. */
#include "otlp/utf8.h"

#include <endian.h>

static inline size_t seq_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf; /* range of the second byte */
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

size_t otlp_utf8_seq(const uint8_t *p, size_t n)
{
	return seq_len(p, n);
}

int otlp_utf8_valid_slow(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		/* ASCII 8 bytes at a time, as in the inline check; a word with
		 * a high byte moves i straight to that byte (text with a few
		 * accents is still mostly ASCII). */
		if (n - i >= 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			uint64_t high = le64toh(w) & 0x8080808080808080ull;
			if (!high) {
				i += 8;
				continue;
			}
			i += (size_t)__builtin_ctzll(high) >> 3;
		} else if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = seq_len(p + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}
