/* net/tls_gcm_cipher.c: AES-GCM from ipsec-mb with the calls OpenSSL's
 * cipher interface makes (the provider around it: tls_gcm.c). Only what
 * TLS asks of an AEAD cipher:
 *  - TLS 1.3: key; per record the 12-byte nonce, the record header as AAD,
 *    the body in one update, then final and the tag (get on seal, set
 *    before open);
 *  - TLS 1.2: key and the 4-byte fixed IV once; per record the 13-byte
 *    AAD, then one in-place call on [8-byte explicit nonce | body | tag].
 * Anything else (other IV lengths, AAD after data, a second final) is
 * refused, so OpenSSL reports an error instead of getting other bytes.
 * Tags are compared in constant time; a failed open wipes its output. */
#ifdef SLUICE_HAVE_IPSEC_MB
#include "net/tls_gcm_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static void gcm_begin(struct gcm *g, const uint8_t *aad, size_t aad_len)
{
	g->init(&g->key, &g->st, g->iv, aad, aad_len);
}

static void gcm_run(struct gcm *g, uint8_t *out, const uint8_t *in, size_t n)
{
	g->update(&g->key, &g->st, out, in, n);
}

static void gcm_tag(struct gcm *g, uint8_t tag[GCM_TAG])
{
	g->finalize(&g->key, &g->st, tag, GCM_TAG);
}

static struct gcm *gcm_alloc(IMB_MGR *mgr, size_t keylen)
{
	struct gcm *g = aligned_alloc(64, (sizeof(*g) + 63) & ~(size_t)63);
	if (!g)
		return NULL;
	memset(g, 0, sizeof(*g));
	g->mgr = mgr;
	g->keylen = keylen;
	return g;
}

void *tls_gcm_new128(void *prov)
{
	return gcm_alloc(prov, 16);
}

void *tls_gcm_new256(void *prov)
{
	return gcm_alloc(prov, 32);
}

void tls_gcm_free(void *v)
{
	if (v) {
		OPENSSL_cleanse(v, sizeof(struct gcm));
		free(v);
	}
}

void *tls_gcm_dup(void *v)
{
	const struct gcm *g = v;
	struct gcm *d = gcm_alloc(g->mgr, g->keylen);
	if (d)
		memcpy(d, g, sizeof(*d));
	return d;
}

static int gcm_init(void *v, const unsigned char *key, size_t keylen, const unsigned char *iv, size_t ivlen,
		    const OSSL_PARAM params[], bool enc)
{
	struct gcm *g = v;

	const bool k128 = g->keylen == 16;
	IMB_MGR *m = g->mgr;

	/* ipsec-mb's functions for this key size and direction, once here */
	g->enc = enc;
	g->init = k128 ? m->gcm128_init : m->gcm256_init;
	g->update = enc ? (k128 ? m->gcm128_enc_update : m->gcm256_enc_update)
			: (k128 ? m->gcm128_dec_update : m->gcm256_dec_update);
	g->finalize = enc ? (k128 ? m->gcm128_enc_finalize : m->gcm256_enc_finalize)
			  : (k128 ? m->gcm128_dec_finalize : m->gcm256_dec_finalize);
	if (key) {
		if (keylen != g->keylen)
			return 0;
		(k128 ? m->gcm128_pre : m->gcm256_pre)(key, &g->key);
		g->key_set = true;
	}
	if (iv) {
		if (ivlen != GCM_IV)
			return 0;
		memcpy(g->iv, iv, GCM_IV);
		g->iv_set = true;
	}
	g->started = g->done = g->tls12 = false;
	g->aad_len = 0;
	g->taglen = 0;
	return tls_gcm_set_ctx_params(g, params);
}

int tls_gcm_einit(void *v, const unsigned char *key, size_t keylen, const unsigned char *iv, size_t ivlen,
		  const OSSL_PARAM params[])
{
	return gcm_init(v, key, keylen, iv, ivlen, params, true);
}

int tls_gcm_dinit(void *v, const unsigned char *key, size_t keylen, const unsigned char *iv, size_t ivlen,
		  const OSSL_PARAM params[])
{
	return gcm_init(v, key, keylen, iv, ivlen, params, false);
}

/* TLS 1.2: [explicit nonce | body | tag] in place, as OpenSSL's own does.
 * Sealing writes the nonce (the fixed IV's invocation part, then counted
 * up); opening reads it. The AAD (g->aad) was set for this record.
 * *outl: the sealed record's length, or the opened body's (libssl 3.0
 * runs records through EVP_CipherUpdate and takes that as the length). */
static int gcm_tls12(struct gcm *g, uint8_t *out, size_t *outl, const uint8_t *in, size_t len)
{
	g->tls12 = false; /* one record per AAD */
	if (out != in || len < TLS12_EXPLICIT + GCM_TAG || !g->key_set || !g->iv_set)
		return 0;
	uint8_t *body = out + TLS12_EXPLICIT, *tag = out + len - GCM_TAG, want[GCM_TAG];
	size_t n = len - TLS12_EXPLICIT - GCM_TAG;
	if (g->enc)
		memcpy(out, g->iv + TLS12_FIXED, TLS12_EXPLICIT);
	else
		memcpy(g->iv + TLS12_FIXED, in, TLS12_EXPLICIT);
	gcm_begin(g, g->aad, TLS12_AAD);
	gcm_run(g, body, body, n);
	if (g->enc) {
		gcm_tag(g, tag);
		for (int i = GCM_IV - 1; i >= TLS12_FIXED && ++g->iv[i] == 0; i--)
			; /* the next record's nonce */
	} else {
		gcm_tag(g, want);
		if (CRYPTO_memcmp(want, tag, GCM_TAG) != 0) {
			OPENSSL_cleanse(body, n);
			return 0;
		}
	}
	*outl = g->enc ? len : n; /* what libssl takes as the record's length */
	return 1;
}

int tls_gcm_update(void *v, unsigned char *out, size_t *outl, size_t outsize, const unsigned char *in,
		   size_t inl)
{
	struct gcm *g = v;

	if (g->tls12)
		return outsize >= inl && gcm_tls12(g, out, outl, in, inl);
	if (!g->key_set || !g->iv_set || g->done)
		return 0;
	if (!out) { /* AAD: before any data, kept until the first data */
		if (g->started || inl > AAD_MAX - g->aad_len)
			return 0;
		memcpy(g->aad + g->aad_len, in, inl);
		g->aad_len += inl;
		*outl = inl;
		return 1;
	}
	if (outsize < inl)
		return 0;
	if (!g->started) {
		gcm_begin(g, g->aad, g->aad_len);
		g->started = true;
	}
	if (inl)
		gcm_run(g, out, in, inl);
	*outl = inl;
	return 1;
}

int tls_gcm_final(void *v, unsigned char *out, size_t *outl, size_t outsize)
{
	struct gcm *g = v;
	uint8_t tag[GCM_TAG];

	(void)out, (void)outsize;
	if (!g->key_set || !g->iv_set || g->done || (!g->enc && !g->taglen))
		return 0;
	if (!g->started)
		gcm_begin(g, g->aad, g->aad_len);
	g->started = g->done = true; /* this IV is spent */
	gcm_tag(g, tag);
	*outl = 0;
	if (g->enc) {
		memcpy(g->tag, tag, GCM_TAG);
		g->taglen = GCM_TAG;
		return 1;
	}
	return CRYPTO_memcmp(tag, g->tag, g->taglen) == 0;
}

int tls_gcm_cipher(void *v, unsigned char *out, size_t *outl, size_t outsize, const unsigned char *in,
		   size_t inl)
{
	/* EVP_Cipher(): the whole input's length on success, as OpenSSL's */
	int ok = in ? tls_gcm_update(v, out, outl, outsize, in, inl) : tls_gcm_final(v, out, outl, outsize);
	if (ok && in)
		*outl = inl;
	return ok;
}

#else
typedef int tls_gcm_cipher_unused; /* an empty unit is not ISO C */
#endif
