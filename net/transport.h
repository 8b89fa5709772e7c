/* net/transport.h: what sits between a connection's socket and its user,
 * for transport implementations (net/tls_conn.c; a kernel-TLS transport
 * would be one more: after its handshake it would hand the socket to the
 * plain path, so io_uring moves plaintext).
 *
 * A conn with no transport is plain TCP: the loop hands socket bytes
 * straight to on_data and sends user bytes as they are (no indirection on
 * that path). A conn with one routes both directions through it:
 *
 *   socket bytes --input()--> transport --net_conn_deliver()--> on_data
 *   net_conn_send() --output()--> transport --net_conn_raw_send()--> socket
 *
 * and the transport decides when the user's on_open runs (after its
 * handshake: net_conn_opened), and may end the conn (net_conn_fail) with a
 * reason text kept for on_close (net_conn_error). An accepted conn whose
 * transport fails before net_conn_opened is closed without on_close: the
 * user never saw it.
 */
#ifndef SLUICE_NET_TRANSPORT_H
#define SLUICE_NET_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"

struct net_transport_ops {
	const char *name;
	/* The socket is connected (client) or accepted (server). */
	void (*start)(struct net_conn *c);
	/* Bytes read from the socket. data NULL, len 0: go on with what is
	 * held (after a resume or a deferral asked by net_conn_repump). */
	void (*input)(struct net_conn *c, const uint8_t *data, size_t len);
	/* The user sends len bytes (copied or consumed before returning). */
	int (*output)(struct net_conn *c, const void *data, size_t len);
	/* net_conn_close() was called: queue the goodbye (close_notify). */
	void (*shutdown)(struct net_conn *c);
	/* The peer closed its side (may call net_conn_fail: a handshake cut
	 * short is a failure, not a clean close). */
	void (*eof)(struct net_conn *c);
	/* The conn is freed. */
	void (*free)(struct net_conn *c);
};

/* Install a transport (before the conn starts) with its state. */
void net_conn_set_transport(struct net_conn *c, const struct net_transport_ops *xp, void *state);
void *net_conn_transport_state(const struct net_conn *c);
/* Queue bytes for the socket (copied), bypassing the transport. */
int net_conn_raw_send(struct net_conn *c, const void *data, size_t len);
/* Hand plaintext to the user's on_data (not while paused: check
 * net_conn_paused and keep the rest). */
void net_conn_deliver(struct net_conn *c, const uint8_t *data, size_t len);
/* The transport is ready: run the user's on_open (accepted conns are
 * handed to the user here). */
void net_conn_opened(struct net_conn *c);
/* End the conn with reason (-errno) and why (copied, for net_conn_error
 * in on_close): output already queued (a TLS alert) is sent first, then
 * the conn closes; nothing more is received. */
void net_conn_fail(struct net_conn *c, int reason, const char *why);
/* Call input(c, NULL, 0) again from the loop's next round. */
void net_conn_repump(struct net_conn *c);
/* True once the user's on_open ran (or the user made the conn). */
bool net_conn_user_owned(const struct net_conn *c);

/* Handshake CPU budget of the current loop turn: true if c may spend CPU
 * on a handshake step now (the budget is not spent, and no conn deferred
 * earlier is waiting: first come, first served); charge what the step
 * spent afterwards. A turn always allows one step, so handshakes progress.
 * Not allowed: net_conn_defer_handshake(c), and the loop calls input(c,
 * NULL, 0) in a later turn, in FIFO order, touching no other waiting conn. */
bool net_loop_handshake_allowed(struct net_loop *loop, const struct net_conn *c);
void net_loop_handshake_charge(struct net_loop *loop, uint64_t ns);
void net_conn_defer_handshake(struct net_conn *c);

#endif
