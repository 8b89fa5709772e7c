/* net/h2.h: HTTP/2 cleartext (h2c, prior knowledge) for unary gRPC, over
 * nghttp2, driven by bytes in / bytes out so it plugs into any event loop.
 *
 * Both sides work the same way; there is no I/O and no thread in here:
 *   recv:  feed what the socket gave you        h2_server_recv / h2_client_recv
 *   out:   get bytes to write (a view)          h2_server_out  / h2_client_out
 *   sent:  tell how many were written           h2_server_sent / h2_client_sent
 *   close: when *_closing() and out gives 0 bytes, close the socket, *_free.
 * After ANY call on a connection (recv, respond, call, cancel), call *_out
 * and write what it returns. A view from *_out stays valid (and unchanged)
 * until the next *_out or *_sent on that connection, so an asynchronous
 * send (io_uring) may point straight at it: out -> send -> on completion
 * sent(n) -> out again.
 *
 * Server (one struct h2_server per accepted connection):
 *   - checks the client preface; an HTTP/1.x request on this port gets a
 *     plain "HTTP/1.1 505" answer saying the port speaks HTTP/2 (gRPC)
 *     only, and recv returns -EPROTONOSUPPORT; garbage gets a GOAWAY and
 *     -EPROTO.
 *   - delivers each complete request (pseudo-headers, headers, whole body)
 *     to on_request; the application answers then or later with
 *     h2_server_respond / h2_server_respond_grpc.
 *   - limits: SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_HEADER_LIST_SIZE,
 *     a body cap (over it: gRPC RESOURCE_EXHAUSTED, or 413 for non-gRPC,
 *     then RST_STREAM), a cap on body bytes one connection holds across
 *     its streams (over it: RESOURCE_EXHAUSTED with RetryInfo 1 s, or
 *     503), and rapid-reset protection: more than rst_max
 *     RST_STREAMs from the client within rst_window_ms -> GOAWAY
 *     (ENHANCE_YOUR_CALM) and close.
 *   - timeouts (read_timeout_ms per stream, idle_timeout_ms per
 *     connection): h2_server_next_deadline() says when to call
 *     h2_server_tick(); net/h2_link.h arms the timer for you.
 * Client (one struct h2_client per outgoing connection):
 *   - unary gRPC calls multiplexed on one connection; each completes once
 *     through its done callback with HTTP status, grpc-status, decoded
 *     grpc-message, RetryInfo delay and the response message.
 *   - deadlines: grpc-timeout is sent; the caller's timer calls
 *     h2_client_cancel(c, id, -ETIMEDOUT) (RST_STREAM CANCEL).
 *
 * Errors are negative errnos. Memory: one allocation per connection and one
 * per stream (the request body buffer); never one per span.
 */
#ifndef SLUICE_NET_H2_H
#define SLUICE_NET_H2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct h2_header {
	const char *name; /* lowercase, as HTTP/2 requires */
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* ========================= server ============================= */
struct h2_server;

/* Zero means the default given after each field. */
struct h2_server_limits {
	uint32_t max_concurrent_streams; /* SETTINGS_MAX_CONCURRENT_STREAMS: 100 */
	uint32_t max_header_list;	 /* SETTINGS_MAX_HEADER_LIST_SIZE: 16 KiB */
	size_t max_body;		 /* request body (framed) cap: 16 MiB */
	uint32_t conn_window;		 /* connection receive window: 16 MiB */
	uint32_t stream_window;		 /* stream initial window: 4 MiB */
	uint32_t rst_max;		 /* client RST_STREAMs per window: 200 */
	uint32_t rst_window_ms;		 /* the window: 1000 ms */
	size_t out_cap;			 /* output buffered before pausing: 1 MiB */
	size_t max_buffered;		 /* request bodies held by one connection
					  * (receiving + unanswered): the larger of
					  * 2 x max_body and 32 MiB; over it the
					  * stream is refused like an oversized one */
	uint32_t read_timeout_ms;	 /* a request must arrive whole within
					  * this from its HEADERS, else gRPC
					  * DEADLINE_EXCEEDED (HTTP 408), then
					  * RST_STREAM, and its body is freed: 0 =
					  * none */
	uint32_t idle_timeout_ms;	 /* a connection with no open stream for
					  * this long gets GOAWAY and closes: 0 =
					  * none */
};

/* One complete request. Strings are NUL-terminated ("" when absent). All
 * views stay valid until the stream is answered or aborted. */
struct h2_request {
	int32_t stream_id;
	const char *method;		 /* :method */
	const char *path;		 /* :path */
	const char *authority;		 /* :authority */
	const char *content_type;	 /* content-type */
	const char *grpc_encoding;	 /* grpc-encoding ("gzip", "identity", "") */
	const char *grpc_timeout;	 /* grpc-timeout, raw ("" = none) */
	const struct h2_header *headers; /* every non-pseudo header, in order */
	size_t n_headers;
	const uint8_t *body; /* whole DATA payload (gRPC: still framed) */
	size_t body_len;
};

struct h2_server_cbs {
	/* A complete request (END_STREAM seen, within limits). Answer it now or
	 * later; the request's views live until then. */
	void (*on_request)(void *ud, struct h2_server *s, const struct h2_request *req);
	/* Optional: a delivered, not yet answered stream went away (client
	 * reset, connection error, free). After this returns, its views are
	 * gone and h2_server_respond on it returns -ENOENT. */
	void (*on_abort)(void *ud, struct h2_server *s, int32_t stream_id);
};

/* New server connection; queues the server SETTINGS. NULL if out of memory
 * (cbs and lim are copied; lim may be NULL for all defaults). */
struct h2_server *h2_server_new(const struct h2_server_limits *lim, const struct h2_server_cbs *cbs,
				void *ud);
/* Calls on_abort for unanswered delivered streams, then frees. */
void h2_server_free(struct h2_server *s);

/* Feed received bytes; on_request/on_abort run inside. Returns len, or
 * -EPROTO (HTTP/2 protocol error or garbage: a GOAWAY is queued),
 * -EPROTONOSUPPORT (the client spoke HTTP/1.x: an HTTP/1.1 505 answer is
 * queued), -ENOMEM. After an error the connection is closing: flush the
 * output, then close. A protocol error found while a view from
 * h2_server_out is still unsent shows in h2_server_closing/_error after
 * the next h2_server_out instead. */
ssize_t h2_server_recv(struct h2_server *s, const uint8_t *in, size_t len);
/* Bytes to write now (0: nothing). *data is valid until the next
 * h2_server_out / h2_server_sent. Returns a count or -ENOMEM. */
ssize_t h2_server_out(struct h2_server *s, const uint8_t **data);
/* n bytes of the last view were written. */
void h2_server_sent(struct h2_server *s, size_t n);
/* True when the connection is over: stop reading, flush h2_server_out,
 * then close the socket. */
bool h2_server_closing(const struct h2_server *s);
/* Why it is closing (a short human message), "" when it is not. */
const char *h2_server_error(const struct h2_server *s);
/* Graceful stop (drain): GOAWAY now, finish streams in flight, then
 * closing. */
void h2_server_shutdown(struct h2_server *s);
/* Streams delivered but not answered yet. */
uint32_t h2_server_pending(const struct h2_server *s);
/* Milliseconds until the next read or idle deadline (0: due now), -1 if
 * none. */
int64_t h2_server_next_deadline(const struct h2_server *s);
/* Apply the deadlines that are due (answers and resets queued, or a
 * GOAWAY): call h2_server_out after. Returns the streams timed out. */
unsigned h2_server_tick(struct h2_server *s);

struct h2_response {
	int status;			 /* :status */
	const struct h2_header *headers; /* after :status */
	size_t n_headers;
	const uint8_t *body; /* copied */
	size_t body_len;
	const struct h2_header *trailers; /* NULL/0: none */
	size_t n_trailers;
};
/* Answer a delivered stream. Returns 0, -ENOENT (not a delivered stream,
 * already answered or aborted), -EINVAL, -ENOMEM. */
int h2_server_respond(struct h2_server *s, int32_t stream_id, const struct h2_response *r);

/* Answer a gRPC call: :status 200, content-type application/grpc; msg (may
 * be NULL when msg_len is 0 and status != OK) is framed here (the
 * compressed flag is never set); trailers: grpc-status, grpc-message
 * (percent-encoded here, omitted if NULL) and, when retry_delay_ns >= 0,
 * grpc-status-details-bin with a google.rpc.Status carrying RetryInfo.
 * Without a message the answer is trailers-only (one HEADERS frame).
 * Returns as h2_server_respond. */
int h2_server_respond_grpc(struct h2_server *s, int32_t stream_id, int grpc_status, const char *grpc_message,
			   const uint8_t *msg, size_t msg_len, int64_t retry_delay_ns);

/* ========================= client ============================= */
struct h2_client;

struct h2_client_opts {
	const char *authority;	 /* :authority, e.g. "127.0.0.1:4317" (copied) */
	uint32_t max_concurrent; /* our cap on calls in flight: 100 (the
				  * server's SETTINGS may lower it) */
	uint32_t conn_window;	 /* connection receive window: 16 MiB */
	uint32_t stream_window;	 /* stream initial window: 4 MiB */
	size_t max_response;	 /* response body cap: 4 MiB (-EMSGSIZE) */
	size_t out_cap;		 /* output buffered before pausing: 1 MiB */
};

struct h2_call_result {
	int32_t stream_id;
	/* 0: the server answered (see the fields below). Otherwise no answer:
	 * -ECONNRESET (stream reset by the server, or connection lost),
	 * -ECANCELED / -ETIMEDOUT / ... (the err given to h2_client_cancel),
	 * -EMSGSIZE (response over max_response), -EPROTO (malformed). */
	int err;
	/* The server did not process the call (REFUSED_STREAM, or a GOAWAY
	 * whose last stream id is below this one): safe to retry anywhere. */
	bool retry_safe;
	uint32_t h2_error;	  /* RST_STREAM / GOAWAY error code */
	int http_status;	  /* :status, 0 if none came */
	int grpc_status;	  /* -1 if no grpc-status came */
	const char *grpc_message; /* decoded; NUL-terminated; "" if none */
	int64_t retry_delay_ns;	  /* RetryInfo from grpc-status-details-bin, -1 none */
	const char *content_type; /* "" if none */
	const uint8_t *msg;	  /* first response message, NULL if none */
	size_t msg_len;
	bool msg_compressed;
};
/* Views in res live only during the callback. */
typedef void (*h2_call_done_fn)(void *ud, const struct h2_call_result *res);

struct h2_call {
	const char *path;		  /* "/opentelemetry.proto.collector.trace.v1.TraceService/Export" */
	const struct h2_header *metadata; /* extra headers, lowercase (copied) */
	size_t n_metadata;
	const uint8_t *msg; /* the message, NOT framed (the prefix is added here);
			     * NOT copied: keep it valid until done runs */
	size_t msg_len;
	bool compressed;      /* msg is compressed: sets the flag and grpc-encoding */
	const char *encoding; /* grpc-encoding when compressed; NULL = "gzip" */
	uint64_t timeout_ns;  /* 0: none; else sent as grpc-timeout */
	h2_call_done_fn done; /* called exactly once */
	void *ud;
};

/* New client connection; queues the preface and SETTINGS. NULL on ENOMEM. */
struct h2_client *h2_client_new(const struct h2_client_opts *o);
/* Completes every call in flight with -ECONNRESET, then frees. */
void h2_client_free(struct h2_client *c);
/* Start a call. Returns its stream id (> 0), -EAGAIN (no free slot: wait
 * for a completion; see h2_client_slots), -ENOTCONN (closing, GOAWAY
 * received), -EINVAL, -ENOMEM. done is never called from inside this. */
int32_t h2_client_call(struct h2_client *c, const struct h2_call *call);
/* Abandon a call in flight: RST_STREAM(CANCEL) is queued and its done runs
 * before this returns, with res->err = err (e.g. -ETIMEDOUT). Returns 0 or
 * -ENOENT. */
int h2_client_cancel(struct h2_client *c, int32_t stream_id, int err);
/* Feed received bytes; done callbacks run inside (they may start or cancel
 * calls, not free the client). Returns len, -EPROTO (a GOAWAY is queued;
 * calls in flight fail) or -ENOMEM. A connection error found while a view
 * from h2_client_out is still unsent shows later, in h2_client_out (calls
 * fail there) and h2_client_closing. */
ssize_t h2_client_recv(struct h2_client *c, const uint8_t *in, size_t len);
ssize_t h2_client_out(struct h2_client *c, const uint8_t **data);
void h2_client_sent(struct h2_client *c, size_t n);
/* Calls that may be started now (min of ours and the server's limit). */
uint32_t h2_client_slots(const struct h2_client *c);
uint32_t h2_client_inflight(const struct h2_client *c);
/* True after a GOAWAY or a protocol error: start no new calls; close the
 * socket once h2_client_out gives 0 and no calls are in flight. */
bool h2_client_closing(const struct h2_client *c);
const char *h2_client_error(const struct h2_client *c);

#endif
