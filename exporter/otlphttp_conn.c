/* otlphttp_conn.c: one connection of the otlphttp pool, one request at a
 * time: compress (exporter/xcompress.h: on the worker from XC_MIN bytes,
 * else inline), connect (and TLS) when down, write the head and the body
 * by reference, parse the answer (HTTP/1.1, chunked or close-delimited
 * bodies, Retry-After, partial_success), time out, retry once on a fresh
 * connection when a kept-alive one turns out closed, and hand the outcome
 * to the engine only once the body's memory is no longer being sent.
 * The pool and the wait queue are otlphttp.c's. */
#include "exporter/otlphttp_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/tls.h"

static void hc_send(struct hconn *hc, const uint8_t *body, size_t len);
static void hc_on_close(struct net_conn *c, int reason);
static void hc_on_data(struct net_conn *c, const uint8_t *data, size_t len);
static const struct net_conn_ops hc_ops = { .on_data = hc_on_data, .on_close = hc_on_close };

/* Hands the outcome to the engine; the connection is free again. The
 * body was sent by reference (it lives in the ring or the attempt), so the
 * engine may only hear the outcome, and let the ring reuse that memory,
 * once the loop is done sending it: until then the outcome waits. */
static void hc_finish_now(struct hconn *hc, const struct outcome *o);

static void hc_finish(struct hconn *hc, const struct outcome *o)
{
	if (hc->ref_pending) {
		hc->out = *o;
		snprintf(hc->out_reason, sizeof(hc->out_reason), "%s", o->reason ? o->reason : "");
		hc->out.reason = hc->out_reason;
		hc->have_out = true;
		return;
	}
	hc_finish_now(hc, o);
}

static void hc_sent(struct net_conn *c, void *arg, int status)
{
	(void)c;
	(void)status;
	struct hconn *hc = arg;
	hc->ref_pending = false;
	if (hc->restart) {
		hc->restart = false;
		hc_start(hc, hc->a);
		return;
	}
	if (hc->have_out) {
		hc->have_out = false;
		struct outcome o = hc->out;
		hc_finish_now(hc, &o);
	}
}

static void hc_finish_now(struct hconn *hc, const struct outcome *o)
{
	struct attempt *a = hc->a;
	hc->a = NULL;
	net_timer_cancel(hc->t->loop, &hc->tmo);
	if (hc->c && !hc->keep_alive && hc->state == HC_OPEN) {
		hc->state = HC_CLOSING;
		net_conn_close(hc->c);
	}
	deliver_complete(a, o);
	hx_next(hc->t, hc);
}

static void hc_answer(struct hconn *hc)
{
	hc->served++;
	char reason[200];
	struct outcome o = { .cls = retry_class_http(hc->status),
			     .status = hc->status,
			     .hint_ms = hc->hint_ms,
			     .reason = reason };
	size_t shown = 0;
	char text[121];
	for (size_t i = 0; i < hc->klen && shown < sizeof(text) - 1; i++) {
		uint8_t ch = hc->keep[i];
		text[shown++] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
	}
	text[shown] = 0;
	if (o.cls == RETRY_OK && hc->is_proto && hc->klen) {
		const char *m;
		size_t ml;
		int64_t rej = otlp_partial_rejected(hc->keep, hc->klen, &m, &ml);
		if (rej > 0) {
			o.rejected = (uint64_t)rej;
			snprintf(reason, sizeof(reason), "partial success: %.*s", (int)(ml > 150 ? 150 : ml),
				 m ? m : "");
		} else {
			snprintf(reason, sizeof(reason), "http status %d", hc->status);
		}
	} else {
		snprintf(reason, sizeof(reason), "http status %d%s%s", hc->status, shown ? ": " : "",
			 hc->is_proto ? "" : text);
	}
	hc_finish(hc, &o);
}

static void hc_fail(struct hconn *hc, const char *why)
{
	struct outcome o = { .cls = RETRY_AGAIN, .status = 0, .hint_ms = -1, .reason = why };
	hc_finish(hc, &o);
}

void hc_timeout(struct net_timer *tm, void *arg)
{
	(void)tm;
	struct hconn *hc = arg;
	if (!hc->a || !hc->c)
		return;
	hc->timed_out = true;
	hc->keep_alive = false;
	net_conn_abort(hc->c); /* on_close reports the timeout */
}

static void hc_on_close(struct net_conn *c, int reason)
{
	struct hconn *hc = net_conn_udata(c);
	if (!hc)
		return; /* the transport is gone */
	if (hc->t->stats)
		stats_add(hc->t->stats, STAT_CONNECTIONS_OPEN, (uint64_t)-1);
	hc->c = NULL;
	hc->state = HC_DOWN;
	uint32_t served = hc->served;
	hc->served = 0;
	if (hc->compressing)
		return; /* nothing of this request was sent: hc_send connects anew */
	if (hc->a && hc->head_done && !hc->timed_out && http1_body_eof(&hc->body) == 1) {
		hc->keep_alive = false; /* a body delimited by the close: complete */
		hc_answer(hc);
		return;
	}
	if (hc->a && served > 0 && !hc->fresh_try && !hc->timed_out && !hc->head_done && hc->rlen == 0) {
		/* A kept-alive connection the backend had already closed (its
		 * idle timeout) fails the next request before any answer: that
		 * is no verdict on the batch, so try once more on a fresh
		 * connection at once instead of backing off. */
		hc->fresh_try = true;
		if (hc->ref_pending)
			hc->restart = true;
		else
			hc_start(hc, hc->a);
		return;
	}
	if (hc->a) {
		char why[160];
		if (hc->timed_out)
			snprintf(why, sizeof(why), "timeout after %u ms", hc->t->timeout_ms);
		else if (*net_conn_error(c))
			snprintf(why, sizeof(why), "connection: %s", net_conn_error(c));
		else if (reason == 0)
			snprintf(why, sizeof(why), "connection closed by the backend before an answer");
		else
			snprintf(why, sizeof(why), "connection: %s", strerror(-reason));
		hc->keep_alive = false;
		hc_fail(hc, why);
	} else {
		hx_next(hc->t, hc);
	}
}

static void hc_body(struct hconn *hc, const uint8_t *in, size_t len)
{
	while (hc->a) {
		uint8_t tmp[4096];
		size_t used = 0, out = 0;
		int rc = http1_body_decode(&hc->body, (const char *)in, len, &used, (char *)tmp, sizeof(tmp),
					   &out);
		if (out && hc->klen < HC_KEEP) {
			size_t k = HC_KEEP - hc->klen < out ? HC_KEEP - hc->klen : out;
			memcpy(hc->keep + hc->klen, tmp, k);
			hc->klen += k;
		}
		in += used;
		len -= used;
		if (rc == 1) {
			hc_answer(hc);
			return;
		}
		if (rc < 0) {
			hc->keep_alive = false;
			if (hc->c)
				net_conn_abort(hc->c);
			return;
		}
		if (used == 0 && out == 0)
			return;
	}
}

static void hc_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct hconn *hc = net_conn_udata(c);
	if (!hc) {
		net_conn_abort(c);
		return;
	}
	if (!hc->a) { /* nobody asked: a confused backend */
		hc->keep_alive = false;
		net_conn_abort(c);
		return;
	}
	if (hc->head_done) {
		hc_body(hc, data, len);
		return;
	}
	if (hc->rlen + len > sizeof(hc->rbuf)) {
		net_conn_abort(c);
		return;
	}
	memcpy(hc->rbuf + hc->rlen, data, len);
	hc->rlen += len;
	struct http1_header hdrs[64];
	struct http1_response resp;
	int rc;
reparse:
	memset(&resp, 0, sizeof(resp));
	resp.m.headers = hdrs;
	resp.m.max_headers_in = 64;
	rc = http1_parse_response(hc->rbuf, hc->rlen, hc->last_len, NULL, &resp);
	if (rc == HTTP1_PARTIAL) {
		hc->last_len = hc->rlen;
		return;
	}
	if (rc < 0) {
		net_conn_abort(c);
		return;
	}
	if (resp.status >= 100 && resp.status < 200) { /* 100 Continue: skip it */
		memmove(hc->rbuf, hc->rbuf + rc, hc->rlen - (size_t)rc);
		hc->rlen -= (size_t)rc;
		hc->last_len = 0;
		goto reparse;
	}
	hc->head_done = true;
	hc->status = resp.status;
	hc->keep_alive = resp.m.keep_alive;
	const struct http1_header *h = http1_find_header(&resp.m, "retry-after");
	hc->hint_ms = -1;
	if (h) {
		int64_t ms = retry_parse_after(h->value, h->value_len, (int64_t)time(NULL));
		if (ms >= 0)
			hc->hint_ms = ms;
	}
	h = http1_find_header(&resp.m, "content-type");
	hc->is_proto = h && h->value_len >= 22 && strncasecmp(h->value, "application/x-protobuf", 22) == 0;
	http1_body_init(&hc->body, &resp.m, 1u << 20);
	if (resp.m.body_kind == HTTP1_BODY_NONE) {
		hc_answer(hc);
		return;
	}
	hc_body(hc, (const uint8_t *)hc->rbuf + rc, hc->rlen - (size_t)rc);
}

/* The body is compressed (on the worker or inline): send it. */
void hc_compressed(struct xcomp_job *job)
{
	struct hconn *hc = job->arg;
	hc->compressing = false;
	if (job->result < 0) {
		hc_fail(hc, job->result == -ENOMEM ? "out of memory for compression" : "compression failed");
		return;
	}
	hc_send(hc, hc->gz, (size_t)job->result);
}

void hc_start(struct hconn *hc, struct attempt *a)
{
	struct httpx *t = hc->t;
	hc->a = a;
	hc->timed_out = false;
	hc->head_done = false;
	hc->rlen = hc->last_len = hc->klen = 0;
	hc->status = 0;
	hc->hint_ms = -1;
	hc->keep_alive = true;
	if (t->comp == CODEC_NONE) {
		hc_send(hc, a->body, a->len);
		return;
	}
	hc->job = (struct xcomp_job){ .in = a->body,
				      .len = a->len,
				      .out = &hc->gz,
				      .cap = &hc->gzcap,
				      .codec = t->comp,
				      .level = t->level,
				      .arg = hc };
	/* done runs only from the loop, so the flag is set in time */
	hc->compressing = xcomp_start(t->xc, &t->cx, &hc->job);
	if (!hc->compressing)
		hc_compressed(&hc->job);
}

static void hc_send(struct hconn *hc, const uint8_t *body, size_t len)
{
	struct httpx *t = hc->t;
	if (!hc->c) {
		int rc = net_connect(t->loop, (struct sockaddr *)&t->sa, t->salen, &hc_ops, hc, &hc->c);
		if (rc == 0 && net_conn_start_tls(hc->c, t->tls, t->host) < 0) {
			net_conn_set_udata(hc->c, NULL);
			net_conn_abort(hc->c);
			rc = -ENOMEM;
		}
		if (rc == 0 && t->stats) {
			stats_add(t->stats, STAT_CONNECTIONS_TOTAL, 1);
			stats_add(t->stats, STAT_CONNECTIONS_OPEN, 1);
		}
		if (rc < 0) {
			hc->c = NULL;
			char why[120];
			snprintf(why, sizeof(why), "connect: %s", strerror(-rc));
			hc_fail(hc, why);
			return;
		}
		hc->state = HC_OPEN;
	}
	char head[4096];
	ssize_t hl = http1_format_request_head(head, sizeof(head), "POST", t->path, t->hostport, t->hdrs,
					       t->nh, len, 0);
	hc->have_out = false;
	if (hl < 0 || net_conn_send(hc->c, head, (size_t)hl) < 0) {
		hc->keep_alive = false;
		net_conn_abort(hc->c); /* on_close reports it */
		return;
	}
	hc->ref_pending = true;
	if (net_conn_send_ref(hc->c, body, len, hc_sent, hc) < 0) {
		hc->ref_pending = false;
		hc->keep_alive = false;
		net_conn_abort(hc->c); /* on_close reports it */
		return;
	}
	net_timer_arm(t->loop, &hc->tmo, t->timeout_ms);
}
