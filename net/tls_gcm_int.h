/* net/tls_gcm_int.h (private to net/tls_gcm*.c): the AES-GCM cipher
 * context over ipsec-mb (tls_gcm_cipher.c) and the OpenSSL provider that
 * offers it (tls_gcm.c). The tls_gcm_* functions below are the cipher's
 * entries in the provider's dispatch tables, with OpenSSL's signatures
 * (provider-cipher(7)); each returns 1 (done) or 0 (refused). */
#ifndef SLUICE_NET_TLS_GCM_INT_H
#define SLUICE_NET_TLS_GCM_INT_H
#ifdef SLUICE_HAVE_IPSEC_MB

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/core.h>

/* the library is built with LINUX defined, which aligns its key schedule to
 * 64 bytes (its AVX-512 code loads it aligned): the same layout here */
#ifndef LINUX
#define LINUX 1
#endif
#include <intel-ipsec-mb.h>

#define GCM_IV 12
#define GCM_TAG 16
#define TLS12_FIXED 4
#define TLS12_EXPLICIT 8
#define TLS12_AAD 13
#define AAD_MAX 64

struct gcm {
	struct gcm_key_data key; /* first: 64-byte aligned with the struct */
	struct gcm_context_data st;
	IMB_MGR *mgr;
	aes_gcm_init_t init; /* this key size's and direction's, set by init */
	aes_gcm_enc_dec_update_t update;
	aes_gcm_enc_dec_finalize_t finalize;
	size_t keylen;
	uint8_t iv[GCM_IV];
	uint8_t aad[AAD_MAX];
	size_t aad_len;
	uint8_t tag[GCM_TAG];
	size_t taglen; /* 0: not set (open) / not made yet (seal) */
	bool enc, key_set, iv_set, started, done, tls12;
};

void *tls_gcm_new128(void *prov); /* prov: the provider's IMB_MGR */
void *tls_gcm_new256(void *prov);
void tls_gcm_free(void *v);
void *tls_gcm_dup(void *v);
int tls_gcm_einit(void *v, const unsigned char *key, size_t keylen, const unsigned char *iv, size_t ivlen,
		  const OSSL_PARAM params[]);
int tls_gcm_dinit(void *v, const unsigned char *key, size_t keylen, const unsigned char *iv, size_t ivlen,
		  const OSSL_PARAM params[]);
int tls_gcm_update(void *v, unsigned char *out, size_t *outl, size_t outsize, const unsigned char *in,
		   size_t inl);
int tls_gcm_final(void *v, unsigned char *out, size_t *outl, size_t outsize);
int tls_gcm_cipher(void *v, unsigned char *out, size_t *outl, size_t outsize, const unsigned char *in,
		   size_t inl);
/* tls_gcm.c: the parameters TLS sets (tag, IV length, TLS 1.2's AAD and
 * fixed IV); init applies those it is given */
int tls_gcm_set_ctx_params(void *v, const OSSL_PARAM params[]);

#endif
#endif
