/* sha256.h: a small SHA-256 (FIPS 180-4) for the `hash` attribute action.
 *
 *   struct sha256 h; sha256_init(&h); sha256_update(&h, p, n); ...
 *   sha256_final(&h, digest32);          32 raw bytes
 *   sha256_hex(p, n, out65);             one call, 64 lowercase hex + NUL
 *
 * No allocation, no global state; a context is 104 bytes on the stack.
 */
#ifndef SLUICE_STAGES_SHA256_H
#define SLUICE_STAGES_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t total;	 /* bytes hashed so far */
	uint8_t buf[64]; /* partial block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Pads, writes the 32-byte digest to out; the context is spent afterwards. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_LEN]);
/* Digest of data[0..len) as 64 lowercase hex digits; out[64] = '\0'. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

#endif
