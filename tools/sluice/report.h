/* tools/sluice/report.h: what an operator reads, rendered from the segment.
 *
 * Counters live in the segment, so every view here reads them without
 * disturbing the stages, and needs no config: the segment names its rings,
 * component slots, histograms (shm/hist.h) and the supervisor's stall
 * verdicts (tools/sluice/stall.h). Views: `sluice status` and `sluice top`
 * (report_status), the Prometheus endpoint (report_prometheus, every
 * series in docs/operations.md) and the health check (report_health). All
 * write to a FILE (a terminal, or open_memstream).
 */
#ifndef SLUICE_TOOLS_REPORT_H
#define SLUICE_TOOLS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "shm/hist.h"
#include "shm/segment.h"

/* Rates and latency between two samples, for `sluice top`. */
struct report_top;

struct report_top *report_top_new(struct segment *seg); /* NULL: out of memory */
void report_top_free(struct report_top *t);

/* Read every counter now; rates and latencies cover the time since the
 * previous sample. */
void report_top_sample(struct report_top *t, struct segment *seg);

/* The stage table (state, pid, uptime, restarts, items in and out, bytes
 * waiting in its input rings; "stalled" when it is), the receivers
 * (accepted, refused by reason), then each pipeline: its rings with fill,
 * its processors' and connectors' items in, out and dropped, its
 * exporters' sent, failed, retries, dead letters and receipt-to-ack
 * latency p50/p99. With `top` (may be NULL): items/s beside the counters
 * and the latency of the last interval rather than since the start. */
void report_status(struct segment *seg, FILE *out, const struct report_top *top);

/* Prometheus text exposition (docs/operations.md lists every series). */
void report_prometheus(struct segment *seg, FILE *out);

/* The histograms alone (report_prometheus includes them). */
void report_prom_hists(struct segment *seg, FILE *out);

/* True when every pipeline stage is RUNNING, none is stalled and no
 * exporter is degraded (holding batches it cannot dead-letter,
 * exporter/deliver.h). Otherwise writes one line a problem to `out` (may
 * be NULL):
 *   "export is failed (restarted 12 times)"
 *   "process is stalled: records wait in its input rings and it has shown
 *    no sign of life for 12s"
 *   "exporter otlphttp is degraded: dead letters cannot be written
 *    (Read-only file system); the batches it refused stay in the ring"
 * When all is well, "ok". */
bool report_health(struct segment *seg, FILE *out);

/* The counter a stage's "out" column shows (items it handed on). */
uint64_t report_stage_spans_out(struct segment *seg, enum stage_index st);

/* now - before, bucket by bucket (before NULL: now). */
void report_hist_delta(const struct hist_snapshot *now, const struct hist_snapshot *before,
		       struct hist_snapshot *delta);

#endif
