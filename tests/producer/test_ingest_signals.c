/* tests/producer/test_ingest_signals.c: the ingest core for every signal,
 * without sockets: logs and metrics requests (protobuf, JSON, every codec)
 * become one record a resource with the ring's signal and the right item
 * count (log records, data points); bad bodies are refused with a message
 * naming the signal's request and publish nothing; a body of one signal is
 * not taken for another; the wait queues are per ring (a full ring holds
 * back only its own requests), a request behind the head with a shorter
 * wait is refused on time, and the route's component-stats slot counts
 * accepted and refused items.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/codec.h"
#include "otlp/json.h"
#include "otlp/signal.h"
#include "producer/ingest.h"
#include "tests/producer/ingest_testlib.h"
#include "tests/check_run.h"

static const enum otlp_signal sigs[3] = { OTLP_SIGNAL_TRACES, OTLP_SIGNAL_LOGS, OTLP_SIGNAL_METRICS };

struct sig_ring {
	struct ring ring;
	void *mem;
	struct ingest_ring out;
	struct ingest_route route;
	struct seg_component stat;
};

static struct ingest ig;
static struct sig_ring rings[3];
static char err[512];

static void setup_loop(struct net_loop *loop, uint64_t cap)
{
	struct ingest_limits lim;
	ingest_limits_default(&lim);
	lim.wait_ms = 300;
	ingest_init(&ig, NULL, loop, &lim);
	for (int s = 0; s < 3; s++) {
		struct sig_ring *r = &rings[s];
		memset(&r->stat, 0, sizeof(r->stat));
		ck_assert_int_eq(tl_mem_ring(&r->ring, cap, &r->mem), 0);
		ck_assert_int_eq(ingest_ring_init(&r->out, &ig, &r->ring, sigs[s],
						  otlp_signal_get(sigs[s])->name),
				 0);
		r->route = (struct ingest_route){ &r->out, &r->stat, 0 };
	}
}
static void setup(void)
{
	setup_loop(NULL, 1 << 20);
}
static void teardown(void)
{
	ingest_free(&ig);
	for (int s = 0; s < 3; s++)
		free(rings[s].mem);
}

static int prep(enum otlp_signal sig, enum ingest_fmt fmt, int codec, const void *body, size_t len,
		struct ingest_msg *m)
{
	struct ingest_body b = { sig, fmt, codec, 0, body, len };
	return ingest_prepare(&ig, &b, m, err, sizeof(err));
}

/* Drain ring s: every record validates as one bare resource of the
 * signal, carries the signal, its item count, consecutive seq. Returns
 * records; items summed into *items. */
static unsigned drain(int s, uint64_t *items)
{
	const struct otlp_signal_desc *sd = otlp_signal_get(sigs[s]);
	const struct record *rec;
	unsigned n = 0;
	uint64_t prev = 0;
	*items = 0;
	while (ring_try_peek(&rings[s].ring, &rec) == 0) {
		struct otlp_wire_counts c;
		ck_assert_int_eq(sd->validate_resource(record_cpayload(rec), rec->len, &c, NULL), 0);
		ck_assert_uint_eq(c.items, rec->items);
		ck_assert_int_eq(sd->count_items((struct otlp_bytes){ record_cpayload(rec), rec->len }),
				 rec->items);
		ck_assert_uint_eq(rec->signal, (unsigned)sigs[s] + 1);
		ck_assert_uint_gt(rec->ingest_ns, 1700000000000000000ull);
		if (n)
			ck_assert_uint_eq(rec->seq, prev + 1);
		prev = rec->seq;
		*items += rec->items;
		n++;
	}
	ck_assert_int_eq(ring_commit(&rings[s].ring, ring_cursor(&rings[s].ring)), 0);
	return n;
}

/* Every signal, every codec: the records are the request's resources. */
START_TEST(publish_every_signal_every_codec)
{
	int s = _i / 6, codec = _i % 6;
	static const int codecs[6] = { CODEC_NONE,    CODEC_GZIP, CODEC_ZLIB,
				       CODEC_DEFLATE, CODEC_ZSTD, CODEC_SNAPPY };
	size_t len;
	uint8_t *req = tl_signal_request(sigs[s], 3, 64, 5, &len);
	const uint8_t *body = req;
	size_t blen = len;
	uint8_t *enc = NULL;
	if (codecs[codec] != CODEC_NONE) {
		size_t cap = codec_encode_bound((enum codec)codecs[codec], len);
		enc = malloc(cap);
		ssize_t n = codec_encode(NULL, (enum codec)codecs[codec], CODEC_LEVEL_DEFAULT, req, len, enc,
					 cap);
		ck_assert_int_gt(n, 0);
		body = enc;
		blen = (size_t)n;
	}
	struct ingest_msg m;
	ck_assert_int_eq(prep(sigs[s], INGEST_FMT_PROTO, codecs[codec], body, blen, &m), INGEST_OK);
	ck_assert_int_eq(m.signal, sigs[s]);
	ck_assert_uint_eq(m.resources, 3);
	ck_assert_uint_eq(m.items, 3 * 64);
	ck_assert_uint_eq(m.len, len);
	ck_assert_mem_eq(m.data, req, len);
	ck_assert_int_eq(ingest_submit(&rings[s].route, &m, NULL, NULL, NULL), INGEST_OK);
	uint64_t items;
	ck_assert_uint_eq(drain(s, &items), 3);
	ck_assert_uint_eq(items, 3 * 64);
	ck_assert_uint_eq(seg_component_get(&rings[s].stat, SEG_C_ACCEPTED), 3 * 64);
	ck_assert_uint_eq(seg_component_get(&rings[s].stat, SEG_C_REFUSED), 0);
	/* The other rings got nothing. */
	for (int o = 0; o < 3; o++)
		if (o != s)
			ck_assert_uint_eq(ring_last_seq(&rings[o].ring), 0);
	free(enc);
	free(req);
}
END_TEST

/* OTLP/JSON of logs and metrics: what the JSON says arrives as protobuf. */
START_TEST(json_logs_and_metrics)
{
	for (int s = 1; s < 3; s++) {
		size_t len;
		uint8_t *req = tl_signal_request(sigs[s], 2, 16, 3, &len);
		struct otlp_json_buf js = { 0 };
		ck_assert_int_eq(otlp_json_from_pb_signal(sigs[s], req, len, OTLP_JSON_IN_REQUEST,
							  OTLP_JSON_ONE_LINE, &js, err, sizeof(err)),
				 1);
		struct ingest_msg m;
		ck_assert_int_eq(prep(sigs[s], INGEST_FMT_JSON, CODEC_NONE, js.data, js.len, &m), INGEST_OK);
		ck_assert_uint_eq(m.items, 32);
		ck_assert_uint_eq(m.len, len);
		ck_assert_mem_eq(m.data, req, len);
		ck_assert_int_eq(ingest_submit(&rings[s].route, &m, NULL, NULL, NULL), INGEST_OK);
		uint64_t items;
		ck_assert_uint_eq(drain(s, &items), 2);
		ck_assert_uint_eq(items, 32);
		/* The other signal's JSON names: not a valid request of this one
		 * (no resources: nothing published, it is still accepted as an
		 * empty request, as protobuf JSON ignores unknown fields). */
		static const char bad[] =
			"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"zz\"}]}]}]}";
		int rc = prep(sigs[s], INGEST_FMT_JSON, CODEC_NONE, bad, strlen(bad), &m);
		if (s == 1) {
			ck_assert_int_eq(rc, INGEST_EINVALID);
			ck_assert_ptr_nonnull(strstr(err, "traceId"));
		} else {
			ck_assert_int_eq(rc, INGEST_OK);
			ck_assert_uint_eq(m.items, 0);
		}
		otlp_json_buf_free(&js);
		free(req);
	}
}
END_TEST

/* Truncations, garbage, the wrong signal's body, a bomb: refused with a
 * message naming the signal's request, nothing published. */
START_TEST(bad_bodies_publish_nothing)
{
	int s = _i;
	const struct otlp_signal_desc *sd = otlp_signal_get(sigs[s]);
	size_t len;
	uint8_t *req = tl_signal_request(sigs[s], 2, 8, 3, &len);
	struct ingest_msg m;
	ck_assert_int_eq(prep(sigs[s], INGEST_FMT_PROTO, CODEC_NONE, req, len - 1, &m), INGEST_EINVALID);
	ck_assert_ptr_nonnull(strstr(err, sd->request_name));
	for (size_t cut = 0; cut < len; cut += 7) {
		int rc = prep(sigs[s], INGEST_FMT_PROTO, CODEC_NONE, req, cut, &m);
		ck_assert(rc == INGEST_OK || rc == INGEST_EINVALID);
	}
	/* Another signal's request where this one's is expected: the field
	 * numbers agree down to the items, whose fields have other types. */
	for (int o = 0; o < 3; o++) {
		if (o == s)
			continue;
		size_t olen;
		uint8_t *other = tl_signal_request(sigs[o], 1, 4, 3, &olen);
		ck_assert_int_eq(prep(sigs[s], INGEST_FMT_PROTO, CODEC_NONE, other, olen, &m),
				 INGEST_EINVALID);
		ck_assert_ptr_nonnull(strstr(err, sd->request_name));
		free(other);
	}
	/* Corrupt zstd; a zstd bomb over the cap. */
	uint8_t junk[64];
	memset(junk, 0xa5, sizeof(junk));
	ck_assert_int_eq(prep(sigs[s], INGEST_FMT_PROTO, CODEC_ZSTD, junk, sizeof(junk), &m),
			 INGEST_EINVALID);
	ck_assert_ptr_nonnull(strstr(err, "zstd"));
	size_t big = 32u << 20, cap = codec_encode_bound(CODEC_ZSTD, big);
	uint8_t *zeros = calloc(1, big), *z = malloc(cap);
	ssize_t zl = codec_encode(NULL, CODEC_ZSTD, 3, zeros, big, z, cap);
	ck_assert_int_gt(zl, 0);
	struct ingest_body b = { sigs[s], INGEST_FMT_PROTO, CODEC_ZSTD, 1 << 20, z, (size_t)zl };
	ck_assert_int_eq(ingest_prepare(&ig, &b, &m, err, sizeof(err)), INGEST_ETOOBIG);
	ck_assert_ptr_nonnull(strstr(err, "exceeds 1048576"));
	for (int o = 0; o < 3; o++)
		ck_assert_uint_eq(ring_last_seq(&rings[o].ring), 0);
	free(zeros);
	free(z);
	free(req);
}
END_TEST

/* A route whose ring has another signal is a programming error. */
START_TEST(route_signal_mismatch)
{
	size_t len;
	uint8_t *req = tl_signal_request(OTLP_SIGNAL_LOGS, 1, 4, 3, &len);
	struct ingest_msg m;
	ck_assert_int_eq(prep(OTLP_SIGNAL_LOGS, INGEST_FMT_PROTO, CODEC_NONE, req, len, &m), INGEST_OK);
	ck_assert_int_eq(ingest_submit(&rings[0].route, &m, NULL, NULL, NULL), INGEST_EINTERNAL);
	struct ingest_route none = { NULL, NULL, 0 };
	ck_assert_int_eq(ingest_submit(&none, &m, NULL, NULL, NULL), INGEST_EINTERNAL);
	ck_assert_uint_eq(ring_last_seq(&rings[0].ring), 0);
	free(req);
}
END_TEST

static int done_status[8], done_calls;
static void on_done(struct ingest_wait *w, int status)
{
	done_status[(intptr_t)w->arg] = status;
	done_calls++;
}

static struct net_loop *new_loop(void)
{
	struct net_loop *loop;
	char lerr[200];
	if (net_loop_new(&loop, NULL, lerr, sizeof(lerr)) < 0) {
		fprintf(stderr, "skip: %s\n", lerr);
		exit(77);
	}
	return loop;
}

/* Fill ring s (returns the request, its length in *len). */
static uint8_t *fill(int s, size_t *len)
{
	uint8_t *req = tl_signal_request(sigs[s], 2, 60, 5, len);
	while (ingest_publish(&rings[s].out, req, *len, ingest_now_ns()) == INGEST_OK)
		;
	return req;
}

/* The traces ring full: a traces request waits, logs and metrics flow. */
START_TEST(full_ring_holds_back_only_its_own)
{
	teardown();
	struct net_loop *loop = new_loop();
	setup_loop(loop, 256 << 10);
	size_t len;
	uint8_t *req = fill(0, &len);
	uint64_t seq = ring_last_seq(&rings[0].ring);
	struct ingest_msg m;
	ck_assert_int_eq(prep(OTLP_SIGNAL_TRACES, INGEST_FMT_PROTO, CODEC_NONE, req, len, &m), INGEST_OK);
	struct ingest_wait w = { 0 };
	done_calls = 0;
	ck_assert_int_eq(ingest_submit(&rings[0].route, &m, &w, on_done, (void *)0), 1);
	ck_assert_uint_eq(rings[0].out.waiting, 1);
	for (int s = 1; s < 3; s++) {
		size_t l;
		uint8_t *r = tl_signal_request(sigs[s], 1, 32, 1, &l);
		ck_assert_int_eq(prep(sigs[s], INGEST_FMT_PROTO, CODEC_NONE, r, l, &m), INGEST_OK);
		ck_assert_int_eq(ingest_submit(&rings[s].route, &m, NULL, NULL, NULL), INGEST_OK);
		ck_assert_uint_eq(ring_last_seq(&rings[s].ring), 1);
		ck_assert_uint_eq(rings[s].out.waiting, 0);
		free(r);
	}
	ck_assert_int_eq(done_calls, 0);
	uint64_t items;
	drain(0, &items);
	for (int i = 0; i < 200 && done_calls < 1; i++)
		net_loop_run_once(loop, 20);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_status[0], INGEST_OK);
	ck_assert_uint_eq(ring_last_seq(&rings[0].ring), seq + 2);
	ck_assert_uint_eq(seg_component_get(&rings[0].stat, SEG_C_ACCEPTED), 120);
	ingest_wait_release(&w);
	teardown();
	net_loop_free(loop);
	setup();
	free(req);
}
END_TEST

/* Two routes into one ring with different waits: the request queued
 * second, with the shorter wait, is refused at its own deadline while the
 * first keeps waiting; then space frees and the first is published. */
START_TEST(shorter_wait_behind_head_expires)
{
	teardown();
	struct net_loop *loop = new_loop();
	setup_loop(loop, 256 << 10);
	size_t len;
	uint8_t *req = fill(1, &len);
	uint64_t seq = ring_last_seq(&rings[1].ring);
	struct ingest_route slow = { &rings[1].out, &rings[1].stat, 5000 };
	struct ingest_route quick = { &rings[1].out, &rings[1].stat, 100 };
	struct ingest_msg m;
	ck_assert_int_eq(prep(OTLP_SIGNAL_LOGS, INGEST_FMT_PROTO, CODEC_NONE, req, len, &m), INGEST_OK);
	struct ingest_wait w1 = { 0 }, w2 = { 0 };
	done_calls = 0;
	done_status[1] = done_status[2] = -1;
	ck_assert_int_eq(ingest_submit(&slow, &m, &w1, on_done, (void *)1), 1);
	ck_assert_int_eq(ingest_submit(&quick, &m, &w2, on_done, (void *)2), 1);
	for (int i = 0; i < 200 && done_calls < 1; i++)
		net_loop_run_once(loop, 20);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_status[2], INGEST_EFULL);
	ck_assert_int_eq(done_status[1], -1);
	ck_assert_uint_eq(rings[1].out.waiting, 1);
	ck_assert_uint_eq(seg_component_get(&rings[1].stat, SEG_C_REFUSED), 120);
	uint64_t items;
	drain(1, &items);
	for (int i = 0; i < 200 && done_calls < 2; i++)
		net_loop_run_once(loop, 20);
	ck_assert_int_eq(done_status[1], INGEST_OK);
	ck_assert_uint_eq(ring_last_seq(&rings[1].ring), seq + 2);
	ck_assert_uint_eq(seg_component_get(&rings[1].stat, SEG_C_ACCEPTED), 120);
	ingest_wait_release(&w1);
	ingest_wait_release(&w2);
	teardown();
	net_loop_free(loop);
	setup();
	free(req);
}
END_TEST

/* Refusals count in the route's slot: full without a loop, draining. */
START_TEST(refusals_counted)
{
	size_t len;
	uint8_t *req = fill(2, &len);
	struct ingest_msg m;
	ck_assert_int_eq(prep(OTLP_SIGNAL_METRICS, INGEST_FMT_PROTO, CODEC_NONE, req, len, &m), INGEST_OK);
	ck_assert_uint_eq(m.items, 120);
	struct ingest_wait w = { 0 };
	ck_assert_int_eq(ingest_submit(&rings[2].route, &m, &w, on_done, NULL), INGEST_EFULL);
	ck_assert_uint_eq(seg_component_get(&rings[2].stat, SEG_C_REFUSED), 120);
	ingest_drain(&ig);
	ck_assert_int_eq(ingest_submit(&rings[2].route, &m, &w, on_done, NULL), INGEST_EDRAIN);
	ck_assert_uint_eq(seg_component_get(&rings[2].stat, SEG_C_REFUSED), 240);
	ck_assert_uint_eq(seg_component_get(&rings[2].stat, SEG_C_ACCEPTED), 0);
	free(req);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ingest_signals");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, publish_every_signal_every_codec, 0, 18);
	tcase_add_test(tc, json_logs_and_metrics);
	tcase_add_loop_test(tc, bad_bodies_publish_nothing, 0, 3);
	tcase_add_test(tc, route_signal_mismatch);
	tcase_add_test(tc, full_ring_holds_back_only_its_own);
	tcase_add_test(tc, shorter_wait_behind_head_expires);
	tcase_add_test(tc, refusals_counted);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
