/* tls_pem.c: certificates, keys and CAs from PEM files or inline PEM, with
 * messages that name the config key and the file. */
#include "net/tls_int.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_FILE_MAX (4u << 20) /* a PEM file bigger than this is a mistake */

/* The newest OpenSSL error in words, and the queue cleared. */
const char *tls_err_text(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	snprintf(buf, len, "%s", r ? r : "unknown error");
	ERR_clear_error();
	return buf;
}

int tls_pem_load(struct tls_pem *p, const char *key, const char *file, const char *pem, char *err,
		 size_t errlen)
{
	p->key = key;
	p->file = file && *file ? file : NULL;
	p->buf = NULL;
	p->len = 0;
	if (!p->file) {
		p->buf = strdup(pem ? pem : "");
		p->len = p->buf ? strlen(p->buf) : 0;
		return p->buf ? 0 : -ENOMEM;
	}
	FILE *f = fopen(file, "rb");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "tls %s %s: %s", key, file, strerror(e));
		return -e;
	}
	p->buf = malloc(TLS_FILE_MAX + 1);
	if (!p->buf) {
		fclose(f);
		return -ENOMEM;
	}
	p->len = fread(p->buf, 1, TLS_FILE_MAX + 1, f);
	int bad = ferror(f) ? errno : p->len > TLS_FILE_MAX ? EFBIG : 0;
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "tls %s %s: %s", key, file,
			 bad == EFBIG ? "larger than 4 MiB, not a PEM file" : strerror(bad));
		free(p->buf);
		p->buf = NULL;
		return -bad;
	}
	p->buf[p->len] = 0;
	return 0;
}

static const char *tls_pem_name(const struct tls_pem *p, char *buf, size_t len)
{
	if (p->file)
		snprintf(buf, len, "%s %s", p->key, p->file);
	else
		snprintf(buf, len, "%s", p->key);
	return buf;
}

/* Certificates of a PEM source, in order; 0 found is an error. */
static STACK_OF(X509) * tls_pem_certs(const struct tls_pem *p, char *err, size_t errlen)
{
	char name[300], why[160];
	BIO *b = BIO_new_mem_buf(p->buf, (int)p->len);
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;
	if (!b || !sk)
		goto fail;
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto fail;
		}
	unsigned long e = ERR_peek_last_error();
	if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE && sk_X509_num(sk) > 0)
		ERR_clear_error(); /* the normal end of the list */
	else if (e || sk_X509_num(sk) == 0) {
		snprintf(err, errlen, "tls %s: %s", tls_pem_name(p, name, sizeof(name)),
			 e ? tls_err_text(why, sizeof(why)) : "no PEM certificate in it");
		goto fail;
	}
	BIO_free(b);
	return sk;
fail:
	if (!err[0])
		snprintf(err, errlen, "tls %s: out of memory", p->key);
	BIO_free(b);
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

/* Never prompt for a pass phrase: encrypted keys are refused. */
int tls_no_pass(char *buf, int size, int rw, void *u)
{
	(void)buf, (void)size, (void)rw, (void)u;
	return 0;
}

int tls_use_cert_key(SSL_CTX *ctx, const struct tls_pem *cert, const struct tls_pem *key, char *err,
		     size_t errlen)
{
	char cn[300], kn[300], why[160];
	STACK_OF(X509) *sk = tls_pem_certs(cert, err, errlen);
	if (!sk)
		return -EINVAL;
	int rc = -EINVAL;
	if (SSL_CTX_use_certificate(ctx, sk_X509_value(sk, 0)) != 1) {
		snprintf(err, errlen, "tls %s: %s", tls_pem_name(cert, cn, sizeof(cn)),
			 tls_err_text(why, sizeof(why)));
		goto out;
	}
	for (int i = 1; i < sk_X509_num(sk); i++)
		SSL_CTX_add1_chain_cert(ctx, sk_X509_value(sk, i));
	BIO *b = BIO_new_mem_buf(key->buf, (int)key->len);
	EVP_PKEY *pk = b ? PEM_read_bio_PrivateKey(b, NULL, tls_no_pass, NULL) : NULL;
	BIO_free(b);
	if (!pk) {
		snprintf(err, errlen, "tls %s: no usable PEM private key in it (%s)",
			 tls_pem_name(key, kn, sizeof(kn)), tls_err_text(why, sizeof(why)));
		goto out;
	}
	int ok = SSL_CTX_use_PrivateKey(ctx, pk) == 1 && SSL_CTX_check_private_key(ctx) == 1;
	EVP_PKEY_free(pk);
	if (!ok) {
		ERR_clear_error();
		snprintf(err, errlen, "tls %s: does not match %s", tls_pem_name(key, kn, sizeof(kn)),
			 tls_pem_name(cert, cn, sizeof(cn)));
		goto out;
	}
	rc = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

int tls_add_cas(SSL_CTX *ctx, const struct tls_pem *ca, bool client_list, char *err, size_t errlen)
{
	STACK_OF(X509) *sk = tls_pem_certs(ca, err, errlen);
	if (!sk)
		return -EINVAL;
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);
	for (int i = 0; i < sk_X509_num(sk); i++) {
		X509_STORE_add_cert(st, sk_X509_value(sk, i));
		if (client_list)
			SSL_CTX_add_client_CA(ctx, sk_X509_value(sk, i));
	}
	ERR_clear_error(); /* a CA listed twice is not an error */
	sk_X509_pop_free(sk, X509_free);
	return 0;
}
