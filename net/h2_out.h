/* net/h2_out.h (private to net/h2_*.c): the output buffer between an
 * nghttp2 session and the socket, and small nghttp2 helpers.
 *
 * The buffer is only refilled once everything in it was sent, so a view
 * handed out by h2_out_fill stays valid and unchanged until h2_out_sent
 * empties it; that is what lets an io_uring send point straight at it.
 */
#ifndef SLUICE_NET_H2_OUT_H
#define SLUICE_NET_H2_OUT_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/h2.h"

struct h2_out {
	uint8_t *buf;
	size_t cap;  /* allocated */
	size_t max;  /* never grow past this */
	size_t off;  /* sent so far */
	size_t len;  /* filled */
	bool filled; /* the last fill stopped because the buffer was full */
};

/* max 0 = 1 MiB. Allocation happens on the first fill. */
void h2_out_init(struct h2_out *o, size_t max);
void h2_out_free(struct h2_out *o);

/* For an nghttp2 send_callback: copy what fits; NGHTTP2_ERR_WOULDBLOCK
 * when full. */
ssize_t h2_out_write(struct h2_out *o, const uint8_t *data, size_t len);

/* For an nghttp2 send_data_callback: a frame header and up to two pieces
 * of payload, all or nothing (0 or NGHTTP2_ERR_WOULDBLOCK). */
int h2_out_frame(struct h2_out *o, const uint8_t *hd, size_t hd_len, const uint8_t *a, size_t a_len,
		 const uint8_t *b, size_t b_len);

/* Append raw bytes (not from the session) if they fit; -ENOSPC otherwise. */
int h2_out_raw(struct h2_out *o, const void *data, size_t len);

/* The pending view; refills from the session (may be NULL) when empty.
 * Returns a count or -ENOMEM, or -EPROTO if nghttp2_session_send failed. */
ssize_t h2_out_fill(struct h2_out *o, nghttp2_session *sess, const uint8_t **data);

void h2_out_sent(struct h2_out *o, size_t n);

/* True when nothing is buffered. */
bool h2_out_empty(const struct h2_out *o);

/* Fill nv[] from h2_header[]; returns the count written (<= cap). */
size_t h2_out_nv(nghttp2_nv *nv, size_t cap, const struct h2_header *h, size_t n);

/* A name/value pair from C strings. */
nghttp2_nv h2_out_nv1(const char *name, const char *value, size_t value_len);

/* Receive-side settings shared by server and client: initial window,
 * max frame size, plus the connection window. Returns 0 or -ENOMEM. */
int h2_out_window(nghttp2_session *sess, uint32_t conn_window);

#endif
