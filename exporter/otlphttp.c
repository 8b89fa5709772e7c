/* OTLP/HTTP client: a small pool of keep-alive connections on the loop.
 * Bodies of XC_MIN bytes and more (a batch of a thousand spans and up) are
 * compressed on a worker thread (exporter/xcompress.h) while the loop
 * serves the other connections; the connection is only used (connected,
 * written) once its body is ready. The transport is freed only from the
 * stage's teardown, never from inside a completion, so the worker's
 * callback loop never sees it go. */
#include "exporter/otlphttp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/codec.h"
#include "net/http1.h"
#include "net/tls.h"
#include "exporter/xcompress.h"

#define HC_RBUF 16384 /* response head + start of body */
#define HC_KEEP 1024  /* response body bytes kept for reasons/partial */
#define HX_MAX_HDRS 32

enum hc_state {
	HC_DOWN = 0,
	HC_OPEN,
	HC_CLOSING
};

struct hconn {
	struct httpx *t;
	struct net_conn *c;
	enum hc_state state;
	struct attempt *a; /* request in progress, NULL = idle */
	bool timed_out;
	bool head_done;
	size_t rlen, last_len;
	int status;
	int64_t hint_ms;
	bool keep_alive, is_proto;
	struct http1_body body;
	size_t klen;
	struct net_timer tmo;
	uint32_t served;  /* answers received on this connection */
	bool fresh_try;	  /* this request already moved to a fresh connection */
	bool restart;	  /* move it once the old send is released */
	bool ref_pending; /* the body is queued by reference */
	bool have_out;	  /* outcome waiting for that send to finish */
	struct outcome out;
	char out_reason[240];
	uint8_t *gz; /* this connection's compressed body */
	size_t gzcap;
	struct xcomp_job job; /* its compression, when on the worker */
	bool compressing;     /* job is with the worker: gz is not ours */
	char rbuf[HC_RBUF];
	uint8_t keep[HC_KEEP];
};

struct httpx {
	struct net_loop *loop;
	struct stage_stats *stats;
	struct sockaddr_storage sa;
	socklen_t salen;
	char hostport[300];
	char host[256];	     /* for TLS: SNI and verification (server_name) */
	struct net_tls *tls; /* NULL: plain http */
	char path[512];
	struct http1_header hdrs[HX_MAX_HDRS];
	unsigned nh;
	char *strs; /* copies of header names/values */
	enum codec comp;
	int level;
	uint32_t timeout_ms;
	struct hconn *conns;
	unsigned nconn;
	struct attempt **wq; /* FIFO of attempts waiting for a connection */
	unsigned wq_head, wq_len, wq_cap;
	struct codec_ctx cx;
	struct xcomp *xc; /* compression worker; NULL: compress inline */
};

static void hc_start(struct hconn *hc, struct attempt *a);
static void hc_send(struct hconn *hc, const uint8_t *body, size_t len);
static void hc_on_close(struct net_conn *c, int reason);
static void hc_on_data(struct net_conn *c, const uint8_t *data, size_t len);
static const struct net_conn_ops hc_ops = { .on_data = hc_on_data, .on_close = hc_on_close };

static void hx_next(struct httpx *t, struct hconn *hc)
{
	if (!t->wq_len || hc->a || hc->state == HC_CLOSING)
		return;
	struct attempt *a = t->wq[t->wq_head];
	t->wq_head = (t->wq_head + 1) % t->wq_cap;
	t->wq_len--;
	hc->fresh_try = false;
	hc_start(hc, a);
}

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

static void hc_timeout(struct net_timer *tm, void *arg)
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
static void hc_compressed(struct xcomp_job *job)
{
	struct hconn *hc = job->arg;
	hc->compressing = false;
	if (job->result < 0) {
		hc_fail(hc, job->result == -ENOMEM ? "out of memory for compression" : "compression failed");
		return;
	}
	hc_send(hc, hc->gz, (size_t)job->result);
}

static void hc_start(struct hconn *hc, struct attempt *a)
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

static int hx_send(void *tp, struct attempt *a)
{
	struct httpx *t = tp;
	struct hconn *down = NULL;
	for (unsigned i = 0; i < t->nconn; i++) {
		struct hconn *hc = &t->conns[i];
		if (hc->a)
			continue;
		if (hc->state == HC_OPEN) {
			hc->fresh_try = false;
			hc_start(hc, a);
			return 0;
		}
		if (hc->state == HC_DOWN && !down)
			down = hc;
	}
	if (down) {
		down->fresh_try = false;
		hc_start(down, a);
		return 0;
	}
	if (t->wq_len == t->wq_cap) {
		unsigned nc = t->wq_cap ? t->wq_cap * 2 : 64;
		struct attempt **nq = malloc(nc * sizeof(*nq));
		if (!nq)
			return -ENOMEM;
		for (unsigned i = 0; i < t->wq_len; i++)
			nq[i] = t->wq[(t->wq_head + i) % t->wq_cap];
		free(t->wq);
		t->wq = nq;
		t->wq_cap = nc;
		t->wq_head = 0;
	}
	t->wq[(t->wq_head + t->wq_len++) % t->wq_cap] = a;
	return 0;
}

static void hx_free(void *tp)
{
	struct httpx *t = tp;
	if (!t)
		return;
	xcomp_free(t->xc); /* joined: no job touches the buffers below any more */
	for (unsigned i = 0; i < t->nconn; i++) {
		net_timer_cancel(t->loop, &t->conns[i].tmo);
		if (t->conns[i].c) {
			net_conn_set_udata(t->conns[i].c, NULL);
			t->conns[i].a = NULL;
		}
	}
	for (unsigned i = 0; i < t->nconn; i++)
		free(t->conns[i].gz);
	codec_ctx_free(&t->cx);
	net_tls_free(t->tls);
	free(t->wq);
	free(t->strs);
	free(t->conns);
	free(t);
}

static const struct transport_ops hx_ops = { .send = hx_send, .free = hx_free };

int otlphttp_new(struct net_loop *loop, const struct otlphttp_opts *o, void **tp,
		 const struct transport_ops **ops, char *err, size_t errlen)
{
	char host[256], prefix[400];
	uint16_t port;
	const char *ep = o->endpoint ? o->endpoint : "";
	bool https = strncmp(ep, "https://", 8) == 0;
	if (otlphttp_parse_endpoint(https ? ep + 8 : ep, host, sizeof(host), &port, prefix, sizeof(prefix)) <
	    0) {
		snprintf(err, errlen, "otlphttp endpoint \"%s\": want http[s]://host:port[/path]", ep);
		return -EINVAL;
	}
	if (o->n_headers + 2 > HX_MAX_HDRS) {
		snprintf(err, errlen, "otlphttp: at most %d headers", HX_MAX_HDRS - 2);
		return -EINVAL;
	}
	struct httpx *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->loop = loop;
	t->stats = o->stats;
	snprintf(t->host, sizeof(t->host), "%s", o->server_name && *o->server_name ? o->server_name : host);
	if (https && o->tls) {
		t->tls = net_tls_ref(o->tls);
	} else if (https) {
		/* https:// with no tls settings: verify against the system CAs. */
		struct net_tls_client_config tc = { 0 };
		int trc = net_tls_client_new(&t->tls, &tc, "http/1.1", err, errlen);
		if (trc < 0) {
			free(t);
			return trc;
		}
	}
	int rc = net_resolve(host, port, &t->sa, &t->salen);
	if (rc < 0) {
		snprintf(err, errlen, "otlphttp endpoint %s:%u: cannot resolve (%s)", host, port,
			 strerror(-rc));
		net_tls_free(t->tls);
		free(t);
		return rc;
	}
	snprintf(t->hostport, sizeof(t->hostport), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
	const struct otlp_signal_desc *sd = otlp_signal_get(o->signal);
	if (o->path && *o->path)
		snprintf(t->path, sizeof(t->path), "%s", o->path);
	else
		snprintf(t->path, sizeof(t->path), "%s%s", prefix, sd ? sd->http_path : "/v1/traces");
	if (codec_level_check(o->compression, o->compression_level) < 0) {
		snprintf(err, errlen, "otlphttp: compression level %d is out of range for %s",
			 o->compression_level, codec_name(o->compression));
		net_tls_free(t->tls);
		free(t);
		return -EINVAL;
	}
	t->comp = o->compression;
	t->level = o->compression_level;
	t->timeout_ms = o->timeout_ms ? o->timeout_ms : 30000;
	t->nconn = o->connections ? o->connections : 1;
	t->conns = calloc(t->nconn, sizeof(*t->conns));
	size_t slen = 0;
	for (unsigned i = 0; i < o->n_headers; i++)
		slen += strlen(o->headers[i].name) + strlen(o->headers[i].value) + 2;
	t->strs = malloc(slen + 1);
	if (!t->conns || !t->strs) {
		hx_free(t);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < t->nconn; i++) {
		t->conns[i].t = t;
		net_timer_init(&t->conns[i].tmo, hc_timeout, &t->conns[i]);
	}
	t->hdrs[t->nh++] = (struct http1_header){ "Content-Type", 12, "application/x-protobuf", 22 };
	if (t->comp != CODEC_NONE)
		t->hdrs[t->nh++] = (struct http1_header){ "Content-Encoding", 16, codec_name(t->comp),
							  strlen(codec_name(t->comp)) };
	char *s = t->strs;
	for (unsigned i = 0; i < o->n_headers; i++) {
		size_t nl = strlen(o->headers[i].name), vl = strlen(o->headers[i].value);
		memcpy(s, o->headers[i].name, nl + 1);
		memcpy(s + nl + 1, o->headers[i].value, vl + 1);
		t->hdrs[t->nh++] = (struct http1_header){ s, nl, s + nl + 1, vl };
		s += nl + vl + 2;
	}
	codec_ctx_init(&t->cx);
	if (t->comp != CODEC_NONE && xcomp_new(loop, hc_compressed, &t->xc) < 0)
		t->xc = NULL; /* no thread: compress inline, as before */
	*tp = t;
	*ops = &hx_ops;
	return 0;
}
