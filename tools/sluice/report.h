/* tools/sluice/report.h: what an operator reads, rendered from the segment.
 *
 * Counters live in the segment, so every view here reads them without
 * disturbing the stages: `sluice status` and `sluice top` (report_status),
 * the Prometheus endpoint (report_prometheus) and the health check
 * (report_health). All write to a FILE (a terminal, or open_memstream).
 */
#ifndef SLUICE_TOOLS_REPORT_H
#define SLUICE_TOOLS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "shm/segment.h"

/* The per-stage table: state, pid, uptime, restarts, spans in/out, and the
 * fill of the stage's output ring. `rates` (may be NULL) holds spans/s of
 * each stage's output for `sluice top`. */
void report_status(struct segment *seg, FILE *out, const double *rates);

/* Prometheus text exposition: Collector-style names for what Collector
 * users chart (otelcol_receiver_accepted_spans_total, ..._refused_...,
 * otelcol_exporter_sent_spans_total{exporter=...}, ..._send_failed_...,
 * queue size and
 * capacity) and every sluice counter per stage (sluice_<name>{stage=...}),
 * and sluice_exporter_degraded{exporter=...} (1 while it holds batches it
 * cannot dead-letter). */
void report_prometheus(struct segment *seg, FILE *out);

/* True when every pipeline stage is RUNNING and no exporter is degraded
 * (holding batches it cannot dead-letter, exporter/deliver.h). Otherwise
 * writes one line a problem to `out` (may be NULL):
 *   "export is failed (restarted 12 times)"
 *   "exporter otlphttp is degraded: dead letters cannot be written
 *    (Read-only file system); the batches it refused stay in the ring"
 * When all is well, "ok". */
bool report_health(struct segment *seg, FILE *out);

/* The counter a stage's "out" column shows (spans it handed on). */
uint64_t report_stage_spans_out(struct segment *seg, enum stage_index st);

#endif
