/* tools/gen/gen_http.c: OTLP/HTTP (protobuf or JSON) senders, one request in
 * flight per keep-alive connection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "net/http1.h"
#include "net/tls.h"
#include "tools/gen/gen.h"

#define GEN_RESP_MAX 65536

struct gen_http {
	struct gen *g;
	struct net_conn *c;
	struct gen_body body;
	bool busy, connected;
	uint64_t first_id, sent_ns;
	struct net_timer reconnect;
	size_t rlen, rlast;
	char resp[GEN_RESP_MAX];
};

static const struct net_conn_ops gen_http_ops;

/* The body is the slot's, untouched until the answer came. */
static void gen_http_sent(struct net_conn *c, void *arg, int status)
{
	(void)c, (void)arg, (void)status;
}

static void gen_http_connect(struct gen_http *h)
{
	h->rlen = h->rlast = 0;
	int err = net_connect(h->g->loop, (struct sockaddr *)&h->g->sa, h->g->salen, &gen_http_ops, h, &h->c);
	if (err < 0) {
		h->c = NULL;
		net_timer_arm(h->g->loop, &h->reconnect, 100);
	} else if (net_conn_start_tls(h->c, h->g->tls, h->g->o.host) < 0) {
		net_conn_abort(h->c); /* on_close reconnects */
	}
}

static void gen_http_reconnect_due(struct net_timer *t, void *arg)
{
	(void)t;
	struct gen_http *h = arg;
	if (!h->g->stopping)
		gen_http_connect(h);
}

static void gen_http_send(struct gen_http *h)
{
	struct gen *g = h->g;
	if (h->busy || !h->c || !h->connected || g->stopping || !gen_may_send(g))
		return;
	h->first_id = gen_take_ids(g, h->body.req.n_spans);
	h->sent_ns = net_loop_now_ns(g->loop);
	if (gen_body_make(g, &h->body, h->first_id) < 0) {
		g->stopping = true;
		return;
	}
	const char *ctype = g->o.proto == GEN_HTTP_JSON ? "application/json" : "application/x-protobuf";
	const char *enc = codec_name(g->o.codec);
	char head[512];
	struct http1_header hdr[2] = { { "Content-Type", 12, ctype, strlen(ctype) },
				       { "Content-Encoding", 16, enc, strlen(enc) } };
	ssize_t n = http1_format_request_head(head, sizeof(head), "POST", g->o.path, g->o.host, hdr,
					      g->o.codec == CODEC_NONE ? 1 : 2, h->body.out_len, 0);
	if (n < 0 || net_conn_send(h->c, head, (size_t)n) < 0 ||
	    net_conn_send_ref(h->c, h->body.out, h->body.out_len, gen_http_sent, NULL) < 0) {
		net_conn_abort(h->c);
		return;
	}
	h->busy = true;
	g->inflight++;
	g->n.sent_req++;
	g->n.sent_spans += h->body.req.n_spans;
}

static void gen_http_on_open(struct net_conn *c, int status)
{
	struct gen_http *h = net_conn_udata(c);
	if (status == 0) {
		h->connected = true;
		gen_http_send(h);
	}
}

static void gen_http_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct gen_http *h = net_conn_udata(c);
	if (len > sizeof(h->resp) - h->rlen) {
		net_conn_abort(c);
		return;
	}
	memcpy(h->resp + h->rlen, data, len);
	h->rlast = h->rlen;
	h->rlen += len;
	for (;;) {
		struct http1_header hdrs[32];
		struct http1_response resp = { .m = { .headers = hdrs, .max_headers_in = 32 } };
		int hl = http1_parse_response(h->resp, h->rlen, h->rlast, NULL, &resp);
		if (hl == HTTP1_PARTIAL)
			return;
		if (hl < 0 || resp.m.body_kind != HTTP1_BODY_LENGTH || !h->busy) {
			net_conn_abort(c);
			return;
		}
		size_t total = (size_t)hl + (size_t)resp.m.content_length;
		if (total > h->rlen)
			return;
		enum gen_outcome oc = resp.status == 200			 ? GEN_ACKED
				      : resp.status == 429 || resp.status == 503 ? GEN_REFUSED
										 : GEN_FAILED;
		if (oc == GEN_FAILED && h->g->n.failed_req < 3)
			log_msg(LOG_WARN, "HTTP %d: %.*s", resp.status, (int)resp.m.content_length,
				h->resp + hl);
		h->busy = false;
		h->g->inflight--;
		gen_record(h->g, oc, h->first_id, h->body.req.n_spans, h->sent_ns);
		memmove(h->resp, h->resp + total, h->rlen - total);
		h->rlen -= total;
		h->rlast = 0;
		if (!resp.m.keep_alive) {
			net_conn_close(c);
			return;
		}
		gen_http_send(h);
		if (h->rlen == 0)
			return;
	}
}

static void gen_http_on_close(struct net_conn *c, int reason)
{
	struct gen_http *h = net_conn_udata(c);
	if (reason < 0 && *net_conn_error(c) && h->g->conn_errors_logged++ < 3)
		log_msg(LOG_WARN, "HTTP connection: %s", net_conn_error(c));
	h->c = NULL;
	h->connected = false;
	if (h->busy) {
		/* The answer was lost: the outcome is unknown, count it failed. */
		h->busy = false;
		h->g->inflight--;
		gen_record(h->g, GEN_FAILED, h->first_id, h->body.req.n_spans, h->sent_ns);
	}
	if (!h->g->stopping)
		net_timer_arm(h->g->loop, &h->reconnect, 100);
}

static const struct net_conn_ops gen_http_ops = {
	.on_open = gen_http_on_open,
	.on_data = gen_http_on_data,
	.on_close = gen_http_on_close,
};

int gen_http_start(struct gen *g)
{
	struct gen_http *hs = calloc(g->o.connections, sizeof(*hs));
	if (!hs)
		return -ENOMEM;
	g->senders = hs;
	for (uint32_t i = 0; i < g->o.connections; i++) {
		struct gen_http *h = &hs[i];
		h->g = g;
		net_timer_init(&h->reconnect, gen_http_reconnect_due, h);
		int err = gen_body_init(g, &h->body, g->next_id ^ i);
		if (err < 0)
			return err;
		gen_http_connect(h);
	}
	return 0;
}

void gen_http_kick(struct gen *g)
{
	struct gen_http *hs = g->senders;
	for (uint32_t i = 0; i < g->o.connections; i++) {
		if (g->stopping && hs[i].c && !hs[i].busy) {
			net_conn_close(hs[i].c);
			continue;
		}
		gen_http_send(&hs[i]);
	}
}

void gen_http_free(struct gen *g)
{
	struct gen_http *hs = g->senders;
	if (!hs)
		return;
	for (uint32_t i = 0; i < g->o.connections; i++)
		gen_body_free(&hs[i].body);
	free(hs);
	g->senders = NULL;
}
