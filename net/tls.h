/* net/tls.h: TLS (OpenSSL 3) under loop connections, configured with the
 * OpenTelemetry Collector's `tls:` keys.
 *
 * io_uring still does all socket I/O; OpenSSL encrypts and decrypts
 * between the loop's buffers (a BIO that reads the received view and
 * appends to the conn's output queue). HTTP/1.1, HTTP/2 and gRPC code is
 * the same with and without TLS: the conn's callbacks see plaintext,
 * on_open runs once the handshake is done, net_conn_send encrypts.
 *
 *   net_tls_client_new() / _server_new()  a context from a config: loads and
 *                         checks every file and PEM up front (messages name
 *                         the file), versions, verification, ALPN
 *   net_tls_check_client() / _server()    the same, for `sluice check` and
 *                         stage start-up: 0 or -errno with the message
 *   net_listener_set_tls()  every conn the listener accepts does TLS
 *   net_conn_start_tls()    an outgoing conn (right after net_connect) does
 *   net_conn_alpn()         the protocol the handshake agreed ("h2", ...)
 *   net_tls_set_fail_hook() count handshake failures by side and reason
 *                           (sluice_tls_handshake_failures_total{side,reason})
 *
 * Failures end the conn: on_close(c, -EKEYREJECTED) when the peer's
 * certificate did not verify, -EPROTO for other handshake or record
 * errors, -ETIMEDOUT when a server-side handshake took longer than
 * handshake_timeout_ms in all (however the bytes trickle in);
 * net_conn_error(c) says why in words (OpenSSL's
 * X509 verify text: "certificate has expired", "hostname mismatch",
 * "unable to get local issuer certificate", ...). An accepted conn whose
 * handshake fails is never handed to the user (no on_open, no on_close).
 *
 * Rotation: with reload_interval_ms set, a context re-reads its files
 * (when their size, mtime or inode changed) at most that often, as new
 * connections arrive; new handshakes use the new certificates, open
 * connections keep theirs. A reload that fails (half-written files) keeps
 * the old certificates and is retried at the next interval.
 * A context is reference counted: listeners and conns hold their own
 * reference, so net_tls_free may be called as soon as it is attached.
 */
#ifndef SLUICE_NET_TLS_H
#define SLUICE_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"

enum net_tls_version {
	NET_TLS_VERSION_DEFAULT = 0, /* min: 1.2; max: the newest (1.3) */
	NET_TLS_1_0 = 0x0301,
	NET_TLS_1_1 = 0x0302,
	NET_TLS_1_2 = 0x0303,
	NET_TLS_1_3 = 0x0304,
};

/* Client side (exporters). Strings are copied; NULL or "" = not set. */
struct net_tls_client_config {
	bool insecure;			   /* no TLS at all: net_tls_client_new
					 * gives NULL and the conn stays plain */
	bool insecure_skip_verify;	   /* encrypt, accept any certificate */
	const char *ca_file, *ca_pem;	   /* CAs to trust (PEM) */
	const char *cert_file, *cert_pem;  /* client certificate (mTLS) ... */
	const char *key_file, *key_pem;	   /* ... and its key; both or neither */
	const char *server_name_override;  /* SNI and the name verified */
	enum net_tls_version min_version;  /* default 1.2 */
	enum net_tls_version max_version;  /* default: newest */
	bool include_system_ca_certs_pool; /* also trust the system's CAs
					    * (always, when no CA is given) */
	uint64_t reload_interval_ms;	   /* 0: files are read once */
};

/* Server side (receivers). */
struct net_tls_server_config {
	const char *cert_file, *key_file; /* required */
	const char *client_ca_file;	  /* set: mTLS, client certificates
					   * are required and verified */
	enum net_tls_version min_version, max_version;
	uint64_t reload_interval_ms;
	uint32_t handshake_timeout_ms; /* 0 = 10000 */
};

struct net_tls;

/* "1.0" .. "1.3" (or "" = default) -> the version; -EINVAL otherwise. */
int net_tls_version_parse(const char *s, enum net_tls_version *out);

/* alpn: the one protocol we offer (client) or accept (server), e.g. "h2"
 * for gRPC, "http/1.1" for HTTP; NULL = no ALPN. A server answers clients
 * that offer no ALPN, or none of ours, without it. Returns 0 (*out may be
 * NULL for an insecure client config) or -errno with a message in err. */
int net_tls_client_new(struct net_tls **out, const struct net_tls_client_config *cfg, const char *alpn,
		       char *err, size_t errlen);
int net_tls_server_new(struct net_tls **out, const struct net_tls_server_config *cfg, const char *alpn,
		       char *err, size_t errlen);
/* Take one more reference (returns t); drop one. */
struct net_tls *net_tls_ref(struct net_tls *t);
void net_tls_free(struct net_tls *t);

/* Load and check everything a context would (unreadable file, bad PEM,
 * key not matching its certificate, versions out of order) and free it.
 * 0, or -errno and a message naming the file ("tls key_file
 * /etc/k.pem: does not match cert_file /etc/c.pem"). */
int net_tls_check_client(const struct net_tls_client_config *cfg, char *err, size_t errlen);
int net_tls_check_server(const struct net_tls_server_config *cfg, char *err, size_t errlen);

/* side: "client" or "server"; reason: a short label (expired, hostname,
 * unknown_ca, verify, no_client_cert, peer_alert, version, protocol,
 * timeout, incomplete); detail: the words net_conn_error gives. */
typedef void (*net_tls_fail_fn)(void *arg, const char *side, const char *reason, const char *detail);
void net_tls_set_fail_hook(struct net_tls *t, net_tls_fail_fn fn, void *arg);

struct net_tls_stats {
	uint64_t handshakes;	/* completed */
	uint64_t failures;	/* failed or abandoned */
	uint64_t reloads;	/* certificate sets loaded after the first */
	uint64_t reload_errors; /* reloads that failed (old set kept) */
};
void net_tls_get_stats(const struct net_tls *t, struct net_tls_stats *out);
/* The last reload failure in words ("" if none). */
const char *net_tls_reload_error(const struct net_tls *t);

/* Accepted conns do TLS with t (a server context). NULL: plain again. */
void net_listener_set_tls(struct net_listener *l, struct net_tls *t);
/* Make an outgoing conn do TLS (call right after net_connect; t NULL is a
 * no-op). server_name: the host the endpoint named, for SNI and
 * verification (an IP address is verified as one, without SNI). */
int net_conn_start_tls(struct net_conn *c, struct net_tls *t, const char *server_name);
bool net_conn_is_tls(const struct net_conn *c);
/* The ALPN protocol agreed ("" if none or plain). */
const char *net_conn_alpn(const struct net_conn *c);
/* The common name of the peer's certificate (a client's, with mTLS):
 * 0, or -ENOENT (plain, no certificate, no CN). */
int net_conn_peer_name(const struct net_conn *c, char *buf, size_t len);

#endif
