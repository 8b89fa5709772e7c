/* tests/shm/bench_crc.c - what the record checksum costs. Not a test:
 * prints figures (docs/bench/shm.md).
 *
 *   bench_crc [-r runs] [-m MiB]
 *
 * 1. ns per KiB of each CRC-32C implementation this CPU runs, by buffer
 *    size, data hot (the same buffer again and again: L1/L2) and cold (a
 *    walk over -m MiB, larger than the caches, as a consumer meets records
 *    another core wrote with non-temporal stores).
 * 2. The producer side at ingest: copy_to_ring (non-temporal stores) alone,
 *    copy_to_ring_crc (checksum fused: read from the source), and copy then
 *    checksum the ring copy (what fusing avoids), into a -m MiB "ring".
 * 3. A cheaper alternative measured for comparison: an AVX-512 two-sum
 *    (Fletcher-like: what a non-CRC checksum would cost), hot and cold.
 * Each figure: the median of `runs` runs (each long enough: >= 64 MiB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm/copy.h"
#include "shm/crc32c.h"

#define MAX_RUNS 15

/* CPU time of this thread: the box is shared, wall time would measure the
 * neighbours too. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* What a Fletcher-style checksum would cost: per 64-bit word w_i,
 * A += w_i and B += A (B weighs each word by its position), in 8
 * independent lanes (one 64-byte vector: two vector adds a 64 bytes),
 * folded to 32 bits at the end. Not a CRC: no burst guarantee, but any
 * change of one word changes A. */
#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx512f"))) static uint32_t sum64(uint32_t seed, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	__m512i a = _mm512_set_epi64(0, 0, 0, 0, 0, 0, 0, seed), b = _mm512_setzero_si512();
	uint64_t la[8], lb[8], x = n, y = 0, w;

	for (; n >= 64; p += 64, n -= 64) {
		a = _mm512_add_epi64(a, _mm512_loadu_si512(p));
		b = _mm512_add_epi64(b, a);
	}
	_mm512_storeu_si512(la, a);
	_mm512_storeu_si512(lb, b);
	for (int j = 0; j < 8; j++)
		x = (x ^ la[j]) * 0x9e3779b97f4a7c15ull, y = (y ^ lb[j]) * 0xc2b2ae3d27d4eb4full;
	for (; n >= 8; p += 8, n -= 8)
		memcpy(&w, p, 8), x += w, y += x;
	for (; n; n--)
		x += *p++, y += x;
	return (uint32_t)((x ^ (y >> 29)) * 0x9e3779b97f4a7c15ull >> 32);
}
#endif

static volatile uint32_t sink;

/* ns per KiB of f over `size`-byte pieces: hot = the same piece again,
 * cold = pieces walking through `big`. */
static double time_fn(crc32c_fn *f, size_t size, const uint8_t *big, size_t big_size, int hot)
{
	size_t reps = ((size_t)64 << 20) / size, off = 0;
	uint32_t c = 0;
	double t0;

	if (hot)
		for (int i = 0; i < 16; i++)
			c = f(c, big, size); /* warm */
	t0 = now_ns();
	for (size_t i = 0; i < reps; i++) {
		c = f(c, big + off, size);
		if (!hot && (off += size) + size > big_size)
			off = 0;
	}
	sink = c;
	return (now_ns() - t0) / ((double)reps * (double)size / 1024);
}

/* way: -1 copy_to_ring alone, -2 copy_to_ring then crc32c of the ring
 * copy, k >= 0: crc32c_copy_impl(k) (fused). */
static double time_copy(int way, size_t size, const uint8_t *src, uint8_t *ring, size_t ring_size)
{
	crc32c_copy_fn *fused = way >= 0 ? crc32c_copy_impl((enum crc32c_kind)way) : NULL;
	size_t reps = ((size_t)256 << 20) / size, off = 0;
	uint32_t c = 0;
	double t0 = now_ns();

	for (size_t i = 0; i < reps; i++) {
		uint8_t *d = ring + off + 32; /* payload after a header, 8-aligned */

		if (fused)
			c = fused(d, src, size, c);
		else if (way == -1)
			copy_to_ring(d, src, size);
		else
			copy_to_ring(d, src, size), c = crc32c(c, d, size);
		if ((off += (size + 32 + 7) & ~(size_t)7) + size + 64 > ring_size)
			off = 0;
	}
	sink = c;
	return (now_ns() - t0) / ((double)reps * (double)size / 1024);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 220, 1024, 4096, 16384, 114688, 1 << 20 };
	enum {
		NSIZES = sizeof(sizes) / sizeof(sizes[0])
	};
	int runs = 5, opt;
	size_t big_mib = 512;
	uint8_t *big, *ring, *src;

	while ((opt = getopt(argc, argv, "r:m:")) != -1) {
		if (opt == 'r')
			runs = atoi(optarg);
		else if (opt == 'm')
			big_mib = (size_t)atoi(optarg);
		else
			return fprintf(stderr, "usage: bench_crc [-r runs] [-m MiB]\n"), 2;
	}
	if (runs < 1 || runs > MAX_RUNS || big_mib < 64)
		return 2;
	big = malloc(big_mib << 20);
	ring = aligned_alloc(4096, big_mib << 20);
	src = malloc(1 << 20);
	if (!big || !ring || !src)
		return 1;
	for (size_t i = 0; i < (big_mib << 20); i++)
		big[i] = (uint8_t)(i * 131 + (i >> 12));
	memset(ring, 0, big_mib << 20);
	memcpy(src, big, 1 << 20);

	printf("CRC-32C, ns per KiB (median of %d runs); crc32c() uses %s\n", runs,
	       crc32c_kind_name(crc32c_best()));
	printf("%-22s %-5s", "implementation", "data");
	for (int s = 0; s < NSIZES; s++)
		printf(" %8zu B", sizes[s]);
	printf("\n");
	for (int k = CRC32C_KINDS; k >= 0; k--) {
		crc32c_fn *f = k == CRC32C_KINDS ? NULL : crc32c_impl((enum crc32c_kind)k);
		const char *name = k == CRC32C_KINDS ? "sum64 avx512 (no CRC)"
						     : crc32c_kind_name((enum crc32c_kind)k);

#if defined(__x86_64__)
		if (k == CRC32C_KINDS && crc32c_best() == CRC32C_AVX512)
			f = sum64;
#endif
		if (!f)
			continue;
		for (int hot = 1; hot >= 0; hot--) {
			printf("%-22s %-5s", name, hot ? "hot" : "cold");
			for (int s = 0; s < NSIZES; s++) {
				double v[MAX_RUNS];

				for (int i = 0; i < runs; i++)
					v[i] = time_fn(f, sizes[s], big, big_mib << 20, hot);
				printf(" %10.1f", median(v, runs));
			}
			printf("\n");
			fflush(stdout);
		}
	}
	printf("\nproducer copy into a %zu MiB ring, source hot, ns per KiB (median of %d runs)\n", big_mib,
	       runs);
	printf("%-38s", "way");
	for (int s = 2; s < NSIZES; s++)
		printf(" %8zu B", sizes[s]);
	printf("\n");
	for (int w = -1; w < CRC32C_KINDS + 1; w++) {
		char name[64];
		int way = w == CRC32C_KINDS ? -2 : w;

		if (way >= 0 && !crc32c_copy_impl((enum crc32c_kind)way))
			continue;
		if (way == -1)
			snprintf(name, sizeof(name), "copy_to_ring (no checksum)");
		else if (way == -2)
			snprintf(name, sizeof(name), "copy_to_ring, then crc of the copy");
		else
			snprintf(name, sizeof(name), "fused, %s", crc32c_kind_name((enum crc32c_kind)way));
		printf("%-38s", name);
		for (int s = 2; s < NSIZES; s++) {
			double v[MAX_RUNS];

			for (int i = 0; i < runs; i++)
				v[i] = time_copy(way, sizes[s], src, ring, big_mib << 20);
			printf(" %10.1f", median(v, runs));
		}
		printf("\n");
		fflush(stdout);
	}
	free(big);
	free(ring);
	free(src);
	return 0;
}
