/* tls_conn.c: the TLS transport of one loop conn.
 *
 * OpenSSL talks to a BIO of ours: reads come from the view the loop just
 * received (no copy into a BIO buffer; what is left when we stop early is
 * kept in `held`), writes append ciphertext to the conn's output queue.
 * Handshake steps spend the loop's per-turn handshake budget; a step that
 * would overrun it is put off to the next turn with its bytes held, so a
 * crowd of new clients cannot starve established conns.
 */
#include "net/loop_int.h"
#include "net/tls_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_READ_CHUNK 16384 /* one record's plaintext */

struct tls_conn {
	struct net_tls *t;
	SSL *ssl;
	struct net_conn *c;
	const uint8_t *in; /* the view being read, then held */
	size_t in_len;
	uint8_t *held; /* ciphertext not read yet */
	size_t held_off, held_len, held_cap;
	uint8_t *early; /* plaintext sent before the handshake ended */
	size_t early_len, early_cap;
	bool done, failed;
	char alpn[TLS_ALPN_MAX];
	struct net_timer hs_timer; /* server: the whole handshake's deadline */
};

/* ---- the BIO ---- */

static int tbio_read(BIO *b, char *out, int outl)
{
	struct tls_conn *tc = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	size_t want = (size_t)outl, n;
	if (tc->held_len) {
		n = tc->held_len < want ? tc->held_len : want;
		memcpy(out, tc->held + tc->held_off, n);
		tc->held_off += n;
		tc->held_len -= n;
		return (int)n;
	}
	if (!tc->in_len) {
		BIO_set_retry_read(b);
		return -1;
	}
	n = tc->in_len < want ? tc->in_len : want;
	memcpy(out, tc->in, n);
	tc->in += n;
	tc->in_len -= n;
	return (int)n;
}

static int tbio_write(BIO *b, const char *data, int len)
{
	struct tls_conn *tc = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	return net_conn_raw_send(tc->c, data, (size_t)len) < 0 ? -1 : len;
}

static long tbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int tbio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

BIO_METHOD *tls_bio_method_new(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sluice-loop");
	if (m && (!BIO_meth_set_read(m, tbio_read) || !BIO_meth_set_write(m, tbio_write) ||
		  !BIO_meth_set_ctrl(m, tbio_ctrl) || !BIO_meth_set_create(m, tbio_create))) {
		BIO_meth_free(m);
		m = NULL;
	}
	return m;
}

/* ---- failures ---- */

static const char *tls_verify_label(long v)
{
	switch (v) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "expired";
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return "hostname";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return "unknown_ca";
	default:
		return "verify";
	}
}

/* End the conn with the clearest reason OpenSSL can give. */
static void tls_fail(struct tls_conn *tc, int ssl_err)
{
	char why[300];
	const char *label = "protocol";
	int rc = -EPROTO;
	unsigned long e = ERR_peek_last_error();
	int reason = ERR_GET_REASON(e);
	long v = SSL_get_verify_result(tc->ssl);
	if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && v != X509_V_OK) {
		label = tls_verify_label(v);
		rc = -EKEYREJECTED;
		snprintf(why, sizeof(why), "TLS: certificate verify failed: %s",
			 X509_verify_cert_error_string(v));
	} else if (e) {
		if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
			label = "no_client_cert";
		else if (reason >= SSL_AD_REASON_OFFSET)
			label = "peer_alert";
		else if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_WRONG_VERSION_NUMBER ||
			 reason == SSL_R_NO_PROTOCOLS_AVAILABLE)
			label = "version";
		const char *r = ERR_reason_error_string(e);
		snprintf(why, sizeof(why), "TLS: %s", r ? r : "handshake failed");
	} else {
		label = "incomplete";
		snprintf(why, sizeof(why), "TLS: %s",
			 ssl_err == SSL_ERROR_SYSCALL ? "the peer closed the connection during the handshake"
						      : "handshake failed");
	}
	ERR_clear_error();
	tc->failed = true;
	if (!tc->done)
		tls_count_failure(tc->t, label, why);
	net_conn_fail(tc->c, rc, why);
}

/* ---- the transport ---- */

static void tls_handshake_done(struct tls_conn *tc)
{
	const unsigned char *p;
	unsigned n;
	tc->done = true;
	tc->t->stats.handshakes++;
	SSL_get0_alpn_selected(tc->ssl, &p, &n);
	if (n && n < sizeof(tc->alpn)) {
		memcpy(tc->alpn, p, n);
		tc->alpn[n] = 0;
	}
	net_timer_cancel(net_conn_loop(tc->c), &tc->hs_timer);
	if (tc->early_len) {
		ERR_clear_error();
		if (SSL_write(tc->ssl, tc->early, (int)tc->early_len) <= 0) {
			tls_fail(tc, SSL_ERROR_SSL);
			return;
		}
		free(tc->early);
		tc->early = NULL;
		tc->early_len = tc->early_cap = 0;
	}
	net_conn_opened(tc->c);
}

/* Handshake, then plaintext to the user until OpenSSL wants more bytes,
 * the user pauses, or the conn ends. */
static void tls_pump(struct tls_conn *tc)
{
	struct net_conn *c = tc->c;
	struct net_loop *loop = net_conn_loop(c);
	uint8_t buf[TLS_READ_CHUNK];
	while (!tc->done) {
		if (!net_loop_handshake_allowed(loop, c)) {
			net_conn_defer_handshake(c);
			return;
		}
		uint64_t t0 = rt_mono_ns();
		ERR_clear_error();
		int rc = SSL_do_handshake(tc->ssl);
		net_loop_handshake_charge(loop, rt_mono_ns() - t0);
		if (rc == 1) {
			tls_handshake_done(tc);
			break;
		}
		int e = SSL_get_error(tc->ssl, rc);
		if (e == SSL_ERROR_WANT_READ)
			return;
		tls_fail(tc, e);
		return;
	}
	while (!(c->flags & (C_DEAD | C_PAUSED | C_CLOSING))) {
		ERR_clear_error();
		int n = SSL_read(tc->ssl, buf, sizeof(buf));
		if (n > 0) {
			net_conn_deliver(c, buf, (size_t)n);
			continue;
		}
		int e = SSL_get_error(tc->ssl, n);
		if (e == SSL_ERROR_WANT_READ)
			return;
		if (e == SSL_ERROR_ZERO_RETURN) { /* close_notify: the peer is done */
			net_conn_close(c);
			return;
		}
		tls_fail(tc, e);
		return;
	}
}

static int tls_hold(struct tls_conn *tc, const uint8_t *p, size_t n)
{
	if (tc->held_off) {
		memmove(tc->held, tc->held + tc->held_off, tc->held_len);
		tc->held_off = 0;
	}
	if (n > tc->held_cap - tc->held_len) {
		size_t cap = tc->held_cap ? tc->held_cap : 16384;
		while (cap - tc->held_len < n)
			cap *= 2;
		uint8_t *h = realloc(tc->held, cap);
		if (!h)
			return -ENOMEM;
		tc->held = h;
		tc->held_cap = cap;
	}
	memcpy(tc->held + tc->held_len, p, n);
	tc->held_len += n;
	return 0;
}

static void tls_input(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct tls_conn *tc = net_conn_transport_state(c);
	if (tc->failed)
		return;
	tc->in = data;
	tc->in_len = len;
	tls_pump(tc);
	if (tc->in_len && !(c->flags & C_DEAD) && tls_hold(tc, tc->in, tc->in_len) < 0)
		net_conn_fail(c, -ENOMEM, "TLS: out of memory");
	tc->in = NULL;
	tc->in_len = 0;
	if (!tc->held_len && tc->held_cap > 65536) { /* a burst is over */
		free(tc->held);
		tc->held = NULL;
		tc->held_cap = tc->held_off = 0;
	}
}

static int tls_output(struct net_conn *c, const void *data, size_t len)
{
	struct tls_conn *tc = net_conn_transport_state(c);
	if (tc->failed)
		return -EPIPE;
	if (!tc->done) {
		if (len > tc->early_cap - tc->early_len) {
			size_t cap = tc->early_cap ? tc->early_cap : 4096;
			while (cap - tc->early_len < len)
				cap *= 2;
			uint8_t *p = realloc(tc->early, cap);
			if (!p)
				return -ENOMEM;
			tc->early = p;
			tc->early_cap = cap;
		}
		memcpy(tc->early + tc->early_len, data, len);
		tc->early_len += len;
		return 0;
	}
	const uint8_t *p = data;
	while (len) {
		int chunk = len > (1u << 30) ? 1 << 30 : (int)len;
		ERR_clear_error();
		int n = SSL_write(tc->ssl, p, chunk);
		if (n <= 0) {
			tls_fail(tc, SSL_get_error(tc->ssl, n));
			return -EPIPE;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A deadline for the whole handshake, not for silence: a client that
 * trickles its ClientHello a byte at a time must not hold a conn. */
static void tls_hs_expired(struct net_timer *t, void *arg)
{
	struct tls_conn *tc = arg;
	char why[96];
	(void)t;
	if (tc->done || tc->failed)
		return;
	snprintf(why, sizeof(why), "TLS: handshake not finished within %u ms",
		 tc->t->sc.handshake_timeout_ms);
	tc->failed = true;
	tls_count_failure(tc->t, "timeout", why);
	net_conn_fail(tc->c, -ETIMEDOUT, why);
}

static void tls_start(struct net_conn *c)
{
	struct tls_conn *tc = net_conn_transport_state(c);
	if (tc->t->server) {
		net_timer_init(&tc->hs_timer, tls_hs_expired, tc);
		net_timer_arm(net_conn_loop(c), &tc->hs_timer, tc->t->sc.handshake_timeout_ms);
	} else {
		tls_pump(tc); /* the ClientHello */
	}
}

static void tls_shutdown(struct net_conn *c)
{
	struct tls_conn *tc = net_conn_transport_state(c);
	if (tc->done && !tc->failed) {
		ERR_clear_error();
		SSL_shutdown(tc->ssl); /* queues close_notify */
		ERR_clear_error();
	}
}

static void tls_eof(struct net_conn *c)
{
	struct tls_conn *tc = net_conn_transport_state(c);
	if (tc->done || tc->failed)
		return;
	/* Read what came before the FIN (an alert saying why), then fail. */
	tls_pump(tc);
	if (!tc->failed && !tc->done) {
		ERR_clear_error();
		tls_fail(tc, SSL_ERROR_SYSCALL);
	}
}

static void tls_free(struct net_conn *c)
{
	struct tls_conn *tc = net_conn_transport_state(c);
	if (!tc->done && !tc->failed)
		tls_count_failure(tc->t, "incomplete", "TLS: closed before the handshake finished");
	net_timer_cancel(net_conn_loop(c), &tc->hs_timer);
	SSL_free(tc->ssl);
	net_tls_free(tc->t);
	free(tc->held);
	free(tc->early);
	free(tc);
}

static const struct net_transport_ops tls_ops = {
	.name = "tls",
	.start = tls_start,
	.input = tls_input,
	.output = tls_output,
	.shutdown = tls_shutdown,
	.eof = tls_eof,
	.free = tls_free,
};

static int tls_attach(struct net_conn *c, struct net_tls *t, const char *server_name)
{
	struct tls_conn *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return -ENOMEM;
	tc->t = t;
	tc->c = c;
	ERR_clear_error();
	tc->ssl = SSL_new(tls_ctx_current(t));
	BIO *b = tc->ssl ? BIO_new(t->bio) : NULL;
	if (!b) {
		SSL_free(tc->ssl);
		free(tc);
		ERR_clear_error();
		return -ENOMEM;
	}
	BIO_set_data(b, tc);
	SSL_set_bio(tc->ssl, b, b);
	if (t->server) {
		SSL_set_accept_state(tc->ssl);
	} else {
		SSL_set_connect_state(tc->ssl);
		const char *name = t->cc.server_name_override ? t->cc.server_name_override : server_name;
		if (name && *name) {
			unsigned char ip[16];
			bool is_ip = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
			if (is_ip)
				X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tc->ssl), name);
			else if (!SSL_set_tlsext_host_name(tc->ssl, name) || !SSL_set1_host(tc->ssl, name))
				ERR_clear_error();
		}
	}
	tls_ref(t);
	net_conn_set_transport(c, &tls_ops, tc);
	return 0;
}

int tls_conn_attach_server(struct net_conn *c, struct net_tls *t)
{
	return tls_attach(c, t, NULL);
}

int net_conn_start_tls(struct net_conn *c, struct net_tls *t, const char *server_name)
{
	if (!t)
		return 0;
	if (t->server || c->xp)
		return -EINVAL;
	return tls_attach(c, t, server_name);
}

void net_listener_set_tls(struct net_listener *l, struct net_tls *t)
{
	if (t)
		tls_ref(t);
	net_tls_free(l->tls);
	l->tls = t;
}

bool net_conn_is_tls(const struct net_conn *c)
{
	return c->xp == &tls_ops;
}

const char *net_conn_alpn(const struct net_conn *c)
{
	return c->xp == &tls_ops ? ((struct tls_conn *)c->xs)->alpn : "";
}

int net_conn_peer_name(const struct net_conn *c, char *buf, size_t len)
{
	if (c->xp != &tls_ops || !len)
		return -ENOENT;
	X509 *x = SSL_get0_peer_certificate(((struct tls_conn *)c->xs)->ssl);
	X509_NAME *n = x ? X509_get_subject_name(x) : NULL;
	if (!n || X509_NAME_get_text_by_NID(n, NID_commonName, buf, (int)len) < 0) {
		buf[0] = 0;
		return -ENOENT;
	}
	return 0;
}
