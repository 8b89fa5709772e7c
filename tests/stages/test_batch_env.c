/* test_batch_env.c: the batch tests' segment, feeding and draining. */
#include "tests/stages/test_batch_env.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void benv_up(struct benv *e, uint64_t mid_cap, const uint64_t out_cap[2], const enum otlp_signal sig[2])
{
	static int n;
	memset(e, 0, sizeof *e);
	snprintf(e->inst, sizeof e->inst, "stbatch-%d-%d", (int)getpid(), n++);
	static const char *names[4] = { "mid:a", "mid:b", "out:a", "out:b" };
	struct segment_component_params comp[2] = {
		{ .kind = SEG_COMP_PROCESSOR,
		  .signal = RECORD_SIGNAL_TRACES + sig[0],
		  .pipeline = 0,
		  .name = "batch",
		  .pipeline_name = "a" },
		{ .kind = SEG_COMP_PROCESSOR,
		  .signal = RECORD_SIGNAL_TRACES + sig[1],
		  .pipeline = 1,
		  .name = "batch",
		  .pipeline_name = "b" },
	};
	struct segment_params p = { .nrings = 4, .ncomponents = 2, .components = comp };
	for (int i = 0; i < 4; i++) {
		p.ring_capacity[i] = i < 2 ? mid_cap : out_cap[i - 2];
		p.ring_name[i] = names[i];
		p.ring_kind[i] = i < 2 ? SEG_RING_MID : SEG_RING_OUT;
		p.ring_signal[i] = RECORD_SIGNAL_TRACES + sig[i % 2];
	}
	segment_unlink(e->inst);
	ck_assert_int_eq(segment_create(&e->seg, e->inst, &p), 0);
	ck_assert_int_eq(segment_wake_create(&e->seg), 0);
	for (int l = 0; l < 2; l++) {
		ck_assert_int_eq(segment_ring(&e->seg, (uint32_t)l, &e->midp[l]), 0);
		ck_assert_int_eq(segment_ring(&e->seg, (uint32_t)l, &e->midc[l]), 0);
		ck_assert_int_eq(segment_ring(&e->seg, (uint32_t)l + 2, &e->outp[l]), 0);
		ck_assert_int_eq(segment_ring(&e->seg, (uint32_t)l + 2, &e->outc[l]), 0);
		e->cfg[l] = (struct sluice_batch){ .send_batch_size = 8192,
						   .send_batch_max_bytes = 4u << 20,
						   .timeout_ns = 60000000000ull };
		e->pipes[l] = (struct batch_pipe){ .in = &e->midc[l],
						   .out = &e->outp[l],
						   .cfg = &e->cfg[l],
						   .signal = (uint16_t)(RECORD_SIGNAL_TRACES + sig[l]),
						   .slot = 0,
						   .stats = segment_component(&e->seg, (uint32_t)l),
						   .name = l ? "b" : "a",
						   .in_name = names[l] };
	}
	snprintf(e->qdir, sizeof e->qdir, "/tmp/%s-q", e->inst);
}

void benv_down(struct benv *e)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->qdir);
	if (system(cmd) != 0)
		fprintf(stderr, "%s failed\n", cmd);
	segment_wake_close(&e->seg);
	segment_detach(&e->seg);
	segment_unlink(e->inst);
}

struct record *benv_feed(struct benv *e, int lane, uint64_t s, int items, int scopes, int per)
{
	size_t len;
	enum otlp_signal sig = (enum otlp_signal)(e->pipes[lane].signal - RECORD_SIGNAL_TRACES);
	uint8_t *p = btb_pack(sig, s, items, scopes, per, &len);
	struct record *r;
	ck_assert_int_eq(ring_reserve(&e->midp[lane], (uint32_t)len, &r, 0), 0);
	memcpy(record_payload(r), p, len);
	r->seq = s;
	r->signal = e->pipes[lane].signal;
	r->items = (uint32_t)items;
	r->ingest_ns = 1000 + s;
	ring_publish(&e->midp[lane]);
	free(p);
	return r;
}

int benv_take(struct benv *e, int lane, int per, struct benv_took *t, int64_t wait_ns)
{
	const struct record *r;
	if (ring_peek(&e->outc[lane], &r, wait_ns) < 0) /* checks every output's seal */
		return 0;
	t->seq = r->seq;
	t->items = r->items;
	t->len = r->len;
	ck_assert_uint_eq(r->flags, RECORD_F_REQUEST);
	ck_assert_uint_eq(r->signal, e->pipes[lane].signal);
	t->names[0] = '\0';
	int rc = btb_unpack((enum otlp_signal)(r->signal - RECORD_SIGNAL_TRACES), record_cpayload(r), r->len,
			    per, t->names, sizeof t->names, &t->o);
	ck_assert_msg(rc == 0, "output seq %llu: %s", (unsigned long long)r->seq, t->o.err);
	ck_assert_uint_eq(t->o.items, r->items);
	ck_assert_int_eq(ring_commit(&e->outc[lane], ring_cursor(&e->outc[lane])), 0);
	return 1;
}

static void benv_ctx(struct benv *e, int n, struct rt_stop *stop, struct batch_ctx *c)
{
	*c = (struct batch_ctx){ .pipes = e->pipes,
				 .n_pipes = (uint32_t)n,
				 .st = segment_stats(&e->seg, STAGE_BATCH),
				 .stop = stop,
				 .quarantine_dir = e->qdir,
				 .quarantine_max = 1u << 20 };
}

int benv_run(struct benv *e, int n, bool drain)
{
	struct rt_stop stop = { .requested = drain, .fd = -1 };
	struct batch_ctx c;
	benv_ctx(e, n, &stop, &c);
	return batch_run(&c);
}

static void *benv_main(void *arg)
{
	struct benv_runner *r = arg;
	r->rc = batch_run(&r->ctx);
	return NULL;
}

void benv_start(struct benv_runner *r, struct benv *e, int n)
{
	r->e = e;
	r->n = n;
	r->stop = (struct rt_stop){ .fd = -1 };
	benv_ctx(e, n, &r->stop, &r->ctx);
	r->rc = 1; /* running */
	ck_assert_int_eq(pthread_create(&r->th, NULL, benv_main, r), 0);
}

int benv_stop(struct benv_runner *r)
{
	r->stop.requested = 1;
	pthread_join(r->th, NULL);
	return r->rc;
}
