/* net/h2_server_int.h (private to net/h2_server*.c): the server
 * connection and stream state shared by request and response code. */
#ifndef SLUICE_NET_H2_SERVER_INT_H
#define SLUICE_NET_H2_SERVER_INT_H

#include "net/h2.h"
#include "net/h2_out.h"
#include "rt/clock.h"

/* Our SETTINGS_MAX_FRAME_SIZE and the largest DATA frame we send: bigger
 * frames mean fewer frame headers and callbacks for 100 KiB messages. */
#define H2S_MAX_FRAME (64 * 1024)

enum h2s_state {
	H2S_RECV,      /* receiving headers/body */
	H2S_DELIVERED, /* handed to on_request, not answered */
	H2S_ANSWERED,  /* response submitted */
	H2S_REFUSED,   /* refused by a limit; data is dropped */
};

struct h2s_stream {
	struct h2s_stream *prev, *next;
	int32_t id;
	enum h2s_state st;
	uint64_t start_ms;     /* HEADERS arrived (CLOCK_MONOTONIC ms) */
	bool is_grpc;	       /* content-type application/grpc* */
	bool too_big;	       /* content-length over max_body */
	size_t content_length; /* 0 if unknown */
	size_t hdr_bytes;      /* RFC 9113 header list size so far */
	char *hb;	       /* header arena (see h2s_arena_add) */
	size_t hb_len, hb_cap;
	size_t n_fields;
	struct h2_header *hdrs; /* built at delivery */
	size_t n_hdrs;
	uint8_t *body;
	size_t body_len, body_cap;
	uint8_t *resp; /* response body being sent */
	size_t resp_len, resp_off;
	char *tr; /* trailer arena */
	size_t tr_len, tr_cap, n_tr;
};

struct h2_server {
	nghttp2_session *sess;
	struct h2_server_limits lim;
	struct h2_server_cbs cbs;
	void *ud;
	struct h2_out out;
	struct h2s_stream *streams;
	uint32_t pending;
	size_t buffered; /* sum of body_cap over streams */
	size_t head_len; /* preface bytes matched */
	int fail_rc;	 /* 0 or the error recv reports */
	bool http1;
	bool shutting;
	bool peer_goaway;
	uint64_t rst_start;  /* CLOCK_MONOTONIC ms of the reset window */
	uint64_t idle_since; /* ms: the last stream went away (or creation) */
	uint32_t rst_count;
	char err[160];
	char lib_err[128];
};

/* Monotonic ms: the h2 server's timeouts are kept in ms. */
static inline uint64_t h2s_now_ms(void)
{
	return rt_mono_ns() / 1000000u;
}

/* ---- h2_server_req.c: streams and request assembly ---- */
/* nghttp2 callbacks (user data: the struct h2_server). */
int h2s_on_begin_headers(nghttp2_session *sess, const nghttp2_frame *frame, void *ud);
int h2s_on_header(nghttp2_session *sess, const nghttp2_frame *frame, const uint8_t *name, size_t nl,
		  const uint8_t *value, size_t vl, uint8_t flags, void *ud);
int h2s_on_data_chunk(nghttp2_session *sess, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
		      void *ud);
/* Hand a complete request to on_request. Returns 0 or an nghttp2 error. */
int h2s_deliver(struct h2_server *s, struct h2s_stream *st);
void h2s_stream_unlink(struct h2_server *s, struct h2s_stream *st);
/* Frees everything the stream holds (the caller unlinked it). */
void h2s_stream_free(struct h2_server *s, struct h2s_stream *st);

/* Append one field to an arena: uint32 name_len, uint32 value_len, name,
 * NUL, value, NUL. Returns 0 or -ENOMEM. */
int h2s_arena_add(char **buf, size_t *len, size_t *cap, const char *name, size_t nl, const char *value,
		  size_t vl);

/* ---- h2_server_resp.c: answers ---- */
/* Answer a stream whose body is over max_body, or would take the
 * connection over max_buffered (conn_budget), with gRPC RESOURCE_EXHAUSTED
 * (RetryInfo for the budget) or HTTP 413 / 503, then reset it. */
void h2s_refuse_big(struct h2_server *s, struct h2s_stream *st, bool conn_budget);
/* Answer a stream whose request did not arrive within read_timeout_ms
 * (gRPC DEADLINE_EXCEEDED or HTTP 408), free its body, then reset it. */
void h2s_refuse_late(struct h2_server *s, struct h2s_stream *st);

/* Free a stream's request body and take it off the connection's count. */
void h2s_body_free(struct h2_server *s, struct h2s_stream *st);

/* nghttp2 on_frame_send_callback: resets refused streams after their
 * answer went out. */
int h2s_on_frame_send(nghttp2_session *sess, const nghttp2_frame *frame, void *ud);

/* nghttp2 data_source_read_length_callback: DATA frames up to
 * H2S_MAX_FRAME when the peer allows. */
ssize_t h2s_read_length(nghttp2_session *sess, uint8_t type, int32_t id, int32_t conn_win, int32_t stream_win,
			uint32_t peer_max_frame, void *ud);

#endif
