/* tools/sluice/report_health.c: /health and the exit code of `sluice
 * status`: stages not running, stalled stages, degraded exporters. */
#include <inttypes.h>
#include <string.h>

#include "rt/clock.h"
#include "tools/sluice/report.h"
#include "tools/sluice/report_priv.h"
#include "tools/sluice/stall.h"

static bool report_stage_health(struct segment *seg, enum stage_index st, FILE *out)
{
	struct stage_stats *s = segment_stats(seg, st);
	uint32_t state = atomic_load(&s->state);
	uint64_t restarts = atomic_load(&s->restarts);
	uint64_t since = stall_since(seg, st);

	if (state != STAGE_STATE_RUNNING) {
		if (out) {
			fprintf(out, "%s is %s", stats_stage_name(st),
				stats_state_name((enum stage_state)state));
			if (restarts)
				fprintf(out, " (restarted %" PRIu64 " times)", restarts);
			fputc('\n', out);
		}
		return false;
	}
	if (since) {
		if (out) {
			uint64_t now = rt_mono_ns();
			char quiet[32];
			report_duration(now > since ? (double)(now - since) : 0, quiet, sizeof(quiet));
			fprintf(out,
				"%s is stalled: records wait in its input rings and it has shown no "
				"sign of life for %s\n",
				stats_stage_name(st), quiet);
		}
		return false;
	}
	return true;
}

/* STAT_EXPORT_DEGRADED: bit i = the exporter in procs[i], bit 16 = one
 * without a slot, bits 32..47 = errno of the last failed dead letter. */
static bool report_degraded(struct segment *seg, FILE *out)
{
	struct stage_stats *ex = segment_stats(seg, STAGE_EXPORT);
	uint64_t deg = stats_get(ex, STAT_EXPORT_DEGRADED);
	int err = (int)(deg >> 32 & 0xffff);
	bool ok = true;

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
		fprintf(out,
			" is degraded: dead letters cannot be written (%s); the batches it "
			"refused stay in the ring and are retried\n",
			err ? strerror(err) : "unknown error");
	}
	return ok;
}

bool report_health(struct segment *seg, FILE *out)
{
	bool ok = true;

	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++)
		ok &= report_stage_health(seg, (enum stage_index)st, out);
	ok &= report_degraded(seg, out);
	if (ok && out)
		fprintf(out, "ok\n");
	return ok;
}
