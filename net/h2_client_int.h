/* net/h2_client_int.h (private to net/h2_client*.c): client connection
 * and call state shared by the connection and the call code. */
#ifndef SLUICE_NET_H2_CLIENT_INT_H
#define SLUICE_NET_H2_CLIENT_INT_H

#include "net/grpc.h"
#include "net/h2.h"
#include "net/h2_out.h"

#define H2C_MAX_METADATA 32
#define H2C_MAX_FRAME (64 * 1024) /* our SETTINGS_MAX_FRAME_SIZE and DATA frames */

struct h2c_call {
	struct h2c_call *prev, *next;
	int32_t id;
	bool finished; /* done already ran */
	bool got_end;  /* END_STREAM received */
	bool too_big;
	h2_call_done_fn done;
	void *ud;
	const uint8_t *msg;
	size_t msg_len;
	size_t sent;   /* of prefix + msg, promised to DATA frames */
	size_t copied; /* of prefix + msg, written to the output */
	uint8_t prefix[GRPC_PREFIX_LEN];
	int http_status;
	int grpc_status;
	char *gmsg; /* raw grpc-message, then decoded in place */
	size_t gmsg_len;
	char *details; /* raw grpc-status-details-bin */
	size_t details_len;
	char ctype[64];
	uint8_t *body;
	size_t body_len, body_cap;
};

struct h2_client {
	nghttp2_session *sess;
	struct h2_client_opts o;
	char *authority;
	struct h2_out out;
	struct h2c_call *calls;
	uint32_t open;	     /* calls not yet freed (streams in nghttp2) */
	uint32_t unfinished; /* calls whose done has not run */
	int fail_rc;
	bool goaway;
	bool freeing;
	int32_t goaway_last_id;
	char err[160];
	char lib_err[128];
};

/* ---- h2_client_call.c ---- */
struct h2c_call *h2c_find(struct h2_client *c, int32_t id);
/* Unlink and free (the stream is gone from nghttp2). */
void h2c_call_free(struct h2_client *c, struct h2c_call *k);
/* Build the result from what the stream collected and run done, once. */
void h2c_finish(struct h2_client *c, struct h2c_call *k, int err, uint32_t code);
void h2c_fail_all(struct h2_client *c, int err);
/* nghttp2 callbacks (user data: the struct h2_client). */
int h2c_on_header(nghttp2_session *sess, const nghttp2_frame *frame, const uint8_t *name, size_t nl,
		  const uint8_t *value, size_t vl, uint8_t flags, void *ud);
int h2c_on_data_chunk(nghttp2_session *sess, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
		      void *ud);
ssize_t h2c_read_body(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
		      nghttp2_data_source *src, void *ud);
int h2c_send_body(nghttp2_session *sess, nghttp2_frame *frame, const uint8_t *hd, size_t length,
		  nghttp2_data_source *src, void *ud);

#endif
