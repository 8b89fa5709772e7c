/* tests/sluice/test_layout.c: the segment the supervisor makes from a
 * config's plan (tools/sluice/sup_layout.h): every ring with its name,
 * kind, signal and capacity, the fingerprint, a slot per plan stat, a
 * region per span-metrics connector sized by agg/agg_config.h, the
 * histogram directory, the done marks (an entry per OUT ring x exporter,
 * as many slots as the export stage's window); what tells a resumable
 * segment from one to migrate, and the done marks a migration keeps. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agg/agg_config.h"
#include "config/plan.h"
#include "shm/donemark.h"
#include "tools/sluice/stall.h"
#include "tools/sluice/sup_layout.h"
#include "tests/check_run.h"

static const char base_yaml[] =
	"receivers:\n  otlp:\n    protocols:\n      grpc:\n      http:\n"
	"processors:\n  batch:\n%s"
	"exporters:\n  otlphttp:\n    endpoint: http://127.0.0.1:9\n"
	"  otlphttp/m:\n    endpoint: http://127.0.0.1:9\n"
	"connectors:\n  spanmetrics:\n"
	"service:\n  pipelines:\n"
	"    traces:\n      receivers: [otlp]\n      processors: [%sbatch]\n"
	"      exporters: [otlphttp, spanmetrics]\n"
	"    metrics:\n      receivers: [spanmetrics]\n      exporters: [otlphttp/m]\n"
	"sluice:\n  ring_bytes: 64MiB\n";

static struct sluice_config *load(bool extra)
{
	char yaml[2048];
	struct sluice_config *cfg = NULL;
	struct config_error err;

	snprintf(yaml, sizeof(yaml), base_yaml,
		 extra ? "  attributes/x:\n    actions:\n      - key: k\n        value: v\n        action: insert\n"
		       : "",
		 extra ? "attributes/x, " : "");
	ck_assert_msg(config_load_buffer("<test>", yaml, strlen(yaml), &cfg, &err) == 0, "%s", err.msg);
	return cfg;
}

static bool has_hist(const struct sup_layout *l, enum hist_kind k, uint32_t index)
{
	for (uint32_t i = 0; i < l->n_hists; i++)
		if (l->hists[i].kind == k && l->hists[i].index == index)
			return true;
	return false;
}

START_TEST(layout_from_plan)
{
	struct sluice_config *cfg = load(false);
	const struct sluice_plan *plan = cfg->plan;
	struct sup_layout l;
	char err[256];

	ck_assert_int_eq(sup_layout_build(cfg, &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.p.nrings, plan->n_rings);
	ck_assert_uint_eq(l.p.nrings, 5);
	ck_assert_uint_eq(l.p.topology, plan->fingerprint);
	ck_assert_str_eq(l.p.ring_name[2], "mid:metrics");
	ck_assert_uint_eq(l.p.ring_kind[0], SEG_RING_IN);
	ck_assert_uint_eq(l.p.ring_kind[2], SEG_RING_MID);
	ck_assert_uint_eq(l.p.ring_kind[4], SEG_RING_OUT);
	ck_assert_uint_eq(l.p.ring_signal[2], RECORD_SIGNAL_METRICS);
	ck_assert_uint_eq(l.p.ring_capacity[1], 64u << 20);
	/* a slot per plan stat, in its order, labelled */
	ck_assert_uint_eq(l.p.ncomponents, plan->n_stats);
	for (uint32_t i = 0; i < plan->n_stats; i++) {
		ck_assert_str_eq(l.comps[i].name, plan->stats[i].component_id);
		ck_assert_uint_eq(l.comps[i].signal, (uint32_t)plan->stats[i].signal + 1);
	}
	int grpc = plan_receiver_stat(plan, 0, PLAN_TRANSPORT_GRPC, SLUICE_SIGNAL_TRACES);
	ck_assert_int_ge(grpc, 0);
	ck_assert_uint_eq(l.comps[grpc].kind, SEG_COMP_RECEIVER);
	ck_assert_str_eq(l.comps[grpc].transport, "grpc");
	int ex = plan->pipelines[1].exporter_stats[0];
	ck_assert_uint_eq(l.comps[ex].kind, SEG_COMP_EXPORTER);
	ck_assert_str_eq(l.comps[ex].name, "otlphttp/m");
	ck_assert_str_eq(l.comps[ex].pipeline_name, "metrics");
	/* regions: the connector's state, sized by agg_config, then ours */
	struct agg_config ac;
	ck_assert_int_eq(agg_config_from(&cfg->connectors[0].spanmetrics, &ac, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.n_spanmetrics, 1);
	ck_assert_uint_eq(l.p.naux, 4);
	ck_assert_str_eq(l.p.aux[0].name, "spanmetrics:spanmetrics");
	ck_assert_uint_eq(l.p.aux[0].size, agg_region_size(&ac.params));
	ck_assert_str_eq(l.p.aux[1].name, HIST_REGION_NAME);
	ck_assert_str_eq(l.p.aux[2].name, STALL_REGION_NAME);
	ck_assert_str_eq(l.p.aux[3].name, DONEMARK_REGION_NAME);
	/* done marks: out:traces x otlphttp, out:metrics x otlphttp/m (the
	 * spanmetrics connector is no exporter of a ring); a 64 MiB ring's
	 * window is 65536 batches */
	ck_assert_uint_eq(l.n_done, 2);
	ck_assert_uint_eq(l.done[0].ring, (uint32_t)plan_ring_find(plan, "out:traces"));
	ck_assert_str_eq(l.done[0].exporter, "otlphttp");
	ck_assert_uint_eq(l.done[1].ring, (uint32_t)plan_ring_find(plan, "out:metrics"));
	ck_assert_str_eq(l.done[1].exporter, "otlphttp/m");
	ck_assert_uint_eq(l.done[0].slots, 65536);
	/* histograms: both exporters, the traces batch processor, every ring */
	ck_assert(has_hist(&l, HIST_RECEIPT_TO_ACK, (uint32_t)plan->pipelines[0].exporter_stats[0]));
	ck_assert(has_hist(&l, HIST_EXPORT_DURATION, (uint32_t)ex));
	ck_assert(has_hist(&l, HIST_BATCH_SIZE, (uint32_t)plan->pipelines[0].processor_stats[0]));
	ck_assert(!has_hist(&l, HIST_BATCH_SIZE, (uint32_t)ex));
	for (uint32_t r = 0; r < 5; r++)
		ck_assert(has_hist(&l, HIST_RING_AGE, r));
	ck_assert_uint_eq(l.n_hists, 2 + 2 + 1 + 5);

	/* made, formatted, found again; another component list is not the same
	 * layout although the rings (and so the fingerprint) are */
	char inst[64];
	struct segment seg;
	snprintf(inst, sizeof(inst), "sluicelay%d", (int)getpid());
	segment_unlink(inst);
	ck_assert_int_eq(segment_create(&seg, inst, &l.p), 0);
	ck_assert_int_eq(sup_layout_format(&seg, &l, cfg), 0);
	ck_assert_ptr_nonnull(hist_for(&seg, HIST_RING_AGE, 4));
	ck_assert_ptr_nonnull(stall_region_get(&seg));
	ck_assert(sup_layout_matches(&seg, &l));
	struct sluice_config *cfg2 = load(true);
	struct sup_layout l2;
	ck_assert_int_eq(sup_layout_build(cfg2, &l2, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg2->plan->fingerprint, plan->fingerprint);
	ck_assert(!sup_layout_matches(&seg, &l2));
	/* what a migration to l2 keeps of the done marks: all of them (same
	 * rings, same exporters, same windows) */
	struct donemark m;
	uint32_t out_traces = (uint32_t)plan_ring_find(plan, "out:traces");
	ck_assert_int_eq(donemark_for(&seg, out_traces, "otlphttp", &m), 0);
	donemark_set(&m, 77);
	ck_assert_int_eq(donemark_for(&seg, out_traces, "otlphttp/m", &m), -ENOENT);
	char inst2[64];
	struct segment seg2;
	snprintf(inst2, sizeof(inst2), "sluicelay%d_2", (int)getpid());
	segment_unlink(inst2);
	ck_assert_int_eq(segment_create(&seg2, inst2, &l2.p), 0);
	ck_assert_int_eq(sup_layout_format(&seg2, &l2, cfg2), 0);
	ck_assert_int_eq(donemark_for(&seg2, out_traces, "otlphttp", &m), 0);
	ck_assert(!donemark_has(&m, 77));
	uint64_t dsize = 0, ssize = 0;
	void *dst = segment_aux(&seg2, DONEMARK_REGION_NAME, &dsize);
	void *src = segment_aux(&seg, DONEMARK_REGION_NAME, &ssize);
	ck_assert_uint_eq(donemark_region_copy(dst, dsize, src, ssize), 2);
	ck_assert(donemark_has(&m, 77));
	segment_detach(&seg2);
	segment_unlink(inst2);
	/* a segment an older build left has no done-mark region: not this
	 * layout, so the supervisor migrates it (never resumes it as it is) */
	struct segment_params oldp = l.p;
	oldp.naux--;
	ck_assert_int_eq(segment_create(&seg2, inst2, &oldp), 0);
	ck_assert(!sup_layout_matches(&seg2, &l));
	ck_assert_int_eq(donemark_for(&seg2, out_traces, "otlphttp", &m), -ENOENT);
	segment_detach(&seg2);
	segment_unlink(inst2);
	sup_layout_free(&l2);
	config_free(cfg2);
	segment_detach(&seg);
	segment_unlink(inst);
	sup_layout_free(&l);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = tcase_create("layout");
	tcase_add_test(tc, layout_from_plan);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
