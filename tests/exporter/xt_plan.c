/* Helpers for the export stage tests: a segment laid out from a config's
 * plan, as the supervisor makes it (every ring with its name, kind and
 * signal; a component slot per plan stat), publishing into any ring, and
 * the export stage started on that config (see xt.h). */
#include "xt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "config/config.h"
#include "config/plan.h"
#include "shm/donemark.h"

static uint32_t seg_kind(enum plan_ring_kind k)
{
	return k == PLAN_RING_IN ? SEG_RING_IN : k == PLAN_RING_MID ? SEG_RING_MID : SEG_RING_OUT;
}

static uint32_t comp_kind(enum plan_stat_kind k)
{
	switch (k) {
	case PLAN_STAT_RECEIVER:
		return SEG_COMP_RECEIVER;
	case PLAN_STAT_PROCESSOR:
		return SEG_COMP_PROCESSOR;
	case PLAN_STAT_EXPORTER:
		return SEG_COMP_EXPORTER;
	default:
		return SEG_COMP_CONNECTOR;
	}
}

void xt_plan(struct xt_env *e, const char *yaml, uint64_t out_cap)
{
	char body[16384], path[300];
	xt_subst(body, sizeof(body), yaml, e);
	snprintf(path, sizeof(path), "%s/export.yaml", e->dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(body, f);
	if (!strstr(body, "\nsluice:"))
		fprintf(f, "sluice:\n  instance: %s\n  state_dir: %s/state\n  stop_timeout: %s\n",
			e->instance, e->dir, e->stop_timeout[0] ? e->stop_timeout : "20s");
	fclose(f);
	struct config_error err;
	ck_assert_msg(config_load(path, &e->cfg, &err) == 0, "config: %s", err.msg);
	const struct sluice_plan *plan = e->cfg->plan;
	struct segment_params p = { 0 };
	struct segment_component_params *comps = calloc(plan->n_stats + 1, sizeof(*comps));
	ck_assert_ptr_nonnull(comps);
	p.nrings = plan->n_rings;
	p.topology = plan->fingerprint;
	for (uint32_t i = 0; i < plan->n_rings; i++) {
		const struct plan_ring *r = &plan->rings[i];
		p.ring_capacity[i] = r->kind == PLAN_RING_OUT ? out_cap : 64 * 1024;
		p.ring_name[i] = r->name;
		p.ring_kind[i] = seg_kind(r->kind);
		p.ring_signal[i] = (uint32_t)r->signal + 1;
	}
	for (uint32_t i = 0; i < plan->n_stats; i++) {
		const struct plan_stat *s = &plan->stats[i];
		comps[i] = (struct segment_component_params){
			.kind = comp_kind(s->kind),
			.signal = (uint32_t)s->signal + 1,
			.pipeline = s->pipeline >= 0 ? (uint32_t)s->pipeline : SEG_NONE,
			.name = s->component_id,
			.pipeline_name = s->pipeline_id,
			.transport = s->kind == PLAN_STAT_RECEIVER ? plan_transport_name(s->transport) : "",
		};
	}
	p.ncomponents = plan->n_stats;
	p.components = comps;
	/* done marks, as the supervisor lays them out */
	struct donemark_spec done[64];
	uint32_t ndone = xt_done_plan(e->cfg, out_cap, done, 64);
	if (ndone)
		p.aux[p.naux++] = (struct segment_aux_params){ DONEMARK_REGION_NAME,
							       donemark_region_size(done, ndone) };
	segment_unlink(e->instance);
	ck_assert_msg(segment_create(&e->seg, e->instance, &p) == 0, "segment_create: %s",
		      segment_errmsg(&e->seg));
	free(comps);
	if (ndone) {
		uint64_t dsize = 0;
		void *dmem = segment_aux(&e->seg, DONEMARK_REGION_NAME, &dsize);
		ck_assert_int_eq(donemark_region_format(dmem, dsize, done, ndone), 0);
	}
	ck_assert_int_eq(segment_wake_create(&e->seg), 0);
	char env[2048];
	ck_assert_int_gt(segment_wake_env(&e->seg, env, sizeof(env)), 0);
	setenv(SEG_WAKE_ENV, env, 1);
	e->planned = true;
}

int xt_ring_index(struct xt_env *e, const char *name)
{
	int i = segment_ring_find(&e->seg, name);
	ck_assert_msg(i >= 0, "no ring %s", name);
	return i;
}

int xt_publish_ring(struct xt_env *e, int ring, struct xt_body *b, int timeout_ms, unsigned signal)
{
	ck_assert(ring >= 0 && ring < 64);
	if (!e->ring_open[ring]) {
		ck_assert_int_eq(segment_ring(&e->seg, (uint32_t)ring, &e->rings[ring]), 0);
		e->ring_open[ring] = true;
	}
	struct record *r;
	int rc = ring_reserve(&e->rings[ring], (uint32_t)b->len, &r, (int64_t)timeout_ms * 1000000LL);
	if (rc < 0)
		return rc;
	b->seq = r->seq;
	r->flags = RECORD_F_REQUEST;
	r->signal = (uint16_t)signal;
	r->items = b->spans;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	r->ingest_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	memcpy(record_payload(r), b->data, b->len);
	ring_publish(&e->rings[ring]);
	return 0;
}

bool xt_wait_ring_index_empty(struct xt_env *e, int ring, int timeout_ms)
{
	struct ring r;
	ck_assert_int_eq(segment_ring(&e->seg, (uint32_t)ring, &r), 0);
	for (int i = 0; i < timeout_ms / 10 + 1; i++) {
		if (ring_used(&r) == 0)
			return true;
		xt_msleep(10);
	}
	return false;
}

struct seg_component *xt_exporter_slot(struct xt_env *e, const char *pipeline, const char *exporter)
{
	for (uint32_t i = 0; i < segment_ncomponents(&e->seg); i++) {
		struct seg_component *k = segment_component(&e->seg, i);
		if (k->kind == SEG_COMP_EXPORTER && !strcmp(k->name, exporter) &&
		    !strcmp(k->pipeline_name, pipeline))
			return k;
	}
	ck_abort_msg("no component slot for exporter %s of pipeline %s", exporter, pipeline);
	return NULL;
}

bool xt_sink_has_signals(void)
{
	char bin[512], out[300];
	const char *b = getenv("XT_SINK_BIN");
	if (b)
		snprintf(bin, sizeof(bin), "%s", b);
	else
		snprintf(bin, sizeof(bin), "%s/bin/sluice-sink",
			 getenv("SLUICE_BUILD_DIR") ? getenv("SLUICE_BUILD_DIR") : ".");
	snprintf(out, sizeof(out), "/tmp/xt-help-%d", (int)getpid());
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "'%s' --help > '%s' 2>&1", bin, out);
	int rc = system(cmd);
	(void)rc;
	size_t len;
	char *t = xt_slurp(out, &len);
	unlink(out);
	bool has = t && strstr(t, "--bodies-logs");
	free(t);
	return has;
}
