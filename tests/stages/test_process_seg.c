/* tests/stages/test_process_seg.c: see test_process_seg.h. */
#include "tests/stages/test_process_seg.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agg/agg_config.h"

uint64_t tps_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct sluice_config *tps_load(const char *fmt, ...)
{
	static char y[1 << 16];
	struct sluice_config *cfg;
	struct config_error err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(y, sizeof y, fmt, ap);
	va_end(ap);
	int rc = config_load_buffer("<test>", y, strlen(y), &cfg, &err);
	ck_assert_msg(rc == 0, "config: %s\n%s", err.msg, y);
	return cfg;
}

void tps_segment(struct segment *seg, const char *inst, const struct sluice_config *cfg, uint64_t cap_in,
		 uint64_t cap_mid)
{
	const struct sluice_plan *plan = cfg->plan;
	static struct segment_params p;
	static struct segment_component_params comps[PLAN_MAX_STATS];
	static char aux_names[SEG_MAX_AUX][SEG_NAME_SIZE + 16];

	memset(&p, 0, sizeof p);
	p.nrings = plan->n_rings;
	p.topology = plan->fingerprint;
	for (uint32_t i = 0; i < plan->n_rings; i++) {
		const struct plan_ring *r = &plan->rings[i];
		uint64_t cap = r->kind == PLAN_RING_IN ? cap_in : cap_mid;
		p.ring_capacity[i] = cap ? cap : r->capacity;
		p.ring_name[i] = r->name;
		p.ring_kind[i] = r->kind == PLAN_RING_IN    ? SEG_RING_IN
				 : r->kind == PLAN_RING_MID ? SEG_RING_MID
							    : SEG_RING_OUT;
		p.ring_signal[i] = (uint32_t)r->signal + 1;
	}
	for (uint32_t i = 0; i < plan->n_stats; i++) {
		const struct plan_stat *s = &plan->stats[i];
		comps[i] = (struct segment_component_params){
			.kind = s->kind == PLAN_STAT_RECEIVER	 ? SEG_COMP_RECEIVER
				: s->kind == PLAN_STAT_PROCESSOR ? SEG_COMP_PROCESSOR
				: s->kind == PLAN_STAT_EXPORTER	 ? SEG_COMP_EXPORTER
								 : SEG_COMP_CONNECTOR,
			.signal = (uint32_t)s->signal + 1,
			.pipeline = s->pipeline >= 0 ? (uint32_t)s->pipeline : SEG_NONE,
			.name = s->component_id,
			.pipeline_name = s->pipeline_id,
			.transport = s->kind == PLAN_STAT_RECEIVER ? plan_transport_name(s->transport) : "",
		};
	}
	p.ncomponents = plan->n_stats;
	p.components = comps;
	for (size_t k = 0; k < cfg->n_connectors; k++) {
		const struct sluice_connector *c = &cfg->connectors[k];
		struct agg_config ac;
		char why[256];
		if (c->type != SLUICE_CONN_SPANMETRICS || !plan->connectors[k].from)
			continue;
		ck_assert_int_eq(agg_config_from(&c->spanmetrics, &ac, why, sizeof why), 0);
		ck_assert_uint_lt(p.naux, SEG_MAX_AUX);
		agg_config_region_name(c, aux_names[p.naux], sizeof aux_names[p.naux]);
		p.aux[p.naux].name = aux_names[p.naux];
		p.aux[p.naux].size = agg_region_size(&ac.params);
		p.naux++;
	}
	segment_unlink(inst);
	int rc = segment_create(seg, inst, &p);
	ck_assert_msg(rc == 0, "segment_create: %s", segment_errmsg(seg));
	ck_assert_int_eq(segment_wake_create(seg), 0);
	char wake[4096];
	ck_assert_int_gt(segment_wake_env(seg, wake, sizeof wake), 0);
	setenv(SEG_WAKE_ENV, wake, 1);
}

void tps_segment_drop(struct segment *seg, const char *inst)
{
	segment_wake_close(seg);
	segment_detach(seg);
	segment_unlink(inst);
}

uint64_t tps_put(struct ring *r, const uint8_t *p, size_t len, uint32_t items, uint16_t signal)
{
	struct record *rec;
	uint64_t give_up = tps_now_ns() + 20ull * 1000000000ull;
	int rc;

	while ((rc = ring_reserve(r, (uint32_t)len, &rec, 100000000)) == -ETIMEDOUT || rc == -EINTR ||
	       rc == -EAGAIN)
		if (tps_now_ns() > give_up)
			return 0;
	if (rc < 0)
		return 0;
	memcpy(record_payload(rec), p, len);
	rec->items = items;
	rec->signal = signal ? signal : RECORD_SIGNAL_TRACES;
	rec->ingest_ns = 1;
	ring_publish(r);
	return rec->seq;
}

const struct record *tps_next(struct ring *r)
{
	const struct record *rec;
	uint64_t give_up = tps_now_ns() + 20ull * 1000000000ull;

	while (tps_now_ns() < give_up) {
		int rc = ring_peek(r, &rec, 100000000);
		if (rc == 0)
			return rec;
		ck_assert_msg(rc == -ETIMEDOUT || rc == -EAGAIN || rc == -EINTR, "ring_peek: %d", rc);
	}
	return NULL;
}

uint64_t tps_comp(struct segment *seg, int stat, unsigned c)
{
	ck_assert_int_ge(stat, 0);
	struct seg_component *k = segment_component(seg, (uint32_t)stat);
	ck_assert_ptr_nonnull(k);
	return seg_component_get(k, c);
}

static void *runner(void *arg)
{
	struct tps_runner *r = arg;
	r->rc = process_run(r->p);
	return NULL;
}

void tps_start(struct tps_runner *r, const struct sluice_config *cfg, struct segment *seg,
	       const struct route_access *acc)
{
	char err[512];
	memset(r, 0, sizeof *r);
	r->stop.fd = -1;
	struct process_opts o = { .st = &r->st,
				  .stop = &r->stop,
				  .route_access = acc,
				  .quarantine_dir = "/tmp/sluice-test-process-quarantine" };
	int rc = process_new(&r->p, cfg, seg, &o, err, sizeof err);
	ck_assert_msg(rc == 0, "process_new: %s", err);
	ck_assert_int_eq(pthread_create(&r->t, NULL, runner, r), 0);
}

int tps_stop(struct tps_runner *r)
{
	r->stop.requested = 1;
	pthread_join(r->t, NULL);
	process_free(r->p);
	r->p = NULL;
	return r->rc;
}
