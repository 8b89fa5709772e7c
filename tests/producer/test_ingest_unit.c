/* tests/producer/test_ingest_unit.c: the ingest core without sockets:
 * prepare (decode, transcode, validate), all-or-nothing publishing into a
 * ring in memory, sequence numbers across a restart, refusals that publish
 * nothing, the response bodies, and the wait queue on a real loop. Logs,
 * metrics and the per-ring queues: test_ingest_signals.c.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "net/codec.h"
#include "net/grpc.h"
#include "net/gzip.h"
#include "otlp/wire.h"
#include "producer/ingest.h"
#include "tests/producer/ingest_testlib.h"

#include "opentelemetry/proto/trace/v1/trace.pb-c.h"
#include "tests/check_run.h"

static struct ring ring;
static void *ring_mem;
static struct ingest ig;
static struct ingest_ring out;
static struct ingest_route route;
static char err[512];

/* A fresh core (on loop, may be NULL) publishing traces into `ring`. */
static void core_init(struct net_loop *loop, const struct ingest_limits *lim)
{
	ingest_init(&ig, NULL, loop, lim);
	ck_assert_int_eq(ingest_ring_init(&out, &ig, &ring, OTLP_SIGNAL_TRACES, "in:traces"), 0);
	route = (struct ingest_route){ &out, NULL, 0 };
}

static void setup_cap(uint64_t cap)
{
	ck_assert_int_eq(tl_mem_ring(&ring, cap, &ring_mem), 0);
	core_init(NULL, NULL);
}
static void setup(void)
{
	setup_cap(1 << 20);
}
static void teardown(void)
{
	ingest_free(&ig);
	free(ring_mem);
}

/* ingest_prepare of a traces body. */
static int prep(enum ingest_fmt fmt, int codec, const void *body, size_t len, struct ingest_msg *m)
{
	struct ingest_body b = { OTLP_SIGNAL_TRACES, fmt, codec, 0, body, len };
	return ingest_prepare(&ig, &b, m, err, sizeof(err));
}

/* Drain the ring; returns records, checks each payload is a valid
 * ResourceSpans whose span count matches items and seq increases by 1. */
static unsigned drain(uint64_t *first_seq, uint64_t *spans)
{
	const struct record *rec;
	unsigned n = 0;
	uint64_t prev = 0;
	*spans = 0;
	while (ring_try_peek(&ring, &rec) == 0) {
		struct otlp_wire_counts c;
		ck_assert_int_eq(otlp_wire_validate_resource_spans(record_cpayload(rec), rec->len, &c, NULL),
				 0);
		ck_assert_uint_eq(c.spans, rec->items);
		ck_assert_uint_eq(rec->signal, RECORD_SIGNAL_TRACES);
		ck_assert_uint_eq(rec->flags & RECORD_F_REQUEST, 0);
		ck_assert_uint_gt(rec->ingest_ns, 1700000000000000000ull);
		if (n == 0)
			*first_seq = rec->seq;
		else
			ck_assert_uint_eq(rec->seq, prev + 1);
		prev = rec->seq;
		*spans += rec->items;
		n++;
	}
	ck_assert_int_eq(ring_commit(&ring, ring_cursor(&ring)), 0);
	return n;
}

START_TEST(publish_splits_resource_spans)
{
	size_t len;
	uint8_t *req = tl_request(3, 7, 42, &len);
	struct ingest_msg m;
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_NONE, req, len, &m), INGEST_OK);
	ck_assert_uint_eq(m.resources, 3);
	ck_assert_uint_eq(m.items, 21);
	ck_assert_int_eq(ingest_publish(&out, m.data, m.len, m.ingest_ns), INGEST_OK);
	uint64_t first, spans;
	ck_assert_uint_eq(drain(&first, &spans), 3);
	ck_assert_uint_eq(first, 1);
	ck_assert_uint_eq(spans, 21);

	/* The payload is exactly the bare ResourceSpans bytes of the request. */
	struct otlp_wire_iter it;
	struct otlp_bytes rs;
	ck_assert_int_eq(ingest_publish(&out, req, len, ingest_now_ns()), INGEST_OK);
	otlp_wire_iter_init(&it, (struct otlp_bytes){ req, len }, OTLP_F_REQ_RESOURCE_SPANS);
	const struct record *rec;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(otlp_wire_iter_next(&it, &rs), 1);
		ck_assert_int_eq(ring_try_peek(&ring, &rec), 0);
		ck_assert_uint_eq(rec->seq, 4 + (uint64_t)i);
		ck_assert_uint_eq(rec->len, rs.len);
		ck_assert_mem_eq(record_cpayload(rec), rs.p, rs.len);
	}
	free(req);
}
END_TEST

/* A request of one span whose name field (5) comes after its attribute
 * (9): valid protobuf, but not in field-number order. */
static size_t mixed_request(uint8_t *out_buf)
{
	static const uint8_t kv[] = { 0x0a, 0x01, 'k', 0x12, 0x03, 0x0a, 0x01, 'v' };
	uint8_t span[64], *p = span;
	*p++ = 0x0a, *p++ = 16, memset(p, 1, 16), p += 16; /* trace_id */
	*p++ = 0x12, *p++ = 8, memset(p, 2, 8), p += 8;	   /* span_id */
	*p++ = 0x4a, *p++ = sizeof kv, memcpy(p, kv, sizeof kv), p += sizeof kv;
	*p++ = 0x2a, *p++ = 1, *p++ = 'x'; /* name, after the attribute */
	size_t sl = (size_t)(p - span);
	uint8_t *o = out_buf;
	*o++ = 0x0a, *o++ = (uint8_t)(sl + 4); /* ResourceSpans */
	*o++ = 0x12, *o++ = (uint8_t)(sl + 2); /* .scope_spans */
	*o++ = 0x12, *o++ = (uint8_t)sl;       /* .spans */
	memcpy(o, span, sl);
	return (size_t)(o + sl - out_buf);
}

/* Ingest marks a record RECORD_F_HEADS_FIRST exactly when its validator
 * saw every span's fields 1-8 first, in number order (the process stage
 * then reads only those when that is all its processors need); the mark
 * survives the wait queue. */
START_TEST(heads_first_marked_as_validated)
{
	size_t len;
	uint8_t *req = tl_request(2, 5, 3, &len);
	struct ingest_msg m;
	struct ingest_wait w = { 0 };
	const struct record *rec;
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_NONE, req, len, &m), INGEST_OK);
	ck_assert_uint_eq(m.rec_flags, RECORD_F_HEADS_FIRST);
	ck_assert_int_eq(ingest_submit(&route, &m, &w, NULL, NULL), INGEST_OK);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(ring_try_peek(&ring, &rec), 0);
		ck_assert_uint_eq(rec->flags, RECORD_F_HEADS_FIRST);
	}
	ck_assert_int_eq(ring_try_peek(&ring, &rec), -EAGAIN);
	ck_assert_int_eq(ring_commit(&ring, ring_cursor(&ring)), 0);

	uint8_t mixed[128];
	size_t ml = mixed_request(mixed);
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_NONE, mixed, ml, &m), INGEST_OK);
	ck_assert_uint_eq(m.items, 1);
	ck_assert_uint_eq(m.rec_flags, 0);
	ck_assert_int_eq(ingest_submit(&route, &m, &w, NULL, NULL), INGEST_OK);
	ck_assert_int_eq(ring_try_peek(&ring, &rec), 0);
	ck_assert_uint_eq(rec->flags, 0);
	ck_assert_uint_eq(rec->items, 1);
	free(req);
}
END_TEST

START_TEST(publish_many_resource_spans)
{
	/* More ResourceSpans than ingest remembers between its two passes. */
	size_t len;
	uint8_t *req = tl_request(70, 3, 8, &len);
	ck_assert_int_eq(ingest_publish(&out, req, len, ingest_now_ns()), INGEST_OK);
	uint64_t first, spans;
	ck_assert_uint_eq(drain(&first, &spans), 70);
	ck_assert_uint_eq(spans, 210);
	free(req);
}
END_TEST

START_TEST(seq_continues_after_restart)
{
	size_t len;
	uint8_t *req = tl_request(2, 1, 7, &len);
	ck_assert_int_eq(ingest_publish(&out, req, len, ingest_now_ns()), INGEST_OK);
	ingest_free(&ig);
	/* A new ingest on the same ring (a restarted process) continues. */
	core_init(NULL, NULL);
	ck_assert_uint_eq(out.last_seq, 2);
	ck_assert_int_eq(ingest_publish(&out, req, len, ingest_now_ns()), INGEST_OK);
	uint64_t first, spans;
	ck_assert_uint_eq(drain(&first, &spans), 4);
	ck_assert_uint_eq(first, 1);
	free(req);
}
END_TEST

START_TEST(empty_resource_spans_not_published)
{
	size_t len;
	uint8_t *req = tl_request(2, 0, 7, &len);
	struct ingest_msg m;
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_NONE, req, len, &m), INGEST_OK);
	ck_assert_uint_eq(m.items, 0);
	ck_assert_int_eq(ingest_submit(&route, &m, NULL, NULL, NULL), INGEST_OK);
	ck_assert_uint_eq(ring_used(&ring), 0);
	ck_assert_uint_eq(ring_last_seq(&ring), 0);
	free(req);
}
END_TEST

START_TEST(full_ring_publishes_nothing)
{
	size_t len;
	uint8_t *req = tl_request(4, 40, 9, &len); /* ~35 KiB */
	int ok = 0, rc;
	while ((rc = ingest_publish(&out, req, len, ingest_now_ns())) == INGEST_OK)
		ok++;
	ck_assert_int_eq(rc, INGEST_EFULL);
	ck_assert_int_gt(ok, 3);
	uint64_t used = ring_used(&ring), seq = ring_last_seq(&ring);
	ck_assert_uint_eq(seq, (uint64_t)ok * 4);
	/* Refused again: nothing moved, nothing half-published. */
	ck_assert_int_eq(ingest_publish(&out, req, len, ingest_now_ns()), INGEST_EFULL);
	ck_assert_uint_eq(ring_used(&ring), used);
	ck_assert_uint_eq(ring_last_seq(&ring), seq);
	/* Without a loop, submit refuses instead of waiting. */
	struct ingest_msg m = { OTLP_SIGNAL_TRACES, req, len, 4, 160, ingest_now_ns(), 0 };
	struct ingest_wait w = { 0 };
	ck_assert_int_eq(ingest_submit(&route, &m, &w, NULL, NULL), INGEST_EFULL);
	uint64_t first, spans;
	ck_assert_uint_eq(drain(&first, &spans), (unsigned)ok * 4);
	ck_assert_int_eq(ingest_publish(&out, req, len, ingest_now_ns()), INGEST_OK);
	ck_assert_uint_eq(ring_last_seq(&ring), seq + 4);
	free(req);
}
END_TEST

START_TEST(too_big_for_ring)
{
	size_t len;
	uint8_t *req = tl_request(1, 4000, 9, &len); /* > half of 1 MiB */
	ck_assert_uint_gt(len, 512 * 1024);
	ck_assert_int_eq(ingest_publish(&out, req, len, ingest_now_ns()), INGEST_ETOOBIG);
	ck_assert_uint_eq(ring_used(&ring), 0);
	free(req);
}
END_TEST

START_TEST(prepare_gzip_and_deflate)
{
	size_t len;
	uint8_t *req = tl_request(2, 50, 3, &len);
	size_t cap = gzip_encode_bound(len);
	uint8_t *gz = malloc(cap);
	ssize_t glen = gzip_encode(req, len, gz, cap, 6);
	ck_assert_int_gt(glen, 0);
	struct ingest_msg m;
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_GZIP, gz, (size_t)glen, &m), INGEST_OK);
	ck_assert_uint_eq(m.len, len);
	ck_assert_mem_eq(m.data, req, len);
	ck_assert_uint_eq(m.items, 100);
	/* deflate as sent in practice: zlib-wrapped (RFC 1950). */
	uLongf zlen = compressBound(len);
	uint8_t *z = malloc(zlen);
	ck_assert_int_eq(compress2(z, &zlen, req, len, 6), Z_OK);
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_DEFLATE, z, zlen, &m), INGEST_OK);
	ck_assert_uint_eq(m.len, len);
	ck_assert_mem_eq(m.data, req, len);
	free(z);
	/* Corrupt: flip bytes in the middle. */
	gz[glen / 2] ^= 0xff;
	gz[glen / 2 + 1] ^= 0xff;
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_GZIP, gz, (size_t)glen, &m), INGEST_EINVALID);
	ck_assert_ptr_nonnull(strstr(err, "corrupt"));
	free(gz);
	free(req);
}
END_TEST

START_TEST(prepare_gzip_bomb)
{
	struct ingest_limits lim;
	ingest_limits_default(&lim);
	lim.max_decoded = 1 << 20;
	ingest_free(&ig);
	core_init(NULL, &lim);
	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	size_t cap = gzip_encode_bound(big);
	uint8_t *gz = malloc(cap);
	ssize_t glen = gzip_encode(zeros, big, gz, cap, 9);
	ck_assert_int_gt(glen, 0);
	ck_assert_int_lt(glen, 100000);
	struct ingest_msg m;
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_GZIP, gz, (size_t)glen, &m), INGEST_ETOOBIG);
	ck_assert_ptr_nonnull(strstr(err, "exceeds"));
	free(gz);
	free(zeros);
}
END_TEST

START_TEST(prepare_rejects_bad_protobuf)
{
	size_t len;
	uint8_t *req = tl_request(2, 5, 3, &len);
	struct ingest_msg m;
	/* Truncated at every length: never OK unless it ends on a field edge,
	 * never a crash; the last byte cut is always invalid. */
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_NONE, req, len - 1, &m), INGEST_EINVALID);
	ck_assert_ptr_nonnull(strstr(err, "invalid ExportTraceServiceRequest"));
	for (size_t cut = 0; cut < len; cut++) {
		int rc = prep(INGEST_FMT_PROTO, CODEC_NONE, req, cut, &m);
		ck_assert(rc == INGEST_OK || rc == INGEST_EINVALID);
	}
	static const uint8_t garbage[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff garbage";
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_NONE, garbage, sizeof(garbage), &m), INGEST_EINVALID);
	/* Wrong id length deep inside a span. */
	static const uint8_t badid[] = { 0x0a, 0x0b, 0x12, 0x09, 0x12, 0x07, 0x12, 0x05, 1, 2, 3, 4, 5 };
	ck_assert_int_eq(prep(INGEST_FMT_PROTO, CODEC_NONE, badid, sizeof(badid), &m), INGEST_EINVALID);
	ck_assert_ptr_nonnull(strstr(err, "span_id"));
	free(req);
}
END_TEST

START_TEST(prepare_json)
{
	static const char js[] =
		"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"j\"}}]},"
		"\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
		"\"name\":\"a\",\"kind\":2,\"startTimeUnixNano\":\"1544712660000000000\",\"endTimeUnixNano\":\"1544712661000000000\"},"
		"{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b175\",\"name\":\"b\"}]}]}]}";
	struct ingest_msg m;
	ck_assert_int_eq(prep(INGEST_FMT_JSON, CODEC_NONE, (const uint8_t *)js, strlen(js), &m), INGEST_OK);
	ck_assert_uint_eq(m.items, 2);
	ck_assert_int_eq(ingest_publish(&out, m.data, m.len, m.ingest_ns), INGEST_OK);
	const struct record *rec;
	ck_assert_int_eq(ring_try_peek(&ring, &rec), 0);
	Opentelemetry__Proto__Trace__V1__ResourceSpans *rs =
		opentelemetry__proto__trace__v1__resource_spans__unpack(NULL, rec->len, record_cpayload(rec));
	ck_assert_ptr_nonnull(rs);
	ck_assert_str_eq(rs->scope_spans[0]->spans[0]->name, "a");
	ck_assert_uint_eq(rs->scope_spans[0]->spans[0]->start_time_unix_nano, 1544712660000000000ull);
	ck_assert_uint_eq(rs->scope_spans[0]->spans[1]->span_id.data[7], 0x75);
	opentelemetry__proto__trace__v1__resource_spans__free_unpacked(rs, NULL);

	static const char bad[] =
		"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"xyz\"}]}]}]}";
	ck_assert_int_eq(prep(INGEST_FMT_JSON, CODEC_NONE, (const uint8_t *)bad, strlen(bad), &m),
			 INGEST_EINVALID);
	ck_assert_ptr_nonnull(strstr(err, "traceId"));
	static const char notjson[] = "{\"resourceSpans\": [ oops";
	ck_assert_int_eq(prep(INGEST_FMT_JSON, CODEC_NONE, (const uint8_t *)notjson, strlen(notjson), &m),
			 INGEST_EINVALID);
	ck_assert_ptr_nonnull(strstr(err, "invalid OTLP/JSON"));
}
END_TEST

START_TEST(reply_bodies)
{
	uint8_t buf[1024];
	ck_assert_int_eq(ingest_reply_success(INGEST_FMT_PROTO, buf, sizeof(buf)), 0);
	ck_assert_int_eq(ingest_reply_success(INGEST_FMT_JSON, buf, sizeof(buf)), 2);
	int n = ingest_reply_status(INGEST_FMT_PROTO, 3, "bad \"span\"", buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	struct grpc_details d;
	ck_assert_int_eq(grpc_details_decode(buf, (size_t)n, &d), 0);
	ck_assert_int_eq(d.code, 3);
	ck_assert_int_eq((int)d.message_len, 10);
	ck_assert_mem_eq(d.message, "bad \"span\"", 10);
	n = ingest_reply_status(INGEST_FMT_JSON, 3, "bad \"span\"\n\x01", buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	json_object *o = json_tokener_parse((const char *)buf);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "code")), 3);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "message")), "bad \"span\"\n\x01");
	json_object_put(o);
	ck_assert_int_eq(ingest_reply_status(INGEST_FMT_JSON, 3, "0123456789", buf, 12), -ENOSPC);
}
END_TEST

/* ---- the wait queue on a real loop ---- */
static int done_status = -1, done_calls;
static void on_done(struct ingest_wait *w, int status)
{
	(void)w;
	done_status = status;
	done_calls++;
}

static void wait_case(bool free_space)
{
	struct net_loop *loop;
	char lerr[200];
	if (net_loop_new(&loop, NULL, lerr, sizeof(lerr)) < 0) {
		fprintf(stderr, "skip: %s\n", lerr);
		exit(77);
	}
	struct ingest_limits lim;
	ingest_limits_default(&lim);
	lim.wait_ms = 300;
	ingest_free(&ig);
	core_init(loop, &lim);
	size_t len;
	uint8_t *req = tl_request(2, 40, 5, &len);
	while (ingest_publish(&out, req, len, ingest_now_ns()) == INGEST_OK)
		;
	uint64_t seq = ring_last_seq(&ring);
	struct ingest_msg m = { OTLP_SIGNAL_TRACES, req, len, 2, 80, ingest_now_ns(), RECORD_F_HEADS_FIRST };
	struct ingest_wait w = { 0 };
	done_status = -1;
	done_calls = 0;
	ck_assert_int_eq(ingest_submit(&route, &m, &w, on_done, NULL), 1);
	ck_assert_int_eq(done_calls, 0);
	/* A second request queues behind the first (FIFO), never jumps it. */
	struct ingest_wait w2 = { 0 };
	ck_assert_int_eq(ingest_submit(&route, &m, &w2, on_done, NULL), 1);
	ck_assert_uint_eq(ig.waiting, 2);
	ck_assert_uint_eq(out.waiting, 2);
	if (free_space) {
		uint64_t first, spans;
		drain(&first, &spans);
	}
	for (int i = 0; i < 200 && done_calls < 2; i++)
		net_loop_run_once(loop, 50);
	ck_assert_int_eq(done_calls, 2);
	if (free_space) {
		ck_assert_int_eq(done_status, INGEST_OK);
		ck_assert_uint_eq(ring_last_seq(&ring), seq + 4);
		const struct record *rec;
		for (int i = 0; i < 4; i++) { /* the queued ones, with their mark */
			ck_assert_int_eq(ring_try_peek(&ring, &rec), 0);
			ck_assert_uint_eq(rec->flags, RECORD_F_HEADS_FIRST);
		}
	} else {
		ck_assert_int_eq(done_status, INGEST_EFULL);
		ck_assert_uint_eq(ring_last_seq(&ring), seq);
	}
	ingest_wait_release(&w);
	ingest_wait_release(&w2);
	ingest_free(&ig);
	net_loop_free(loop);
	core_init(NULL, NULL);
	free(req);
}

START_TEST(wait_bytes_bounded)
{
	struct net_loop *loop;
	char lerr[200];
	if (net_loop_new(&loop, NULL, lerr, sizeof(lerr)) < 0) {
		fprintf(stderr, "skip: %s\n", lerr);
		exit(77);
	}
	size_t len;
	uint8_t *req = tl_request(2, 40, 5, &len);
	struct ingest_limits lim;
	ingest_limits_default(&lim);
	lim.max_wait_bytes = len + len / 2; /* room for one queued copy */
	ingest_free(&ig);
	core_init(loop, &lim);
	while (ingest_publish(&out, req, len, ingest_now_ns()) == INGEST_OK)
		;
	struct ingest_msg m = { OTLP_SIGNAL_TRACES, req, len, 2, 80, ingest_now_ns(), 0 };
	struct ingest_wait w = { 0 }, w2 = { 0 };
	ck_assert_int_eq(ingest_submit(&route, &m, &w, on_done, NULL), 1);
	ck_assert_int_eq(ingest_submit(&route, &m, &w2, on_done, NULL), INGEST_EFULL);
	ck_assert_uint_eq(ig.wait_bytes, len);
	ingest_wait_cancel(&w);
	ck_assert_uint_eq(ig.wait_bytes, 0);
	ck_assert_uint_eq(ig.waiting, 0);
	ingest_free(&ig);
	net_loop_free(loop);
	core_init(NULL, NULL);
	free(req);
}
END_TEST

START_TEST(wait_then_publish)
{
	wait_case(true);
}
END_TEST
START_TEST(wait_then_refuse)
{
	wait_case(false);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ingest_unit");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, publish_splits_resource_spans);
	tcase_add_test(tc, publish_many_resource_spans);
	tcase_add_test(tc, heads_first_marked_as_validated);
	tcase_add_test(tc, seq_continues_after_restart);
	tcase_add_test(tc, empty_resource_spans_not_published);
	tcase_add_test(tc, full_ring_publishes_nothing);
	tcase_add_test(tc, too_big_for_ring);
	tcase_add_test(tc, prepare_gzip_and_deflate);
	tcase_add_test(tc, prepare_gzip_bomb);
	tcase_add_test(tc, prepare_rejects_bad_protobuf);
	tcase_add_test(tc, prepare_json);
	tcase_add_test(tc, reply_bodies);
	tcase_add_test(tc, wait_then_publish);
	tcase_add_test(tc, wait_bytes_bounded);
	tcase_add_test(tc, wait_then_refuse);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
