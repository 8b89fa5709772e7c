/* shm/crc32c.c - CRC-32C: portable tables, SSE4.2 crc32q (one and three
 * streams), AVX-512 VPCLMULQDQ folding, and the load-time choice.
 *
 * Conventions: the public functions take and return a finished CRC (zlib
 * style: 0 to start, chainable). Inside, "state" is the raw register:
 * state = ~crc; the crc32 instructions and the folds work on that.
 *
 * Polynomial arithmetic (for the constants below). A reflected value holds
 * the first message bit in bit 0, so bit i of a 128-bit lane stands for
 * x^(127-i). Folding a lane X = H*x^64 + L forward by D bits (over the data
 * that follows it) replaces it by H*(x^(D+64) mod P) + L*(x^D mod P), which
 * has the same remainder. A carry-less multiply of a 64-bit reflected H by
 * a 32-bit reflected K yields a 128-bit lane worth H*K*x^33, so the lane
 * constants are K_H = x^(D+31) mod P and K_L = x^(D-33) mod P, bit-reflected.
 * Shifting a 32-bit state c over m zero bytes (to merge the crc32q
 * streams) is clmul(c, x^(8m-33) mod P) followed by crc32q(0, .), which
 * multiplies by x^33 and reduces. All constants were computed with
 * "r = 1; n times: r = r*x mod P" and are cross-checked by the tests,
 * which compare every implementation with a bitwise CRC. The well-known
 * 128-bit fold pair (0xf20c0dfe, 0x493c7d27) is the D = 128 entry.
 */
#include <string.h>

#include "shm/crc32c.h"
#include "shm/crc32c_table.h"

static uint64_t load64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

static uint32_t portable_state(uint32_t s, const uint8_t *p, size_t n)
{
	const uint32_t(*t)[256] = crc32c_table;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w = load64(p) ^ s;

		s = t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^ t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
		    t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^ t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
	}
#endif
	for (; n; n--)
		s = (s >> 8) ^ t[0][(s ^ *p++) & 0xff];
	return s;
}

static uint32_t crc32c_portable(uint32_t crc, const void *buf, size_t n)
{
	return ~portable_state(~crc, buf, n);
}

#if defined(__x86_64__)
#include <immintrin.h>

#define T_SSE42 __attribute__((target("sse4.2")))
#define T_3WAY __attribute__((target("sse4.2,pclmul")))
#define T_AVX512 __attribute__((target("sse4.2,pclmul,avx512f,vpclmulqdq")))

/* Lane constants {K_H, K_L} for a fold distance of D bits. */
#define K_H_128 0xf20c0dfeu
#define K_L_128 0x493c7d27u
#define K_H_384 0x1c291d04u
#define K_L_384 0xddc0152bu
#define K_H_256 0x3da6d0cbu
#define K_L_256 0xba4fc28eu
#define K_H_512 0x740eef02u
#define K_L_512 0x9e4addf8u
#define K_H_1024 0x6992cea2u
#define K_L_1024 0x0d3b6092u
#define K_H_1536 0xa87ab8a8u
#define K_L_1536 0xab7aff2au
#define K_H_2048 0xdcb17aa4u
#define K_L_2048 0xb9e02b86u
/* Shift constants x^(8m-33) mod P for m bytes. */
#define SHIFT_128 0x0d3b6092u
#define SHIFT_256 0xb9e02b86u
#define SHIFT_1024 0x170076fau
#define SHIFT_2048 0xa51b6135u

T_SSE42 static uint32_t sse42_state(uint32_t s, const uint8_t *p, size_t n)
{
	uint64_t c = s;

	for (; n >= 8; p += 8, n -= 8)
		c = _mm_crc32_u64(c, load64(p));
	for (; n; n--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return (uint32_t)c;
}

T_SSE42 static uint32_t crc32c_sse42(uint32_t crc, const void *buf, size_t n)
{
	return ~sse42_state(~crc, buf, n);
}

/* c * x^(8m) mod P, k = SHIFT_m. */
T_3WAY static uint32_t shift_state(uint32_t c, uint32_t k)
{
	__m128i prod = _mm_clmulepi64_si128(_mm_cvtsi32_si128((int)c), _mm_cvtsi32_si128((int)k), 0);

	return (uint32_t)_mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(prod));
}

/* Three streams over p[0..len), p[len..2len), p[2len..3len); the crc32q
 * latency (3 cycles) hides behind the other two. */
T_3WAY static uint32_t three_streams(uint32_t s, const uint8_t *p, size_t len, uint32_t k_len,
				     uint32_t k_2len)
{
	uint64_t a = s, b = 0, c = 0;

	for (size_t i = 0; i < len; i += 8) {
		a = _mm_crc32_u64(a, load64(p + i));
		b = _mm_crc32_u64(b, load64(p + len + i));
		c = _mm_crc32_u64(c, load64(p + 2 * len + i));
	}
	return shift_state((uint32_t)a, k_2len) ^ shift_state((uint32_t)b, k_len) ^ (uint32_t)c;
}

T_3WAY static uint32_t sse42_3way_state(uint32_t s, const uint8_t *p, size_t n)
{
	for (; n >= 3 * 1024; p += 3 * 1024, n -= 3 * 1024)
		s = three_streams(s, p, 1024, SHIFT_1024, SHIFT_2048);
	for (; n >= 3 * 128; p += 3 * 128, n -= 3 * 128)
		s = three_streams(s, p, 128, SHIFT_128, SHIFT_256);
	return sse42_state(s, p, n);
}

T_3WAY static uint32_t crc32c_sse42_3way(uint32_t crc, const void *buf, size_t n)
{
	return ~sse42_3way_state(~crc, buf, n);
}

T_AVX512 static __m512i k512(uint32_t kh, uint32_t kl)
{
	return _mm512_broadcast_i32x4(_mm_set_epi64x(kl, kh));
}

/* acc folded forward over the constant's distance, xor next. */
T_AVX512 static __m512i fold512(__m512i acc, __m512i k, __m512i next)
{
	return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(acc, k, 0x00),
					 _mm512_clmulepi64_epi128(acc, k, 0x11), next, 0x96);
}

T_AVX512 static __m128i fold128(__m128i acc, uint32_t kh, uint32_t kl)
{
	__m128i k = _mm_set_epi64x(kl, kh);

	return _mm_xor_si128(_mm_clmulepi64_si128(acc, k, 0x00), _mm_clmulepi64_si128(acc, k, 0x11));
}

/* n >= 64 and a multiple of 64. From 256 bytes: four 64-byte
 * accumulators, 256 bytes a round (enough independent multiplies to cover
 * their latency), then folded into one; below, one accumulator. Then its
 * four 16-byte lanes into one, then crc32q. With dst (64-byte aligned),
 * every block loaded is also stored there with a non-temporal store: the
 * copy and the checksum share the loads. */
static inline __attribute__((always_inline)) T_AVX512 uint32_t fold_state(uint32_t s, const uint8_t *p,
									  size_t n, uint8_t *dst)
{
	const __m512i k512b = k512(K_H_512, K_L_512);
	const __m512i s0 = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (int)s);
	__m512i a0, a1, a2, a3;
	__m128i x;

	if (n < 256) { /* short: one accumulator (dst is NULL here) */
		a3 = _mm512_xor_si512(_mm512_loadu_si512(p), s0);
		p += 64, n -= 64;
		goto one;
	}
	a0 = _mm512_loadu_si512(p), a1 = _mm512_loadu_si512(p + 64);
	a2 = _mm512_loadu_si512(p + 128), a3 = _mm512_loadu_si512(p + 192);
	const __m512i k2048 = k512(K_H_2048, K_L_2048);

	if (dst) {
		_mm512_stream_si512((void *)dst, a0);
		_mm512_stream_si512((void *)(dst + 64), a1);
		_mm512_stream_si512((void *)(dst + 128), a2);
		_mm512_stream_si512((void *)(dst + 192), a3);
		dst += 256;
	}
	/* the state enters as if xored into the first 4 message bytes */
	a0 = _mm512_xor_si512(a0, s0);
	for (p += 256, n -= 256; n >= 256; p += 256, n -= 256) {
		__m512i b0 = _mm512_loadu_si512(p), b1 = _mm512_loadu_si512(p + 64);
		__m512i b2 = _mm512_loadu_si512(p + 128), b3 = _mm512_loadu_si512(p + 192);

		if (dst) {
			_mm512_stream_si512((void *)dst, b0);
			_mm512_stream_si512((void *)(dst + 64), b1);
			_mm512_stream_si512((void *)(dst + 128), b2);
			_mm512_stream_si512((void *)(dst + 192), b3);
			dst += 256;
		}
		a0 = fold512(a0, k2048, b0);
		a1 = fold512(a1, k2048, b1);
		a2 = fold512(a2, k2048, b2);
		a3 = fold512(a3, k2048, b3);
	}
	a3 = fold512(a2, k512b, a3);
	a3 = fold512(a1, k512(K_H_1024, K_L_1024), a3);
	a3 = fold512(a0, k512(K_H_1536, K_L_1536), a3);
one:
	for (; n >= 64; p += 64, n -= 64) {
		__m512i b = _mm512_loadu_si512(p);

		if (dst) {
			_mm512_stream_si512((void *)dst, b);
			dst += 64;
		}
		a3 = fold512(a3, k512b, b);
	}
	x = _mm_xor_si128(fold128(_mm512_extracti32x4_epi32(a3, 0), K_H_384, K_L_384),
			  fold128(_mm512_extracti32x4_epi32(a3, 1), K_H_256, K_L_256));
	x = _mm_xor_si128(x, fold128(_mm512_extracti32x4_epi32(a3, 2), K_H_128, K_L_128));
	x = _mm_xor_si128(x, _mm512_extracti32x4_epi32(a3, 3));
	/* crc32q(0, lane) = lane * x^32 mod P: the state of the prefix */
	s = (uint32_t)_mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(x));
	return (uint32_t)_mm_crc32_u64(s, (uint64_t)_mm_extract_epi64(x, 1));
}

T_AVX512 static uint32_t crc32c_avx512(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint32_t s = ~crc;

	if (n >= 128) {
		size_t bulk = n & ~(size_t)63;

		s = fold_state(s, p, bulk, NULL);
		p += bulk;
		n -= bulk;
	}
	return ~sse42_state(s, p, n);
}

/* Copy and checksum in one pass: align dst to 64 bytes with a short
 * piece, then fold_state with streaming stores, then the tail. */
T_AVX512 static uint32_t copy_avx512(void *dst, const void *src, size_t n, uint32_t crc)
{
	uint8_t *d = dst;
	const uint8_t *p = src;
	size_t head = (64 - ((uintptr_t)d & 63)) & 63, bulk;
	uint32_t s = ~crc;

	if (n < head + 256) {
		memcpy(d, p, n);
		return crc32c_avx512(crc, p, n);
	}
	s = sse42_state(s, p, head);
	memcpy(d, p, head);
	d += head, p += head, n -= head;
	bulk = n & ~(size_t)63;
	s = fold_state(s, p, bulk, d);
	d += bulk, p += bulk, n -= bulk;
	s = sse42_state(s, p, n);
	memcpy(d, p, n);
	_mm_sfence(); /* the streamed bytes before the caller's publish */
	return ~s;
}

/* Without AVX-512: checksum a 4 KiB step (it lands in L1), then stream
 * that step out with SSE2 non-temporal stores from L1. */
static uint32_t copy_steps(crc32c_fn *f, void *dst, const void *src, size_t n, uint32_t crc)
{
	uint8_t *d = dst;
	const uint8_t *p = src;
	size_t head = (16 - ((uintptr_t)d & 15)) & 15;

	if (n < head + 64) {
		memcpy(d, p, n);
		return f(crc, p, n);
	}
	crc = f(crc, p, head);
	memcpy(d, p, head);
	d += head, p += head, n -= head;
	while (n >= 64) {
		size_t step = n < 4096 ? n & ~(size_t)63 : 4096;

		crc = f(crc, p, step);
		for (size_t i = 0; i < step; i += 16)
			_mm_stream_si128((__m128i *)(d + i), _mm_loadu_si128((const __m128i *)(p + i)));
		d += step, p += step, n -= step;
	}
	crc = f(crc, p, n);
	memcpy(d, p, n);
	_mm_sfence();
	return crc;
}

T_3WAY static uint32_t copy_sse42_3way(void *dst, const void *src, size_t n, uint32_t crc)
{
	return copy_steps(crc32c_sse42_3way, dst, src, n, crc);
}

static uint32_t copy_sse42(void *dst, const void *src, size_t n, uint32_t crc)
{
	return copy_steps(crc32c_sse42, dst, src, n, crc);
}

static uint32_t copy_portable(void *dst, const void *src, size_t n, uint32_t crc)
{
	return copy_steps(crc32c_portable, dst, src, n, crc);
}

#define BIT_SSE42 (1u << 20)   /* cpuid 1 ecx */
#define BIT_PCLMUL (1u << 1)   /* cpuid 1 ecx */
#define BIT_OSXSAVE (1u << 27) /* cpuid 1 ecx */
#define BIT_AVX512F (1u << 16) /* cpuid 7.0 ebx */
#define BIT_VPCLMUL (1u << 10) /* cpuid 7.0 ecx */
#define XCR0_AVX512 0xe6u      /* SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM state */

struct cpuid_regs {
	uint32_t a, b, c, d;
};

/* Everything below runs from the ifunc resolver, while the dynamic loader
 * relocates the program: before any constructor, so before the sanitizer
 * runtimes exist. Hence no calls out (cpuid.h's helpers are functions at
 * -O0, with instrumented pointer arguments), no instrumentation. */
#define RESOLVER_SAFE __attribute__((no_sanitize_address, no_sanitize("undefined")))

static inline __attribute__((always_inline)) struct cpuid_regs cpuid(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(sub));
	return r;
}

RESOLVER_SAFE static enum crc32c_kind detect(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t max_leaf = r.a, xlo, xhi;

	r = cpuid(1, 0);
	if (max_leaf < 1 || !(r.c & BIT_SSE42))
		return CRC32C_PORTABLE;
	if (!(r.c & BIT_PCLMUL))
		return CRC32C_SSE42;
	if (!(r.c & BIT_OSXSAVE) || max_leaf < 7)
		return CRC32C_SSE42_3WAY;
	/* the OS must save the zmm registers, not only the CPU have them */
	__asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
	(void)xhi;
	r = cpuid(7, 0);
	if ((xlo & XCR0_AVX512) != XCR0_AVX512 || !(r.b & BIT_AVX512F) || !(r.c & BIT_VPCLMUL))
		return CRC32C_SSE42_3WAY;
	return CRC32C_AVX512;
}

#ifdef SLUICE_BENCH_NO_CHECKSUM
#include "shm/copy.h"
/* A build that only measures what the record checksums cost (the CMake
 * option of the same name; docs/design-notes.md "Record checksums"):
 * every sum is its seed, so every check passes and nothing is detected.
 * Never a build to run. */
static uint32_t bench_no_sum(uint32_t crc, const void *buf, size_t n)
{
	(void)buf;
	(void)n;
	return crc;
}

static uint32_t bench_no_sum_copy(void *dst, const void *src, size_t n, uint32_t crc)
{
	copy_to_ring(dst, src, n);
	return crc;
}
#endif

__attribute__((used)) RESOLVER_SAFE static crc32c_fn *resolve(void)
{
#ifdef SLUICE_BENCH_NO_CHECKSUM
	return bench_no_sum;
#endif
	switch (detect()) {
	case CRC32C_AVX512:
		return crc32c_avx512;
	case CRC32C_SSE42_3WAY:
		return crc32c_sse42_3way;
	case CRC32C_SSE42:
		return crc32c_sse42;
	default:
		return crc32c_portable;
	}
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t n) __attribute__((ifunc("resolve")));

__attribute__((used)) RESOLVER_SAFE static crc32c_copy_fn *resolve_copy(void)
{
#ifdef SLUICE_BENCH_NO_CHECKSUM
	return bench_no_sum_copy;
#endif
	switch (detect()) {
	case CRC32C_AVX512:
		return copy_avx512;
	case CRC32C_SSE42_3WAY:
		return copy_sse42_3way;
	case CRC32C_SSE42:
		return copy_sse42;
	default:
		return copy_portable;
	}
}

uint32_t crc32c_copy_nt(void *dst, const void *src, size_t n, uint32_t crc)
	__attribute__((ifunc("resolve_copy")));

crc32c_copy_fn *crc32c_copy_impl(enum crc32c_kind kind)
{
	if ((unsigned)kind >= CRC32C_KINDS || kind > crc32c_best())
		return NULL;
	switch (kind) {
	case CRC32C_AVX512:
		return copy_avx512;
	case CRC32C_SSE42_3WAY:
		return copy_sse42_3way;
	case CRC32C_SSE42:
		return copy_sse42;
	default:
		return copy_portable;
	}
}

enum crc32c_kind crc32c_best(void)
{
	return detect();
}

#else /* not x86-64: tables only */

uint32_t crc32c(uint32_t crc, const void *buf, size_t n)
{
	return crc32c_portable(crc, buf, n);
}

uint32_t crc32c_copy_nt(void *dst, const void *src, size_t n, uint32_t crc)
{
	memcpy(dst, src, n);
	return crc32c_portable(crc, src, n);
}

crc32c_copy_fn *crc32c_copy_impl(enum crc32c_kind kind)
{
	return kind == CRC32C_PORTABLE ? crc32c_copy_nt : NULL;
}

enum crc32c_kind crc32c_best(void)
{
	return CRC32C_PORTABLE;
}
#endif

crc32c_fn *crc32c_impl(enum crc32c_kind kind)
{
	enum crc32c_kind best = crc32c_best();

	if ((unsigned)kind >= CRC32C_KINDS || kind > best)
		return NULL;
	switch (kind) {
#if defined(__x86_64__)
	case CRC32C_AVX512:
		return crc32c_avx512;
	case CRC32C_SSE42_3WAY:
		return crc32c_sse42_3way;
	case CRC32C_SSE42:
		return crc32c_sse42;
#endif
	default:
		return crc32c_portable;
	}
}

const char *crc32c_kind_name(enum crc32c_kind kind)
{
	static const char *const names[CRC32C_KINDS] = {
		"portable",
		"sse42",
		"sse42-3way",
		"avx512-vpclmulqdq",
	};

	return (unsigned)kind < CRC32C_KINDS ? names[kind] : NULL;
}
