/* net/loop_int.h: private to net/loop*.c -- the structs behind net/loop.h
 * and the helpers the loop core and the connection code share.
 *
 * Every SQE carries user_data = object pointer | kind (objects are malloc'd,
 * so the low 3 bits are free); user_data 0 marks SQEs whose completion is
 * ignored (cancellations). */
#ifndef SLUICE_NET_LOOP_INT_H
#define SLUICE_NET_LOOP_INT_H

#include "net/loop.h"
#include "net/transport.h"
#include "rt/clock.h"

#include <liburing.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/uio.h>

enum loop_op {
	LOOP_OP_ACCEPT = 1,
	LOOP_OP_RECV = 2,
	LOOP_OP_SEND = 3,
	LOOP_OP_CONNECT = 4,
	LOOP_OP_POLL = 5,
};
#define LOOP_OP_MASK 7u
#define LOOP_BGID 0	/* the one provided-buffer group */
#define LOOP_IOV_MAX 16 /* segments handed to one sendmsg */

/* conn flags */
#define C_CONNECTING 0x001 /* outgoing connect in flight */
#define C_RECV 0x002	   /* a recv SQE is armed */
#define C_SEND 0x004	   /* a sendmsg SQE is in flight */
#define C_PAUSED 0x008
#define C_CLOSING 0x010	    /* graceful close: flush, then finalize */
#define C_DEAD 0x020	    /* finalized: no more callbacks but on_close */
#define C_CLOSED_CB 0x040   /* on_close was called */
#define C_PENDING 0x080	    /* on the loop's pending list */
#define C_EOF 0x100	    /* peer closed its side */
#define C_RECV_CANCEL 0x200 /* a cancel for the recv is in flight */
#define C_USER 0x400	    /* handed to the user (on_close owed) */
#define C_REPUMP 0x800	    /* the transport asked for input(NULL, 0) */
#define C_HSWAIT 0x1000	    /* on the loop's handshake queue */

struct loop_seg {	 /* one queued output piece */
	const char *ref; /* NULL: bytes live in the conn's obuf */
	size_t len;	 /* bytes still to send */
	net_send_done_fn done;
	void *arg;
};

struct net_conn {
	struct net_loop *loop;
	int fd;
	unsigned flags;
	int inflight;	  /* SQEs whose final CQE has not arrived */
	int reason;	  /* on_close reason once C_DEAD */
	int close_reason; /* reason a graceful close ends with */
	const struct net_conn_ops *ops;
	void *udata;
	struct net_conn *prev, *next;  /* loop->conns */
	struct net_conn *pending_next; /* loop->pending */
	/* output: segments in order; copied bytes in obuf[ohead, otail) */
	struct loop_seg *segs;
	unsigned seg_head, seg_count, seg_cap;
	char *obuf, *retired; /* retired: old obuf an in-flight send uses */
	size_t ohead, otail, ocap;
	size_t out_pending;
	struct iovec iov[LOOP_IOV_MAX];
	struct msghdr msg;
	/* bytes read while paused, delivered on resume */
	char *stash;
	size_t stash_len, stash_cap;
	struct net_timer idle;
	unsigned idle_ms;
	uint64_t last_active;
	struct sockaddr_storage peer; /* connect target (kernel reads it) */
	socklen_t peer_len;
	const struct net_transport_ops *xp; /* NULL: plain TCP */
	void *xs;			    /* the transport's state */
	char *why;			    /* net_conn_fail's reason text */
	struct net_conn *hs_prev, *hs_next; /* loop->hs_head: waiting for budget */
};

struct net_listener {
	struct net_loop *loop;
	int fd;
	bool armed, closed;
	uint16_t port;
	const struct net_conn_ops *ops;
	void *udata;
	struct net_tls *tls;	/* every accepted conn does TLS (NULL: plain) */
	struct net_timer retry; /* re-arm accept after EMFILE & co */
	struct net_listener *prev, *next;
};

struct net_watch {
	struct net_loop *loop;
	int fd;
	bool armed, removed, in_cb;
	net_watch_fn fn;
	void *arg;
	struct net_watch *prev, *next;
};

struct net_loop {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	size_t br_bytes;
	char *bufs;
	unsigned buf_count, buf_size;
	int buf_mask;
	bool recv_multishot; /* cleared if the kernel rejects it */
	volatile sig_atomic_t stop;
	uint64_t now;
	struct net_timer **heap;
	unsigned heap_len, heap_cap;
	unsigned nconn;
	struct net_conn *conns;
	struct net_conn *pending;
	struct net_listener *listeners;
	struct net_watch *watches;
	uint64_t hs_budget_ns;		    /* handshake CPU a turn (opts.handshake_budget_us) */
	uint64_t hs_spent_ns;		    /* this turn */
	bool hs_stepped;		    /* one step is always allowed a turn */
	struct net_conn *hs_head, *hs_tail; /* handshakes waiting for budget */
	const struct net_conn *hs_serving;  /* the one the queue runs now */
	struct net_loop_stats stats;
	unsigned trim_peak;   /* conns open at the last trim check */
	unsigned trim_closed; /* conns closed since */
};

/* An SQE, submitting first if the SQ is full; NULL only if that failed. */
struct io_uring_sqe *loop_sqe(struct net_loop *loop);
static inline uint64_t loop_udata(void *obj, enum loop_op op)
{
	return (uint64_t)(uintptr_t)obj | (uint64_t)op;
}
/* Hand a provided buffer back to the kernel. */
void loop_buf_recycle(struct net_loop *loop, unsigned bid);

/* loop_conn.c: CQE handlers and the pending-list work */
void loop_conn_pend(struct net_conn *c);
/* Mark dead (reason for on_close), cancel I/O, queue for on_close. */
void loop_conn_finalize(struct net_conn *c, int reason);
void loop_conn_cancel_recv(struct net_conn *c);
void loop_conn_on_recv(struct net_conn *c, struct io_uring_cqe *cqe);
void loop_conn_on_send(struct net_conn *c, int res);
void loop_conn_on_connect(struct net_conn *c, int res);
void loop_conn_run_pending(struct net_loop *loop);
void loop_conn_free_all(struct net_loop *loop);
/* loop_listen.c */
void loop_listener_on_accept(struct net_listener *l, struct io_uring_cqe *cqe);
void loop_listener_free_all(struct net_loop *loop);
struct net_conn *loop_conn_new(struct net_loop *loop, int fd, const struct net_conn_ops *ops, void *udata);
void loop_conn_start_recv(struct net_conn *c);
/* The conn's transport is started (accept/connect done). */
/* loop_xport.c */
void loop_conn_started(struct net_conn *c);
/* Run waiting handshakes while the turn's budget lasts; unlink a conn. */
void loop_conn_run_handshakes(struct net_loop *loop);
void loop_conn_hs_unlink(struct net_conn *c);
/* loop_trim.c: give memory back after many conns closed. */
void loop_trim_note_close(struct net_loop *loop);
void loop_trim_note_open(struct net_loop *loop);
void loop_trim_maybe(struct net_loop *loop);
/* tls_conn.c: attach the listener's TLS to an accepted conn. */
int tls_conn_attach_server(struct net_conn *c, struct net_tls *t);

#endif
