/* sluice-sink's OTLP/HTTP side: HTTP/1.1 keep-alive server on the loop.
 * A request is routed by its path's end (/v1/traces, /v1/logs, /v1/metrics)
 * and refused as the Collector refuses it: 404 for another path or a
 * signal not taken (--signals), 405 for another method, 415 for another
 * content type or an unknown Content-Encoding, 400 with a Status for a body
 * that does not decode. */
#include "tools/sink/sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1.h"

struct hsc {
	struct sink_link link; /* first: the list hands back this pointer */
	struct sink *s;
	struct net_conn *c;
	uint8_t *buf; /* bytes of a request that spans receives */
	size_t len, cap;
	size_t want;  /* bytes the partial request in buf needs, 0 = unknown */
	uint8_t *dec; /* chunked bodies, decoded; kept for the next one */
	size_t dec_cap;
	bool stalled, dead;
	/* a body checked while it arrives (sink_can_stream) */
	bool streaming, stream_close;
	uint64_t body_left, body_len;
	int stream_signal;
	struct sink_scan_stream ss;
	struct sink_lat_req lat;
};

static void hsc_reply(struct hsc *h, int status, const char *ctype, const void *body, size_t blen,
		      int retry_after, bool close)
{
	char ra[16];
	struct http1_header hdrs[3];
	unsigned n = 0;
	hdrs[n++] = (struct http1_header){ "Content-Type", 12, ctype, strlen(ctype) };
	if (retry_after >= 0) {
		int l = snprintf(ra, sizeof(ra), "%d", retry_after);
		hdrs[n++] = (struct http1_header){ "Retry-After", 11, ra, (size_t)l };
	}
	if (status == 405)
		hdrs[n++] = (struct http1_header){ "Allow", 5, "POST", 4 };
	char out[1024];
	ssize_t l = http1_format_response(out, sizeof(out), status, hdrs, n, body, blen,
					  close ? HTTP1_F_CLOSE : 0);
	if (l > 0)
		net_conn_send(h->c, out, (size_t)l);
	if (close) {
		net_conn_close(h->c);
		h->dead = true;
	}
}

static void hsc_text(struct hsc *h, int status, const char *text, bool close)
{
	hsc_reply(h, status, "text/plain", text, strlen(text), -1, close);
}

static const char *fmt_ctype(enum sink_fmt fmt)
{
	return fmt == SINK_FMT_JSON ? "application/json" : "application/x-protobuf";
}

/* A google.rpc.Status answer in the request's format. */
static void hsc_status(struct hsc *h, enum sink_fmt fmt, int status, const char *msg, int retry_after,
		       bool close)
{
	uint8_t body[512];
	size_t n = sink_reply_status(fmt, sink_grpc_code_for(status), msg, body, sizeof(body));
	hsc_reply(h, status, fmt_ctype(fmt), body, n, retry_after, close);
}

/* What a request is, from its head. */
struct hsc_kind {
	int status; /* 0, or the refusal: 404, 405, 415 */
	const char *why;
	int signal;
	int codec; /* of the body (CODEC_NONE = plain) */
	enum sink_fmt fmt;
};

static struct hsc_kind hsc_kind(const struct sink *s, const struct http1_request *req)
{
	struct hsc_kind k = { .signal = -1 };
	size_t tl = req->target_len;
	const char *q = memchr(req->target, '?', tl);
	if (q)
		tl = (size_t)(q - req->target);
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		const char *want = otlp_signal_get((enum otlp_signal)i)->http_path;
		size_t wl = strlen(want);
		if (tl >= wl && !memcmp(req->target + tl - wl, want, wl))
			k.signal = i;
	}
	if (k.signal < 0 || !(s->signals & (1u << k.signal))) {
		k.status = 404;
		k.why = "sink: 404 page not found (POST /v1/traces, /v1/logs or /v1/metrics, as --signals allows)\n";
		return k;
	}
	if (s->req_name) {
		const struct http1_header *rh = NULL;
		for (unsigned i = 0; i < req->m.num_headers && !rh; i++)
			if (sink_has_required(s, req->m.headers[i].name, req->m.headers[i].name_len,
					      req->m.headers[i].value, req->m.headers[i].value_len))
				rh = &req->m.headers[i];
		if (!rh) {
			k.status = 401;
			k.why = "sink: 401 unauthorized: missing or wrong --require-header header\n";
			return k;
		}
	}
	if (req->method_len != 4 || memcmp(req->method, "POST", 4)) {
		k.status = 405;
		k.why = "sink: 405 method not allowed, supported: [POST]\n";
		return k;
	}
	const struct http1_header *ct = http1_find_header(&req->m, "content-type");
	if (ct && ct->value_len >= 16 && !strncasecmp(ct->value, "application/json", 16)) {
		k.fmt = SINK_FMT_JSON;
	} else if (!ct || !(ct->value_len >= 22 && !strncasecmp(ct->value, "application/x-protobuf", 22))) {
		k.status = 415;
		k.why = "sink: 415 unsupported media type, supported: [application/json, application/x-protobuf]\n";
		return k;
	}
	const struct http1_header *ce = http1_find_header(&req->m, "content-encoding");
	k.codec = ce ? codec_from_name(ce->value, ce->value_len) : CODEC_NONE;
	if (k.codec < 0) {
		k.status = 415;
		k.why = "sink: unsupported Content-Encoding\n";
	}
	return k;
}

/* Answers a checked body as the schedule step says. */
static void hsc_answer(struct hsc *h, int signal, enum sink_fmt fmt, struct sink_step st, bool valid,
		       const char *why, bool close)
{
	uint8_t body[256];
	char msg[200];
	if (!valid) {
		snprintf(msg, sizeof(msg), "sink: %s", why);
		hsc_status(h, fmt, 400, msg, -1, close);
		return;
	}
	switch (st.act) {
	case SINK_OK:
	case SINK_PARTIAL: {
		size_t n = sink_reply_export(fmt, signal, st.act == SINK_PARTIAL ? st.partial : 0, body,
					     sizeof(body));
		hsc_reply(h, 200, fmt_ctype(fmt), body, n, -1, close);
		break;
	}
	case SINK_CODE:
		hsc_status(h, fmt, st.code, "sink: refused on purpose", st.retry_after, close);
		break;
	case SINK_CLOSE:
		net_conn_abort(h->c);
		h->dead = true;
		break;
	case SINK_STALL:
		h->stalled = true; /* never answer; the client's timeout ends it */
		break;
	}
}

/* One whole request. */
static void hsc_request(struct hsc *h, const struct http1_request *req, const uint8_t *body, size_t blen)
{
	struct sink *s = h->s;
	bool close = !req->m.keep_alive;
	struct hsc_kind k = hsc_kind(s, req);
	if (k.status) {
		hsc_text(h, k.status, k.why, close);
		return;
	}
	if (k.codec != CODEC_NONE) {
		long n = sink_decode(s, k.codec, body, blen);
		if (n < 0) {
			hsc_status(h, k.fmt, 400, "sink: bad compressed body", -1, close);
			return;
		}
		body = s->scratch;
		blen = (size_t)n;
	}
	bool valid;
	char why[200];
	struct sink_step st;
	if (k.fmt == SINK_FMT_JSON) {
		st = sink_take_json(s, k.signal, body, blen, &valid, why, sizeof(why));
	} else {
		st = sink_take(s, k.signal, body, blen, &valid, "http");
		snprintf(why, sizeof(why), "not a valid %s",
			 otlp_signal_get((enum otlp_signal)k.signal)->request_name);
	}
	hsc_answer(h, k.signal, k.fmt, st, valid, why, close);
}

/* The next bytes of a streamed body; answers when it is complete. Returns
 * the bytes it took. */
static size_t hsc_stream(struct hsc *h, const uint8_t *p, size_t n)
{
	size_t take = n < h->body_left ? n : (size_t)h->body_left;
	sink_scan_stream_feed(&h->ss, p, take); /* -ENOMEM sticks: end() says invalid */
	h->body_left -= take;
	if (h->body_left == 0) {
		bool valid;
		char why[160];
		struct sink_step st = sink_stream_end(h->s, &h->ss, h->body_len, &valid, "http");
		snprintf(why, sizeof(why), "not a valid %s",
			 otlp_signal_get((enum otlp_signal)h->stream_signal)->request_name);
		h->streaming = false;
		hsc_answer(h, h->stream_signal, SINK_FMT_PROTO, st, valid, why, h->stream_close);
	}
	return take;
}

/* Makes buf hold at least n bytes. 0 or -ENOMEM. Grows only: a
 * connection's buffers reach the size of its largest request once. */
static int hsc_grow(uint8_t **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 65536;
	while (nc < n)
		nc *= 2;
	uint8_t *nb = realloc(*buf, nc);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = nc;
	return 0;
}

/* Answers the whole requests at the front of [p, p + len) and returns the
 * bytes they took; stops at a partial one, noting in h->want how many bytes
 * it needs when its Content-Length says. Works on the loop's receive buffer
 * as well as on h->buf, so a request that arrived in one receive is never
 * copied. */
static size_t hsc_process(struct hsc *h, const uint8_t *p, size_t len)
{
	struct http1_limits lim;
	http1_limits_default(&lim);
	lim.max_body = h->s->max_body;
	size_t done = 0;
	h->want = 0;
	while (done < len && !h->dead && !h->stalled) {
		const uint8_t *at = p + done;
		size_t avail = len - done;
		struct http1_header hdrs[64];
		struct http1_request req;
		memset(&req, 0, sizeof(req));
		req.m.headers = hdrs;
		req.m.max_headers_in = 64;
		int hl = http1_parse_request((const char *)at, avail, 0, &lim, &req);
		if (hl == HTTP1_PARTIAL)
			break;
		if (hl < 0) {
			hsc_text(h, http1_error_status(hl), "sink: bad request\n", true);
			break;
		}
		size_t total;
		const uint8_t *body = at + hl;
		size_t blen = 0;
		if (req.m.body_kind == HTTP1_BODY_LENGTH) {
			total = (size_t)hl + req.m.content_length;
			struct hsc_kind k = hsc_kind(h->s, &req);
			if (avail < total && !k.status && k.codec == CODEC_NONE && k.fmt == SINK_FMT_PROTO &&
			    sink_can_stream(h->s, k.signal)) {
				/* check the body as it comes: never gathered */
				h->streaming = true;
				h->stream_close = !req.m.keep_alive;
				h->stream_signal = k.signal;
				h->body_len = h->body_left = req.m.content_length;
				sink_stream_begin(h->s, &h->ss, k.signal, &h->lat);
				done += (size_t)hl + hsc_stream(h, body, avail - (size_t)hl);
				break;
			}
			if (avail < total) {
				h->want = total;
				break;
			}
			blen = req.m.content_length;
		} else if (req.m.body_kind == HTTP1_BODY_CHUNKED) {
			struct http1_body b;
			http1_body_init(&b, &req.m, lim.max_body);
			size_t used = 0, out = 0, in = avail - (size_t)hl;
			int rc = hsc_grow(&h->dec, &h->dec_cap, in + 1) < 0
					 ? HTTP1_EBODYSIZE
					 : http1_body_decode(&b, (const char *)body, in, &used,
							     (char *)h->dec, in, &out);
			if (rc == 0)
				break; /* the last chunk has not arrived */
			if (rc < 0) {
				hsc_text(h, http1_error_status(rc), "sink: bad chunked body\n", true);
				break;
			}
			total = (size_t)hl + used;
			body = h->dec;
			blen = out;
		} else {
			total = (size_t)hl;
		}
		hsc_request(h, &req, body, blen);
		done += total;
	}
	return done;
}

static void hsc_free(struct sink_link *l)
{
	struct hsc *h = (struct hsc *)l;
	sink_link_del(l);
	free(h->buf);
	free(h->dec);
	sink_scan_stream_free(&h->ss);
	free(h);
}

static void hsc_on_open(struct net_conn *c, int status)
{
	(void)status;
	struct sink *s = net_conn_udata(c);
	struct hsc *h = calloc(1, sizeof(*h));
	if (!h) {
		net_conn_set_udata(c, NULL);
		net_conn_abort(c);
		return;
	}
	h->s = s;
	h->c = c;
	sink_lat_req_init(&h->lat);
	h->link.free = hsc_free;
	sink_link_add(s, &h->link);
	s->conns++;
	net_conn_set_udata(c, h);
}

static void hsc_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct hsc *h = net_conn_udata(c);
	if (!h || h->dead || h->stalled)
		return;
	if (h->streaming) {
		size_t used = hsc_stream(h, data, len);
		if (h->dead || h->stalled || used == len)
			return;
		data += used;
		len -= used;
	}
	if (h->len == 0) { /* nothing held: answer what is whole in place */
		size_t used = hsc_process(h, data, len);
		if (h->dead || h->stalled || used == len)
			return;
		data += used;
		len -= used;
	}
	size_t need = h->len + len;
	if (h->want > need)
		need = h->want; /* room for the whole request at once */
	if (need > h->s->max_body + 65536) {
		hsc_text(h, 413, "sink: request too large\n", true);
		return;
	}
	if (hsc_grow(&h->buf, &h->cap, need) < 0) {
		net_conn_abort(c);
		return;
	}
	memcpy(h->buf + h->len, data, len);
	h->len += len;
	if (h->want > h->len)
		return; /* still short of the Content-Length: no need to parse again */
	size_t used = hsc_process(h, h->buf, h->len);
	if (h->dead || h->stalled)
		return;
	memmove(h->buf, h->buf + used, h->len - used);
	h->len -= used;
}

static void hsc_on_close(struct net_conn *c, int reason)
{
	(void)reason;
	struct hsc *h = net_conn_udata(c);
	if (!h)
		return;
	hsc_free(&h->link);
}

static const struct net_conn_ops hsc_ops = {
	.on_open = hsc_on_open,
	.on_data = hsc_on_data,
	.on_close = hsc_on_close,
};

int sink_http_listen(struct sink *s, const char *host, uint16_t port, uint16_t *bound)
{
	struct net_listener *l;
	int rc = net_listen(s->loop, host, port, 0, &hsc_ops, s, &l);
	if (rc < 0)
		return rc;
	net_listener_set_tls(l, s->tls_http);
	*bound = net_listener_port(l);
	return 0;
}
