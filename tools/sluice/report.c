/* tools/sluice/report.c: status table, Prometheus text, health. */
#include "tools/sluice/report.h"

#include <inttypes.h>
#include <string.h>

#include "rt/clock.h"

/* The ring each stage writes (export writes to the backend: none). */
static int report_out_ring(enum stage_index st)
{
	switch (st) {
	case STAGE_INGEST: return RING_INGEST_PROCESS;
	case STAGE_PROCESS: return RING_PROCESS_BATCH;
	case STAGE_BATCH: return RING_BATCH_EXPORT;
	default: return -1;
	}
}

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

void report_status(struct segment *seg, FILE *out, const double *rates)
{
	fprintf(out, "%-8s %-9s %8s %8s %8s %14s %14s %16s%s\n", "STAGE", "STATE", "PID",
		"UPTIME", "RESTARTS", "SPANS IN", "SPANS OUT", "OUT RING",
		rates ? "     SPANS/S" : "");
	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
		struct stage_stats *s = segment_stats(seg, (enum stage_index)st);
		char up[32], fill[32] = "-";
		report_uptime(up, sizeof(up), s);
		int ri = report_out_ring((enum stage_index)st);
		struct ring r;
		if (ri >= 0 && segment_ring(seg, (uint32_t)ri, &r) == 0) {
			double pct = 100.0 * (double)ring_used(&r) / (double)ring_capacity(&r);
			snprintf(fill, sizeof(fill), "%5.1f%% of %" PRIu64 "M", pct,
				 ring_capacity(&r) >> 20);
		}
		fprintf(out, "%-8s %-9s %8d %8s %8" PRIu64 " %14" PRIu64 " %14" PRIu64 " %16s",
			stats_stage_name((enum stage_index)st),
			stats_state_name((enum stage_state)atomic_load(&s->state)),
			(int)atomic_load(&s->pid), up, (uint64_t)atomic_load(&s->restarts),
			stats_get(s, STAT_SPANS_IN), report_stage_spans_out(seg, (enum stage_index)st),
			fill);
		if (rates)
			fprintf(out, " %12.0f", rates[st]);
		fputc('\n', out);
	}
}

static void report_metric(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

enum slot_counter { SLOT_OUT, SLOT_DROPPED };

/* One line per named stats slot (processor or exporter): name{label="slot"}. */
static void report_slots(FILE *out, const char *name, const char *label,
			 struct stage_stats *st, enum slot_counter which)
{
	for (int i = 0; i < STATS_MAX_PROCS; i++) {
		struct stats_proc *p = &st->procs[i];
		if (p->name[0] == '\0')
			continue;
		uint64_t v = which == SLOT_OUT ? atomic_load(&p->out) : atomic_load(&p->dropped);
		fprintf(out, "%s{%s=\"%.*s\"} %" PRIu64 "\n", name, label, STATS_PROC_NAME, p->name, v);
	}
}

/* STAT_EXPORT_DEGRADED: bit i = the exporter in procs[i], bit 16 = one
 * without a slot, bits 32..47 = errno of the last failed dead letter. */
static void report_degraded_metric(struct stage_stats *ex, FILE *out)
{
	uint64_t v = stats_get(ex, STAT_EXPORT_DEGRADED);
	report_metric(out, "sluice_exporter_degraded", "gauge",
		      "1 while the exporter holds refused batches it cannot write to its dead-letter directory.");
	for (int i = 0; i < STATS_MAX_PROCS; i++) {
		struct stats_proc *p = &ex->procs[i];
		if (p->name[0] != '\0')
			fprintf(out, "sluice_exporter_degraded{exporter=\"%.*s\"} %d\n", STATS_PROC_NAME,
				p->name, (int)(v >> i & 1));
	}
}

void report_prometheus(struct segment *seg, FILE *out)
{
	struct stage_stats *in = segment_stats(seg, STAGE_INGEST);
	struct stage_stats *proc = segment_stats(seg, STAGE_PROCESS);
	struct stage_stats *ex = segment_stats(seg, STAGE_EXPORT);

	report_metric(out, "otelcol_receiver_accepted_spans_total", "counter",
		      "Spans the otlp receiver accepted and published into the pipeline.");
	fprintf(out, "otelcol_receiver_accepted_spans_total{receiver=\"otlp\"} %" PRIu64 "\n",
		stats_get(in, STAT_SPANS_IN));
	report_metric(out, "otelcol_receiver_refused_spans_total", "counter",
		      "Spans the otlp receiver refused, by reason.");
	fprintf(out, "otelcol_receiver_refused_spans_total{receiver=\"otlp\",reason=\"invalid\"} %" PRIu64 "\n",
		stats_get(in, STAT_SPANS_REFUSED_INVALID));
	fprintf(out, "otelcol_receiver_refused_spans_total{receiver=\"otlp\",reason=\"ring_full\"} %" PRIu64 "\n",
		stats_get(in, STAT_SPANS_REFUSED_FULL));
	report_metric(out, "otelcol_processor_dropped_spans_total", "counter",
		      "Spans a processor dropped (filter, sampler).");
	report_slots(out, "otelcol_processor_dropped_spans_total", "processor", proc, SLOT_DROPPED);
	/* per exporter, as the Collector labels them: each exporter gets
	 * every batch, so a stage-wide sum would count a span once per
	 * exporter (that sum is sluice_export_sent_spans_total below) */
	report_metric(out, "otelcol_exporter_sent_spans_total", "counter",
		      "Spans the backend acknowledged, per exporter.");
	report_slots(out, "otelcol_exporter_sent_spans_total", "exporter", ex, SLOT_OUT);
	report_metric(out, "otelcol_exporter_send_failed_spans_total", "counter",
		      "Spans refused for good (written to the dead-letter directory), per exporter.");
	report_slots(out, "otelcol_exporter_send_failed_spans_total", "exporter", ex, SLOT_DROPPED);

	/* Queue size and capacity in bytes: the rings are byte rings. */
	report_metric(out, "otelcol_exporter_queue_size", "gauge",
		      "Bytes waiting in the export ring (ready request bodies).");
	report_metric(out, "otelcol_exporter_queue_capacity", "gauge", "Bytes the export ring holds.");
	struct ring r;
	if (segment_ring(seg, RING_BATCH_EXPORT, &r) == 0) {
		fprintf(out, "otelcol_exporter_queue_size %" PRIu64 "\n", ring_used(&r));
		fprintf(out, "otelcol_exporter_queue_capacity %" PRIu64 "\n", ring_capacity(&r));
	}
	report_metric(out, "sluice_ring_used_bytes", "gauge", "Bytes published and not yet consumed, per ring.");
	report_metric(out, "sluice_ring_capacity_bytes", "gauge", "Ring capacity in bytes.");
	for (uint32_t i = 0; i < segment_nrings(seg); i++) {
		if (segment_ring(seg, i, &r) != 0)
			continue;
		fprintf(out, "sluice_ring_used_bytes{ring=\"%u\"} %" PRIu64 "\n", i, ring_used(&r));
		fprintf(out, "sluice_ring_capacity_bytes{ring=\"%u\"} %" PRIu64 "\n", i, ring_capacity(&r));
	}

	report_metric(out, "sluice_stage_up", "gauge", "1 when the stage process is running.");
	report_metric(out, "sluice_stage_restarts_total", "counter", "Restarts of the stage after a crash.");
	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
		struct stage_stats *s = segment_stats(seg, (enum stage_index)st);
		fprintf(out, "sluice_stage_up{stage=\"%s\"} %d\n", stats_stage_name((enum stage_index)st),
			atomic_load(&s->state) == STAGE_STATE_RUNNING);
		fprintf(out, "sluice_stage_restarts_total{stage=\"%s\"} %" PRIu64 "\n",
			stats_stage_name((enum stage_index)st), (uint64_t)atomic_load(&s->restarts));
	}
	report_degraded_metric(ex, out);
	for (int c = 0; c < STAT_COUNT; c++) {
		if (c == STAT_EXPORT_DEGRADED)
			continue; /* packed bits, shown decoded above */
		const char *name = stats_counter_name((enum stat_counter)c);
		int gauge = stats_counter_is_gauge((enum stat_counter)c);
		char metric[96];
		snprintf(metric, sizeof(metric), "sluice_%s%s", name, gauge ? "" : "_total");
		report_metric(out, metric, gauge ? "gauge" : "counter", "sluice stage counter (see docs/operations.md).");
		for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
			struct stage_stats *s = segment_stats(seg, (enum stage_index)st);
			fprintf(out, "%s{stage=\"%s\"} %" PRIu64 "\n", metric,
				stats_stage_name((enum stage_index)st), stats_get(s, (enum stat_counter)c));
		}
	}
}

bool report_health(struct segment *seg, FILE *out)
{
	bool ok = true;
	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
		struct stage_stats *s = segment_stats(seg, (enum stage_index)st);
		uint32_t state = atomic_load(&s->state);
		uint64_t restarts = atomic_load(&s->restarts);
		if (state != STAGE_STATE_RUNNING) {
			ok = false;
			if (out) {
				fprintf(out, "%s is %s", stats_stage_name((enum stage_index)st),
					stats_state_name((enum stage_state)state));
				if (restarts)
					fprintf(out, " (restarted %" PRIu64 " times)", restarts);
				fputc('\n', out);
			}
		}
	}
	struct stage_stats *ex = segment_stats(seg, STAGE_EXPORT);
	uint64_t deg = stats_get(ex, STAT_EXPORT_DEGRADED);
	int err = (int)(deg >> 32 & 0xffff);
	for (int i = 0; i <= STATS_MAX_PROCS && (deg & 0x1ffff); i++) {
		if (!(deg >> i & 1))
			continue;
		ok = false;
		if (!out)
			continue;
		if (i < STATS_MAX_PROCS)
			fprintf(out, "exporter %.*s", STATS_PROC_NAME, ex->procs[i].name);
		else
			fprintf(out, "an exporter");
		fprintf(out, " is degraded: dead letters cannot be written (%s); the batches it "
			"refused stay in the ring and are retried\n", err ? strerror(err) : "unknown error");
	}
	if (ok && out)
		fprintf(out, "ok\n");
	return ok;
}
