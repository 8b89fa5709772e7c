/* test_tls_gcm.c: the ipsec-mb AES-GCM provider (net/tls_gcm.c) against
 * OpenSSL's own AES-GCM, byte for byte, the two ways TLS drives an AEAD:
 * streaming (TLS 1.3: nonce, AAD, body, final, tag) and TLS 1.2's
 * in-place records (fixed IV, 13-byte AAD, explicit nonce | body | tag).
 * Sealed by one, opened by the other; a flipped bit in body, AAD or tag
 * is refused and the opened bytes are wiped. On this CPU (VAES, AVX-512)
 * the provider must be the one in use. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "net/tls_gcm.h"
#include "tests/net/gcm_helpers.h"
#include "tests/check_run.h"

static struct gcmh g;
#define ours g.ours
#define theirs g.theirs
#define aead gcmh_aead

static int cpu_has_vaes(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vaes") &&
	       __builtin_cpu_supports("vpclmulqdq");
}

static void setup(void)
{
	ck_assert_int_eq(gcmh_load(&g), 0);
}

static void teardown(void)
{
	gcmh_free(&g);
}

START_TEST(streaming_matches_openssl)
{
	static const int sizes[] = { 1, 15, 16, 17, 255, 256, 1000, 4096, 16384, 16401, 70000 };
	size_t max = 70000;
	uint8_t *pt = malloc(max), *a = malloc(max), *b = malloc(max), *back = malloc(max);
	uint8_t key[32], iv[12], aad[13], ta[16], tb[16];

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			int n = sizes[i], aadl = 5 + (int)i % 9;
			ck_assert(RAND_bytes(key, 32) == 1 && RAND_bytes(iv, 12) == 1 &&
				  RAND_bytes(aad, 13) == 1);
			ck_assert(RAND_bytes(pt, n) == 1);
			ck_assert(aead(ours[k], 1, key, iv, aad, aadl, pt, n, a, ta));
			ck_assert(aead(theirs[k], 1, key, iv, aad, aadl, pt, n, b, tb));
			ck_assert_mem_eq(a, b, (size_t)n);
			ck_assert_mem_eq(ta, tb, 16);
			/* each opens the other's */
			ck_assert(aead(ours[k], 0, key, iv, aad, aadl, b, n, back, tb));
			ck_assert_mem_eq(back, pt, (size_t)n);
			ck_assert(aead(theirs[k], 0, key, iv, aad, aadl, a, n, back, ta));
			ck_assert_mem_eq(back, pt, (size_t)n);
			/* any flipped bit is refused */
			a[n / 2] ^= 0x10;
			ck_assert(!aead(ours[k], 0, key, iv, aad, aadl, a, n, back, ta));
			a[n / 2] ^= 0x10;
			aad[aadl - 1] ^= 1;
			ck_assert(!aead(ours[k], 0, key, iv, aad, aadl, a, n, back, ta));
			aad[aadl - 1] ^= 1;
			ta[15] ^= 0x80;
			ck_assert(!aead(ours[k], 0, key, iv, aad, aadl, a, n, back, ta));
		}
	free(pt), free(a), free(b), free(back);
}
END_TEST

/* One record in place, as libssl 3.0 runs it: one update, whose length is
 * the sealed record's or the opened body's. 1 ok, 0 refused. */
static int tls12_record(EVP_CIPHER_CTX *x, uint64_t seq, uint8_t *buf, size_t n, int enc)
{
	int outl;
	if (!gcmh_tls12_record(x, seq, 8 + n + (enc ? 0 : 16), buf, n, &outl))
		return 0;
	ck_assert_int_eq(outl, enc ? (int)(8 + n + 16) : (int)n);
	return 1;
}

START_TEST(tls12_records_cross_open)
{
	uint8_t key[32], fixed[4], buf[8 + 16384 + 16], pt[16384], nonce[8] = { 0 };

	for (int k = 0; k < 2; k++)
		for (int dir = 0; dir < 2; dir++) { /* ours seals, theirs opens; then the other way */
			ck_assert(RAND_bytes(key, 32) == 1 && RAND_bytes(fixed, 4) == 1);
			EVP_CIPHER_CTX *s = gcmh_tls12_ctx(dir ? theirs[k] : ours[k], 1, key, fixed);
			EVP_CIPHER_CTX *o = gcmh_tls12_ctx(dir ? ours[k] : theirs[k], 0, key, fixed);
			ck_assert(s && o);
			for (uint64_t seq = 0; seq < 40; seq++) {
				size_t n = seq == 0 ? 1 : (size_t)(seq * 409) % 16384 + 1;
				ck_assert(RAND_bytes(pt, (int)n) == 1);
				memcpy(buf + 8, pt, n);
				ck_assert(tls12_record(s, seq, buf, n, 1));
				if (seq) /* the explicit nonce counts up by one a record */
					for (int i = 7; i >= 0 && ++nonce[i] == 0; i--)
						;
				if (seq)
					ck_assert_mem_eq(buf, nonce, 8);
				memcpy(nonce, buf, 8);
				if (seq % 5 == 4) { /* damaged on the way: refused, wiped */
					buf[8 + n / 2] ^= 4;
					ck_assert(!tls12_record(o, seq, buf, n, 0));
					if (dir == 1) { /* ours wipes what it opened */
						uint8_t zero[64] = { 0 };
						size_t z = n < 64 ? n : 64;
						ck_assert_mem_eq(buf + 8, zero, z);
					}
					continue;
				}
				ck_assert(tls12_record(o, seq, buf, n, 0));
				ck_assert_mem_eq(buf + 8, pt, n);
			}
			EVP_CIPHER_CTX_free(s);
			EVP_CIPHER_CTX_free(o);
		}
}
END_TEST

START_TEST(in_use_on_this_cpu)
{
	const char *prev = getenv("SLUICE_TLS_GCM");
	ck_assert_ptr_null(prev);
	ck_assert_str_eq(tls_gcm_name(), cpu_has_vaes() ? "ipsec-mb" : "openssl");
	if (cpu_has_vaes()) {
		EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-128-GCM", tls_gcm_propq());
		ck_assert_ptr_nonnull(c);
		ck_assert_str_eq(OSSL_PROVIDER_get0_name(EVP_CIPHER_get0_provider(c)), TLS_GCM_PROVIDER);
		EVP_CIPHER_free(c);
		/* a fetch without the preference still finds OpenSSL's ciphers */
		c = EVP_CIPHER_fetch(NULL, "CHACHA20-POLY1305", tls_gcm_propq());
		ck_assert_ptr_nonnull(c);
		EVP_CIPHER_free(c);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls_gcm");
	TCase *tc = tcase_create("gcm");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, streaming_matches_openssl);
	tcase_add_test(tc, tls12_records_cross_open);
	tcase_add_test(tc, in_use_on_this_cpu);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
