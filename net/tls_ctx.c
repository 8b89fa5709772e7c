/* tls_ctx.c: TLS contexts from the Collector's keys -- files and inline PEM
 * read and checked with messages that name the file, protocol versions,
 * verification, ALPN, reloads of changed files, the failure counters. */
#include "net/tls_gcm.h"
#include "net/tls_int.h"
#include "rt/clock.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool set(const char *s)
{
	return s && *s;
}

int net_tls_version_parse(const char *s, enum net_tls_version *out)
{
	static const struct {
		const char *name;
		enum net_tls_version v;
	} t[] = {
		{ "", NET_TLS_VERSION_DEFAULT }, { "1.0", NET_TLS_1_0 }, { "1.1", NET_TLS_1_1 },
		{ "1.2", NET_TLS_1_2 },		 { "1.3", NET_TLS_1_3 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s ? s : "", t[i].name) == 0) {
			*out = t[i].v;
			return 0;
		}
	return -EINVAL;
}

static int tls_versions(SSL_CTX *ctx, enum net_tls_version lo, enum net_tls_version hi, char *err,
			size_t errlen)
{
	if (!lo)
		lo = NET_TLS_1_2;
	if (hi && hi < lo) {
		snprintf(err, errlen, "tls: max_version is older than min_version");
		return -EINVAL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, (int)lo) != 1 ||
	    (hi && SSL_CTX_set_max_proto_version(ctx, (int)hi) != 1)) {
		snprintf(err, errlen, "tls: protocol version not supported by this OpenSSL");
		return -EINVAL;
	}
	return 0;
}

/* AES-128-GCM first, as Go's crypto/tls (the Collector's) orders them on
 * CPUs with AES instructions; OpenSSL's default puts AES-256-GCM first.
 * The same peers then agree on the same suite as with the Collector; the
 * speed is about the same on this box (OpenSSL 3.0's stitched GCM, 4.3
 * against 4.1 GB/s, docs/bench/wire.md), 10 rounds against 14 elsewhere.
 * A server picks by its own order, but a client that lists ChaCha20
 * first (no AES instructions) gets ChaCha20, Go's server rule too. The
 * TLS 1.2 list only moves the ECDHE AES-128-GCM suites ahead of OpenSSL's
 * default list. */
static int tls_prefer_aes128(SSL_CTX *ctx, bool srv)
{
	static const char suites13[] =
		"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
	static const char list12[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:DEFAULT";
	if (SSL_CTX_set_ciphersuites(ctx, suites13) != 1 || SSL_CTX_set_cipher_list(ctx, list12) != 1)
		return -EINVAL;
	if (srv)
		SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA);
	return 0;
}

static int tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
			   const unsigned char *in, unsigned inlen, void *arg)
{
	struct net_tls *t = arg;
	unsigned char *o;
	(void)ssl;
	if (SSL_select_next_proto(&o, outlen, t->alpn, (unsigned)t->alpn_len, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = o;
	return SSL_TLSEXT_ERR_OK;
}

/* Build an SSL_CTX from t's config; *rcp: why not (-errno). */
static SSL_CTX *tls_build(struct net_tls *t, int *rcp, char *err, size_t errlen)
{
	int rc = -EINVAL;
	struct tls_pem cert = { 0 }, key = { 0 }, ca = { 0 };
	const bool srv = t->server;
	const char *cf = srv ? t->sc.cert_file : t->cc.cert_file;
	const char *kf = srv ? t->sc.key_file : t->cc.key_file;
	const char *caf = srv ? t->sc.client_ca_file : t->cc.ca_file;
	bool have_cert = set(cf) || (!srv && set(t->cc.cert_pem));
	bool have_key = set(kf) || (!srv && set(t->cc.key_pem));
	bool have_ca = set(caf) || (!srv && set(t->cc.ca_pem));
	SSL_CTX *ctx = NULL;
	err[0] = 0;
	if (srv && (!have_cert || !have_key)) {
		snprintf(err, errlen, "tls: a server needs cert_file and key_file");
		*rcp = rc;
		return NULL;
	}
	if (have_cert != have_key) {
		snprintf(err, errlen, "tls: %s is set without %s", have_cert ? "cert_file" : "key_file",
			 have_cert ? "key_file" : "cert_file");
		*rcp = rc;
		return NULL;
	}
	if ((have_cert && ((rc = tls_pem_load(&cert, set(cf) ? "cert_file" : "cert_pem", cf, t->cc.cert_pem,
					      err, errlen)) < 0 ||
			   (rc = tls_pem_load(&key, set(kf) ? "key_file" : "key_pem", kf, t->cc.key_pem, err,
					      errlen)) < 0)) ||
	    (have_ca && (rc = tls_pem_load(&ca,
					   srv	      ? "client_ca_file"
					   : set(caf) ? "ca_file"
						      : "ca_pem",
					   caf, t->cc.ca_pem, err, errlen)) < 0))
		goto fail;
	rc = -EINVAL;
	ctx = SSL_CTX_new_ex(NULL, tls_gcm_propq(), srv ? TLS_server_method() : TLS_client_method());
	if (!ctx || tls_versions(ctx, srv ? t->sc.min_version : t->cc.min_version,
				 srv ? t->sc.max_version : t->cc.max_version, err, errlen) < 0)
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	if (tls_prefer_aes128(ctx, srv) < 0) {
		snprintf(err, errlen, "tls: cannot set the cipher suites");
		goto fail;
	}
	/* Idle conns give their record buffers back (10,000 idle conns). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_default_passwd_cb(ctx, tls_no_pass);
	if (have_cert && tls_use_cert_key(ctx, &cert, &key, err, errlen) < 0)
		goto fail;
	if (have_ca && tls_add_cas(ctx, &ca, srv, err, errlen) < 0)
		goto fail;
	if (srv) {
		/* A session id context is required for resumption once client
		 * certificates are verified: without it OpenSSL fails every
		 * resumed handshake ("session id context uninitialized"), and
		 * clients that resume (Node's https agent) cannot reconnect. */
		static const unsigned char sid_ctx[] = "sluice";
		if (have_ca)
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		if (SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1) != 1)
			goto fail;
		if (t->alpn_len)
			SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_select, t);
	} else {
		if ((!have_ca || t->cc.include_system_ca_certs_pool) &&
		    SSL_CTX_set_default_verify_paths(ctx) != 1)
			ERR_clear_error(); /* no system store: only the given CAs */
		SSL_CTX_set_verify(ctx, t->cc.insecure_skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
		if (t->alpn_len && SSL_CTX_set_alpn_protos(ctx, t->alpn, (unsigned)t->alpn_len) != 0)
			goto fail;
	}
	free(cert.buf);
	free(key.buf);
	free(ca.buf);
	return ctx;
fail:
	if (!err[0]) {
		snprintf(err, errlen, "tls: out of memory");
		rc = -ENOMEM;
	}
	*rcp = rc;
	free(cert.buf);
	free(key.buf);
	free(ca.buf);
	SSL_CTX_free(ctx);
	return NULL;
}

static void tls_file_ids(struct net_tls *t, struct tls_file_id *ids)
{
	memset(ids, 0, sizeof(*ids) * TLS_FILES);
	for (int i = 0; i < TLS_FILES; i++) {
		struct stat st;
		if (t->watch[i] && stat(t->watch[i], &st) == 0)
			ids[i] = (struct tls_file_id){ st.st_dev, st.st_ino, st.st_size, st.st_mtim };
	}
}

static char *tls_keep(struct net_tls *t, unsigned *n, const char *s)
{
	if (!set(s))
		return NULL;
	return t->strs[(*n)++] = strdup(s);
}

static int tls_new(struct net_tls **out, struct net_tls *t, const char *alpn, char *err, size_t errlen)
{
	size_t al = alpn ? strlen(alpn) : 0;
	if (al >= TLS_ALPN_MAX - 1) {
		snprintf(err, errlen, "tls: ALPN name too long");
		free(t);
		return -EINVAL;
	}
	if (al) {
		t->alpn[0] = (uint8_t)al;
		memcpy(t->alpn + 1, alpn, al);
		t->alpn_len = al + 1;
	}
	int rc = -ENOMEM;
	t->refs = 1;
	t->bio = tls_bio_method_new();
	t->ctx = t->bio ? tls_build(t, &rc, err, errlen) : NULL;
	if (!t->ctx) {
		if (!t->bio)
			snprintf(err, errlen, "tls: out of memory");
		net_tls_free(t);
		return rc;
	}
	tls_file_ids(t, t->ids);
	t->next_check_ns = rt_coarse_ns() +
			   (t->server ? t->sc.reload_interval_ms : t->cc.reload_interval_ms) * 1000000u;
	*out = t;
	return 0;
}

int net_tls_client_new(struct net_tls **out, const struct net_tls_client_config *cfg, const char *alpn,
		       char *err, size_t errlen)
{
	*out = NULL;
	if (cfg->insecure)
		return 0;
	struct net_tls *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	unsigned n = 0;
	t->cc = *cfg;
	t->cc.ca_file = tls_keep(t, &n, cfg->ca_file);
	t->cc.ca_pem = tls_keep(t, &n, cfg->ca_pem);
	t->cc.cert_file = tls_keep(t, &n, cfg->cert_file);
	t->cc.cert_pem = tls_keep(t, &n, cfg->cert_pem);
	t->cc.key_file = tls_keep(t, &n, cfg->key_file);
	t->cc.key_pem = tls_keep(t, &n, cfg->key_pem);
	t->cc.server_name_override = tls_keep(t, &n, cfg->server_name_override);
	const char *w[TLS_FILES] = { t->cc.cert_file, t->cc.key_file, t->cc.ca_file, NULL };
	memcpy(t->watch, w, sizeof(w));
	return tls_new(out, t, alpn, err, errlen);
}

int net_tls_server_new(struct net_tls **out, const struct net_tls_server_config *cfg, const char *alpn,
		       char *err, size_t errlen)
{
	*out = NULL;
	struct net_tls *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	unsigned n = 0;
	t->server = true;
	t->sc = *cfg;
	t->sc.cert_file = tls_keep(t, &n, cfg->cert_file);
	t->sc.key_file = tls_keep(t, &n, cfg->key_file);
	t->sc.client_ca_file = tls_keep(t, &n, cfg->client_ca_file);
	if (!t->sc.handshake_timeout_ms)
		t->sc.handshake_timeout_ms = 10000;
	const char *w[TLS_FILES] = { t->sc.cert_file, t->sc.key_file, t->sc.client_ca_file, NULL };
	memcpy(t->watch, w, sizeof(w));
	return tls_new(out, t, alpn, err, errlen);
}

void tls_ref(struct net_tls *t)
{
	t->refs++;
}

struct net_tls *net_tls_ref(struct net_tls *t)
{
	if (t)
		t->refs++;
	return t;
}

void net_tls_free(struct net_tls *t)
{
	if (!t || --t->refs > 0)
		return;
	SSL_CTX_free(t->ctx);
	BIO_meth_free(t->bio);
	for (size_t i = 0; i < sizeof(t->strs) / sizeof(t->strs[0]); i++)
		free(t->strs[i]);
	free(t);
}

int net_tls_check_client(const struct net_tls_client_config *cfg, char *err, size_t errlen)
{
	struct net_tls *t;
	int rc = net_tls_client_new(&t, cfg, NULL, err, errlen);
	net_tls_free(t);
	return rc;
}

int net_tls_check_server(const struct net_tls_server_config *cfg, char *err, size_t errlen)
{
	struct net_tls *t;
	int rc = net_tls_server_new(&t, cfg, NULL, err, errlen);
	net_tls_free(t);
	return rc;
}

SSL_CTX *tls_ctx_current(struct net_tls *t)
{
	uint64_t every = (t->server ? t->sc.reload_interval_ms : t->cc.reload_interval_ms) * 1000000u;
	uint64_t now;
	if (!every || (now = rt_coarse_ns()) < t->next_check_ns)
		return t->ctx;
	t->next_check_ns = now + every;
	struct tls_file_id ids[TLS_FILES];
	tls_file_ids(t, ids);
	if (memcmp(ids, t->ids, sizeof(ids)) == 0)
		return t->ctx;
	char err[256];
	int rc;
	SSL_CTX *ctx = tls_build(t, &rc, err, sizeof(err));
	if (!ctx) {
		/* Keep serving with the old set; try again next interval. */
		t->stats.reload_errors++;
		snprintf(t->reload_err, sizeof(t->reload_err), "%s", err);
		return t->ctx;
	}
	SSL_CTX_free(t->ctx); /* conns made with it hold their own reference */
	t->ctx = ctx;
	memcpy(t->ids, ids, sizeof(ids));
	t->stats.reloads++;
	t->reload_err[0] = 0;
	return t->ctx;
}

void tls_count_failure(struct net_tls *t, const char *reason, const char *detail)
{
	t->stats.failures++;
	if (t->fail_fn)
		t->fail_fn(t->fail_arg, t->server ? "server" : "client", reason, detail);
}

void net_tls_set_fail_hook(struct net_tls *t, net_tls_fail_fn fn, void *arg)
{
	t->fail_fn = fn;
	t->fail_arg = arg;
}

void net_tls_get_stats(const struct net_tls *t, struct net_tls_stats *out)
{
	*out = t->stats;
}

const char *net_tls_reload_error(const struct net_tls *t)
{
	return t->reload_err;
}
