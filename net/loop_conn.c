/* loop_conn.c: connections -- receive into provided buffers, the output
 * queue, pause/resume, idle timeouts, outgoing connects and closing.
 *
 * Memory rule: the kernel may hold pointers into a conn (msghdr, iovecs,
 * obuf, peer address) while any of its SQEs is in flight, so a conn is freed
 * only when `inflight` is 0 AND on_close has run. Closing therefore happens
 * in steps: finalize (mark dead, cancel, shutdown) -> on_close from the
 * pending list -> free at the last CQE. */
#include "net/loop_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void loop_conn_pend(struct net_conn *c)
{
	if (c->flags & C_PENDING)
		return;
	c->flags |= C_PENDING;
	c->pending_next = c->loop->pending;
	c->loop->pending = c;
}

static void conn_free(struct net_conn *c)
{
	struct net_loop *loop = c->loop;
	if (c->prev)
		c->prev->next = c->next;
	else
		loop->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	loop->nconn--;
	loop_conn_hs_unlink(c);
	if (c->xp && c->xp->free)
		c->xp->free(c);
	free(c->why);
	if (c->fd >= 0)
		close(c->fd);
	free(c->segs);
	free(c->obuf);
	free(c->retired);
	free(c->stash);
	free(c);
	loop_trim_note_close(loop);
}

/* Free once nothing references the conn any more. */
static void conn_maybe_free(struct net_conn *c)
{
	if ((c->flags & C_CLOSED_CB) && c->inflight == 0 && !(c->flags & C_PENDING))
		conn_free(c);
}

void loop_conn_finalize(struct net_conn *c, int reason)
{
	if (c->flags & C_DEAD)
		return;
	c->flags |= C_DEAD;
	c->reason = reason;
	net_timer_cancel(c->loop, &c->idle);
	if (c->inflight) {
		/* Cancel whatever is armed; shutdown makes a send that is already
         * executing return promptly too. */
		struct io_uring_sqe *sqe = loop_sqe(c->loop);
		if (sqe) {
			io_uring_prep_cancel_fd(sqe, c->fd, IORING_ASYNC_CANCEL_ALL);
			io_uring_sqe_set_data64(sqe, 0);
		}
		shutdown(c->fd, SHUT_RDWR);
	}
	loop_conn_pend(c);
}

static void conn_idle_fire(struct net_timer *t, void *arg)
{
	struct net_conn *c = arg;
	(void)t;
	uint64_t idle_ns = (uint64_t)c->idle_ms * 1000000u;
	uint64_t now = c->loop->now;
	if (now - c->last_active >= idle_ns) {
		loop_conn_finalize(c, -ETIMEDOUT);
		return;
	}
	net_timer_arm(c->loop, &c->idle, (c->last_active + idle_ns - now) / 1000000u + 1);
}

struct net_conn *loop_conn_new(struct net_loop *loop, int fd, const struct net_conn_ops *ops, void *udata)
{
	struct net_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->loop = loop;
	c->fd = fd;
	c->ops = ops;
	c->udata = udata;
	c->last_active = rt_mono_ns();
	net_timer_init(&c->idle, conn_idle_fire, c);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->next = loop->conns;
	if (c->next)
		c->next->prev = c;
	loop->conns = c;
	loop->nconn++;
	loop_trim_note_open(loop);
	return c;
}

/* Socket bytes to the transport, or straight to the user (plain TCP). */
static inline void conn_input(struct net_conn *c, const uint8_t *data, size_t len)
{
	if (c->xp)
		c->xp->input(c, data, len);
	else
		c->ops->on_data(c, data, len);
}

void loop_conn_start_recv(struct net_conn *c)
{
	if (c->flags & (C_RECV | C_PAUSED | C_DEAD | C_CLOSING | C_EOF | C_CONNECTING))
		return;
	struct io_uring_sqe *sqe = loop_sqe(c->loop);
	if (!sqe) {
		loop_conn_finalize(c, -EBUSY);
		return;
	}
	if (c->loop->recv_multishot)
		io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
	else
		io_uring_prep_recv(sqe, c->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = LOOP_BGID;
	io_uring_sqe_set_data64(sqe, loop_udata(c, LOOP_OP_RECV));
	c->flags |= C_RECV;
	c->inflight++;
}

static int conn_stash(struct net_conn *c, const char *p, size_t n)
{
	if (n > c->stash_cap - c->stash_len) {
		size_t cap = c->stash_cap ? c->stash_cap : 16384;
		while (cap - c->stash_len < n)
			cap *= 2;
		char *s = realloc(c->stash, cap);
		if (!s)
			return -ENOMEM;
		c->stash = s;
		c->stash_cap = cap;
	}
	memcpy(c->stash + c->stash_len, p, n);
	c->stash_len += n;
	return 0;
}

static void conn_peer_eof(struct net_conn *c)
{
	c->flags |= C_EOF;
	if (c->xp && c->xp->eof) {
		c->xp->eof(c);
		if (c->flags & (C_DEAD | C_CLOSING))
			return;
	}
	if (!(c->flags & C_PAUSED) && c->stash_len == 0)
		net_conn_close(c);
}

void loop_conn_on_recv(struct net_conn *c, struct io_uring_cqe *cqe)
{
	int res = cqe->res;
	bool more = cqe->flags & IORING_CQE_F_MORE;
	if (!more) {
		c->flags &= ~(C_RECV | C_RECV_CANCEL);
		c->inflight--;
	}
	if (cqe->flags & IORING_CQE_F_BUFFER) {
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		if (res > 0 && !(c->flags & (C_DEAD | C_CLOSING))) {
			const char *data = c->loop->bufs + (size_t)bid * c->loop->buf_size;
			c->last_active = c->loop->now;
			if ((c->flags & C_PAUSED) || c->stash_len) {
				if (conn_stash(c, data, (size_t)res) < 0)
					loop_conn_finalize(c, -ENOMEM);
				else if (!(c->flags & C_PAUSED))
					loop_conn_pend(c);
			} else {
				conn_input(c, (const uint8_t *)data, (size_t)res);
			}
		}
		loop_buf_recycle(c->loop, bid);
	}
	if (c->flags & C_DEAD) {
		conn_maybe_free(c);
		return;
	}
	if (res == 0) {
		conn_peer_eof(c);
	} else if (res < 0) {
		if (res == -EINVAL && c->loop->recv_multishot) {
			/* Kernel without multishot recv (< 6.0): single-shot from now on. */
			c->loop->recv_multishot = false;
		} else if (res != -ENOBUFS && res != -ECANCELED) {
			loop_conn_finalize(c, res);
			return;
		}
	}
	/* ENOBUFS: all buffers were busy within this CQE batch; they are back
     * now, so re-arming at once is fine. */
	if (!more)
		loop_conn_start_recv(c);
}

/* ---- output queue ---- */

static struct loop_seg *conn_seg_at(struct net_conn *c, unsigned i)
{
	return &c->segs[(c->seg_head + i) % c->seg_cap];
}

static int conn_seg_push(struct net_conn *c, const char *ref, size_t len, net_send_done_fn done, void *arg)
{
	if (!ref && c->seg_count) {
		struct loop_seg *last = conn_seg_at(c, c->seg_count - 1);
		if (!last->ref) {
			last->len += len;
			return 0;
		}
	}
	if (c->seg_count == c->seg_cap) {
		unsigned cap = c->seg_cap ? c->seg_cap * 2 : 8;
		struct loop_seg *s = malloc(cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		for (unsigned i = 0; i < c->seg_count; i++)
			s[i] = *conn_seg_at(c, i);
		free(c->segs);
		c->segs = s;
		c->seg_cap = cap;
		c->seg_head = 0;
	}
	struct loop_seg *s = &c->segs[(c->seg_head + c->seg_count++) % c->seg_cap];
	s->ref = ref;
	s->len = len;
	s->done = done;
	s->arg = arg;
	return 0;
}

/* Make room for n more bytes at otail. While a send is in flight the kernel
 * reads from the current obuf, so growth copies into a new buffer at the same
 * offsets and keeps the old one alive (retired) until that send completes. */
static int conn_obuf_reserve(struct net_conn *c, size_t n)
{
	if (n <= c->ocap - c->otail)
		return 0;
	bool busy = c->flags & C_SEND;
	if (!busy && c->ohead > 0) {
		memmove(c->obuf, c->obuf + c->ohead, c->otail - c->ohead);
		c->otail -= c->ohead;
		c->ohead = 0;
		if (n <= c->ocap - c->otail)
			return 0;
	}
	size_t cap = c->ocap ? c->ocap : 4096;
	while (cap - c->otail < n)
		cap *= 2;
	char *b = malloc(cap);
	if (!b)
		return -ENOMEM;
	if (c->otail > c->ohead)
		memcpy(b + c->ohead, c->obuf + c->ohead, c->otail - c->ohead);
	if (busy && !c->retired)
		c->retired = c->obuf;
	else
		free(c->obuf);
	c->obuf = b;
	c->ocap = cap;
	return 0;
}

static void conn_flush(struct net_conn *c)
{
	if (c->flags & (C_SEND | C_CONNECTING | C_DEAD) || !c->seg_count)
		return;
	size_t pos = c->ohead;
	unsigned n = 0;
	for (; n < c->seg_count && n < LOOP_IOV_MAX; n++) {
		struct loop_seg *s = conn_seg_at(c, n);
		if (s->ref) {
			c->iov[n].iov_base = (void *)s->ref;
		} else {
			c->iov[n].iov_base = c->obuf + pos;
			pos += s->len;
		}
		c->iov[n].iov_len = s->len;
	}
	memset(&c->msg, 0, sizeof(c->msg));
	c->msg.msg_iov = c->iov;
	c->msg.msg_iovlen = n;
	struct io_uring_sqe *sqe = loop_sqe(c->loop);
	if (!sqe) {
		loop_conn_finalize(c, -EBUSY);
		return;
	}
	io_uring_prep_sendmsg(sqe, c->fd, &c->msg, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, loop_udata(c, LOOP_OP_SEND));
	c->flags |= C_SEND;
	c->inflight++;
}

/* Drop every queued segment, telling send_ref owners. */
static void conn_out_fail(struct net_conn *c, int status)
{
	while (c->seg_count) {
		struct loop_seg s = *conn_seg_at(c, 0);
		c->seg_head = (c->seg_head + 1) % c->seg_cap;
		c->seg_count--;
		if (s.ref && s.done)
			s.done(c, s.arg, status);
	}
	c->out_pending = 0;
	c->ohead = c->otail = 0;
}

void loop_conn_on_send(struct net_conn *c, int res)
{
	c->flags &= ~C_SEND;
	c->inflight--;
	free(c->retired);
	c->retired = NULL;
	if (c->flags & C_DEAD) {
		conn_maybe_free(c);
		return;
	}
	if (res <= 0) {
		loop_conn_finalize(c, res == 0 ? -EPIPE : res);
		return;
	}
	size_t left = (size_t)res;
	c->out_pending -= left;
	while (left && c->seg_count) {
		struct loop_seg *s = conn_seg_at(c, 0);
		size_t take = left < s->len ? left : s->len;
		s->len -= take;
		left -= take;
		if (s->ref)
			s->ref += take;
		else
			c->ohead += take;
		if (s->len == 0) {
			struct loop_seg done = *s;
			c->seg_head = (c->seg_head + 1) % c->seg_cap;
			c->seg_count--;
			if (done.ref && done.done)
				done.done(c, done.arg, 0);
			if (c->flags & C_DEAD)
				return; /* the done callback aborted the conn */
		}
	}
	if (c->seg_count) {
		conn_flush(c);
		return;
	}
	c->ohead = c->otail = 0;
	if (c->flags & C_CLOSING) {
		loop_conn_finalize(c, c->close_reason);
		return;
	}
	if (c->ops->on_drain)
		c->ops->on_drain(c);
}

int net_conn_send(struct net_conn *c, const void *data, size_t len)
{
	if (c->flags & (C_DEAD | C_CLOSING))
		return -EPIPE;
	if (c->xp)
		return len ? c->xp->output(c, data, len) : 0;
	return net_conn_raw_send(c, data, len);
}

int net_conn_raw_send(struct net_conn *c, const void *data, size_t len)
{
	if (c->flags & (C_DEAD | C_CLOSING))
		return -EPIPE;
	if (!len)
		return 0;
	if (conn_obuf_reserve(c, len) < 0 || conn_seg_push(c, NULL, len, NULL, NULL) < 0)
		return -ENOMEM;
	memcpy(c->obuf + c->otail, data, len);
	c->otail += len;
	c->out_pending += len;
	conn_flush(c);
	return 0;
}

int net_conn_send_ref(struct net_conn *c, const void *data, size_t len, net_send_done_fn done, void *arg)
{
	if (c->flags & (C_DEAD | C_CLOSING))
		return -EPIPE;
	if (!len || c->xp) {
		/* A transport consumes the bytes before returning (TLS encrypts
         * them into the output queue), so the buffer is free at once. */
		int rc = len ? c->xp->output(c, data, len) : 0;
		if (done)
			done(c, arg, rc);
		return 0;
	}
	if (conn_seg_push(c, data, len, done, arg) < 0)
		return -ENOMEM;
	c->out_pending += len;
	conn_flush(c);
	return 0;
}

/* ---- connect ---- */

void loop_conn_on_connect(struct net_conn *c, int res)
{
	c->flags &= ~C_CONNECTING;
	c->inflight--;
	if (c->flags & C_DEAD) {
		conn_maybe_free(c);
		return;
	}
	if (res < 0) {
		loop_conn_finalize(c, res);
		return;
	}
	c->last_active = c->loop->now;
	loop_conn_started(c);
	if (c->flags & C_DEAD)
		return;
	conn_flush(c);
	if ((c->flags & C_CLOSING) && !c->seg_count)
		loop_conn_finalize(c, 0);
}

int net_connect(struct net_loop *loop, const struct sockaddr *sa, socklen_t salen,
		const struct net_conn_ops *ops, void *udata, struct net_conn **out)
{
	if (salen > sizeof(struct sockaddr_storage))
		return -EINVAL;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct net_conn *c = loop_conn_new(loop, fd, ops, udata);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	memcpy(&c->peer, sa, salen);
	c->peer_len = salen;
	c->flags |= C_USER;
	struct io_uring_sqe *sqe = loop_sqe(loop);
	if (!sqe) {
		c->flags |= C_CLOSED_CB;
		conn_free(c);
		return -EBUSY;
	}
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&c->peer, c->peer_len);
	io_uring_sqe_set_data64(sqe, loop_udata(c, LOOP_OP_CONNECT));
	c->flags |= C_CONNECTING;
	c->inflight++;
	*out = c;
	return 0;
}

void loop_conn_cancel_recv(struct net_conn *c)
{
	if (!(c->flags & C_RECV) || (c->flags & C_RECV_CANCEL))
		return;
	struct io_uring_sqe *sqe = loop_sqe(c->loop);
	if (!sqe)
		return;
	io_uring_prep_cancel64(sqe, loop_udata(c, LOOP_OP_RECV), 0);
	io_uring_sqe_set_data64(sqe, 0);
	c->flags |= C_RECV_CANCEL;
}

void net_conn_pause(struct net_conn *c)
{
	if (c->flags & (C_PAUSED | C_DEAD))
		return;
	c->flags |= C_PAUSED;
	loop_conn_cancel_recv(c);
}

void net_conn_resume(struct net_conn *c)
{
	if (!(c->flags & C_PAUSED) || (c->flags & C_DEAD))
		return;
	c->flags &= ~C_PAUSED;
	if (c->xp)
		c->flags |= C_REPUMP; /* the transport may hold decrypted bytes */
	if (c->stash_len || (c->flags & (C_EOF | C_REPUMP)))
		loop_conn_pend(c); /* deliver held bytes after this dispatch round */
	loop_conn_start_recv(c);
}

void net_conn_set_idle_timeout(struct net_conn *c, unsigned ms)
{
	c->idle_ms = ms;
	if (!ms || (c->flags & C_DEAD)) {
		net_timer_cancel(c->loop, &c->idle);
		return;
	}
	c->last_active = c->loop->now;
	net_timer_arm(c->loop, &c->idle, ms);
}

void net_conn_close(struct net_conn *c)
{
	if (c->flags & (C_DEAD | C_CLOSING))
		return;
	if (c->xp && c->xp->shutdown && !(c->flags & C_CONNECTING))
		c->xp->shutdown(c);
	c->flags |= C_CLOSING;
	loop_conn_cancel_recv(c);
	if (!c->seg_count)
		loop_conn_finalize(c, 0);
}

void net_conn_abort(struct net_conn *c)
{
	loop_conn_finalize(c, -ECONNABORTED);
}

void loop_conn_run_pending(struct net_loop *loop)
{
	/* Bounded by the list taken at entry; callbacks may queue more, which
     * the next iteration handles (run_once does not sleep while pending). */
	struct net_conn *list = loop->pending;
	loop->pending = NULL;
	while (list) {
		struct net_conn *c = list;
		list = c->pending_next;
		c->flags &= ~C_PENDING;
		if (!(c->flags & (C_DEAD | C_PAUSED)) && (c->flags & C_REPUMP)) {
			c->flags &= ~C_REPUMP;
			c->xp->input(c, NULL, 0);
		}
		if (!(c->flags & (C_DEAD | C_PAUSED)) && c->stash_len) {
			size_t n = c->stash_len;
			c->stash_len = 0;
			conn_input(c, (const uint8_t *)c->stash, n);
		}
		if (!(c->flags & (C_DEAD | C_PAUSED)) && (c->flags & C_EOF) && !c->stash_len)
			net_conn_close(c);
		if ((c->flags & C_DEAD) && !(c->flags & C_CLOSED_CB)) {
			if (c->flags & C_PENDING) {
				/* re-queued by a callback above; finish next round */
				continue;
			}
			conn_out_fail(c, c->reason ? c->reason : -ECANCELED);
			c->flags |= C_CLOSED_CB;
			if (c->flags & C_USER)
				c->ops->on_close(c, c->reason);
		}
		if (c->flags & C_DEAD)
			conn_maybe_free(c);
	}
}

void loop_conn_free_all(struct net_loop *loop)
{
	while (loop->conns) {
		struct net_conn *c = loop->conns;
		c->flags |= C_CLOSED_CB;
		conn_free(c);
	}
	loop->pending = NULL;
}
