/* fuzz_tls_gcm.c: libFuzzer target for the ipsec-mb AES-GCM provider
 * (net/tls_gcm.c), which opens every TLS record a peer sends. The input
 * is a key, a nonce and bytes; byte 0 picks AES-128/256 and the way:
 *   0  seal the bytes as TLS 1.3 does with ours and with OpenSSL's: the
 *      same ciphertext and tag, which ours opens back, and not with a bit
 *      of the tag flipped;
 *   1  open the bytes as a TLS 1.3 record (tag: the last 16): ours and
 *      OpenSSL's give the same verdict and, when they open it, the same
 *      plaintext;
 *   2  open the bytes as a TLS 1.2 record with an AAD length field taken
 *      from the input (so it may lie): the same verdict and bytes; then
 *      seal them with ours and open with OpenSSL's: the bytes come back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/net/gcm_helpers.h"

#define MAX_BODY 70000

static struct gcmh g;

static void must(int ok)
{
	if (!ok)
		abort();
}

static void seal13(int k, const uint8_t *key, const uint8_t *iv, const uint8_t *p, int n)
{
	static uint8_t a[MAX_BODY], b[MAX_BODY], back[MAX_BODY];
	uint8_t ta[16], tb[16], aad[5] = { 23, 3, 3, (uint8_t)(n >> 8), (uint8_t)n };

	must(gcmh_aead(g.ours[k], 1, key, iv, aad, 5, p, n, a, ta));
	must(gcmh_aead(g.theirs[k], 1, key, iv, aad, 5, p, n, b, tb));
	must(memcmp(a, b, (size_t)n) == 0 && memcmp(ta, tb, 16) == 0);
	must(gcmh_aead(g.ours[k], 0, key, iv, aad, 5, a, n, back, ta) && memcmp(back, p, (size_t)n) == 0);
	ta[n % 16] ^= 1;
	must(!gcmh_aead(g.ours[k], 0, key, iv, aad, 5, a, n, back, ta));
}

static void open13(int k, const uint8_t *key, const uint8_t *iv, const uint8_t *p, int n)
{
	static uint8_t a[MAX_BODY], b[MAX_BODY];
	uint8_t tag[16], aad[5] = { 23, 3, 3, (uint8_t)(n >> 8), (uint8_t)n };

	if (n < 16)
		return;
	n -= 16;
	memcpy(tag, p + n, 16);
	int ra = gcmh_aead(g.ours[k], 0, key, iv, aad, 5, p, n, a, tag);
	int rb = gcmh_aead(g.theirs[k], 0, key, iv, aad, 5, p, n, b, tag);
	must(ra == rb && (!ra || memcmp(a, b, (size_t)n) == 0));
}

static void tls12(int k, const uint8_t *key, const uint8_t *iv, const uint8_t *p, size_t n)
{
	static uint8_t a[MAX_BODY + 24], b[MAX_BODY + 24];
	int la, lb;

	if (n >= 24) { /* p: [8 | n - 24 | 16], the length field from the nonce */
		size_t field = (size_t)iv[4] << 8 | iv[5];
		EVP_CIPHER_CTX *xa = gcmh_tls12_ctx(g.ours[k], 0, key, iv);
		EVP_CIPHER_CTX *xb = gcmh_tls12_ctx(g.theirs[k], 0, key, iv);
		must(xa && xb);
		memcpy(a, p, n);
		memcpy(b, p, n);
		int ra = gcmh_tls12_record(xa, 7, field, a, n - 24, &la);
		int rb = gcmh_tls12_record(xb, 7, field, b, n - 24, &lb);
		must(ra == rb && (!ra || (la == lb && memcmp(a + 8, b + 8, n - 24) == 0)));
		EVP_CIPHER_CTX_free(xa);
		EVP_CIPHER_CTX_free(xb);
	}
	EVP_CIPHER_CTX *s = gcmh_tls12_ctx(g.ours[k], 1, key, iv);
	EVP_CIPHER_CTX *o = gcmh_tls12_ctx(g.theirs[k], 0, key, iv);
	must(s && o);
	memcpy(a + 8, p, n);
	must(gcmh_tls12_record(s, 9, 8 + n, a, n, &la) && la == (int)(n + 24));
	must(gcmh_tls12_record(o, 9, 8 + n + 16, a, n, &lb) && lb == (int)n);
	must(memcmp(a + 8, p, n) == 0);
	EVP_CIPHER_CTX_free(s);
	EVP_CIPHER_CTX_free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int loaded;
	if (!loaded) {
		if (gcmh_load(&g) < 0)
			return 0; /* no VAES on this CPU: nothing of ours to run */
		loaded = 1;
	}
	if (size < 1 + 32 + 12)
		return 0;
	int k = data[0] & 1, way = (data[0] >> 1) % 3;
	const uint8_t *key = data + 1, *iv = data + 33, *p = data + 45;
	size_t n = size - 45 < MAX_BODY ? size - 45 : MAX_BODY;
	if (way == 0)
		seal13(k, key, iv, p, (int)n);
	else if (way == 1)
		open13(k, key, iv, p, (int)n);
	else
		tls12(k, key, iv, p, n);
	return 0;
}
