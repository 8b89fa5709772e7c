/* tests/net/gcm_helpers.c: see gcm_helpers.h. */
#include "tests/net/gcm_helpers.h"

#include <openssl/provider.h>

#include "net/tls_gcm.h"

int gcmh_load(struct gcmh *g)
{
	static const char *names[2] = { "AES-128-GCM", "AES-256-GCM" };

	*g = (struct gcmh){ OSSL_LIB_CTX_new(), NULL, { NULL, NULL }, { NULL, NULL } };
	if (!g->lib || !OSSL_PROVIDER_add_builtin(g->lib, TLS_GCM_PROVIDER, tls_gcm_provider_init) ||
	    !(g->prov = OSSL_PROVIDER_load(g->lib, TLS_GCM_PROVIDER)))
		return -1;
	for (int i = 0; i < 2; i++) {
		g->ours[i] = EVP_CIPHER_fetch(g->lib, names[i], "provider=" TLS_GCM_PROVIDER);
		g->theirs[i] = EVP_CIPHER_fetch(NULL, names[i], "provider=default");
		if (!g->ours[i] || !g->theirs[i])
			return -1;
	}
	return 0;
}

void gcmh_free(struct gcmh *g)
{
	for (int i = 0; i < 2; i++) {
		EVP_CIPHER_free(g->ours[i]);
		EVP_CIPHER_free(g->theirs[i]);
	}
	if (g->prov)
		OSSL_PROVIDER_unload(g->prov);
	OSSL_LIB_CTX_free(g->lib);
}

int gcmh_message(EVP_CIPHER_CTX *x, int enc, const uint8_t iv[12], const uint8_t *aad, int aadl,
		 const uint8_t *in, int n, uint8_t *out, uint8_t tag[16])
{
	int l = 0, lf = 0;
	return EVP_CipherInit_ex(x, NULL, NULL, NULL, iv, enc) == 1 &&
	       (enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, tag) == 1) &&
	       EVP_CipherUpdate(x, NULL, &l, aad, aadl) == 1 && EVP_CipherUpdate(x, out, &l, in, n) == 1 &&
	       EVP_CipherFinal_ex(x, out + l, &lf) == 1 && l + lf == n &&
	       (!enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1);
}

int gcmh_aead(const EVP_CIPHER *c, int enc, const uint8_t *key, const uint8_t iv[12], const uint8_t *aad,
	      int aadl, const uint8_t *in, int n, uint8_t *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int ok = x && EVP_CipherInit_ex(x, c, NULL, key, NULL, enc) == 1 &&
		 EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
		 gcmh_message(x, enc, iv, aad, aadl, in, n, out, tag);
	EVP_CIPHER_CTX_free(x);
	return ok;
}

EVP_CIPHER_CTX *gcmh_tls12_ctx(const EVP_CIPHER *c, int enc, const uint8_t *key, const uint8_t fixed[4])
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	if (x && EVP_CipherInit_ex(x, c, NULL, key, NULL, enc) == 1 &&
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IV_FIXED, 4, (void *)fixed) == 1)
		return x;
	EVP_CIPHER_CTX_free(x);
	return NULL;
}

int gcmh_tls12_record(EVP_CIPHER_CTX *x, uint64_t seq, size_t len_field, uint8_t *buf, size_t n, int *outl)
{
	uint8_t aad[13];

	for (int i = 0; i < 8; i++)
		aad[i] = (uint8_t)(seq >> (56 - 8 * i));
	aad[8] = 23, aad[9] = 3, aad[10] = 3;
	aad[11] = (uint8_t)(len_field >> 8), aad[12] = (uint8_t)len_field;
	if (EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_TLS1_AAD, 13, aad) != 16)
		return 0;
	*outl = -1;
	return EVP_CipherUpdate(x, buf, outl, buf, (int)(8 + n + 16)) == 1;
}
