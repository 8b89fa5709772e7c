/* tools/sluice/httpd.c: /metrics and /health over HTTP/1.1. */
#include "tools/sluice/httpd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1.h"
#include "tools/sluice/report.h"

#define HTTPD_REQ_MAX 8192

struct httpd_conn {
	struct httpd *h;
	size_t len, last;
	char buf[HTTPD_REQ_MAX];
};

static void httpd_reply(struct net_conn *c, int status, const char *ctype, const char *body, size_t len)
{
	char head[512];
	struct http1_header hdr = { "Content-Type", 12, ctype, strlen(ctype) };
	ssize_t n = http1_format_response_head(head, sizeof(head), status, NULL, &hdr, 1, len, HTTP1_F_CLOSE);
	if (n > 0) {
		net_conn_send(c, head, (size_t)n);
		net_conn_send(c, body, len);
	}
	net_conn_close(c);
}

static void httpd_serve(struct net_conn *c, struct httpd_conn *hc, const struct http1_request *req)
{
	char *body = NULL;
	size_t len = 0;
	int status = 200;
	FILE *f = open_memstream(&body, &len);
	if (!f) {
		httpd_reply(c, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	const char *ctype = "text/plain; charset=utf-8";
	bool get = req->method_len == 3 && memcmp(req->method, "GET", 3) == 0;
	if (!get) {
		status = 405;
		fprintf(f, "only GET\n");
	} else if (req->target_len == 8 && memcmp(req->target, "/metrics", 8) == 0) {
		ctype = "text/plain; version=0.0.4; charset=utf-8";
		report_prometheus(hc->h->seg, f);
	} else if (req->target_len == 7 && memcmp(req->target, "/health", 7) == 0) {
		status = report_health(hc->h->seg, f) ? 200 : 503;
	} else {
		status = 404;
		fprintf(f, "not found: try /metrics or /health\n");
	}
	fclose(f);
	httpd_reply(c, status, ctype, body, len);
	free(body);
}

static void httpd_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct httpd_conn *hc = net_conn_udata(c);
	if (len > sizeof(hc->buf) - hc->len) {
		httpd_reply(c, 431, "text/plain", "request too large\n", 18);
		return;
	}
	memcpy(hc->buf + hc->len, data, len);
	hc->last = hc->len;
	hc->len += len;
	struct http1_header hdrs[32];
	struct http1_request req = { .m = { .headers = hdrs, .max_headers_in = 32 } };
	int rc = http1_parse_request(hc->buf, hc->len, hc->last, NULL, &req);
	if (rc == HTTP1_PARTIAL)
		return;
	if (rc < 0) {
		const char *msg = http1_error_str(rc);
		httpd_reply(c, http1_error_status(rc), "text/plain", msg, strlen(msg));
		return;
	}
	net_conn_pause(c);
	httpd_serve(c, hc, &req);
}

static void httpd_on_open(struct net_conn *c, int status)
{
	struct httpd *h = net_conn_udata(c);
	net_conn_set_udata(c, NULL);
	if (status != 0)
		return;
	struct httpd_conn *hc = calloc(1, sizeof(*hc));
	if (!hc) {
		net_conn_set_udata(c, NULL);
		net_conn_abort(c);
		return;
	}
	hc->h = h;
	net_conn_set_udata(c, hc);
	net_conn_set_idle_timeout(c, 10000);
}

static void httpd_on_close(struct net_conn *c, int reason)
{
	(void)reason;
	free(net_conn_udata(c)); /* on_open always ran first and set it (or NULL) */
}

static const struct net_conn_ops httpd_ops = {
	.on_open = httpd_on_open,
	.on_data = httpd_on_data,
	.on_close = httpd_on_close,
};

int httpd_start(struct httpd *h, struct net_loop *loop, struct segment *seg, const struct sluice_endpoint *ep)
{
	h->seg = seg;
	return net_listen(loop, ep->host, ep->port, 0, &httpd_ops, h, &h->listener);
}

void httpd_close(struct httpd *h)
{
	if (h->listener)
		net_listener_close(h->listener);
	h->listener = NULL;
}
