/* tests/producer/test_ingest_receivers.c: a real sluice-ingest with
 * traces, logs and metrics pipelines and two receivers with their own
 * settings (the plan's segment, made as the supervisor makes it):
 *
 *   - every signal over OTLP/HTTP (protobuf, JSON) and gRPC lands in its
 *     own IN ring, one record a resource with the signal and item count,
 *     counted in the receiver x transport x signal slot;
 *   - a signal no pipeline takes from a receiver: HTTP 404, gRPC
 *     UNIMPLEMENTED "unknown service"; custom url paths;
 *   - each receiver's own limits: body size (413), message size
 *     (RESOURCE_EXHAUSTED), ring_full_wait and retry_after, read_timeout
 *     for half-sent gRPC streams;
 *   - bad logs and metrics input: truncated, garbage, another signal's
 *     body, wrong content type, wrong method, bombs: the right status with
 *     a message, nothing published, the process keeps serving;
 *   - a full logs ring refuses logs (429 + the receiver's Retry-After)
 *     while traces and metrics keep flowing.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/codec.h"
#include "net/grpc.h"
#include "otlp/json.h"
#include "otlp/signal.h"
#include "tests/producer/ingest_proc.h"
#include "tests/producer/ingest_testlib.h"
#include "tests/check_run.h"

#define PB "application/x-protobuf"
#define JS "application/json"

static const char yaml[] = "receivers:\n"
			   "  otlp:\n"
			   "    protocols:\n"
			   "      grpc:\n"
			   "        endpoint: 127.0.0.1:0\n"
			   "      http:\n"
			   "        endpoint: 127.0.0.1:0\n"
			   "  otlp/edge:\n"
			   "    protocols:\n"
			   "      grpc:\n"
			   "        endpoint: 127.0.0.1:0\n"
			   "        max_recv_msg_size_mib: 1\n"
			   "      http:\n"
			   "        endpoint: 127.0.0.1:0\n"
			   "        max_request_body_size: 64KiB\n"
			   "        logs_url_path: /edge/logs\n"
			   "        read_timeout: 1s\n"
			   "    ring_full_wait: 100ms\n"
			   "    retry_after: 3s\n"
			   "exporters:\n"
			   "  debug:\n"
			   "service:\n"
			   "  pipelines:\n"
			   "    traces:\n"
			   "      receivers: [otlp]\n"
			   "      exporters: [debug]\n"
			   "    logs:\n"
			   "      receivers: [otlp, otlp/edge]\n"
			   "      exporters: [debug]\n"
			   "    metrics:\n"
			   "      receivers: [otlp]\n"
			   "      exporters: [debug]\n";

static const char *const ring_names[3] = { "in:traces", "in:logs", "in:metrics" };

static struct ingest_proc ip;
static char resp[1 << 16];

static void start(uint64_t ring_cap)
{
	int rc = ip_start_yaml(&ip, ring_cap, yaml);
	if (rc < 0)
		ip_dump_log(&ip);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_ne(ip_port(&ip, "otlp/edge", false), 0);
	ck_assert_uint_ne(ip_port(&ip, "otlp/edge", true), 0);
}

static void finish(void)
{
	int rc = ip_stop(&ip);
	if (rc != 0)
		ip_dump_log(&ip);
	ck_assert_int_eq(rc, 0);
	ip_destroy(&ip);
}

static const char *path_of(enum otlp_signal s)
{
	return otlp_signal_get(s)->http_path;
}
static const char *method_of(enum otlp_signal s)
{
	return otlp_signal_get(s)->grpc_method;
}

/* Drain ring s: count records and items; each record has the signal. */
static uint64_t drain(enum otlp_signal s, unsigned *records)
{
	struct ring *r = ip_ring(&ip, ring_names[s]);
	const struct record *rec;
	uint64_t items = 0;
	ck_assert_ptr_nonnull(r);
	*records = 0;
	while (ring_try_peek(r, &rec) == 0) {
		ck_assert_uint_eq(rec->signal, (unsigned)s + 1);
		struct otlp_wire_counts c;
		ck_assert_int_eq(otlp_signal_get(s)->validate_resource(record_cpayload(rec), rec->len, &c,
								       NULL),
				 0);
		ck_assert_uint_eq(c.items, rec->items);
		items += rec->items;
		(*records)++;
	}
	ring_commit(r, ring_cursor(r));
	return items;
}

static uint64_t accepted(const char *recv, enum plan_transport t, enum otlp_signal s)
{
	struct seg_component *k = ip_stat(&ip, recv, t, s);
	ck_assert_ptr_nonnull(k);
	return seg_component_get(k, SEG_C_ACCEPTED);
}

static void assert_status_body(const char *body, size_t blen, int code, const char *has)
{
	struct grpc_details d;
	ck_assert_int_eq(grpc_details_decode((const uint8_t *)body, blen, &d), 0);
	ck_assert_int_eq(d.code, code);
	ck_assert_uint_gt(d.message_len, 0);
	if (has) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%.*s", (int)d.message_len, d.message);
		ck_assert_msg(strstr(msg, has), "\"%s\" not in \"%s\"", has, msg);
	}
}

START_TEST(every_signal_every_transport)
{
	start(8u << 20);
	for (int s = 0; s < 3; s++) {
		size_t len;
		uint8_t *req = tl_signal_request((enum otlp_signal)s, 2, 40, 7, &len);
		struct otlp_json_buf js = { 0 };
		char err[200];
		ck_assert_int_eq(otlp_json_from_pb_signal((enum otlp_signal)s, req, len, OTLP_JSON_IN_REQUEST,
							  OTLP_JSON_ONE_LINE, &js, err, sizeof(err)),
				 1);
		const char *body;
		size_t blen;
		ck_assert_int_eq(tl_http_post_to(ip.http, path_of(s), PB, NULL, req, len, resp, sizeof(resp),
						 &body, &blen),
				 200);
		ck_assert_uint_eq(blen, 0); /* the empty Export*ServiceResponse */
		ck_assert_int_eq(tl_http_post_to(ip.http, path_of(s), JS, NULL, js.data, js.len, resp,
						 sizeof(resp), &body, &blen),
				 200);
		ck_assert_str_eq(body, "{}");
		struct ip_grpc_result r;
		ck_assert_int_eq(ip_grpc_call(ip.grpc, method_of(s), req, len, false, &r), 0);
		ck_assert_int_eq(r.grpc_status, GRPC_STATUS_OK);
		unsigned recs;
		ck_assert_uint_eq(drain((enum otlp_signal)s, &recs), 3 * 80);
		ck_assert_uint_eq(recs, 6);
		ck_assert_uint_eq(accepted("otlp", PLAN_TRANSPORT_HTTP, s), 160);
		ck_assert_uint_eq(accepted("otlp", PLAN_TRANSPORT_GRPC, s), 80);
		otlp_json_buf_free(&js);
		free(req);
	}
	/* Each request went to its own ring only: 6 records each. */
	for (int s = 0; s < 3; s++)
		ck_assert_uint_eq(ring_last_seq(ip_ring(&ip, ring_names[s])), 6);
	/* The edge receiver's logs (its own path) share the logs ring and
	 * count in its own slots. */
	size_t len;
	uint8_t *req = tl_signal_request(OTLP_SIGNAL_LOGS, 1, 20, 3, &len);
	uint16_t eh = ip_port(&ip, "otlp/edge", false), eg = ip_port(&ip, "otlp/edge", true);
	ck_assert_int_eq(tl_http_post_to(eh, "/edge/logs", PB, NULL, req, len, resp, sizeof(resp), NULL,
					 NULL),
			 200);
	struct ip_grpc_result r;
	ck_assert_int_eq(ip_grpc_call(eg, method_of(OTLP_SIGNAL_LOGS), req, len, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_OK);
	ck_assert_uint_eq(ring_last_seq(ip_ring(&ip, "in:logs")), 8);
	ck_assert_uint_eq(accepted("otlp/edge", PLAN_TRANSPORT_HTTP, OTLP_SIGNAL_LOGS), 20);
	ck_assert_uint_eq(accepted("otlp/edge", PLAN_TRANSPORT_GRPC, OTLP_SIGNAL_LOGS), 20);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_SPANS_IN), 3 * 240 + 40);
	free(req);
	finish();
}
END_TEST

/* What the edge receiver does not take, and its own limits. */
START_TEST(receiver_signals_and_limits)
{
	start(8u << 20);
	uint16_t eh = ip_port(&ip, "otlp/edge", false), eg = ip_port(&ip, "otlp/edge", true);
	const char *body;
	size_t blen, len;
	struct ip_grpc_result r;
	uint8_t *tr = tl_signal_request(OTLP_SIGNAL_TRACES, 1, 5, 3, &len);
	/* Traces and metrics: no pipeline takes them from otlp/edge. */
	ck_assert_int_eq(tl_http_post_to(eh, "/v1/traces", PB, NULL, tr, len, resp, sizeof(resp), &body,
					 &blen),
			 404);
	assert_status_body(body, blen, 5, "/edge/logs");
	ck_assert_int_eq(tl_http_post_to(eh, "/v1/logs", PB, NULL, tr, len, resp, sizeof(resp), NULL, NULL),
			 404);
	ck_assert_int_eq(ip_grpc_call(eg, method_of(OTLP_SIGNAL_TRACES), tr, len, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_UNIMPLEMENTED);
	ck_assert_msg(strstr(r.message,
			     "unknown service opentelemetry.proto.collector.trace.v1.TraceService"),
		      "%s", r.message);
	ck_assert_int_eq(ip_grpc_call(eg, method_of(OTLP_SIGNAL_METRICS), tr, len, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_UNIMPLEMENTED);
	ck_assert_int_eq(ip_grpc_call(eg, "/opentelemetry.proto.collector.logs.v1.LogsService/Import", tr,
				      len, false, &r),
			 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_UNIMPLEMENTED);
	ck_assert_msg(strstr(r.message, "unknown method Import"), "%s", r.message);
	free(tr);

	/* 64 KiB body cap on edge, 20 MiB on otlp: the same ~100 KB body. */
	uint8_t *lg = tl_signal_request(OTLP_SIGNAL_LOGS, 1, 512, 3, &len);
	ck_assert_uint_gt(len, 64 << 10);
	ck_assert_int_eq(tl_http_post_to(eh, "/edge/logs", PB, NULL, lg, len, resp, sizeof(resp), NULL, NULL),
			 413);
	ck_assert_int_eq(tl_http_post_to(ip.http, "/v1/logs", PB, NULL, lg, len, resp, sizeof(resp), NULL,
					 NULL),
			 200);
	/* Compressed under the cap, decoded over it: 413 too. */
	size_t cap = codec_encode_bound(CODEC_GZIP, len);
	uint8_t *gz = malloc(cap);
	ssize_t gl = codec_encode(NULL, CODEC_GZIP, 6, lg, len, gz, cap);
	ck_assert_int_lt(gl, 64 << 10);
	ck_assert_int_eq(tl_http_post_to(eh, "/edge/logs", PB, "gzip", gz, (size_t)gl, resp, sizeof(resp),
					 &body, &blen),
			 413);
	assert_status_body(body, blen, 8, "exceeds");
	free(gz);
	free(lg);
	/* 1 MiB gRPC messages on edge, 4 MiB on otlp. */
	lg = tl_signal_request(OTLP_SIGNAL_LOGS, 6, 1000, 3, &len);
	ck_assert_uint_gt(len, 1 << 20);
	ck_assert_int_eq(ip_grpc_call(eg, method_of(OTLP_SIGNAL_LOGS), lg, len, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_RESOURCE_EXHAUSTED);
	ck_assert_int_eq(r.retry_delay_ns, -1);
	ck_assert_int_eq(ip_grpc_call(ip.grpc, method_of(OTLP_SIGNAL_LOGS), lg, len, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_OK);
	free(lg);
	unsigned recs;
	ck_assert_uint_eq(drain(OTLP_SIGNAL_LOGS, &recs), 512 + 6000);
	ck_assert_uint_eq(ring_last_seq(ip_ring(&ip, "in:traces")), 0);
	finish();
}
END_TEST

/* A good request of signal s through otlp over HTTP still works. */
static void good(enum otlp_signal s)
{
	size_t len;
	uint8_t *req = tl_signal_request(s, 2, 10, 9, &len);
	struct ring *r = ip_ring(&ip, ring_names[s]);
	uint64_t seq = ring_last_seq(r);
	ck_assert_int_eq(tl_http_post_to(ip.http, path_of(s), PB, NULL, req, len, resp, sizeof(resp), NULL,
					 NULL),
			 200);
	ck_assert_uint_eq(ring_last_seq(r), seq + 2);
	free(req);
}

/* Send raw bytes on a new connection, read one response. */
static int raw(uint16_t port, const char *req)
{
	int fd = tl_connect(port);
	ck_assert_int_ge(fd, 0);
	tl_write_all(fd, req, strlen(req));
	int st = tl_http_response(fd, resp, sizeof(resp), NULL, NULL, NULL, NULL, 0);
	close(fd);
	return st;
}

START_TEST(bad_logs_and_metrics)
{
	start(8u << 20);
	for (int s = 1; s < 3; s++) {
		const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)s);
		const char *body;
		size_t blen, len, tlen;
		struct ip_grpc_result r;
		uint8_t *req = tl_signal_request((enum otlp_signal)s, 2, 10, 5, &len);
		uint8_t *tr = tl_signal_request(OTLP_SIGNAL_TRACES, 1, 10, 5, &tlen);
		uint64_t seq = ring_last_seq(ip_ring(&ip, ring_names[s]));

		/* Truncated, garbage, a traces body: 400 / INVALID_ARGUMENT
		 * naming the signal's request. */
		ck_assert_int_eq(tl_http_post_to(ip.http, sd->http_path, PB, NULL, req, len - 3, resp,
						 sizeof(resp), &body, &blen),
				 400);
		assert_status_body(body, blen, 3, sd->request_name);
		static const char garbage[] = "\x0a\xff\xff\xff\xff\x0f garbage that is not protobuf";
		ck_assert_int_eq(tl_http_post_to(ip.http, sd->http_path, PB, NULL, garbage,
						 sizeof(garbage) - 1, resp, sizeof(resp), &body, &blen),
				 400);
		ck_assert_int_eq(tl_http_post_to(ip.http, sd->http_path, PB, NULL, tr, tlen, resp,
						 sizeof(resp), &body, &blen),
				 400);
		assert_status_body(body, blen, 3, sd->request_name);
		ck_assert_int_eq(ip_grpc_call(ip.grpc, sd->grpc_method, req, len - 1, false, &r), 0);
		ck_assert_int_eq(r.grpc_status, GRPC_STATUS_INVALID_ARGUMENT);
		ck_assert_int_eq(ip_grpc_call(ip.grpc, sd->grpc_method, tr, tlen, false, &r), 0);
		ck_assert_int_eq(r.grpc_status, GRPC_STATUS_INVALID_ARGUMENT);
		ck_assert_msg(strstr(r.message, sd->request_name), "%s", r.message);
		good((enum otlp_signal)s);

		/* JSON of the wrong types: a string where a number goes. */
		static const char badjson[] =
			"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":{}}]}]}],"
			"\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":7,\"sum\":[]}]}]}]}";
		ck_assert_int_eq(tl_http_post_to(ip.http, sd->http_path, JS, NULL, badjson,
						 sizeof(badjson) - 1, resp, sizeof(resp), &body, &blen),
				 400);
		ck_assert_ptr_nonnull(strstr(body, "\"code\":3"));
		ck_assert_ptr_nonnull(strstr(body, "invalid OTLP/JSON"));

		/* Content type, encoding, method, path. */
		ck_assert_int_eq(tl_http_post_to(ip.http, sd->http_path, "text/plain", NULL, req, len, resp,
						 sizeof(resp), NULL, NULL),
				 415);
		ck_assert_int_eq(tl_http_post_to(ip.http, sd->http_path, PB, "br", req, len, resp,
						 sizeof(resp), NULL, NULL),
				 415);
		char line[256];
		snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", sd->http_path);
		ck_assert_int_eq(raw(ip.http, line), 405);
		snprintf(line, sizeof(line),
			 "POST %s/ HTTP/1.1\r\nHost: x\r\nContent-Type: " PB "\r\nContent-Length: 0\r\n\r\n",
			 sd->http_path);
		ck_assert_int_eq(raw(ip.http, line), 404);

		/* Bombs: 64 MiB of zeros, gzip and zstd; 413 / RESOURCE_EXHAUSTED
		 * without RetryInfo. */
		size_t big = 64u << 20;
		uint8_t *zeros = calloc(1, big);
		static const int codecs[2] = { CODEC_GZIP, CODEC_ZSTD };
		for (int c = 0; c < 2; c++) {
			size_t cap = codec_encode_bound((enum codec)codecs[c], big);
			uint8_t *z = malloc(cap);
			ssize_t zl = codec_encode(NULL, (enum codec)codecs[c], 9, zeros, big, z, cap);
			ck_assert_int_gt(zl, 0);
			ck_assert_int_eq(tl_http_post_to(ip.http, sd->http_path, PB,
							 codec_name((enum codec)codecs[c]), z, (size_t)zl,
							 resp, sizeof(resp), &body, &blen),
					 413);
			assert_status_body(body, blen, 8, "exceeds");
			free(z);
		}
		size_t cap = codec_encode_bound(CODEC_ZSTD, big);
		uint8_t *z = malloc(cap);
		ssize_t zl = codec_encode(NULL, CODEC_ZSTD, 9, zeros, big, z, cap);
		free(zeros);
		/* ip_grpc_call compresses as gzip: a zstd body with the flag set
		 * is refused as corrupt gzip; the gzip bomb is the gRPC case. */
		size_t gcap = codec_encode_bound(CODEC_GZIP, 8u << 20);
		uint8_t *g = malloc(gcap), *z8 = calloc(1, 8u << 20);
		ssize_t gl = codec_encode(NULL, CODEC_GZIP, 9, z8, 8u << 20, g, gcap);
		ck_assert_int_eq(ip_grpc_call(ip.grpc, sd->grpc_method, g, (size_t)gl, true, &r), 0);
		ck_assert_int_eq(r.grpc_status, GRPC_STATUS_RESOURCE_EXHAUSTED);
		ck_assert_int_eq(r.retry_delay_ns, -1);
		ck_assert_int_eq(ip_grpc_call(ip.grpc, sd->grpc_method, z, (size_t)zl, true, &r), 0);
		ck_assert_int_eq(r.grpc_status, GRPC_STATUS_INVALID_ARGUMENT);
		free(g);
		free(z8);
		free(z);

		/* Nothing of it was published; the process still serves. */
		ck_assert_uint_eq(ring_last_seq(ip_ring(&ip, ring_names[s])), seq + 2);
		good((enum otlp_signal)s);
		good(OTLP_SIGNAL_TRACES);
		free(req);
		free(tr);
	}
	finish();
}
END_TEST

START_TEST(full_logs_ring_throttles_only_logs)
{
	start(256u << 10);
	uint16_t eh = ip_port(&ip, "otlp/edge", false);
	size_t len;
	uint8_t *lg = tl_signal_request(OTLP_SIGNAL_LOGS, 1, 200, 3, &len);
	char hv[64];
	int st = 0, ok = 0;
	for (int i = 0; i < 100; i++) {
		st = tl_http_post_to(eh, "/edge/logs", PB, NULL, lg, len, resp, sizeof(resp), NULL, NULL);
		if (st != 200)
			break;
		ok++;
	}
	ck_assert_int_eq(st, 429);
	ck_assert_int_gt(ok, 0);
	uint64_t seq = ring_last_seq(ip_ring(&ip, "in:logs"));
	/* Each receiver says its own Retry-After: edge 3 s, otlp 1 s. */
	int fd = tl_connect(eh);
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "POST /edge/logs HTTP/1.1\r\nHost: x\r\nContent-Type: " PB
			 "\r\nContent-Length: %zu\r\n\r\n",
			 len);
	tl_write_all(fd, head, (size_t)n);
	tl_write_all(fd, lg, len);
	ck_assert_int_eq(tl_http_response(fd, resp, sizeof(resp), NULL, NULL, "Retry-After", hv, sizeof(hv)),
			 429);
	ck_assert_str_eq(hv, "3");
	close(fd);
	fd = tl_connect(ip.http);
	n = snprintf(head, sizeof(head),
		     "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: " PB
		     "\r\nContent-Length: %zu\r\n\r\n",
		     len);
	tl_write_all(fd, head, (size_t)n);
	tl_write_all(fd, lg, len);
	ck_assert_int_eq(tl_http_response(fd, resp, sizeof(resp), NULL, NULL, "Retry-After", hv, sizeof(hv)),
			 429);
	ck_assert_str_eq(hv, "1");
	close(fd);
	struct ip_grpc_result r;
	ck_assert_int_eq(ip_grpc_call(ip_port(&ip, "otlp/edge", true), method_of(OTLP_SIGNAL_LOGS), lg, len,
				      false, &r),
			 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_RESOURCE_EXHAUSTED);
	ck_assert_int_eq(r.retry_delay_ns, 3000000000ll);
	/* Traces and metrics are not held back by the full logs ring. */
	for (int i = 0; i < 5; i++) {
		good(OTLP_SIGNAL_TRACES);
		good(OTLP_SIGNAL_METRICS);
	}
	ck_assert_uint_eq(ring_last_seq(ip_ring(&ip, "in:logs")), seq);
	struct seg_component *k = ip_stat(&ip, "otlp/edge", PLAN_TRANSPORT_HTTP, OTLP_SIGNAL_LOGS);
	ck_assert_uint_eq(seg_component_get(k, SEG_C_ACCEPTED), 200u * (unsigned)ok);
	ck_assert_uint_eq(seg_component_get(k, SEG_C_REFUSED), 400);
	ck_assert_uint_eq(seg_component_get(ip_stat(&ip, "otlp", PLAN_TRANSPORT_HTTP, OTLP_SIGNAL_LOGS),
					    SEG_C_REFUSED),
			  200);
	/* Space frees: logs flow again. */
	unsigned recs;
	drain(OTLP_SIGNAL_LOGS, &recs);
	ck_assert_int_eq(tl_http_post_to(eh, "/edge/logs", PB, NULL, lg, len, resp, sizeof(resp), NULL, NULL),
			 200);
	free(lg);
	finish();
}
END_TEST

/* HEADERS and part of a DATA frame of an Export call, never finished:
 * the edge receiver (read_timeout 1s) answers DEADLINE_EXCEEDED and resets
 * the stream, well before the 30 s default. */
START_TEST(half_sent_grpc_stream_times_out)
{
	start(8u << 20);
	static const char path[] = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
	uint8_t out[512];
	size_t n = 0;
	memcpy(out, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	n = 24;
	static const uint8_t settings[9] = { 0, 0, 0, 4, 0, 0, 0, 0, 0 };
	memcpy(out + n, settings, 9);
	n += 9;
	uint8_t hp[256];
	size_t h = 0;
	hp[h++] = 0x83; /* :method POST */
	hp[h++] = 0x86; /* :scheme http */
	hp[h++] = 0x04; /* :path, literal */
	hp[h++] = (uint8_t)(sizeof(path) - 1);
	memcpy(hp + h, path, sizeof(path) - 1);
	h += sizeof(path) - 1;
	hp[h++] = 0x01; /* :authority */
	hp[h++] = 1;
	hp[h++] = 'x';
	hp[h++] = 0x0f; /* content-type (index 31) */
	hp[h++] = 0x10;
	hp[h++] = 16;
	memcpy(hp + h, "application/grpc", 16);
	h += 16;
	uint8_t fh[9] = { 0, 0, (uint8_t)h, 1, 0x4, 0, 0, 0, 1 }; /* HEADERS, END_HEADERS, stream 1 */
	memcpy(out + n, fh, 9);
	memcpy(out + n + 9, hp, h);
	n += 9 + h;
	uint8_t data[9 + 8] = { 0, 0, 8, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0x86, 0xa0, 0x0a, 0x05, 0x12 };
	memcpy(out + n, data, sizeof(data)); /* promises 100000 bytes, sends 3 */
	n += sizeof(data);
	int fd = tl_connect(ip_port(&ip, "otlp/edge", true));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tl_write_all(fd, out, n), 0);
	/* Read frames until a RST_STREAM of stream 1 (bounded: 10 s). */
	uint8_t in[16384];
	size_t have = 0;
	bool rst = false;
	for (int i = 0; i < 100 && !rst; i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t k = recv(fd, in + have, sizeof(in) - have, 0);
		if (k <= 0)
			break;
		have += (size_t)k;
		for (size_t q = 0; q + 9 <= have;) {
			size_t flen = ((size_t)in[q] << 16) | ((size_t)in[q + 1] << 8) | in[q + 2];
			if (in[q + 3] == 3 && in[q + 8] == 1)
				rst = true;
			q += 9 + flen;
		}
	}
	close(fd);
	for (size_t q = 0; !rst && q + 9 <= have;
	     q += 9 + (((size_t)in[q] << 16) | ((size_t)in[q + 1] << 8) | in[q + 2]))
		fprintf(stderr, "frame type %u flags %x stream %u len %u\n", in[q + 3], in[q + 4], in[q + 8],
			in[q + 2]);
	ck_assert_msg(rst, "no RST_STREAM for the half-sent stream (%zu bytes read)", have);
	good(OTLP_SIGNAL_LOGS);
	finish();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ingest_receivers");
	TCase *tc = tcase_create("proc");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_signal_every_transport);
	tcase_add_test(tc, receiver_signals_and_limits);
	tcase_add_test(tc, bad_logs_and_metrics);
	tcase_add_test(tc, full_logs_ring_throttles_only_logs);
	tcase_add_test(tc, half_sent_grpc_stream_times_out);
	suite_add_tcase(s, tc);
	int failed = check_run(s, CK_FORK_GETENV);
	ip_cleanup_runner();
	return failed ? 1 : 0;
}
