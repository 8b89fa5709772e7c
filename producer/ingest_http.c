/* producer/ingest_http.c: OTLP/HTTP connections (see ingest_http.h).
 *
 * The path picks the signal (the receiver's url paths), the signal picks
 * the route (the IN ring of plan_ingest_ring(receiver, signal) and the
 * receiver x http x signal stats slot). Each connection gathers received
 * bytes in one buffer it keeps across requests. A Content-Length body is
 * used where it lies (no copy); a chunked body is decoded in place right
 * after the head. Requests are handled one
 * at a time: while a request waits for ring space the connection is paused,
 * so pipelined requests behind it stay in the kernel's socket buffer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "net/http1.h"
#include "shm/copy.h"
#include "producer/ingest_http_int.h"

static void ihttp_process(struct ihttp_conn *hc);

static bool ihttp_eq(const char *a, size_t alen, const char *lit)
{
	size_t n = strlen(lit);
	return alen == n && strncasecmp(a, lit, n) == 0;
}

/* Start the read timeout of a request (0 = no timeout). */
static void ihttp_arm_read_timeout(struct ihttp_conn *hc)
{
	if (hc->srv->o.read_timeout_ms)
		net_timer_arm(net_conn_loop(hc->c), &hc->timer, hc->srv->o.read_timeout_ms);
}

/* The current request is answered: drop its bytes, get ready for the next. */
static void ihttp_consume(struct ihttp_conn *hc, size_t used)
{
	memmove(hc->in, hc->in + used, hc->len - used);
	hc->len -= used;
	hc->head_len = hc->last_len = hc->body_in = hc->body_out = 0;
	hc->in_request = hc->len > 0;
	if (hc->len == 0 && hc->cap > IHTTP_KEEP_BUF) {
		/* Give back the memory of an unusually large request. */
		free(hc->in);
		hc->in = NULL;
		hc->cap = 0;
	}
	net_timer_cancel(net_conn_loop(hc->c), &hc->timer);
	if (hc->in_request)
		ihttp_arm_read_timeout(hc);
}

static void ihttp_on_published(struct ingest_wait *w, int status)
{
	struct ihttp_conn *hc = w->arg;
	size_t used = hc->body_in;
	hc->waiting = false;
	ihttp_answer_status(hc, status);
	if (hc->closing)
		return;
	ihttp_consume(hc, used);
	net_conn_resume(hc->c);
	ihttp_process(hc);
}

/* A complete request: body at in[head_len .. head_len + blen). Returns
 * true if answered now, false if it waits for ring space. */
static bool ihttp_handle(struct ihttp_conn *hc, const uint8_t *body, size_t blen)
{
	struct ingest *ig = hc->srv->ig;
	struct ingest_msg m;
	char err[400];
	const struct ingest_route *rt = &hc->srv->o.routes[hc->sig];
	struct ingest_body b = { hc->sig, hc->fmt, hc->codec, hc->srv->o.max_body, body, blen };
	ihttp_count(hc, STAT_BYTES_IN, blen);
	int rc = ingest_prepare(ig, &b, &m, err, sizeof(err));
	switch (rc) {
	case INGEST_OK:
		break;
	case INGEST_EINVALID:
		ihttp_fail(hc, 400, 3 /* INVALID_ARGUMENT */, err, false);
		return true;
	case INGEST_ETOOBIG:
		ihttp_fail(hc, 413, 8, err, false);
		return true;
	case INGEST_EENCODING:
		ihttp_fail(hc, 415, 3, err, false);
		return true;
	default:
		ihttp_fail(hc, 500, 13, err, false);
		return true;
	}
	rc = ingest_submit(rt, &m, &hc->wait, ihttp_on_published, hc);
	if (rc == 1) {
		hc->waiting = true;
		net_timer_cancel(net_conn_loop(hc->c), &hc->timer);
		net_conn_pause(hc->c);
		return false;
	}
	ihttp_answer_status(hc, rc);
	return true;
}

/* The signal whose url path is target[0..len) and that this receiver
 * takes, or -1 (404: unknown path, or a signal no pipeline takes here). */
static int ihttp_signal(const struct ihttp_server *srv, const char *target, size_t len)
{
	for (int s = 0; s < OTLP_SIGNAL_COUNT; s++)
		if (srv->o.routes[s].out && strlen(srv->o.paths[s]) == len &&
		    memcmp(target, srv->o.paths[s], len) == 0)
			return s;
	return -1;
}

/* Checks on a complete head. Returns true if the request may proceed. */
static bool ihttp_check_head(struct ihttp_conn *hc)
{
	const struct http1_request *r = &hc->req;
	const struct http1_header *h;
	size_t plen = r->target_len;
	const char *q = memchr(r->target, '?', r->target_len);
	if (q)
		plen = (size_t)(q - r->target);

	bool ct_ok = false;
	hc->fmt = INGEST_FMT_JSON; /* errors before the type is known: JSON Status */
	h = http1_find_header(&r->m, "content-type");
	if (h) {
		size_t n = h->value_len;
		const char *semi = memchr(h->value, ';', n);
		if (semi)
			n = (size_t)(semi - h->value);
		while (n > 0 && (h->value[n - 1] == ' ' || h->value[n - 1] == '\t'))
			n--;
		if (ihttp_eq(h->value, n, "application/x-protobuf")) {
			hc->fmt = INGEST_FMT_PROTO;
			ct_ok = true;
		} else if (ihttp_eq(h->value, n, "application/json")) {
			ct_ok = true;
		}
	}
	hc->codec = CODEC_NONE;
	int sig = ihttp_signal(hc->srv, r->target, plen);
	if (sig < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "no such path: this receiver takes OTLP/HTTP on %s",
			 hc->srv->served);
		ihttp_fail(hc, 404, 5 /* NOT_FOUND */, msg, true);
		return false;
	}
	hc->sig = (enum otlp_signal)sig;
	if (!ihttp_eq(r->method, r->method_len, "POST")) {
		ihttp_fail(hc, 405, 12 /* UNIMPLEMENTED */, "method not allowed: use POST", true);
		return false;
	}
	if (!ct_ok) {
		ihttp_fail(hc, 415, 3, "Content-Type must be application/x-protobuf or application/json",
			   true);
		return false;
	}
	h = http1_find_header(&r->m, "content-encoding");
	if (h) {
		int e = codec_from_name(h->value, h->value_len);
		if (e < 0) {
			ihttp_fail(hc, 415, 3,
				   "Content-Encoding must be gzip, deflate, zlib, zstd, snappy or identity",
				   true);
			return false;
		}
		hc->codec = e;
	}
	if (r->m.expect_continue)
		net_conn_send(hc->c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	http1_body_init(&hc->body, &r->m, hc->srv->o.max_body);
	hc->body_in = hc->body_out = hc->head_len;
	return true;
}

/* Parse and handle as many complete requests as the buffer holds. */
static void ihttp_process(struct ihttp_conn *hc)
{
	struct http1_limits lim;
	http1_limits_default(&lim);
	lim.max_body = hc->srv->o.max_body;
	lim.max_headers = IHTTP_MAX_HEADERS;
	lim.max_header_bytes = IHTTP_HEAD_MAX;
	lim.require_length = true;

	while (!hc->closing && !hc->waiting && hc->len > 0) {
		if (hc->head_len == 0) {
			hc->req.m.headers = hc->hdrs;
			hc->req.m.max_headers_in = IHTTP_MAX_HEADERS;
			int rc = http1_parse_request((const char *)hc->in, hc->len, hc->last_len, &lim,
						     &hc->req);
			if (rc == HTTP1_PARTIAL) {
				hc->last_len = hc->len;
				return;
			}
			if (rc < 0) {
				hc->fmt = INGEST_FMT_JSON;
				hc->req.m.keep_alive = false;
				int st = http1_error_status(rc);
				ihttp_fail(hc, st, st == 413 ? 8 : 3, http1_error_str(rc), true);
				return;
			}
			hc->head_len = (size_t)rc;
			if (!ihttp_check_head(hc))
				return;
		}
		const uint8_t *body = hc->in + hc->head_len;
		size_t blen;
		if (hc->req.m.body_kind == HTTP1_BODY_LENGTH) {
			if (hc->len - hc->head_len < hc->req.m.content_length)
				return;
			blen = (size_t)hc->req.m.content_length;
			hc->body_in = hc->head_len + blen;
		} else if (hc->req.m.body_kind == HTTP1_BODY_CHUNKED) {
			size_t used = 0, made = 0;
			int rc = http1_body_decode(&hc->body, (const char *)hc->in + hc->body_in,
						   hc->len - hc->body_in, &used,
						   (char *)hc->in + hc->body_out, hc->len - hc->body_out,
						   &made);
			hc->body_in += used;
			hc->body_out += made;
			if (rc < 0) {
				int st = http1_error_status(rc);
				ihttp_fail(hc, st, st == 413 ? 8 : 3, http1_error_str(rc), true);
				return;
			}
			if (rc == 0)
				return;
			blen = hc->body_out - hc->head_len;
		} else {
			blen = 0;
			hc->body_in = hc->head_len;
		}
		if (!ihttp_handle(hc, body, blen))
			return;
		if (hc->closing)
			return;
		ihttp_consume(hc, hc->body_in);
	}
}

static void ihttp_on_timer(struct net_timer *t, void *arg)
{
	(void)t;
	struct ihttp_conn *hc = arg;
	if (hc->waiting || hc->closing)
		return;
	hc->req.m.keep_alive = false;
	ihttp_fail(hc, 408, 4 /* DEADLINE_EXCEEDED */, "request not received in time", true);
}

static void ihttp_on_open(struct net_conn *c, int status)
{
	struct ihttp_server *srv = net_conn_udata(c);
	/* Until hc exists, udata must not look like one to ihttp_on_close. */
	net_conn_set_udata(c, NULL);
	if (status < 0)
		return;
	struct ihttp_conn *hc = calloc(1, sizeof(*hc));
	if (!hc) {
		net_conn_abort(c);
		return;
	}
	hc->srv = srv;
	hc->c = c;
	net_timer_init(&hc->timer, ihttp_on_timer, hc);
	hc->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = hc;
	srv->conns = hc;
	srv->nconns++;
	net_conn_set_udata(c, hc);
	net_conn_set_idle_timeout(c, srv->o.idle_timeout_ms);
	if (srv->ig->stats) {
		stats_add(srv->ig->stats, STAT_CONNECTIONS_TOTAL, 1);
		stats_add(srv->ig->stats, STAT_CONNECTIONS_OPEN, 1);
	}
}

static void ihttp_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct ihttp_conn *hc = net_conn_udata(c);
	if (!hc || hc->closing)
		return;
	size_t limit = IHTTP_HEAD_MAX + hc->srv->o.max_body + 65536;
	if (hc->len + len > hc->cap) {
		size_t ncap = hc->cap ? hc->cap : 65536;
		while (ncap < hc->len + len)
			ncap *= 2;
		if (ncap > limit * 2)
			ncap = limit * 2;
		uint8_t *nb = hc->len + len <= ncap ? realloc(hc->in, ncap) : NULL;
		if (!nb) {
			hc->fmt = INGEST_FMT_JSON;
			ihttp_fail(hc, 413, 8, "request too large", true);
			return;
		}
		hc->in = nb;
		hc->cap = ncap;
	}
	copy_bytes(hc->in + hc->len, data, len);
	hc->len += len;
	if (!hc->in_request) {
		hc->in_request = true;
		ihttp_arm_read_timeout(hc);
	}
	ihttp_process(hc);
}

static void ihttp_on_close(struct net_conn *c, int reason)
{
	(void)reason;
	struct ihttp_conn *hc = net_conn_udata(c);
	if (!hc)
		return;
	struct ihttp_server *srv = hc->srv;
	if (hc->waiting)
		ingest_wait_cancel(&hc->wait);
	ingest_wait_release(&hc->wait);
	net_timer_cancel(net_conn_loop(c), &hc->timer);
	if (hc->prev)
		hc->prev->next = hc->next;
	else
		srv->conns = hc->next;
	if (hc->next)
		hc->next->prev = hc->prev;
	srv->nconns--;
	if (srv->ig->stats) {
		uint64_t open = stats_get(srv->ig->stats, STAT_CONNECTIONS_OPEN);
		stats_set(srv->ig->stats, STAT_CONNECTIONS_OPEN, open ? open - 1 : 0);
	}
	free(hc->in);
	free(hc);
}

const struct net_conn_ops ihttp_conn_ops = {
	.on_open = ihttp_on_open,
	.on_data = ihttp_on_data,
	.on_close = ihttp_on_close,
};

void ihttp_server_init(struct ihttp_server *srv, struct ingest *ig, const struct ihttp_opts *o)
{
	memset(srv, 0, sizeof(*srv));
	srv->ig = ig;
	srv->o = *o;
	if (!srv->o.receiver)
		srv->o.receiver = "otlp";
	size_t n = 0;
	for (int s = 0; s < OTLP_SIGNAL_COUNT; s++) {
		if (!srv->o.paths[s])
			srv->o.paths[s] = otlp_signal_get((enum otlp_signal)s)->http_path;
		if (!srv->o.routes[s].out || n >= sizeof(srv->served))
			continue;
		int k = snprintf(srv->served + n, sizeof(srv->served) - n, "%s%s", n ? ", " : "",
				 srv->o.paths[s]);
		n += k > 0 ? (size_t)k : 0;
	}
	if (n == 0)
		snprintf(srv->served, sizeof(srv->served), "no path (no pipeline takes from it)");
}

void ihttp_server_drain(struct ihttp_server *srv)
{
	srv->draining = true;
	struct ihttp_conn *next;
	for (struct ihttp_conn *hc = srv->conns; hc; hc = next) {
		next = hc->next;
		if (!hc->in_request && !hc->waiting && !hc->closing) {
			hc->closing = true;
			net_conn_close(hc->c);
		}
	}
}
