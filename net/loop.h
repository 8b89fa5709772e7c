/* net/loop.h: one io_uring event loop a process (liburing 2.3).
 *
 * Everything is a callback run on the loop's thread; nothing blocks, there is
 * no thread per connection and no epoll.
 *
 *   net_loop_new()      ring + provided-buffer ring; fails with a message if
 *                       io_uring is unavailable (ENOSYS, EPERM from
 *                       kernel.io_uring_disabled, ...)
 *   net_listen()        TCP listener, multishot accept; each accepted socket
 *                       becomes a struct net_conn driven by its ops
 *   net_connect()       outgoing non-blocking connect (clients)
 *   net_conn_send()     queue bytes (copied); net_conn_send_ref() queues a
 *                       caller-owned buffer without copying. Partial sends
 *                       are continued by the loop; order is preserved.
 *   net_conn_pause()    stop receiving (backpressure); net_conn_resume()
 *   net_conn_close()    close after the output queue drained; _abort() now
 *   net_timer_*()       one-shot timers in caller-owned memory (min-heap;
 *                       the loop sleeps until the nearest deadline)
 *   net_watch_add()     call back when an fd (an eventfd) becomes readable
 *   net_loop_run()      run until net_loop_stop(); net_loop_run_once() runs
 *                       one iteration
 *   transports          a listener or an outgoing conn may carry TLS
 *                       (net/tls.h): the same callbacks then see plaintext,
 *                       on_open runs after the handshake, and net_conn_error
 *                       says why a handshake failed. Handshakes share a CPU
 *                       budget per loop turn (opts.handshake_budget_us), so
 *                       a crowd of them never stalls established conns.
 *   memory              after many conns close (half of the peak, at least
 *                       256), the loop calls malloc_trim so an attack's
 *                       memory goes back to the kernel.
 *
 * Receives use multishot recv with buffer selection from one provided buffer
 * ring owned by the loop; on_data() gets a view into a loop buffer, valid only
 * during the call (copy what you keep). Kernel features are decided at init
 * (see loop.c): a kernel without multishot recv falls back to single-shot
 * recv with buffer select.
 *
 * Lifetimes: a struct net_conn is owned by the loop. on_close() is called
 * exactly once for every connection that was handed to the user (accepted,
 * or returned by net_connect()), and the memory is freed right after it
 * returns. All functions return 0 (or a count) or a negative errno.
 * Not thread-safe: call everything from the loop's thread (net_loop_stop()
 * from a signal handler is the one exception).
 */
#ifndef SLUICE_NET_LOOP_H
#define SLUICE_NET_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct net_loop;
struct net_conn;
struct net_listener;
struct net_watch;

struct net_loop_opts {
	unsigned entries;	      /* SQ entries (default 256; CQ is 8x) */
	unsigned buf_count;	      /* provided receive buffers, power of 2 (default 256) */
	unsigned buf_size;	      /* bytes each (default 16384) */
	unsigned flags;		      /* NET_LOOP_F_* */
	unsigned handshake_budget_us; /* TLS handshake CPU a loop turn (default
                                   * 2000); at least one step always runs */
};

struct net_loop_stats {
	uint64_t handshake_steps;     /* TLS handshake steps run */
	uint64_t handshake_deferrals; /* handshakes queued for a later turn (budget) */
	uint64_t trims;		      /* malloc_trim calls after mass closes */
};
/* Use single-shot recv (the path for kernels < 6.0) even if multishot works;
 * lets tests cover the fallback. */
#define NET_LOOP_F_SINGLESHOT_RECV 0x1

/* Connection callbacks. on_data and on_close are required. */
struct net_conn_ops {
	/* Accepted (status 0), or an outgoing connect finished (status 0).
     * A failed connect skips on_open and calls on_close(c, -errno). */
	void (*on_open)(struct net_conn *c, int status);
	/* Bytes received; the view is valid only during the call. Not called
     * while paused. The callback may send, pause, close or abort. */
	void (*on_data)(struct net_conn *c, const uint8_t *data, size_t len);
	/* Optional: the output queue became empty after a send. */
	void (*on_drain)(struct net_conn *c);
	/* The connection is closed and its fd released. reason: 0 = peer
     * closed (EOF) or net_conn_close(); -ETIMEDOUT idle timeout;
     * -ECONNABORTED net_conn_abort(); other -errno from recv/send/connect.
     * The conn is freed when this returns. */
	void (*on_close)(struct net_conn *c, int reason);
};

/* Done callback for net_conn_send_ref(): status 0 = all bytes were handed to
 * the kernel, negative = the connection closed first. */
typedef void (*net_send_done_fn)(struct net_conn *c, void *arg, int status);

/* ---- loop ---- */

/* Create a loop. opts may be NULL for defaults. On error returns -errno and,
 * if err is non-NULL, writes a one-line human message (e.g. "io_uring is
 * disabled (kernel.io_uring_disabled=2): ..."). */
int net_loop_new(struct net_loop **out, const struct net_loop_opts *opts, char *err, size_t errlen);
/* Close every remaining connection, listener and watch WITHOUT calling their
 * callbacks, then free the loop. */
void net_loop_free(struct net_loop *loop);
/* Run until net_loop_stop(). Returns 0 after a stop, or -errno on a fatal
 * io_uring error. */
int net_loop_run(struct net_loop *loop);
/* One iteration: submit, wait up to timeout_ms (-1 = until an event or the
 * next timer, 0 = don't wait), dispatch. Returns events handled or -errno. */
int net_loop_run_once(struct net_loop *loop, int timeout_ms);
/* Ask net_loop_run() to return after the current iteration. Async-signal-safe. */
void net_loop_stop(struct net_loop *loop);
/* CLOCK_MONOTONIC ns, cached once an iteration. */
uint64_t net_loop_now_ns(const struct net_loop *loop);
/* Open connections (accepted + outgoing) right now. */
unsigned net_loop_conn_count(const struct net_loop *loop);
void net_loop_get_stats(const struct net_loop *loop, struct net_loop_stats *out);

/* ---- listeners ---- */

#define NET_LISTEN_REUSEPORT 0x1 /* SO_REUSEPORT: several processes share a port */

/* Listen on host:port ("127.0.0.1", "0.0.0.0", "::", "localhost"; port 0 =
 * ephemeral, see net_listener_port). Accepted conns start with ops/udata and
 * get on_open(c, 0) before the first on_data. Resolution uses getaddrinfo
 * (blocking; call at startup). */
int net_listen(struct net_loop *loop, const char *host, uint16_t port, unsigned flags,
	       const struct net_conn_ops *ops, void *udata, struct net_listener **out);
uint16_t net_listener_port(const struct net_listener *l);
/* Stop accepting and close the listening socket; open conns are unaffected. */
void net_listener_close(struct net_listener *l);

/* ---- connections ---- */

/* Resolve host:port (blocking getaddrinfo; for startup). */
int net_resolve(const char *host, uint16_t port, struct sockaddr_storage *sa, socklen_t *salen);
/* Start a non-blocking TCP connect. *out is valid at once: sends queued
 * before the connect completes go out after it. Result via on_open/on_close.
 * The idle timeout (if set) also bounds the connect. */
int net_connect(struct net_loop *loop, const struct sockaddr *sa, socklen_t salen,
		const struct net_conn_ops *ops, void *udata, struct net_conn **out);

void *net_conn_udata(const struct net_conn *c);
void net_conn_set_udata(struct net_conn *c, void *udata);
struct net_loop *net_conn_loop(const struct net_conn *c);
int net_conn_fd(const struct net_conn *c);

/* Why the transport ended the conn ("" if it did not): TLS handshake and
 * certificate verification failures (e.g. "certificate verify failed:
 * certificate has expired"). Valid until on_close returns. */
const char *net_conn_error(const struct net_conn *c);

/* Queue len bytes (copied). -EPIPE if the conn is closing. */
int net_conn_send(struct net_conn *c, const void *data, size_t len);
/* Queue a caller buffer without copying; it must stay valid until done(c,
 * arg, status) is called (always called exactly once, also on close). On a
 * TLS conn the bytes are encrypted at once and done runs before this
 * returns. */
int net_conn_send_ref(struct net_conn *c, const void *data, size_t len, net_send_done_fn done, void *arg);
/* Bytes queued and not yet sent (backpressure on the output side). */
size_t net_conn_out_pending(const struct net_conn *c);

/* Stop delivering on_data (and stop reading from the socket so TCP flow
 * control pushes back on the peer). Bytes already read by the kernel for
 * this conn are held and delivered after net_conn_resume(). */
void net_conn_pause(struct net_conn *c);
void net_conn_resume(struct net_conn *c);
int net_conn_paused(const struct net_conn *c);

/* Close the conn with -ETIMEDOUT when nothing was received (and no connect
 * finished) for ms milliseconds. 0 disables. Paused time counts too: a
 * paused conn that stays paused is closed. */
void net_conn_set_idle_timeout(struct net_conn *c, unsigned ms);

/* Graceful: stop receiving, send what is queued, then close (on_close(c, 0)). */
void net_conn_close(struct net_conn *c);
/* Now: drop queued output, close (on_close(c, -ECONNABORTED)). */
void net_conn_abort(struct net_conn *c);

/* ---- timers (caller-owned, no allocation) ---- */

struct net_timer;
typedef void (*net_timer_fn)(struct net_timer *t, void *arg);
struct net_timer {	      /* treat as opaque; zero-init or net_timer_init */
	uint64_t deadline_ns; /* monotonic */
	unsigned heap_idx;    /* 0 = not armed, else index + 1 */
	net_timer_fn fn;
	void *arg;
};
void net_timer_init(struct net_timer *t, net_timer_fn fn, void *arg);
/* (Re)arm to fire once after ms milliseconds. */
int net_timer_arm(struct net_loop *loop, struct net_timer *t, uint64_t ms);
/* Disarm; safe if not armed. After this the callback will not run. */
void net_timer_cancel(struct net_loop *loop, struct net_timer *t);
int net_timer_armed(const struct net_timer *t);

/* ---- fd watches ---- */

typedef void (*net_watch_fn)(struct net_watch *w, int fd, void *arg);
/* Call fn whenever fd is readable (level-triggered: a poll re-armed after
 * each callback, so drain the fd, e.g. read the eventfd counter, or remove
 * the watch). If fd is not (or no longer) a valid fd, fn runs once (its
 * read fails with EBADF) and polling stops; call net_watch_remove() as usual. */
int net_watch_add(struct net_loop *loop, int fd, net_watch_fn fn, void *arg, struct net_watch **out);
/* Stop watching (does not close fd). fn will not run again. */
void net_watch_remove(struct net_watch *w);

#endif
