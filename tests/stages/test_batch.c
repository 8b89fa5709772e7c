/* The batch stage loop between two real rings of a real segment: size
 * trigger, send_batch_max_size, split of an oversized record, byte limit,
 * timeout flush, drain, and the restart (seq) rule. Output is decoded with
 * protobuf-c as an ExportTraceServiceRequest. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "shm/segment.h"
#include "stages/batch.h"
#include "rt/stop.h"
#include "tests/stages/tb.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TbReq;

static struct segment seg;
static struct ring r1p, r1c, r2p, r2c;
static char inst[64];

static void seg_up(void)
{
	static int n;
	snprintf(inst, sizeof inst, "stbatch-%d-%d", (int)getpid(), n++);
	struct segment_params p = { .nrings = 3 };
	for (int i = 0; i < 3; i++)
		p.ring_capacity[i] = 1u << 20;
	segment_unlink(inst);
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	ck_assert_int_eq(segment_ring(&seg, RING_PROCESS_BATCH, &r1p), 0);
	ck_assert_int_eq(segment_ring(&seg, RING_PROCESS_BATCH, &r1c), 0);
	ck_assert_int_eq(segment_ring(&seg, RING_BATCH_EXPORT, &r2p), 0);
	ck_assert_int_eq(segment_ring(&seg, RING_BATCH_EXPORT, &r2c), 0);
}

static void seg_down(void)
{
	segment_detach(&seg);
	segment_unlink(inst);
}

/* A record of `spans` spans named "<seq>.<i>", spread over `scopes` scopes. */
static void feed(uint64_t seq, int spans, int scopes)
{
	struct tb_span sp[64];
	static char names[64][32];
	for (int i = 0; i < spans; i++) {
		snprintf(names[i], sizeof names[i], "%llu.%d", (unsigned long long)seq, i);
		sp[i] = (struct tb_span){ .name = names[i], .scope = scopes > 1 ? i * scopes / spans : 0 };
	}
	static const struct tb_attr res[] = { { .key = "service.name", .type = 's', .s = "svc" },
					      { .key = NULL } };
	size_t len;
	uint8_t *p = tb_pack(res, sp, spans, &len);
	struct record *r;
	ck_assert_int_eq(ring_reserve(&r1p, (uint32_t)len, &r, 0), 0);
	memcpy(record_payload(r), p, len);
	r->seq = seq;
	r->items = (uint32_t)spans;
	r->ingest_ns = 1000 + seq;
	ring_publish(&r1p);
	free(p);
}

struct out_rec {
	uint64_t seq;
	uint32_t items, len;
	uint16_t flags;
	char names[512];
	size_t nrs;
};

/* Reads one ring 2 record; decodes it, checks items. 1 got, 0 none. */
static int take(struct out_rec *o, int64_t wait_ns)
{
	const struct record *r;
	int rc = ring_peek(&r2c, &r, wait_ns);
	if (rc < 0)
		return 0;
	o->seq = r->seq;
	o->items = r->items;
	o->len = r->len;
	o->flags = r->flags;
	TbReq *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, r->len, record_cpayload(r));
	ck_assert_ptr_nonnull(req);
	o->nrs = req->n_resource_spans;
	o->names[0] = '\0';
	uint32_t n = 0;
	for (size_t i = 0; i < req->n_resource_spans; i++) {
		TbRs *rs = req->resource_spans[i];
		ck_assert_str_eq(tb_attr(rs->resource->attributes, rs->resource->n_attributes,
					 "service.name")->string_value, "svc");
		TbSpan **sp;
		size_t k = tb_spans(rs, &sp);
		for (size_t j = 0; j < k; j++, n++) {
			strcat(o->names, n ? " " : "");
			strcat(o->names, sp[j]->name);
		}
	}
	ck_assert_uint_eq(n, o->items);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
	ring_commit(&r2c, ring_cursor(&r2c));
	return 1;
}

static int run_batch(struct sluice_batch *cfg, struct rt_stop *stop)
{
	struct batch_ctx c = { .in = &r1c, .out = &r2p, .cfg = cfg,
			       .st = segment_stats(&seg, STAGE_BATCH), .stop = stop };
	return batch_run(&c);
}

START_TEST(size_trigger_and_drain)
{
	seg_up();
	for (uint64_t s = 1; s <= 7; s++)
		feed(s, 3, 1);
	struct sluice_batch cfg = { .send_batch_size = 10, .send_batch_max_bytes = 1 << 20,
				    .timeout_ns = 60000000000ull };
	struct rt_stop stop = { .requested = 1, .fd = -1 }; /* drain what is there, then return */
	ck_assert_int_eq(run_batch(&cfg, &stop), 0);
	struct out_rec o;
	ck_assert(take(&o, 0));
	ck_assert_uint_eq(o.seq, 4);
	ck_assert_uint_eq(o.items, 12);
	ck_assert_uint_eq(o.nrs, 4);
	ck_assert_uint_eq(o.flags, RECORD_F_REQUEST);
	ck_assert_str_eq(o.names, "1.0 1.1 1.2 2.0 2.1 2.2 3.0 3.1 3.2 4.0 4.1 4.2");
	ck_assert(take(&o, 0));
	ck_assert_uint_eq(o.seq, 7);
	ck_assert_uint_eq(o.items, 9);
	ck_assert(!take(&o, 0));
	/* input fully committed only after publication */
	ck_assert_uint_eq(ring_used(&r1c), 0);
	struct stage_stats *st = segment_stats(&seg, STAGE_BATCH);
	ck_assert_uint_eq(stats_get(st, STAT_BATCH_FLUSH_SIZE), 1);
	ck_assert_uint_eq(stats_get(st, STAT_BATCHES_OUT), 2);
	ck_assert_uint_eq(stats_get(st, STAT_SPANS_OUT), 21);
	seg_down();
}
END_TEST

START_TEST(max_size_and_split)
{
	seg_up();
	feed(1, 4, 1);
	feed(2, 4, 1);
	feed(3, 4, 1);  /* 12 > max 10: flush [1,2] first */
	feed(5, 23, 3); /* alone over the max: split 10/10/3, all seq 5 */
	feed(6, 1, 1);
	struct sluice_batch cfg = { .send_batch_size = 9, .send_batch_max_size = 10,
				    .send_batch_max_bytes = 1 << 20, .timeout_ns = 60000000000ull };
	struct rt_stop stop = { .requested = 1, .fd = -1 };
	ck_assert_int_eq(run_batch(&cfg, &stop), 0);
	struct out_rec o;
	ck_assert(take(&o, 0));
	ck_assert_uint_eq(o.seq, 2);
	ck_assert_uint_eq(o.items, 8);
	ck_assert(take(&o, 0));
	ck_assert_uint_eq(o.seq, 3);
	ck_assert_uint_eq(o.items, 4);
	char want[512] = "";
	for (int part = 0, i = 0; part < 3; part++) {
		ck_assert(take(&o, 0));
		ck_assert_uint_eq(o.seq, 5);
		ck_assert_uint_eq(o.items, part < 2 ? 10 : 3);
		ck_assert_uint_eq(o.nrs, 1);
		want[0] = '\0';
		for (uint32_t j = 0; j < o.items; j++, i++) {
			char nm[16];
			snprintf(nm, sizeof nm, "%s5.%d", j ? " " : "", i);
			strcat(want, nm);
		}
		ck_assert_str_eq(o.names, want);
	}
	ck_assert(take(&o, 0));
	ck_assert_uint_eq(o.seq, 6);
	ck_assert_uint_eq(o.items, 1);
	ck_assert(!take(&o, 0));
	seg_down();
}
END_TEST

START_TEST(byte_limit)
{
	seg_up();
	for (uint64_t s = 1; s <= 10; s++)
		feed(s, 2, 1);
	struct sluice_batch cfg = { .send_batch_size = 1000, .send_batch_max_bytes = 700,
				    .timeout_ns = 60000000000ull };
	struct rt_stop stop = { .requested = 1, .fd = -1 };
	ck_assert_int_eq(run_batch(&cfg, &stop), 0);
	struct out_rec o;
	uint32_t spans = 0, batches = 0;
	uint64_t last = 0;
	while (take(&o, 0)) {
		ck_assert_uint_le(o.len, 700);
		ck_assert_uint_gt(o.seq, last);
		last = o.seq;
		spans += o.items;
		batches++;
	}
	ck_assert_uint_eq(spans, 20);
	ck_assert_uint_eq(last, 10);
	ck_assert_uint_gt(batches, 2);
	seg_down();
}
END_TEST

struct runner {
	struct sluice_batch *cfg;
	struct rt_stop stop;
	int rc;
};

static void *runner_main(void *arg)
{
	struct runner *r = arg;
	r->rc = run_batch(r->cfg, &r->stop);
	return NULL;
}

START_TEST(timeout_flush)
{
	seg_up();
	struct sluice_batch cfg = { .send_batch_size = 1000, .send_batch_max_bytes = 1 << 20,
				    .timeout_ns = 20000000ull };
	struct runner r = { .cfg = &cfg, .stop = { .fd = -1 } };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, runner_main, &r), 0);
	feed(1, 3, 1);
	feed(2, 3, 1);
	struct out_rec o;
	int got = 0;
	for (int i = 0; i < 100 && got < 6; i++) /* bounded: up to 100 x 100 ms */
		if (take(&o, 100000000))
			got += (int)o.items;
	ck_assert_int_eq(got, 6); /* flushed without reaching send_batch_size */
	r.stop.requested = 1;
	pthread_join(th, NULL);
	ck_assert_int_eq(r.rc, 0);
	/* read after the join: the stage counts right after it publishes */
	ck_assert_uint_ge(stats_get(segment_stats(&seg, STAGE_BATCH), STAT_BATCH_FLUSH_TIMEOUT), 1);
	seg_down();
}
END_TEST

START_TEST(restart_skips_published)
{
	seg_up();
	/* a previous run published up to seq 5, then died before committing */
	struct record *w;
	ck_assert_int_eq(ring_reserve(&r2p, 2, &w, 0), 0);
	memcpy(record_payload(w), "\x0a\x00", 2);
	w->seq = 5;
	w->flags = RECORD_F_REQUEST;
	ring_publish(&r2p);
	struct out_rec o;
	const struct record *rr;
	ck_assert_int_eq(ring_peek(&r2c, &rr, 0), 0);
	ring_commit(&r2c, ring_cursor(&r2c));
	for (uint64_t s = 3; s <= 8; s++)
		feed(s, 1, 1);
	struct sluice_batch cfg = { .send_batch_size = 100, .send_batch_max_bytes = 1 << 20,
				    .timeout_ns = 60000000000ull };
	struct rt_stop stop = { .requested = 1, .fd = -1 };
	ck_assert_int_eq(run_batch(&cfg, &stop), 0);
	ck_assert(take(&o, 0));
	ck_assert_uint_eq(o.seq, 8);
	ck_assert_str_eq(o.names, "6.0 7.0 8.0");
	ck_assert(!take(&o, 0));
	ck_assert_uint_eq(stats_get(segment_stats(&seg, STAGE_BATCH), STAT_DUPLICATES_SKIPPED), 3);
	ck_assert_uint_eq(ring_used(&r1c), 0);
	seg_down();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_batch");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, size_trigger_and_drain);
	tcase_add_test(tc, max_size_and_split);
	tcase_add_test(tc, byte_limit);
	tcase_add_test(tc, timeout_flush);
	tcase_add_test(tc, restart_skips_published);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
