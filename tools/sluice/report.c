/* tools/sluice/report.c: `sluice status` and `sluice top`: the stage
 * table, the receivers, and each pipeline found in the segment. */
#include "tools/sluice/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rt/clock.h"
#include "tools/sluice/report_priv.h"
#include "tools/sluice/stall.h"

#define REPORT_MAX_PIPELINES 64

struct report_top {
	uint64_t t_ns;	/* CLOCK_MONOTONIC of the last sample, 0: none */
	uint32_t n, nh; /* slots, histograms */
	uint64_t *prev; /* [n] counter 0 of each slot (accepted, in, sent) */
	double *rate;	/* [n] per second */
	uint64_t stage_prev[STAGE_COUNT];
	double stage_rate[STAGE_COUNT];
	struct hist_snapshot *hprev, *hdelta; /* [nh] */
};

uint64_t report_stage_spans_out(struct segment *seg, enum stage_index st)
{
	const struct stage_stats *s = segment_stats(seg, st);
	if (!s)
		return 0;
	/* Ingest publishes every span it accepts; export hands on what the
	 * backend acknowledged. */
	if (st == STAGE_INGEST)
		return stats_get(s, STAT_SPANS_IN);
	return stats_get(s, st == STAGE_EXPORT ? STAT_EXPORT_SENT_SPANS : STAT_SPANS_OUT);
}

struct report_top *report_top_new(struct segment *seg)
{
	struct report_top *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n = segment_ncomponents(seg);
	t->nh = hist_count(seg);
	t->prev = calloc(t->n + 1, sizeof(*t->prev));
	t->rate = calloc(t->n + 1, sizeof(*t->rate));
	t->hprev = calloc(t->nh + 1, sizeof(*t->hprev));
	t->hdelta = calloc(t->nh + 1, sizeof(*t->hdelta));
	if (!t->prev || !t->rate || !t->hprev || !t->hdelta) {
		report_top_free(t);
		return NULL;
	}
	return t;
}

void report_top_free(struct report_top *t)
{
	if (!t)
		return;
	free(t->prev);
	free(t->rate);
	free(t->hprev);
	free(t->hdelta);
	free(t);
}

void report_top_sample(struct report_top *t, struct segment *seg)
{
	uint64_t now = rt_mono_ns();
	double secs = t->t_ns ? (double)(now - t->t_ns) / 1e9 : 0;

	for (uint32_t i = 0; i < t->n; i++) {
		uint64_t v = seg_component_get(segment_component(seg, i), 0);
		t->rate[i] = secs > 0 && v >= t->prev[i] ? (double)(v - t->prev[i]) / secs : 0;
		t->prev[i] = v;
	}
	for (int st = 0; st < STAGE_COUNT; st++) {
		uint64_t v = report_stage_spans_out(seg, (enum stage_index)st);
		t->stage_rate[st] = secs > 0 && v >= t->stage_prev[st]
					    ? (double)(v - t->stage_prev[st]) / secs
					    : 0;
		t->stage_prev[st] = v;
	}
	for (uint32_t i = 0; i < t->nh; i++) {
		struct hist_snapshot s;
		if (hist_read(seg, i, &s) < 0)
			continue;
		report_hist_delta(&s, t->t_ns ? &t->hprev[i] : NULL, &t->hdelta[i]);
		t->hprev[i] = s;
	}
	t->t_ns = now;
}

static void report_uptime(char *buf, size_t size, const struct stage_stats *s)
{
	uint32_t state = atomic_load_explicit(&((struct stage_stats *)s)->state, memory_order_relaxed);
	uint64_t started = atomic_load_explicit(&((struct stage_stats *)s)->started_ns, memory_order_relaxed);
	uint64_t now = rt_real_ns();
	if (state != STAGE_STATE_RUNNING && state != STAGE_STATE_DRAINING) {
		snprintf(buf, size, "-");
		return;
	}
	uint64_t secs = now > started ? (now - started) / 1000000000ull : 0;
	if (secs >= 3600)
		snprintf(buf, size, "%" PRIu64 "h%02" PRIu64 "m", secs / 3600, secs / 60 % 60);
	else if (secs >= 60)
		snprintf(buf, size, "%" PRIu64 "m%02" PRIu64 "s", secs / 60, secs % 60);
	else
		snprintf(buf, size, "%" PRIu64 "s", secs);
}

/* Bytes waiting in the rings a stage reads. */
static uint64_t report_waiting(struct segment *seg, enum stage_index st)
{
	enum seg_ring_kind kind = st == STAGE_PROCESS  ? SEG_RING_IN
				  : st == STAGE_BATCH  ? SEG_RING_MID
				  : st == STAGE_EXPORT ? SEG_RING_OUT
						       : SEG_RING_KINDS;
	uint64_t total = 0;
	struct ring r;

	for (uint32_t i = 0; i < segment_nrings(seg); i++)
		if (segment_ring_kind(seg, i) == kind && segment_ring(seg, i, &r) == 0)
			total += ring_used(&r);
	return total;
}

static void report_stages(struct segment *seg, FILE *out, const struct report_top *top)
{
	fprintf(out, "%-8s %-9s %8s %8s %8s %14s %14s %12s%s\n", "STAGE", "STATE", "PID", "UPTIME",
		"RESTARTS", "ITEMS IN", "ITEMS OUT", "WAITING", top ? "      ITEMS/S" : "");
	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
		struct stage_stats *s = segment_stats(seg, (enum stage_index)st);
		uint32_t state = atomic_load(&s->state);
		bool stalled = state == STAGE_STATE_RUNNING && stall_since(seg, (enum stage_index)st);
		char up[32], wait[32] = "-";
		report_uptime(up, sizeof(up), s);
		if (st != STAGE_INGEST)
			report_bytes(report_waiting(seg, (enum stage_index)st), wait, sizeof(wait));
		fprintf(out, "%-8s %-9s %8d %8s %8" PRIu64 " %14" PRIu64 " %14" PRIu64 " %12s",
			stats_stage_name((enum stage_index)st),
			stalled ? "stalled" : stats_state_name((enum stage_state)state),
			(int)atomic_load(&s->pid), up, (uint64_t)atomic_load(&s->restarts),
			stats_get(s, STAT_SPANS_IN), report_stage_spans_out(seg, (enum stage_index)st), wait);
		if (top)
			fprintf(out, " %12.0f", top->stage_rate[st]);
		fputc('\n', out);
	}
}

static double report_rate(const struct report_top *top, uint32_t slot)
{
	return top && slot < top->n ? top->rate[slot] : 0;
}

static void report_receivers(struct segment *seg, FILE *out, const struct report_top *top)
{
	bool head = false;

	for (uint32_t i = 0; i < segment_ncomponents(seg); i++) {
		const struct seg_component *k = segment_component(seg, i);
		char name[SEG_NAME_SIZE + SEG_TRANSPORT_SIZE + 2];
		if (k->kind != SEG_COMP_RECEIVER)
			continue;
		if (!head)
			fprintf(out, "\n%-28s %-8s %14s %12s %12s %12s%s\n", "RECEIVER", "SIGNAL", "ACCEPTED",
				"REFUSED", "RING FULL", "INVALID", top ? "      ITEMS/S" : "");
		head = true;
		snprintf(name, sizeof(name), "%s/%s", k->name, k->transport);
		fprintf(out, "%-28s %-8s %14" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64, name,
			report_signal_name(k->signal), seg_component_get(k, SEG_C_ACCEPTED),
			seg_component_get(k, SEG_C_REFUSED), seg_component_get(k, SEG_C_REFUSED_FULL),
			seg_component_get(k, SEG_C_REFUSED_INVALID));
		if (top)
			fprintf(out, " %12.0f", report_rate(top, i));
		fputc('\n', out);
	}
}

/* Is pipeline `p` one of the '+'-joined entry pipelines of IN ring name? */
static bool report_in_ring_feeds(const char *joined, const char *p)
{
	size_t n = strlen(p);

	for (const char *s = joined; *s;) {
		const char *e = strchr(s, '+');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == n && strncmp(s, p, n) == 0)
			return true;
		s += len + (e != NULL);
	}
	return false;
}

static void report_pipeline_rings(struct segment *seg, FILE *out, const char *p)
{
	for (uint32_t i = 0; i < segment_nrings(seg); i++) {
		enum seg_ring_kind kind = segment_ring_kind(seg, i);
		const char *rp = report_ring_pipeline(seg, i);
		struct ring r;
		char used[32], cap[32];
		if (!(kind == SEG_RING_IN ? report_in_ring_feeds(rp, p) : strcmp(rp, p) == 0) ||
		    segment_ring(seg, i, &r) != 0)
			continue;
		report_bytes(ring_used(&r), used, sizeof(used));
		report_bytes(ring_capacity(&r), cap, sizeof(cap));
		fprintf(out, "  ring      %-28s %5.1f%% full (%s of %s)", segment_ring_name(seg, i),
			100.0 * (double)ring_used(&r) / (double)ring_capacity(&r), used, cap);
		if (ring_corrupt_records(&r))
			fprintf(out, ", %" PRIu64 " corrupt records skipped", ring_corrupt_records(&r));
		fputc('\n', out);
	}
}

static void report_latency(struct segment *seg, FILE *out, const struct report_top *top, uint32_t slot)
{
	struct hist_snapshot s, *use = &s;
	char p50[16], p99[16];

	if (!report_hist(seg, HIST_RECEIPT_TO_ACK, slot, &s))
		return;
	for (uint32_t i = 0; top && i < top->nh; i++)
		if (top->hdelta[i].kind == HIST_RECEIPT_TO_ACK && top->hdelta[i].index == slot)
			use = &top->hdelta[i];
	report_duration(hist_quantile(use, 0.5), p50, sizeof(p50));
	report_duration(hist_quantile(use, 0.99), p99, sizeof(p99));
	fprintf(out, "  latency p50 %s p99 %s", p50, p99);
}

static void report_pipeline_slots(struct segment *seg, FILE *out, const struct report_top *top, const char *p)
{
	static const char *const word[] = { "", "receiver", "processor", "exporter", "connector" };
	static const uint32_t order[] = { SEG_COMP_PROCESSOR, SEG_COMP_CONNECTOR, SEG_COMP_EXPORTER };

	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		uint32_t show = order[o];
		for (uint32_t i = 0; i < segment_ncomponents(seg); i++) {
			const struct seg_component *k = segment_component(seg, i);
			if (k->kind != show || strcmp(k->pipeline_name, p) != 0)
				continue;
			fprintf(out, "  %-9s %-28s ", word[show], k->name);
			if (show == SEG_COMP_EXPORTER)
				fprintf(out,
					"sent %" PRIu64 " failed %" PRIu64 " retries %" PRIu64
					" dead letters %" PRIu64,
					seg_component_get(k, SEG_C_SENT), seg_component_get(k, SEG_C_FAILED),
					seg_component_get(k, SEG_C_RETRIES),
					seg_component_get(k, SEG_C_DEADLETTER));
			else
				fprintf(out, "in %" PRIu64 " out %" PRIu64 " dropped %" PRIu64,
					seg_component_get(k, SEG_C_IN), seg_component_get(k, SEG_C_OUT),
					seg_component_get(k, SEG_C_DROPPED));
			if (top)
				fprintf(out, "  %.0f/s", report_rate(top, i));
			if (show == SEG_COMP_EXPORTER)
				report_latency(seg, out, top, i);
			fputc('\n', out);
		}
	}
}

/* Pipelines named by slots and MID/OUT rings, first appearance first. */
static int report_pipeline_names(struct segment *seg, const char **names, uint32_t *signals)
{
	int n = 0;

	for (uint32_t i = 0; i < segment_ncomponents(seg) + segment_nrings(seg); i++) {
		const char *p;
		uint32_t sig;
		if (i < segment_ncomponents(seg)) {
			p = segment_component(seg, i)->pipeline_name;
			sig = segment_component(seg, i)->signal;
		} else {
			uint32_t r = i - segment_ncomponents(seg);
			p = segment_ring_kind(seg, r) == SEG_RING_IN ? "" : report_ring_pipeline(seg, r);
			sig = seg->rings[r].signal;
		}
		bool seen = p[0] == '\0';
		for (int j = 0; j < n && !seen; j++)
			seen = strcmp(names[j], p) == 0;
		if (!seen && n < REPORT_MAX_PIPELINES) {
			names[n] = p;
			signals[n++] = sig;
		}
	}
	return n;
}

void report_status(struct segment *seg, FILE *out, const struct report_top *top)
{
	const char *names[REPORT_MAX_PIPELINES];
	uint32_t signals[REPORT_MAX_PIPELINES];
	int n = report_pipeline_names(seg, names, signals);

	report_stages(seg, out, top);
	report_receivers(seg, out, top);
	for (int p = 0; p < n; p++) {
		fprintf(out, "\npipeline %s (%s)\n", names[p], report_signal_name(signals[p]));
		report_pipeline_rings(seg, out, names[p]);
		report_pipeline_slots(seg, out, top, names[p]);
	}
	/* IN rings whose names could not list their pipelines ("in:traces#0") */
	bool head = false;
	for (uint32_t i = 0; i < segment_nrings(seg); i++) {
		struct ring r;
		char used[32];
		if (segment_ring_kind(seg, i) != SEG_RING_IN || report_ring_pipeline(seg, i)[0] ||
		    segment_ring(seg, i, &r) != 0)
			continue;
		if (!head)
			fprintf(out, "\nrings feeding several pipelines\n");
		head = true;
		report_bytes(ring_used(&r), used, sizeof(used));
		fprintf(out, "  ring      %-28s %5.1f%% full (%s)\n", segment_ring_name(seg, i),
			100.0 * (double)ring_used(&r) / (double)ring_capacity(&r), used);
	}
}
