/* tools/sluice/report_prom.c: /metrics, the Prometheus text format
 * (version 0.0.4), rendered from the segment: component slots under the
 * Collector's names, rings, stages, histograms. docs/operations.md lists
 * every series. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tools/sluice/report.h"
#include "tools/sluice/report_priv.h"
#include "tools/sluice/stall.h"

static const uint32_t report_signals[] = { RECORD_SIGNAL_TRACES, RECORD_SIGNAL_LOGS, RECORD_SIGNAL_METRICS };

/* A family per signal: "<prefix><items><suffix>" from counter c of every
 * slot of `kind` with that signal. Families no slot has are left out. */
static void prom_slot_family(struct segment *seg, FILE *out, uint32_t kind, const char *prefix,
			     const char *suffix, unsigned c, const char *help)
{
	for (size_t s = 0; s < 3; s++) {
		char name[128], labels[REPORT_LABELS_MAX];
		bool head = false;
		snprintf(name, sizeof(name), "%s%s%s", prefix, report_item_name(report_signals[s]), suffix);
		for (uint32_t i = 0; i < segment_ncomponents(seg); i++) {
			const struct seg_component *k = segment_component(seg, i);
			if (k->kind != kind || k->signal != report_signals[s])
				continue;
			if (!head) {
				char text[256];
				snprintf(text, sizeof(text), "%s (%s).", help,
					 report_item_name(report_signals[s]));
				report_metric(out, name, "counter", text);
				head = true;
			}
			report_slot_labels(k, labels, sizeof(labels));
			fprintf(out, "%s{%s} %" PRIu64 "\n", name, labels, seg_component_get(k, c));
		}
	}
}

/* One family for every signal, with an otel_signal label (the Collector's
 * processor metrics count "items" whatever the signal). */
static void prom_slot_items(struct segment *seg, FILE *out, uint32_t kind, const char *name, unsigned c,
			    const char *type, const char *help)
{
	char labels[REPORT_LABELS_MAX];
	bool head = false;

	for (uint32_t i = 0; i < segment_ncomponents(seg); i++) {
		const struct seg_component *k = segment_component(seg, i);
		if (k->kind != kind)
			continue;
		if (!head)
			report_metric(out, name, type, help);
		head = true;
		report_slot_labels(k, labels, sizeof(labels));
		fprintf(out, "%s{%s,otel_signal=\"%s\"} %" PRIu64 "\n", name, labels,
			report_signal_name(k->signal), seg_component_get(k, c));
	}
}

static void prom_receivers(struct segment *seg, FILE *out)
{
	static const char *const reasons[] = { "ring_full", "invalid", "other" };

	prom_slot_family(seg, out, SEG_COMP_RECEIVER, "otelcol_receiver_accepted_", "_total", SEG_C_ACCEPTED,
			 "Items the receiver accepted and published into the pipeline");
	for (size_t s = 0; s < 3; s++) {
		char name[128], labels[REPORT_LABELS_MAX];
		bool head = false;
		snprintf(name, sizeof(name), "otelcol_receiver_refused_%s_total",
			 report_item_name(report_signals[s]));
		for (uint32_t i = 0; i < segment_ncomponents(seg); i++) {
			const struct seg_component *k = segment_component(seg, i);
			if (k->kind != SEG_COMP_RECEIVER || k->signal != report_signals[s])
				continue;
			if (!head)
				report_metric(
					out, name, "counter",
					"Items the receiver refused, by reason: ring_full "
					"(backpressure: 429/503, UNAVAILABLE) or invalid (400, INVALID_ARGUMENT).");
			head = true;
			uint64_t full = seg_component_get(k, SEG_C_REFUSED_FULL);
			uint64_t bad = seg_component_get(k, SEG_C_REFUSED_INVALID);
			uint64_t all = seg_component_get(k, SEG_C_REFUSED);
			uint64_t v[] = { full, bad, all > full + bad ? all - full - bad : 0 };
			report_slot_labels(k, labels, sizeof(labels));
			for (int r = 0; r < 3; r++)
				if (r < 2 || v[r])
					fprintf(out, "%s{%s,reason=\"%s\"} %" PRIu64 "\n", name, labels,
						reasons[r], v[r]);
		}
	}
}

static void prom_processors(struct segment *seg, FILE *out)
{
	prom_slot_items(seg, out, SEG_COMP_PROCESSOR, "otelcol_processor_incoming_items_total", SEG_C_IN,
			"counter", "Items passed to the processor.");
	prom_slot_items(seg, out, SEG_COMP_PROCESSOR, "otelcol_processor_outgoing_items_total", SEG_C_OUT,
			"counter", "Items the processor passed on.");
	prom_slot_family(seg, out, SEG_COMP_PROCESSOR, "otelcol_processor_dropped_", "_total", SEG_C_DROPPED,
			 "Items the processor dropped on purpose (filter, sampler) or as malformed");
}

static void prom_connectors(struct segment *seg, FILE *out)
{
	prom_slot_items(seg, out, SEG_COMP_CONNECTOR, "sluice_connector_incoming_items_total", SEG_C_IN,
			"counter", "Items that entered the connector from the pipeline.");
	prom_slot_items(seg, out, SEG_COMP_CONNECTOR, "sluice_connector_outgoing_items_total", SEG_C_OUT,
			"counter", "Items the connector passed on, once per target pipeline.");
	prom_slot_items(seg, out, SEG_COMP_CONNECTOR, "sluice_connector_dropped_items_total", SEG_C_DROPPED,
			"counter",
			"Items the connector dropped (a routing table with no match and no default).");
}

/* The OUT ring of the exporter's pipeline (queue gauges when the export
 * stage does not set them). */
static bool prom_out_ring(struct segment *seg, const struct seg_component *k, struct ring *r)
{
	for (uint32_t i = 0; i < segment_nrings(seg); i++)
		if (segment_ring_kind(seg, i) == SEG_RING_OUT &&
		    strcmp(report_ring_pipeline(seg, i), k->pipeline_name) == 0)
			return segment_ring(seg, i, r) == 0;
	return false;
}

static void prom_exporters(struct segment *seg, FILE *out)
{
	static const struct {
		const char *name, *type, *help;
		unsigned c;
	} per_slot[] = {
		{ "otelcol_exporter_queue_size", "gauge",
		  "Bytes of the pipeline's export ring the exporter has not had acknowledged.",
		  SEG_C_QUEUE_SIZE },
		{ "otelcol_exporter_queue_capacity", "gauge", "Bytes the pipeline's export ring holds.",
		  SEG_C_QUEUE_CAPACITY },
		{ "sluice_exporter_retries_total", "counter", "Export attempts that failed and were retried.",
		  SEG_C_RETRIES },
		{ "sluice_exporter_dead_letter_items_total", "counter",
		  "Items written to the dead-letter directory.", SEG_C_DEADLETTER },
		{ "sluice_exporter_dead_letter_write_failures_total", "counter",
		  "Dead-letter writes that failed (the batch stays in the ring).", SEG_C_DEADLETTER_FAILED },
	};
	char labels[REPORT_LABELS_MAX];

	prom_slot_family(seg, out, SEG_COMP_EXPORTER, "otelcol_exporter_sent_", "_total", SEG_C_SENT,
			 "Items the backend acknowledged, per exporter");
	prom_slot_family(seg, out, SEG_COMP_EXPORTER, "otelcol_exporter_send_failed_", "_total", SEG_C_FAILED,
			 "Items refused for good (a permanent error or retries exhausted), per exporter");
	for (size_t m = 0; m < sizeof(per_slot) / sizeof(per_slot[0]); m++) {
		bool head = false;
		for (uint32_t i = 0; i < segment_ncomponents(seg); i++) {
			const struct seg_component *k = segment_component(seg, i);
			struct ring r;
			if (k->kind != SEG_COMP_EXPORTER)
				continue;
			if (!head)
				report_metric(out, per_slot[m].name, per_slot[m].type, per_slot[m].help);
			head = true;
			uint64_t v = seg_component_get(k, per_slot[m].c);
			if (per_slot[m].c <= SEG_C_QUEUE_CAPACITY &&
			    seg_component_get(k, SEG_C_QUEUE_CAPACITY) == 0)
				v = !prom_out_ring(seg, k, &r)		? 0
				    : per_slot[m].c == SEG_C_QUEUE_SIZE ? ring_used(&r)
									: ring_capacity(&r);
			report_slot_labels(k, labels, sizeof(labels));
			fprintf(out, "%s{%s} %" PRIu64 "\n", per_slot[m].name, labels, v);
		}
	}
}

static void prom_rings(struct segment *seg, FILE *out)
{
	char labels[REPORT_LABELS_MAX];
	struct ring r;

	report_metric(out, "sluice_ring_used_bytes", "gauge",
		      "Bytes published and not yet consumed, per ring.");
	for (uint32_t i = 0; i < segment_nrings(seg); i++)
		if (segment_ring(seg, i, &r) == 0 && report_ring_labels(seg, i, labels, sizeof(labels)) > 0)
			fprintf(out, "sluice_ring_used_bytes{%s} %" PRIu64 "\n", labels, ring_used(&r));
	report_metric(out, "sluice_ring_capacity_bytes", "gauge", "Ring capacity in bytes.");
	for (uint32_t i = 0; i < segment_nrings(seg); i++)
		if (segment_ring(seg, i, &r) == 0 && report_ring_labels(seg, i, labels, sizeof(labels)) > 0)
			fprintf(out, "sluice_ring_capacity_bytes{%s} %" PRIu64 "\n", labels,
				ring_capacity(&r));
	report_metric(out, "sluice_ring_corrupt_records_total", "counter",
		      "Corrupt records the consumer skipped and quarantined, per ring.");
	for (uint32_t i = 0; i < segment_nrings(seg); i++)
		if (segment_ring(seg, i, &r) == 0 && report_ring_labels(seg, i, labels, sizeof(labels)) > 0)
			fprintf(out, "sluice_ring_corrupt_records_total{%s} %" PRIu64 "\n", labels,
				ring_corrupt_records(&r));
}

static void prom_stages(struct segment *seg, FILE *out)
{
	struct stall_region *sr = stall_region_get(seg);
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "sluice_stage_up", "gauge", "1 when the stage process is running." },
		{ "sluice_stage_restarts_total", "counter",
		  "Restarts of the stage after a crash or a stall." },
		{ "sluice_stage_stalled", "gauge",
		  "1 while records wait for the stage and it shows no sign of life (sluice.stall_timeout)." },
		{ "sluice_stage_stall_restarts_total", "counter",
		  "Restarts of the stage because it stayed stalled." },
	};
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		report_metric(out, fam[f].name, fam[f].type, fam[f].help);
		for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
			struct stage_stats *s = segment_stats(seg, (enum stage_index)st);
			uint64_t v = f == 0   ? atomic_load(&s->state) == STAGE_STATE_RUNNING
				     : f == 1 ? atomic_load(&s->restarts)
				     : f == 2 ? stall_since(seg, (enum stage_index)st) != 0
				     : sr     ? atomic_load(&sr->stall_restarts[st])
					      : 0;
			fprintf(out, "%s{stage=\"%s\"} %" PRIu64 "\n", fam[f].name,
				stats_stage_name((enum stage_index)st), v);
		}
	}
}

/* Every sluice counter of every stage: sluice_<name>{stage=...}. */
static void prom_stage_counters(struct segment *seg, FILE *out)
{
	struct stage_stats *ex = segment_stats(seg, STAGE_EXPORT);
	uint64_t deg = stats_get(ex, STAT_EXPORT_DEGRADED);

	report_metric(
		out, "sluice_exporter_degraded", "gauge",
		"1 while the exporter holds refused batches it cannot write to its dead-letter directory.");
	for (int i = 0; i < STATS_MAX_PROCS; i++)
		if (ex->procs[i].name[0] != '\0')
			fprintf(out, "sluice_exporter_degraded{exporter=\"%.*s\"} %d\n", STATS_PROC_NAME,
				ex->procs[i].name, (int)(deg >> i & 1));
	for (int c = 0; c < STAT_COUNT; c++) {
		if (c == STAT_EXPORT_DEGRADED)
			continue; /* packed bits, shown decoded above */
		const char *name = stats_counter_name((enum stat_counter)c);
		int gauge = stats_counter_is_gauge((enum stat_counter)c);
		char metric[96];
		snprintf(metric, sizeof(metric), "sluice_%s%s", name, gauge ? "" : "_total");
		report_metric(out, metric, gauge ? "gauge" : "counter",
			      "sluice stage counter (see docs/operations.md).");
		for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++)
			fprintf(out, "%s{stage=\"%s\"} %" PRIu64 "\n", metric,
				stats_stage_name((enum stage_index)st),
				stats_get(segment_stats(seg, (enum stage_index)st), (enum stat_counter)c));
	}
}

void report_prometheus(struct segment *seg, FILE *out)
{
	struct stage_stats *in = segment_stats(seg, STAGE_INGEST);
	bool ingest_counts = stats_get(in, STAT_SPANS_IN) || stats_get(in, STAT_SPANS_REFUSED_FULL) ||
			     stats_get(in, STAT_SPANS_REFUSED_INVALID);
	/* Stages not converted to component slots yet ran one traces
	 * pipeline (three rings) and counted in their stats blocks: until a
	 * stage writes its slots, its family comes from there. */
	bool one = segment_nrings(seg) <= RING_PIPELINE_COUNT;

	if (one && !report_slots_written(seg, SEG_COMP_RECEIVER) &&
	    (ingest_counts || !segment_ncomponents(seg)))
		report_legacy_receivers(seg, out);
	else
		prom_receivers(seg, out);
	if (one && !report_slots_written(seg, SEG_COMP_PROCESSOR) &&
	    segment_stats(seg, STAGE_PROCESS)->procs[0].name[0])
		report_legacy_processors(seg, out);
	else
		prom_processors(seg, out);
	prom_connectors(seg, out);
	if (one && !report_slots_written(seg, SEG_COMP_EXPORTER) &&
	    (segment_stats(seg, STAGE_EXPORT)->procs[0].name[0] || !segment_ncomponents(seg)))
		report_legacy_exporters(seg, out);
	else
		prom_exporters(seg, out);
	prom_rings(seg, out);
	report_prom_hists(seg, out);
	prom_stages(seg, out);
	prom_stage_counters(seg, out);
}
