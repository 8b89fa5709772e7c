/* The prometheus exporter: a store fed by transports, a small HTTP/1.1
 * server that renders it on GET /metrics. */
#include "exporter/promx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "net/http1.h"

#define PX_HEAD_MAX 8192 /* request head bytes a conn may buffer */
#define PX_IDLE_MS 60000
#define PX_RENDER_FIRST (64u << 10)

struct pconn {
	struct promx *p;
	struct net_conn *c;
	struct pconn *prev, *next;
	size_t len, last_len;
	bool closing;
	char buf[PX_HEAD_MAX];
};

struct promx {
	struct net_loop *loop;
	char name[64];
	struct prom_store *store;
	struct net_listener *l;
	bool open_metrics;
	unsigned refs;	    /* transports that store into it */
	struct pconn conns; /* circular list, sentinel */
	char *render;	    /* the last rendering (grows) */
	size_t render_cap;
	uint64_t scrapes;
};

/* ---- transport ---- */

static int px_send(void *tp, struct attempt *a)
{
	struct promx *p = tp;
	int n = prom_store_add_request(p->store, a->body, a->len, net_loop_now_ns(p->loop));
	struct outcome o = { .cls = RETRY_OK, .hint_ms = -1, .reason = "stored" };
	if (n < 0) /* does not parse now, never will */
		o = (struct outcome){ .cls = RETRY_PERMANENT,
				      .hint_ms = -1,
				      .reason = "prometheus: not an ExportMetricsServiceRequest" };
	deliver_complete(a, &o);
	return 0;
}

static void px_release(void *tp)
{
	struct promx *p = tp;
	if (p && p->refs)
		p->refs--;
}

static const struct transport_ops px_ops = { .send = px_send, .free = px_release };

int promx_transport(struct promx *p, void **t, const struct transport_ops **ops)
{
	p->refs++;
	*t = p;
	*ops = &px_ops;
	return 0;
}

/* ---- HTTP ---- */

static void pc_unlink(struct pconn *pc)
{
	pc->prev->next = pc->next;
	pc->next->prev = pc->prev;
	pc->prev = pc->next = pc;
}

static int pc_answer(struct pconn *pc, int status, const char *ctype, const char *body, size_t len,
		     bool head_only, bool close)
{
	struct http1_header h[2];
	unsigned n = 0;
	char hb[512];
	if (ctype)
		h[n++] = (struct http1_header){ "Content-Type", 12, ctype, strlen(ctype) };
	if (status == 405)
		h[n++] = (struct http1_header){ "Allow", 5, "GET, HEAD", 9 };
	ssize_t hl = http1_format_response_head(hb, sizeof(hb), status, NULL, h, n, len,
						close ? HTTP1_F_CLOSE : 0);
	if (hl < 0 || net_conn_send(pc->c, hb, (size_t)hl) < 0)
		return -EPIPE;
	if (!head_only && len && net_conn_send(pc->c, body, len) < 0)
		return -EPIPE;
	if (close) {
		pc->closing = true;
		net_conn_close(pc->c);
	}
	return 0;
}

static const char *pc_render(struct promx *p, enum prom_format f, size_t *len)
{
	uint64_t now = net_loop_now_ns(p->loop);
	for (int tries = 0; tries < 4; tries++) {
		size_t need = prom_render(p->store, f, now, p->render, p->render ? p->render_cap : 0);
		if (p->render && need <= p->render_cap) {
			*len = need;
			return p->render;
		}
		size_t cap = need + need / 4 + PX_RENDER_FIRST;
		char *nb = realloc(p->render, cap);
		if (!nb)
			return NULL;
		p->render = nb;
		p->render_cap = cap;
	}
	return NULL;
}

static bool target_is_metrics(const char *t, size_t l)
{
	const char *q = memchr(t, '?', l);
	if (q)
		l = (size_t)(q - t);
	return l == 8 && !memcmp(t, "/metrics", 8);
}

/* One complete request head at pc->buf: answers it. Returns the head's
 * length, or 0 when the conn is closing. */
static size_t pc_request(struct pconn *pc, const struct http1_request *rq, size_t head)
{
	struct promx *p = pc->p;
	bool get = rq->method_len == 3 && !memcmp(rq->method, "GET", 3);
	bool hd = rq->method_len == 4 && !memcmp(rq->method, "HEAD", 4);
	/* a scrape has no body; one with a body is not worth framing */
	bool close = !rq->m.keep_alive || rq->m.body_kind != HTTP1_BODY_NONE;
	if (!target_is_metrics(rq->target, rq->target_len)) {
		static const char nf[] = "404 page not found: the metrics are on /metrics\n";
		pc_answer(pc, 404, "text/plain; charset=utf-8", nf, sizeof(nf) - 1, hd, close);
	} else if (!get && !hd) {
		static const char na[] = "405 method not allowed: GET or HEAD /metrics\n";
		pc_answer(pc, 405, "text/plain; charset=utf-8", na, sizeof(na) - 1, false, close);
	} else {
		enum prom_format f = PROM_TEXT;
		const struct http1_header *acc = http1_find_header(&rq->m, "accept");
		if (p->open_metrics && acc) {
			char a[512];
			snprintf(a, sizeof(a), "%.*s", (int)acc->value_len, acc->value);
			f = prom_format_for(a);
		}
		size_t len = 0;
		const char *body = pc_render(p, f, &len);
		p->scrapes++;
		if (!body) {
			static const char oom[] = "500: out of memory rendering the metrics\n";
			pc_answer(pc, 500, "text/plain; charset=utf-8", oom, sizeof(oom) - 1, hd, true);
		} else {
			pc_answer(pc, 200, prom_content_type(f), body, len, hd, close);
		}
	}
	return pc->closing ? 0 : head;
}

static void pc_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct pconn *pc = net_conn_udata(c);
	if (!pc || pc->closing)
		return;
	if (len > sizeof(pc->buf) - pc->len) {
		pc_answer(pc, 431, NULL, NULL, 0, false, true);
		return;
	}
	memcpy(pc->buf + pc->len, data, len);
	pc->len += len;
	while (pc->len && !pc->closing) { /* pipelined requests, one at a time */
		struct http1_header hdrs[32];
		struct http1_request rq = { .m = { .headers = hdrs, .max_headers_in = 32 } };
		struct http1_limits lim;
		http1_limits_default(&lim);
		lim.max_header_bytes = PX_HEAD_MAX;
		int rc = http1_parse_request(pc->buf, pc->len, pc->last_len, &lim, &rq);
		if (rc == HTTP1_PARTIAL) {
			pc->last_len = pc->len;
			return;
		}
		if (rc < 0) {
			pc_answer(pc, http1_error_status(rc), NULL, NULL, 0, false, true);
			return;
		}
		size_t used = pc_request(pc, &rq, (size_t)rc);
		if (!used)
			return;
		memmove(pc->buf, pc->buf + used, pc->len - used);
		pc->len -= used;
		pc->last_len = 0;
	}
}

static void pc_on_open(struct net_conn *c, int status)
{
	struct promx *p = net_conn_udata(c);
	net_conn_set_udata(c, NULL);
	if (status < 0)
		return;
	struct pconn *pc = calloc(1, sizeof(*pc));
	if (!pc) {
		net_conn_abort(c);
		return;
	}
	pc->p = p;
	pc->c = c;
	pc->next = p->conns.next;
	pc->prev = &p->conns;
	p->conns.next->prev = pc;
	p->conns.next = pc;
	net_conn_set_udata(c, pc);
	net_conn_set_idle_timeout(c, PX_IDLE_MS);
}

static void pc_on_close(struct net_conn *c, int reason)
{
	(void)reason;
	struct pconn *pc = net_conn_udata(c);
	if (!pc)
		return; /* refused at open, or the exporter is gone */
	pc_unlink(pc);
	free(pc);
}

static const struct net_conn_ops pc_ops = {
	.on_open = pc_on_open,
	.on_data = pc_on_data,
	.on_close = pc_on_close,
};

int promx_open(struct net_loop *loop, const struct promx_opts *o, struct promx **out, char *err,
	       size_t errlen)
{
	struct promx *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->loop = loop;
	snprintf(p->name, sizeof(p->name), "%s", o->name ? o->name : "prometheus");
	p->open_metrics = o->open_metrics;
	p->conns.next = p->conns.prev = &p->conns;
	int rc = prom_store_new(&p->store, &o->store);
	if (rc < 0) {
		snprintf(err, errlen, "exporter %s: cannot make its metric store (%s)", p->name,
			 strerror(-rc));
		free(p);
		return rc;
	}
	rc = net_listen(loop, o->host, o->port, 0, &pc_ops, p, &p->l);
	if (rc < 0) {
		snprintf(err, errlen, "exporter %s: cannot listen on %s:%u (%s)", p->name, o->host, o->port,
			 strerror(-rc));
		prom_store_free(p->store);
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

uint16_t promx_port(const struct promx *p)
{
	return net_listener_port(p->l);
}

void promx_close(struct promx *p)
{
	if (!p)
		return;
	if (p->l)
		net_listener_close(p->l);
	while (p->conns.next != &p->conns) { /* the loop may outlive us: let go */
		struct pconn *pc = p->conns.next;
		net_conn_set_udata(pc->c, NULL);
		net_conn_abort(pc->c);
		pc_unlink(pc);
		free(pc);
	}
	prom_store_free(p->store);
	free(p->render);
	free(p);
}
