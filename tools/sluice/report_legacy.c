/* tools/sluice/report_legacy.c: the Collector-named series as the stages
 * wrote them before component slots: receivers from ingest's stage
 * counters (one `otlp` receiver, refusals by reason), processors and
 * exporters from the per-name slots of the process and export stats
 * blocks. report_prom.c uses these for a kind of component until its stage
 * writes the component slots (report_slots_written); delete this file once
 * every stage does. */
#include <inttypes.h>
#include <stdio.h>

#include "tools/sluice/report_priv.h"

enum legacy_value {
	LEGACY_OUT,
	LEGACY_DROPPED
};

/* One line per named stats slot: name{label="slot"}. */
static void legacy_slots(FILE *out, const char *name, const char *label, struct stage_stats *st,
			 enum legacy_value which)
{
	for (int i = 0; i < STATS_MAX_PROCS; i++) {
		struct stats_proc *p = &st->procs[i];
		if (p->name[0] == '\0')
			continue;
		uint64_t v = which == LEGACY_OUT ? atomic_load(&p->out) : atomic_load(&p->dropped);
		fprintf(out, "%s{%s=\"%.*s\"} %" PRIu64 "\n", name, label, STATS_PROC_NAME, p->name, v);
	}
}

void report_legacy_receivers(struct segment *seg, FILE *out)
{
	struct stage_stats *in = segment_stats(seg, STAGE_INGEST);

	report_metric(out, "otelcol_receiver_accepted_spans_total", "counter",
		      "Spans the otlp receiver accepted and published into the pipeline.");
	fprintf(out, "otelcol_receiver_accepted_spans_total{receiver=\"otlp\"} %" PRIu64 "\n",
		stats_get(in, STAT_SPANS_IN));
	report_metric(out, "otelcol_receiver_refused_spans_total", "counter",
		      "Spans the otlp receiver refused, by reason.");
	fprintf(out,
		"otelcol_receiver_refused_spans_total{receiver=\"otlp\",reason=\"invalid\"} %" PRIu64 "\n",
		stats_get(in, STAT_SPANS_REFUSED_INVALID));
	fprintf(out,
		"otelcol_receiver_refused_spans_total{receiver=\"otlp\",reason=\"ring_full\"} %" PRIu64 "\n",
		stats_get(in, STAT_SPANS_REFUSED_FULL));
}

void report_legacy_processors(struct segment *seg, FILE *out)
{
	report_metric(out, "otelcol_processor_dropped_spans_total", "counter",
		      "Spans a processor dropped (filter, sampler).");
	legacy_slots(out, "otelcol_processor_dropped_spans_total", "processor",
		     segment_stats(seg, STAGE_PROCESS), LEGACY_DROPPED);
}

void report_legacy_exporters(struct segment *seg, FILE *out)
{
	struct stage_stats *ex = segment_stats(seg, STAGE_EXPORT);
	struct ring r;

	/* per exporter: each gets every batch, so a stage-wide sum would count
	 * a span once per exporter (that sum is sluice_export_sent_spans_total) */
	report_metric(out, "otelcol_exporter_sent_spans_total", "counter",
		      "Spans the backend acknowledged, per exporter.");
	legacy_slots(out, "otelcol_exporter_sent_spans_total", "exporter", ex, LEGACY_OUT);
	report_metric(out, "otelcol_exporter_send_failed_spans_total", "counter",
		      "Spans refused for good (written to the dead-letter directory), per exporter.");
	legacy_slots(out, "otelcol_exporter_send_failed_spans_total", "exporter", ex, LEGACY_DROPPED);
	report_metric(out, "otelcol_exporter_queue_size", "gauge",
		      "Bytes waiting in the export ring (ready request bodies).");
	report_metric(out, "otelcol_exporter_queue_capacity", "gauge", "Bytes the export ring holds.");
	for (uint32_t i = 0; i < segment_nrings(seg); i++) {
		if (segment_ring_kind(seg, i) != SEG_RING_OUT || segment_ring(seg, i, &r) != 0)
			continue;
		fprintf(out, "otelcol_exporter_queue_size %" PRIu64 "\n", ring_used(&r));
		fprintf(out, "otelcol_exporter_queue_capacity %" PRIu64 "\n", ring_capacity(&r));
		break; /* one pipeline: its OUT ring */
	}
}
