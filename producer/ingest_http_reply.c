/* producer/ingest_http_reply.c: what an OTLP/HTTP request gets back: the
 * signal's empty Export*ServiceResponse, or a google.rpc.Status with the
 * HTTP status the OTLP/HTTP spec gives each failure, Retry-After (the
 * receiver's retry_after) on 429 and 503, Allow on 405. */
#include <stdio.h>
#include <string.h>

#include "config/log.h"
#include "producer/ingest_http_int.h"

void ihttp_count(struct ihttp_conn *hc, enum stat_counter c, uint64_t n)
{
	if (hc->srv->ig->stats)
		stats_add(hc->srv->ig->stats, c, n);
}

void ihttp_respond(struct ihttp_conn *hc, int status, const uint8_t *body, size_t blen, bool close)
{
	struct http1_header h[3];
	unsigned n = 0;
	char ra[24];
	const char *ct = hc->fmt == INGEST_FMT_JSON ? "application/json" : "application/x-protobuf";
	h[n++] = (struct http1_header){ "Content-Type", 12, ct, strlen(ct) };
	if (status == 429 || status == 503) {
		int k = snprintf(ra, sizeof(ra), "%u", hc->srv->o.retry_after_s);
		h[n++] = (struct http1_header){ "Retry-After", 11, ra, (size_t)k };
	}
	if (status == 405)
		h[n++] = (struct http1_header){ "Allow", 5, "POST", 4 };
	if (hc->srv->draining || !hc->req.m.keep_alive)
		close = true;
	char head[512];
	ssize_t k = http1_format_response_head(head, sizeof(head), status, NULL, h, n, blen,
					       close ? HTTP1_F_CLOSE : 0);
	if (k > 0) {
		net_conn_send(hc->c, head, (size_t)k);
		if (blen)
			net_conn_send(hc->c, body, blen);
	}
	/* Every answer is one request (also those refused at the head). */
	ihttp_count(hc, STAT_REQUESTS, 1);
	if (status != 200)
		ihttp_count(hc, STAT_REQUESTS_FAILED, 1);
	if (close) {
		hc->closing = true;
		net_conn_close(hc->c);
	}
}

void ihttp_fail(struct ihttp_conn *hc, int status, int grpc_code, const char *msg, bool close)
{
	uint8_t body[700];
	int n = ingest_reply_status(hc->fmt, grpc_code, msg, body, sizeof(body));
	if (n < 0)
		n = 0;
	log_msg(LOG_DEBUG, "%s http %d: %s", hc->srv->o.receiver, status, msg);
	ihttp_respond(hc, status, body, (size_t)n, close);
}

void ihttp_answer_status(struct ihttp_conn *hc, int st)
{
	uint8_t body[16];
	char msg[96];
	switch (st) {
	case INGEST_OK: {
		int n = ingest_reply_success(hc->fmt, body, sizeof(body));
		ihttp_respond(hc, 200, body, n > 0 ? (size_t)n : 0, false);
		return;
	}
	case INGEST_EFULL:
		snprintf(msg, sizeof(msg), "pipeline full, retry after %u s", hc->srv->o.retry_after_s);
		ihttp_fail(hc, 429, 8 /* RESOURCE_EXHAUSTED */, msg, false);
		return;
	case INGEST_EDRAIN:
		ihttp_fail(hc, 503, 14 /* UNAVAILABLE */, "shutting down", false);
		return;
	case INGEST_ETOOBIG:
		ihttp_fail(hc, 413, 8, "request larger than the pipeline can hold", false);
		return;
	default:
		ihttp_fail(hc, 500, 13 /* INTERNAL */, "internal error", false);
		return;
	}
}
