/* tools/sluice/report_hist.c: the latency and batch-size histograms
 * (shm/hist.h) as Prometheus histograms: seconds for time, items for batch
 * sizes; labels from the slot or ring each one belongs to. */
#include <inttypes.h>
#include <stdio.h>

#include "tools/sluice/report.h"
#include "tools/sluice/report_priv.h"

static const struct {
	enum hist_kind kind;
	const char *name, *help;
} report_hist_families[] = {
	{ HIST_RECEIPT_TO_ACK, "sluice_exporter_receipt_to_ack_seconds",
	  "Time from a request's receipt (the oldest in the batch) to the backend's acknowledgement of the batch, per exporter." },
	{ HIST_EXPORT_DURATION, "sluice_exporter_request_duration_seconds",
	  "Duration of each export request attempt, success or failure, per exporter." },
	{ HIST_BATCH_SIZE, "otelcol_processor_batch_batch_send_size", "Number of units in the batch." },
	{ HIST_RING_AGE, "sluice_ring_record_age_seconds",
	  "Age of a record (now minus its receipt) when the ring's consumer took it." },
};

/* Labels of histogram s: its slot's or its ring's. 0 when it has none. */
static int report_hist_labels(struct segment *seg, const struct hist_snapshot *s, char *buf, size_t size)
{
	if (s->kind == HIST_RING_AGE)
		return s->index < segment_nrings(seg) ? report_ring_labels(seg, s->index, buf, size) : 0;
	const struct seg_component *k = segment_component(seg, s->index);
	return k ? report_slot_labels(k, buf, size) : 0;
}

static void report_hist_lines(FILE *out, const char *name, const char *labels, const struct hist_snapshot *s)
{
	bool time = hist_is_time(s->kind);

	for (uint32_t b = 0; b < s->nbounds; b++) {
		if (time)
			fprintf(out, "%s_bucket{%s,le=\"%g\"} %" PRIu64 "\n", name, labels,
				(double)s->bounds[b] / 1e9, s->cumulative[b]);
		else
			fprintf(out, "%s_bucket{%s,le=\"%" PRIu64 "\"} %" PRIu64 "\n", name, labels,
				s->bounds[b], s->cumulative[b]);
	}
	fprintf(out, "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n", name, labels, s->count);
	if (time)
		fprintf(out, "%s_sum{%s} %.9f\n", name, labels, (double)s->sum / 1e9);
	else
		fprintf(out, "%s_sum{%s} %" PRIu64 "\n", name, labels, s->sum);
	fprintf(out, "%s_count{%s} %" PRIu64 "\n", name, labels, s->count);
}

void report_prom_hists(struct segment *seg, FILE *out)
{
	uint32_t n = hist_count(seg);

	for (size_t f = 0; f < sizeof(report_hist_families) / sizeof(report_hist_families[0]); f++) {
		bool head = false;
		for (uint32_t i = 0; i < n; i++) {
			struct hist_snapshot s;
			char labels[REPORT_LABELS_MAX];
			if (hist_read(seg, i, &s) < 0 || s.kind != report_hist_families[f].kind ||
			    report_hist_labels(seg, &s, labels, sizeof(labels)) <= 0)
				continue;
			if (!head)
				report_metric(out, report_hist_families[f].name, "histogram",
					      report_hist_families[f].help);
			head = true;
			report_hist_lines(out, report_hist_families[f].name, labels, &s);
		}
	}
}

void report_hist_delta(const struct hist_snapshot *now, const struct hist_snapshot *before,
		       struct hist_snapshot *delta)
{
	*delta = *now;
	if (!before || before->nbounds != now->nbounds)
		return;
	for (uint32_t b = 0; b <= now->nbounds; b++)
		delta->cumulative[b] = now->cumulative[b] >= before->cumulative[b]
					       ? now->cumulative[b] - before->cumulative[b]
					       : 0;
	delta->count = delta->cumulative[now->nbounds];
	delta->sum = now->sum >= before->sum ? now->sum - before->sum : 0;
}
