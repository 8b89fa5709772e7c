/* net/tls_int.h (private to net/tls_*.c): the context shared by the config
 * code (tls_ctx.c) and the per-connection transport (tls_conn.c). */
#ifndef SLUICE_NET_TLS_INT_H
#define SLUICE_NET_TLS_INT_H

#include <openssl/ssl.h>
#include <sys/stat.h>

#include "net/tls.h"

#define TLS_ALPN_MAX 32
#define TLS_FILES 4 /* cert, key, ca, client ca: watched for reloads */

struct tls_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct net_tls {
	unsigned refs;
	bool server;
	SSL_CTX *ctx;	 /* the current certificate set */
	BIO_METHOD *bio; /* the loop BIO (tls_conn.c) */
	/* the config, copied */
	struct net_tls_client_config cc;
	struct net_tls_server_config sc;
	char *strs[8];		    /* owned copies behind cc/sc strings */
	uint8_t alpn[TLS_ALPN_MAX]; /* wire form: length-prefixed */
	size_t alpn_len;
	/* reloads */
	const char *watch[TLS_FILES];
	struct tls_file_id ids[TLS_FILES];
	uint64_t next_check_ns;
	char reload_err[256];
	struct net_tls_stats stats;
	net_tls_fail_fn fail_fn;
	void *fail_arg;
};

struct tls_pem {	  /* one PEM source: a file's bytes or inline */
	const char *key;  /* the config key, for messages */
	const char *file; /* NULL: inline */
	char *buf;	  /* the bytes (free them) */
	size_t len;
};

/* ---- tls_pem.c ---- */
/* Read a file (or copy inline PEM); messages name key and file. */
int tls_pem_load(struct tls_pem *p, const char *key, const char *file, const char *pem, char *err,
		 size_t errlen);
/* The certificate chain and its key into ctx; "does not match" when the
 * key is another certificate's. */
int tls_use_cert_key(SSL_CTX *ctx, const struct tls_pem *cert, const struct tls_pem *key, char *err,
		     size_t errlen);
/* Trust the CAs (client_list: also name them in CertificateRequest). */
int tls_add_cas(SSL_CTX *ctx, const struct tls_pem *ca, bool client_list, char *err, size_t errlen);
/* A pass-phrase callback that refuses (encrypted keys are not read). */
int tls_no_pass(char *buf, int size, int rw, void *u);
/* OpenSSL's newest error in words; the error queue is cleared. */
const char *tls_err_text(char *buf, size_t len);

/* ---- tls_ctx.c ---- */
/* The context new handshakes use (reloads first when due). */
SSL_CTX *tls_ctx_current(struct net_tls *t);
void tls_ref(struct net_tls *t);
/* Count a failed handshake and call the hook. */
void tls_count_failure(struct net_tls *t, const char *reason, const char *detail);
/* tls_conn.c: the BIO method over a loop conn. */
BIO_METHOD *tls_bio_method_new(void);

#endif
