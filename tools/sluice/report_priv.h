/* tools/sluice/report_priv.h: what the report_*.c files share: names of
 * signals and counters, labels of slots and rings, the pipelines a
 * segment holds. Everything is read from the segment alone, so a reader
 * needs no config (the segment may come from another one). Not an API. */
#ifndef SLUICE_TOOLS_REPORT_PRIV_H
#define SLUICE_TOOLS_REPORT_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "shm/hist.h"
#include "shm/segment.h"

#define REPORT_LABELS_MAX 400

/* "spans", "log_records", "metric_points" ("items" for signal 0). */
const char *report_item_name(uint32_t record_signal);

/* "traces", "logs", "metrics" ("any"). */
const char *report_signal_name(uint32_t record_signal);

/* The slot's Prometheus labels (config/plan.h's plan_stat_labels), e.g.
 * `exporter="otlphttp",pipeline="logs"`. */
int report_slot_labels(const struct seg_component *k, char *buf, size_t size);

/* `ring="mid:traces",pipeline="traces"` (IN rings: the pipelines they feed,
 * joined by '+'). */
int report_ring_labels(struct segment *seg, uint32_t ring, char *buf, size_t size);

/* The pipeline a MID or OUT ring belongs to ("" for others). */
const char *report_ring_pipeline(struct segment *seg, uint32_t ring);

/* Value escaped for a label ("\"", "\\", "\n"). */
void report_escape(char *dst, size_t size, const char *src);

/* Has the stage that writes slots of `kind` written any of them? Until it
 * has (a stage not converted to component slots yet) the views show its
 * stats block instead (report_legacy.c). */
bool report_slots_written(struct segment *seg, uint32_t kind);

/* The histogram (kind, index) as a snapshot; false when there is none. */
bool report_hist(struct segment *seg, enum hist_kind kind, uint32_t index, struct hist_snapshot *s);

/* "1.2 MiB", "512 B" */
void report_bytes(uint64_t b, char *buf, size_t size);

/* "3.2ms", "1.5s", "-" (ns < 0) */
void report_duration(double ns, char *buf, size_t size);

/* The stage-stats-based lines of the families the stages wrote before
 * component slots (report_legacy.c). */
void report_legacy_receivers(struct segment *seg, FILE *out);
void report_legacy_processors(struct segment *seg, FILE *out);
void report_legacy_exporters(struct segment *seg, FILE *out);

void report_metric(FILE *out, const char *name, const char *type, const char *help);

#endif
