/* tests/net/gcm_helpers.h: driving an AES-GCM EVP_CIPHER the ways libssl
 * 3.0 does, for test_tls_gcm.c and fuzz_tls_gcm.c (ours: the ipsec-mb
 * provider of net/tls_gcm.c in a library context of its own; theirs:
 * OpenSSL's default provider).
 *
 *   gcmh_load()          fetch AES-128-GCM and AES-256-GCM from both: 0 or -1
 *   gcmh_message()       one TLS 1.3 message on a context already keyed:
 *                        seal (tag out) or open (tag in): 1 done, 0 refused
 *   gcmh_aead()          the same on a context of its own, keyed first
 *   gcmh_tls12_ctx()     a TLS 1.2 context: key, then the 4-byte fixed IV
 *   gcmh_tls12_record()  one TLS 1.2 record in place, buf = [8 | n | 16],
 *                        with the 13-byte AAD libssl builds from seq and
 *                        len_field: 1 done (*outl set), 0 refused */
#ifndef SLUICE_TESTS_NET_GCM_HELPERS_H
#define SLUICE_TESTS_NET_GCM_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

struct gcmh {
	OSSL_LIB_CTX *lib;
	OSSL_PROVIDER *prov;
	EVP_CIPHER *ours[2], *theirs[2]; /* [0] AES-128-GCM, [1] AES-256-GCM */
};

int gcmh_load(struct gcmh *g);
void gcmh_free(struct gcmh *g);
int gcmh_message(EVP_CIPHER_CTX *x, int enc, const uint8_t iv[12], const uint8_t *aad, int aadl,
		 const uint8_t *in, int n, uint8_t *out, uint8_t tag[16]);
int gcmh_aead(const EVP_CIPHER *c, int enc, const uint8_t *key, const uint8_t iv[12], const uint8_t *aad,
	      int aadl, const uint8_t *in, int n, uint8_t *out, uint8_t tag[16]);
EVP_CIPHER_CTX *gcmh_tls12_ctx(const EVP_CIPHER *c, int enc, const uint8_t *key, const uint8_t fixed[4]);
int gcmh_tls12_record(EVP_CIPHER_CTX *x, uint64_t seq, size_t len_field, uint8_t *buf, size_t n, int *outl);

#endif
