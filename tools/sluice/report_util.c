/* tools/sluice/report_util.c: names and labels for the operator views. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config/plan.h"
#include "tools/sluice/report_priv.h"

const char *report_item_name(uint32_t record_signal)
{
	switch (record_signal) {
	case RECORD_SIGNAL_TRACES:
		return "spans";
	case RECORD_SIGNAL_LOGS:
		return "log_records";
	case RECORD_SIGNAL_METRICS:
		return "metric_points";
	default:
		return "items";
	}
}

const char *report_signal_name(uint32_t record_signal)
{
	switch (record_signal) {
	case RECORD_SIGNAL_TRACES:
		return "traces";
	case RECORD_SIGNAL_LOGS:
		return "logs";
	case RECORD_SIGNAL_METRICS:
		return "metrics";
	default:
		return "any";
	}
}

void report_escape(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; *src && n + 3 < size; src++) {
		if (*src == '"' || *src == '\\' || *src == '\n') {
			dst[n++] = '\\';
			dst[n++] = *src == '\n' ? 'n' : *src;
		} else {
			dst[n++] = *src;
		}
	}
	dst[n] = '\0';
}

int report_slot_labels(const struct seg_component *k, char *buf, size_t size)
{
	struct plan_stat ps = {
		.kind = k->kind == SEG_COMP_RECEIVER	? PLAN_STAT_RECEIVER
			: k->kind == SEG_COMP_PROCESSOR ? PLAN_STAT_PROCESSOR
			: k->kind == SEG_COMP_EXPORTER	? PLAN_STAT_EXPORTER
							: PLAN_STAT_CONNECTOR,
		.transport = strcmp(k->transport, "grpc") == 0	 ? PLAN_TRANSPORT_GRPC
			     : strcmp(k->transport, "http") == 0 ? PLAN_TRANSPORT_HTTP
								 : PLAN_TRANSPORT_NONE,
		.component_id = k->name,
		.pipeline_id = k->pipeline_name,
	};
	return plan_stat_labels(&ps, buf, size);
}

const char *report_ring_pipeline(struct segment *seg, uint32_t ring)
{
	enum seg_ring_kind kind = segment_ring_kind(seg, ring);
	const char *name = segment_ring_name(seg, ring);

	if (kind == SEG_RING_MID && strncmp(name, "mid:", 4) == 0)
		return name + 4;
	if (kind == SEG_RING_OUT && strncmp(name, "out:", 4) == 0)
		return name + 4;
	if (kind == SEG_RING_IN && strncmp(name, "in:", 3) == 0 && !strchr(name, '#'))
		return name + 3;
	return "";
}

int report_ring_labels(struct segment *seg, uint32_t ring, char *buf, size_t size)
{
	char name[SEG_NAME_SIZE * 2], pipe[SEG_NAME_SIZE * 2];

	report_escape(name, sizeof(name), segment_ring_name(seg, ring));
	report_escape(pipe, sizeof(pipe), report_ring_pipeline(seg, ring));
	return snprintf(buf, size, "ring=\"%s\",pipeline=\"%s\"", name, pipe);
}

bool report_slots_written(struct segment *seg, uint32_t kind)
{
	for (uint32_t i = 0; i < segment_ncomponents(seg); i++) {
		const struct seg_component *k = segment_component(seg, i);
		if (k->kind != kind)
			continue;
		for (unsigned c = 0; c < SEG_COMPONENT_COUNTERS; c++)
			if (seg_component_get(k, c))
				return true;
	}
	return false;
}

bool report_hist(struct segment *seg, enum hist_kind kind, uint32_t index, struct hist_snapshot *s)
{
	uint32_t n = hist_count(seg);

	for (uint32_t i = 0; i < n; i++)
		if (hist_read(seg, i, s) == 0 && s->kind == kind && s->index == index)
			return true;
	return false;
}

void report_bytes(uint64_t b, char *buf, size_t size)
{
	if (b >= (1ull << 30))
		snprintf(buf, size, "%.1f GiB", (double)b / (1ull << 30));
	else if (b >= (1u << 20))
		snprintf(buf, size, "%.1f MiB", (double)b / (1u << 20));
	else if (b >= 1024)
		snprintf(buf, size, "%.1f KiB", (double)b / 1024);
	else
		snprintf(buf, size, "%" PRIu64 " B", b);
}

void report_duration(double ns, char *buf, size_t size)
{
	if (ns < 0)
		snprintf(buf, size, "-");
	else if (ns < 1e6)
		snprintf(buf, size, "%.0fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.1fms", ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", ns / 1e9);
}

void report_metric(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}
