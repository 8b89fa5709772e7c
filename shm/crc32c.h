/* shm/crc32c.h - CRC-32C (Castagnoli, the iSCSI / ext4 / SCTP checksum), the
 * checksum of every ring record (shm/record.h).
 *
 *   crc32c(0, buf, n)                       CRC-32C of buf ("123456789" ->
 *                                           0xe3069283)
 *   crc32c(crc32c(0, a, na), b, nb)         = CRC-32C of a followed by b
 *
 * crc32c() picks the fastest implementation this CPU has, once, when the
 * program is loaded (a GNU ifunc: no global state of ours, no check per
 * call). The implementations, fastest first:
 *   CRC32C_AVX512   VPCLMULQDQ folding of 4 x 64-byte lanes (AVX-512F +
 *                   VPCLMULQDQ), with crc32q for the last < 64 bytes and
 *                   for inputs under 256 bytes
 *   CRC32C_SSE42_3WAY  three interleaved crc32q streams (SSE4.2), merged
 *                   with PCLMULQDQ
 *   CRC32C_SSE42    one crc32q stream (SSE4.2); latency-bound
 *   CRC32C_PORTABLE slicing-by-8 tables; any CPU
 * Figures (ns/KB) are in docs/bench/shm.md. Each implementation can be
 * called directly (crc32c_impl) so tests compare them and benchmarks time
 * them; it returns NULL for one this CPU lacks.
 */
#ifndef SLUICE_SHM_CRC32C_H
#define SLUICE_SHM_CRC32C_H

#include <stddef.h>
#include <stdint.h>

enum crc32c_kind {
	CRC32C_PORTABLE = 0,
	CRC32C_SSE42 = 1,
	CRC32C_SSE42_3WAY = 2,
	CRC32C_AVX512 = 3,
	CRC32C_KINDS = 4,
};

typedef uint32_t crc32c_fn(uint32_t crc, const void *buf, size_t n);
typedef uint32_t crc32c_copy_fn(void *dst, const void *src, size_t n, uint32_t crc);

/* Continue the CRC-32C `crc` (0 to start) over n bytes of buf. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t n);

/* Copy n bytes (no overlap) with non-temporal stores, then an sfence, and
 * return crc32c(crc, src, n): the checksum is taken from the source as it
 * is copied (AVX-512: the same loads feed the stores and the folds; else
 * 4 KiB steps: checksum a step, then stream it from L1). For copies into
 * ring space that another core reads next: see shm/copy.h. */
uint32_t crc32c_copy_nt(void *dst, const void *src, size_t n, uint32_t crc);

/* The CRC-32C of A followed by B, from crc_a = crc32c(0, A), crc_b =
 * crc32c(0, B) and B's length: for a consumer that checks each input
 * record's payload on its own while building one output from several
 * (e.g. a batch). At most ~64 small multiplications; no data read. */
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

/* The implementation `kind`, or NULL if this CPU cannot run it. */
crc32c_fn *crc32c_impl(enum crc32c_kind kind);
crc32c_copy_fn *crc32c_copy_impl(enum crc32c_kind kind);

/* The kind crc32c() uses on this CPU. */
enum crc32c_kind crc32c_best(void);

/* "portable", "sse42", "sse42-3way", "avx512-vpclmulqdq"; NULL if out of range. */
const char *crc32c_kind_name(enum crc32c_kind kind);

#endif
