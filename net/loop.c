/* loop.c: the io_uring loop core -- setup (with a clear message when
 * io_uring is unavailable), the provided-buffer ring, the run loop and CQE
 * dispatch, the timer heap and fd watches. Connections and listeners live in
 * loop_conn.c and loop_listen.c. */
#include "net/loop_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct io_uring_sqe *loop_sqe(struct net_loop *loop)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);
	if (!sqe) {
		io_uring_submit(&loop->ring);
		sqe = io_uring_get_sqe(&loop->ring);
	}
	return sqe;
}

void loop_buf_recycle(struct net_loop *loop, unsigned bid)
{
	io_uring_buf_ring_add(loop->br, loop->bufs + (size_t)bid * loop->buf_size, loop->buf_size,
			      (unsigned short)bid, loop->buf_mask, 0);
	io_uring_buf_ring_advance(loop->br, 1);
}

static void loop_errmsg(char *err, size_t errlen, int rc)
{
	if (!err || !errlen)
		return;
	if (rc == -ENOSYS) {
		snprintf(err, errlen,
			 "io_uring is not available: this kernel has no "
			 "io_uring_setup (ENOSYS); sluice needs Linux >= 6.0");
	} else if (rc == -EPERM) {
		int v = -1;
		FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
		if (f) {
			if (fscanf(f, "%d", &v) != 1)
				v = -1;
			fclose(f);
		}
		snprintf(err, errlen,
			 "io_uring is disabled for this process (EPERM, "
			 "kernel.io_uring_disabled=%d; set it to 0, or 1 with this user "
			 "in kernel.io_uring_group, or allow io_uring in the seccomp "
			 "profile)",
			 v);
	} else if (rc == -ENOMEM) {
		snprintf(err, errlen,
			 "io_uring setup failed: out of memory or locked "
			 "memory limit (RLIMIT_MEMLOCK) too low");
	} else {
		snprintf(err, errlen, "io_uring setup failed: %s", strerror(-rc));
	}
}

static int loop_ring_init(struct net_loop *loop, unsigned entries)
{
	struct io_uring_params p;
	/* SUBMIT_ALL: keep submitting after one SQE fails; COOP_TASKRUN and
     * SINGLE_ISSUER (6.0+): completions run when we enter the kernel, no
     * IPIs, since one thread owns the ring. Older kernels reject unknown
     * flags with EINVAL, so retry with the plain ring. */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
		  IORING_SETUP_SINGLE_ISSUER;
	p.cq_entries = entries * 8;
	int rc = io_uring_queue_init_params(entries, &loop->ring, &p);
	if (rc == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = entries * 8;
		rc = io_uring_queue_init_params(entries, &loop->ring, &p);
	}
	return rc;
}

static int loop_bufs_init(struct net_loop *loop)
{
	/* liburing 2.3 has no io_uring_setup_buf_ring: map the ring ourselves
     * (page aligned, as the kernel requires) and register it. */
	loop->br_bytes = loop->buf_count * sizeof(struct io_uring_buf);
	void *mem = mmap(NULL, loop->br_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	loop->br = mem;
	/* The kernel reads buffer addresses from this page. The supervisor
     * forks while its loop runs; a child never uses the loop, so keep the
     * page out of children and the parent's writes never hit a
     * copy-on-write copy the kernel doesn't see. */
	madvise(mem, loop->br_bytes, MADV_DONTFORK);
	/* aligned_alloc wants the size to be a multiple of the alignment */
	size_t bytes = ((size_t)loop->buf_count * loop->buf_size + 4095) & ~(size_t)4095;
	loop->bufs = aligned_alloc(4096, bytes);
	if (!loop->bufs)
		return -ENOMEM;
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uint64_t)(uintptr_t)mem;
	reg.ring_entries = loop->buf_count;
	reg.bgid = LOOP_BGID;
	int rc = io_uring_register_buf_ring(&loop->ring, &reg, 0);
	if (rc < 0)
		return rc;
	io_uring_buf_ring_init(loop->br);
	loop->buf_mask = io_uring_buf_ring_mask(loop->buf_count);
	for (unsigned i = 0; i < loop->buf_count; i++)
		io_uring_buf_ring_add(loop->br, loop->bufs + (size_t)i * loop->buf_size, loop->buf_size,
				      (unsigned short)i, loop->buf_mask, (int)i);
	io_uring_buf_ring_advance(loop->br, (int)loop->buf_count);
	return 0;
}

int net_loop_new(struct net_loop **out, const struct net_loop_opts *opts, char *err, size_t errlen)
{
	unsigned entries = opts && opts->entries ? opts->entries : 256;
	unsigned count = opts && opts->buf_count ? opts->buf_count : 256;
	unsigned size = opts && opts->buf_size ? opts->buf_size : 16384;
	if ((count & (count - 1)) || count > 32768) {
		if (err && errlen)
			snprintf(err, errlen, "buf_count must be a power of 2 <= 32768");
		return -EINVAL;
	}
	struct net_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->buf_count = count;
	loop->buf_size = size;
	loop->recv_multishot = !(opts && (opts->flags & NET_LOOP_F_SINGLESHOT_RECV));
	loop->hs_budget_ns =
		(uint64_t)(opts && opts->handshake_budget_us ? opts->handshake_budget_us : 2000) * 1000u;
	int rc = loop_ring_init(loop, entries);
	if (rc < 0) {
		loop_errmsg(err, errlen, rc);
		free(loop);
		return rc;
	}
	rc = loop_bufs_init(loop);
	if (rc < 0) {
		if (err && errlen)
			snprintf(err, errlen, "io_uring provided buffer ring: %s%s", strerror(-rc),
				 rc == -EINVAL ? " (kernel too old? needs 5.19+)" : "");
		io_uring_queue_exit(&loop->ring);
		if (loop->br)
			munmap(loop->br, loop->br_bytes);
		free(loop->bufs);
		free(loop);
		return rc;
	}
	loop->now = rt_mono_ns();
	*out = loop;
	return 0;
}

void net_loop_free(struct net_loop *loop)
{
	if (!loop)
		return;
	/* Tearing the ring down first drops every kernel reference to our
     * buffers, so the objects can be freed without waiting for CQEs. */
	io_uring_queue_exit(&loop->ring);
	loop_conn_free_all(loop);
	loop_listener_free_all(loop);
	while (loop->watches) {
		struct net_watch *w = loop->watches;
		loop->watches = w->next;
		free(w);
	}
	munmap(loop->br, loop->br_bytes);
	free(loop->bufs);
	free(loop->heap);
	free(loop);
}

void net_loop_stop(struct net_loop *loop)
{
	loop->stop = 1;
}

uint64_t net_loop_now_ns(const struct net_loop *loop)
{
	return loop->now;
}

unsigned net_loop_conn_count(const struct net_loop *loop)
{
	return loop->nconn;
}

void net_loop_get_stats(const struct net_loop *loop, struct net_loop_stats *out)
{
	*out = loop->stats;
}

bool net_loop_handshake_allowed(struct net_loop *loop, const struct net_conn *c)
{
	if (loop->hs_head && loop->hs_serving != c)
		return false;
	return !loop->hs_stepped || loop->hs_spent_ns < loop->hs_budget_ns;
}

void net_loop_handshake_charge(struct net_loop *loop, uint64_t ns)
{
	loop->hs_stepped = true;
	loop->hs_spent_ns += ns;
	loop->stats.handshake_steps++;
}

/* ---- timers: a binary min-heap of caller-owned structs ---- */

static void heap_set(struct net_loop *loop, unsigned i, struct net_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i + 1;
}

static void heap_up(struct net_loop *loop, unsigned i)
{
	struct net_timer *t = loop->heap[i];
	while (i > 0) {
		unsigned parent = (i - 1) / 2;
		if (loop->heap[parent]->deadline_ns <= t->deadline_ns)
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void heap_down(struct net_loop *loop, unsigned i)
{
	struct net_timer *t = loop->heap[i];
	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		uint64_t best = t->deadline_ns;
		if (l < loop->heap_len && loop->heap[l]->deadline_ns < best) {
			m = l;
			best = loop->heap[l]->deadline_ns;
		}
		if (l + 1 < loop->heap_len && loop->heap[l + 1]->deadline_ns < best)
			m = l + 1;
		if (m == i)
			break;
		heap_set(loop, i, loop->heap[m]);
		i = m;
	}
	heap_set(loop, i, t);
}

void net_timer_init(struct net_timer *t, net_timer_fn fn, void *arg)
{
	t->deadline_ns = 0;
	t->heap_idx = 0;
	t->fn = fn;
	t->arg = arg;
}

int net_timer_armed(const struct net_timer *t)
{
	return t->heap_idx != 0;
}

void net_timer_cancel(struct net_loop *loop, struct net_timer *t)
{
	if (!t->heap_idx)
		return;
	unsigned i = t->heap_idx - 1;
	t->heap_idx = 0;
	struct net_timer *last = loop->heap[--loop->heap_len];
	if (i == loop->heap_len)
		return;
	heap_set(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->heap_idx - 1);
}

int net_timer_arm(struct net_loop *loop, struct net_timer *t, uint64_t ms)
{
	net_timer_cancel(loop, t);
	if (loop->heap_len == loop->heap_cap) {
		unsigned cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct net_timer **h = realloc(loop->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		loop->heap = h;
		loop->heap_cap = cap;
	}
	t->deadline_ns = rt_mono_ns() + ms * 1000000u;
	heap_set(loop, loop->heap_len++, t);
	heap_up(loop, loop->heap_len - 1);
	return 0;
}

static void loop_run_timers(struct net_loop *loop)
{
	/* Bounded: a callback re-arming with 0 ms lands after `now`'s snapshot
     * only if the clock moved, so cap the rounds at the heap size. */
	unsigned budget = loop->heap_len;
	while (loop->heap_len && budget--) {
		struct net_timer *t = loop->heap[0];
		if (t->deadline_ns > loop->now)
			break;
		net_timer_cancel(loop, t);
		t->fn(t, t->arg);
	}
}

/* ---- fd watches: one-shot poll re-armed after each callback ---- */

static void watch_arm(struct net_watch *w)
{
	struct io_uring_sqe *sqe = loop_sqe(w->loop);
	if (!sqe)
		return;
	io_uring_prep_poll_add(sqe, w->fd, POLLIN);
	io_uring_sqe_set_data64(sqe, loop_udata(w, LOOP_OP_POLL));
	w->armed = true;
}

static void watch_unlink_free(struct net_watch *w)
{
	struct net_loop *loop = w->loop;
	if (w->prev)
		w->prev->next = w->next;
	else
		loop->watches = w->next;
	if (w->next)
		w->next->prev = w->prev;
	free(w);
}

int net_watch_add(struct net_loop *loop, int fd, net_watch_fn fn, void *arg, struct net_watch **out)
{
	struct net_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->loop = loop;
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	w->next = loop->watches;
	if (w->next)
		w->next->prev = w;
	loop->watches = w;
	watch_arm(w);
	if (!w->armed) {
		watch_unlink_free(w);
		return -EBUSY;
	}
	if (out)
		*out = w;
	return 0;
}

void net_watch_remove(struct net_watch *w)
{
	if (w->removed)
		return;
	w->removed = true;
	if (w->armed) {
		struct io_uring_sqe *sqe = loop_sqe(w->loop);
		if (sqe) {
			io_uring_prep_poll_remove(sqe, loop_udata(w, LOOP_OP_POLL));
			io_uring_sqe_set_data64(sqe, 0);
		}
		return; /* freed when the poll's CQE arrives */
	}
	if (!w->in_cb)
		watch_unlink_free(w);
}

static void watch_on_poll(struct net_watch *w, int res)
{
	w->armed = false;
	if (!w->removed && res != -ECANCELED) {
		w->in_cb = true;
		w->fn(w, w->fd, w->arg);
		w->in_cb = false;
	}
	if (w->removed) {
		watch_unlink_free(w);
		return;
	}
	/* A closed fd (POLLNVAL) would fire forever: the callback has been told
     * once (its read fails), so stop polling until it removes the watch.
     * Other errors (negative res) end the watch the same way. */
	if (res < 0 || (res & POLLNVAL))
		return;
	watch_arm(w);
}

/* ---- run ---- */

static void loop_dispatch(struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	if (!ud)
		return;
	void *obj = (void *)(uintptr_t)(ud & ~(uint64_t)LOOP_OP_MASK);
	switch ((enum loop_op)(ud & LOOP_OP_MASK)) {
	case LOOP_OP_ACCEPT:
		loop_listener_on_accept(obj, cqe);
		break;
	case LOOP_OP_RECV:
		loop_conn_on_recv(obj, cqe);
		break;
	case LOOP_OP_SEND:
		loop_conn_on_send(obj, cqe->res);
		break;
	case LOOP_OP_CONNECT:
		loop_conn_on_connect(obj, cqe->res);
		break;
	case LOOP_OP_POLL:
		watch_on_poll(obj, cqe->res);
		break;
	}
}

int net_loop_run_once(struct net_loop *loop, int timeout_ms)
{
	struct io_uring_cqe *cqe = NULL;
	loop->now = rt_mono_ns();
	loop->hs_spent_ns = 0;
	loop->hs_stepped = false;
	uint64_t wait_ns = timeout_ms < 0 ? UINT64_MAX : (uint64_t)timeout_ms * 1000000u;
	if (loop->heap_len) {
		uint64_t d = loop->heap[0]->deadline_ns;
		uint64_t until = d > loop->now ? d - loop->now : 0;
		if (until < wait_ns)
			wait_ns = until;
	}
	if (loop->pending || loop->stop || loop->hs_head)
		wait_ns = 0;
	int rc;
	if (wait_ns == UINT64_MAX) {
		rc = io_uring_submit_and_wait(&loop->ring, 1);
	} else if (wait_ns == 0) {
		rc = io_uring_submit(&loop->ring);
	} else {
		struct __kernel_timespec ts = { .tv_sec = (long long)(wait_ns / 1000000000u),
						.tv_nsec = (long long)(wait_ns % 1000000000u) };
		rc = io_uring_submit_and_wait_timeout(&loop->ring, &cqe, 1, &ts, NULL);
	}
	if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
		return rc;
	int handled = 0;
	unsigned head, seen = 0;
	io_uring_for_each_cqe(&loop->ring, head, cqe)
	{
		loop_dispatch(cqe);
		seen++;
	}
	io_uring_cq_advance(&loop->ring, seen);
	handled += (int)seen;
	loop->now = rt_mono_ns();
	loop_run_timers(loop);
	loop_conn_run_pending(loop);
	loop_conn_run_handshakes(loop);
	loop_trim_maybe(loop);
	return handled;
}

int net_loop_run(struct net_loop *loop)
{
	loop->stop = 0;
	while (!loop->stop) {
		int rc = net_loop_run_once(loop, -1);
		if (rc < 0)
			return rc;
	}
	io_uring_submit(&loop->ring);
	return 0;
}
