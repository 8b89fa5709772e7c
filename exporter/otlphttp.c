/* OTLP/HTTP client: a small pool of keep-alive connections on the loop.
 * Bodies of XC_MIN bytes and more (a batch of a thousand spans and up) are
 * compressed on a worker thread (exporter/xcompress.h) while the loop
 * serves the other connections; the connection is only used (connected,
 * written) once its body is ready. The transport is freed only from the
 * stage's teardown, never from inside a completion, so the worker's
 * callback loop never sees it go. One connection's state machine is
 * otlphttp_conn.c; this file is the pool, its wait queue, setup and
 * teardown. */
#include "exporter/otlphttp_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/codec.h"
#include "net/tls.h"
#include "exporter/xcompress.h"

void hx_next(struct httpx *t, struct hconn *hc)
{
	if (!t->wq_len || hc->a || hc->state == HC_CLOSING)
		return;
	struct attempt *a = t->wq[t->wq_head];
	t->wq_head = (t->wq_head + 1) % t->wq_cap;
	t->wq_len--;
	hc->fresh_try = false;
	hc_start(hc, a);
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
	struct xheader_view hv[HX_MAX_HDRS];
	t->strs = xheader_copy(o->headers, o->n_headers, false, hv);
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
	for (unsigned i = 0; i < o->n_headers; i++)
		t->hdrs[t->nh++] = (struct http1_header){ hv[i].name, hv[i].name_len, hv[i].value,
							  hv[i].value_len };
	codec_ctx_init(&t->cx);
	if (t->comp != CODEC_NONE && xcomp_new(loop, hc_compressed, &t->xc) < 0)
		t->xc = NULL; /* no thread: compress inline, as before */
	*tp = t;
	*ops = &hx_ops;
	return 0;
}
