/* The output buffer between nghttp2 and the socket (see h2_out.h). */
#include "net/h2_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Room for a whole 64 KiB DATA frame and its header: the client writes
 * DATA frames in one piece (no-copy path) and needs them to fit. */
#define OUT_MIN (128 * 1024)
#define OUT_DEFAULT_MAX (1024 * 1024)

void h2_out_init(struct h2_out *o, size_t max)
{
	memset(o, 0, sizeof(*o));
	o->max = max ? max : OUT_DEFAULT_MAX;
	if (o->max < OUT_MIN)
		o->max = OUT_MIN;
}

void h2_out_free(struct h2_out *o)
{
	free(o->buf);
	o->buf = NULL;
	o->cap = o->len = o->off = 0;
}

bool h2_out_empty(const struct h2_out *o)
{
	return o->off == o->len;
}

int h2_out_frame(struct h2_out *o, const uint8_t *hd, size_t hd_len, const uint8_t *a, size_t a_len,
		 const uint8_t *b, size_t b_len)
{
	if (o->cap - o->len < hd_len + a_len + b_len) {
		o->filled = true;
		return NGHTTP2_ERR_WOULDBLOCK;
	}
	memcpy(o->buf + o->len, hd, hd_len);
	o->len += hd_len;
	if (a_len)
		memcpy(o->buf + o->len, a, a_len);
	o->len += a_len;
	if (b_len)
		memcpy(o->buf + o->len, b, b_len);
	o->len += b_len;
	return 0;
}

ssize_t h2_out_write(struct h2_out *o, const uint8_t *data, size_t len)
{
	size_t room = o->cap - o->len;

	if (room == 0) {
		o->filled = true;
		return NGHTTP2_ERR_WOULDBLOCK;
	}
	if (len > room)
		len = room;
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return (ssize_t)len;
}

static int grow(struct h2_out *o, size_t want)
{
	if (o->cap >= want)
		return 0;
	uint8_t *p = realloc(o->buf, want);
	if (!p)
		return -ENOMEM;
	o->buf = p;
	o->cap = want;
	return 0;
}

int h2_out_raw(struct h2_out *o, const void *data, size_t len)
{
	if (grow(o, o->len + len > OUT_MIN ? o->len + len : OUT_MIN))
		return -ENOMEM;
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return 0;
}

ssize_t h2_out_fill(struct h2_out *o, nghttp2_session *sess, const uint8_t **data)
{
	if (o->off == o->len && sess) {
		/* Everything was sent: safe to move and refill. Grow while the
		 * session keeps filling the buffer to the brim. */
		size_t want = o->cap ? o->cap : OUT_MIN;
		if (o->filled && want < o->max)
			want *= 2;
		if (want > o->max)
			want = o->max;
		if (grow(o, want))
			return -ENOMEM;
		o->off = o->len = 0;
		o->filled = false;
		int rc = nghttp2_session_send(sess);
		if (rc == NGHTTP2_ERR_NOMEM)
			return -ENOMEM;
		if (rc < 0)
			return -EPROTO;
	}
	if (!o->buf) {
		*data = (const uint8_t *)"";
		return 0;
	}
	*data = o->buf + o->off;
	return (ssize_t)(o->len - o->off);
}

void h2_out_sent(struct h2_out *o, size_t n)
{
	if (n > o->len - o->off)
		n = o->len - o->off;
	o->off += n;
}

size_t h2_out_nv(nghttp2_nv *nv, size_t cap, const struct h2_header *h, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < cap; i++, k++) {
		nv[k].name = (uint8_t *)(uintptr_t)h[i].name;
		nv[k].namelen = h[i].name_len;
		nv[k].value = (uint8_t *)(uintptr_t)h[i].value;
		nv[k].valuelen = h[i].value_len;
		nv[k].flags = NGHTTP2_NV_FLAG_NONE;
	}
	return k;
}

nghttp2_nv h2_out_nv1(const char *name, const char *value, size_t value_len)
{
	nghttp2_nv nv = {
		.name = (uint8_t *)(uintptr_t)name,
		.namelen = strlen(name),
		.value = (uint8_t *)(uintptr_t)value,
		.valuelen = value_len,
		.flags = NGHTTP2_NV_FLAG_NONE,
	};
	return nv;
}

int h2_out_window(nghttp2_session *sess, uint32_t conn_window)
{
	int rc = nghttp2_session_set_local_window_size(sess, NGHTTP2_FLAG_NONE, 0, (int32_t)conn_window);
	return rc == NGHTTP2_ERR_NOMEM ? -ENOMEM : 0;
}
