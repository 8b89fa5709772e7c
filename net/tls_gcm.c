/* net/tls_gcm.c: the OpenSSL 3 provider that offers tls_gcm_cipher.c's
 * AES-128-GCM and AES-256-GCM (see tls_gcm.h): the parameters TLS reads
 * and sets, the dispatch tables, the provider's entry point, and its
 * registration with OpenSSL's default library context. */
#include "net/tls_gcm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#ifdef SLUICE_HAVE_IPSEC_MB
#include "net/tls_gcm_int.h"

static int gcm_get_ctx_params(void *v, OSSL_PARAM params[])
{
	struct gcm *g = v;
	OSSL_PARAM *p;

	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN)) && !OSSL_PARAM_set_size_t(p, GCM_IV))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN)) && !OSSL_PARAM_set_size_t(p, g->keylen))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAGLEN)) &&
	    !OSSL_PARAM_set_size_t(p, g->taglen ? g->taglen : GCM_TAG))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TLS1_AAD_PAD)) &&
	    !OSSL_PARAM_set_size_t(p, GCM_TAG))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAG))) {
		if (!g->enc || g->taglen != GCM_TAG || p->data_size == 0 || p->data_size > GCM_TAG ||
		    !OSSL_PARAM_set_octet_string(p, g->tag, p->data_size))
			return 0;
	}
	return 1;
}

/* TLS 1.2's AAD: the record's length in it counts the explicit nonce and,
 * when opening, the tag; GCM authenticates the body's length. */
static int gcm_set_tls12_aad(struct gcm *g, const OSSL_PARAM *p)
{
	if (p->data_type != OSSL_PARAM_OCTET_STRING || p->data_size != TLS12_AAD)
		return 0;
	memcpy(g->aad, p->data, TLS12_AAD);
	size_t len = (size_t)g->aad[11] << 8 | g->aad[12], less = TLS12_EXPLICIT + (g->enc ? 0 : GCM_TAG);
	if (len < less)
		return 0;
	len -= less;
	g->aad[11] = (uint8_t)(len >> 8);
	g->aad[12] = (uint8_t)len;
	g->tls12 = true;
	return 1;
}

int tls_gcm_set_ctx_params(void *v, const OSSL_PARAM params[])
{
	struct gcm *g = v;
	const OSSL_PARAM *p;
	size_t sz;

	if (!params)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TAG))) {
		void *dst = g->tag;
		if (g->enc || !OSSL_PARAM_get_octet_string(p, &dst, GCM_TAG, &sz) || sz == 0)
			return 0;
		g->taglen = sz;
	}
	if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_IVLEN)) &&
	    (!OSSL_PARAM_get_size_t(p, &sz) || sz != GCM_IV))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TLS1_AAD)) &&
	    !gcm_set_tls12_aad(g, p))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED))) {
		/* the fixed part; a sealer starts the invocation part at random */
		if (p->data_type != OSSL_PARAM_OCTET_STRING || p->data_size != TLS12_FIXED)
			return 0;
		memcpy(g->iv, p->data, TLS12_FIXED);
		if (g->enc && RAND_bytes(g->iv + TLS12_FIXED, GCM_IV - TLS12_FIXED) != 1)
			return 0;
		g->iv_set = true;
	}
	if (OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TLS1_SET_IV_INV))
		return 0; /* not used by TLS records */
	return 1;
}

static int gcm_get_params(OSSL_PARAM params[], size_t keylen)
{
	OSSL_PARAM *p;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_MODE)) &&
	    !OSSL_PARAM_set_uint(p, EVP_CIPH_GCM_MODE))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN)) && !OSSL_PARAM_set_size_t(p, keylen))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN)) && !OSSL_PARAM_set_size_t(p, GCM_IV))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_BLOCK_SIZE)) && !OSSL_PARAM_set_size_t(p, 1))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD)) && !OSSL_PARAM_set_int(p, 1))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_CUSTOM_IV)) && !OSSL_PARAM_set_int(p, 1))
		return 0;
	static const char *const zero[] = { OSSL_CIPHER_PARAM_CTS, OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK,
					    OSSL_CIPHER_PARAM_HAS_RAND_KEY };
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if ((p = OSSL_PARAM_locate(params, zero[i])) && !OSSL_PARAM_set_int(p, 0))
			return 0;
	return 1;
}

static int gcm_params128(OSSL_PARAM params[])
{
	return gcm_get_params(params, 16);
}

static int gcm_params256(OSSL_PARAM params[])
{
	return gcm_get_params(params, 32);
}

static const OSSL_PARAM *gcm_gettable(void *prov)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_uint(OSSL_CIPHER_PARAM_MODE, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_BLOCK_SIZE, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_AEAD, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_CUSTOM_IV, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_CTS, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK, NULL),
		OSSL_PARAM_int(OSSL_CIPHER_PARAM_HAS_RAND_KEY, NULL),
		OSSL_PARAM_END,
	};
	(void)prov;
	return t;
}

static const OSSL_PARAM *gcm_gettable_ctx(void *ctx, void *prov)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_TAGLEN, NULL),
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL, 0),
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD_PAD, NULL),
		OSSL_PARAM_END,
	};
	(void)ctx, (void)prov;
	return t;
}

static const OSSL_PARAM *gcm_settable_ctx(void *ctx, void *prov)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, NULL),
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, NULL, 0),
		OSSL_PARAM_END,
	};
	(void)ctx, (void)prov;
	return t;
}

typedef void (*fn_t)(void);
#define GCM_DISPATCH(bits)                                                         \
	static const OSSL_DISPATCH gcm##bits[] = {                                 \
		{ OSSL_FUNC_CIPHER_NEWCTX, (fn_t)tls_gcm_new##bits },              \
		{ OSSL_FUNC_CIPHER_FREECTX, (fn_t)tls_gcm_free },                  \
		{ OSSL_FUNC_CIPHER_DUPCTX, (fn_t)tls_gcm_dup },                    \
		{ OSSL_FUNC_CIPHER_ENCRYPT_INIT, (fn_t)tls_gcm_einit },            \
		{ OSSL_FUNC_CIPHER_DECRYPT_INIT, (fn_t)tls_gcm_dinit },            \
		{ OSSL_FUNC_CIPHER_UPDATE, (fn_t)tls_gcm_update },                 \
		{ OSSL_FUNC_CIPHER_FINAL, (fn_t)tls_gcm_final },                   \
		{ OSSL_FUNC_CIPHER_CIPHER, (fn_t)tls_gcm_cipher },                 \
		{ OSSL_FUNC_CIPHER_GET_PARAMS, (fn_t)gcm_params##bits },           \
		{ OSSL_FUNC_CIPHER_GET_CTX_PARAMS, (fn_t)gcm_get_ctx_params },     \
		{ OSSL_FUNC_CIPHER_SET_CTX_PARAMS, (fn_t)tls_gcm_set_ctx_params }, \
		{ OSSL_FUNC_CIPHER_GETTABLE_PARAMS, (fn_t)gcm_gettable },          \
		{ OSSL_FUNC_CIPHER_GETTABLE_CTX_PARAMS, (fn_t)gcm_gettable_ctx },  \
		{ OSSL_FUNC_CIPHER_SETTABLE_CTX_PARAMS, (fn_t)gcm_settable_ctx },  \
		{ 0, NULL },                                                       \
	}
GCM_DISPATCH(128);
GCM_DISPATCH(256);

static const OSSL_ALGORITHM gcm_algs[] = {
	{ "AES-128-GCM:id-aes128-GCM:2.16.840.1.101.3.4.1.6", "provider=" TLS_GCM_PROVIDER, gcm128,
	  "AES-128-GCM (ipsec-mb)" },
	{ "AES-256-GCM:id-aes256-GCM:2.16.840.1.101.3.4.1.46", "provider=" TLS_GCM_PROVIDER, gcm256,
	  "AES-256-GCM (ipsec-mb)" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM *prov_query(void *prov, int op, int *no_cache)
{
	(void)prov;
	*no_cache = 0;
	return op == OSSL_OP_CIPHER ? gcm_algs : NULL;
}

static void prov_teardown(void *prov)
{
	free_mb_mgr(prov);
}

static const OSSL_DISPATCH prov_fns[] = {
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (fn_t)prov_query },
	{ OSSL_FUNC_PROVIDER_TEARDOWN, (fn_t)prov_teardown },
	{ 0, NULL },
};

/* ipsec-mb's AVX-512 code with the vector AES and carry-less multiply:
 * the one that is faster than OpenSSL 3.0's; NULL on any other CPU. */
static IMB_MGR *mgr_new(void)
{
	const uint64_t need = IMB_FEATURE_VAES | IMB_FEATURE_VPCLMULQDQ | IMB_FEATURE_AVX512_SKX;
	IMB_MGR *m = alloc_mb_mgr(0);
	if (!m)
		return NULL;
	init_mb_mgr_avx512(m);
	if (imb_get_errno(m) != 0 || (m->features & need) != need) {
		free_mb_mgr(m);
		return NULL;
	}
	return m;
}

int tls_gcm_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
			  void **provctx)
{
	(void)handle, (void)in;
	if (!(*provctx = mgr_new()))
		return 0;
	*out = prov_fns;
	return 1;
}

/* OpenSSL's default library context is process-wide, so registering the
 * provider with it is too: once per process, whoever asks first. The
 * loaded providers stay referenced here for the life of the process. */
static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;
static const char *gcm_propq;
static OSSL_PROVIDER *gcm_loaded[2];

static void gcm_setup(void)
{
	const char *env = getenv("SLUICE_TLS_GCM");
	IMB_MGR *probe;

	if (env && strcmp(env, "openssl") == 0)
		return;
	if (!(probe = mgr_new()))
		return;
	free_mb_mgr(probe);
	/* loading any provider stops OpenSSL loading "default" on its own */
	if (!(gcm_loaded[0] = OSSL_PROVIDER_load(NULL, "default")) ||
	    !OSSL_PROVIDER_add_builtin(NULL, TLS_GCM_PROVIDER, tls_gcm_provider_init) ||
	    !(gcm_loaded[1] = OSSL_PROVIDER_load(NULL, TLS_GCM_PROVIDER)))
		return;
	gcm_propq = "?provider=" TLS_GCM_PROVIDER;
}

const char *tls_gcm_propq(void)
{
	pthread_once(&gcm_once, gcm_setup);
	return gcm_propq;
}

#else /* built without ipsec-mb: OpenSSL's AES-GCM */

const char *tls_gcm_propq(void)
{
	return NULL;
}

int tls_gcm_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
			  void **provctx)
{
	(void)handle, (void)in, (void)out, (void)provctx;
	return 0;
}

#endif

const char *tls_gcm_name(void)
{
	return tls_gcm_propq() ? "ipsec-mb" : "openssl";
}
