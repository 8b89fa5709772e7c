/* shm/stats.c - counter and stage name tables, stage start / heartbeat,
 * per-processor slots. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm/atomic.h"
#include "shm/stats.h"
#include "rt/clock.h"

static const char *const counter_names[STAT_COUNT] = {
	[STAT_REQUESTS] = "requests",
	[STAT_REQUESTS_FAILED] = "requests_failed",
	[STAT_BYTES_IN] = "bytes_in",
	[STAT_BYTES_OUT] = "bytes_out",
	[STAT_SPANS_IN] = "spans_in",
	[STAT_SPANS_OUT] = "spans_out",
	[STAT_SPANS_REFUSED_INVALID] = "spans_refused_invalid",
	[STAT_SPANS_REFUSED_FULL] = "spans_refused_full",
	[STAT_SPANS_DROPPED] = "spans_dropped",
	[STAT_RECORDS_IN] = "records_in",
	[STAT_RECORDS_OUT] = "records_out",
	[STAT_CONNECTIONS_OPEN] = "connections_open",
	[STAT_CONNECTIONS_TOTAL] = "connections_total",
	[STAT_RING_FULL_WAITS] = "ring_full_waits",
	[STAT_BATCHES_OUT] = "batches_out",
	[STAT_BATCH_FLUSH_SIZE] = "batch_flush_size",
	[STAT_BATCH_FLUSH_TIMEOUT] = "batch_flush_timeout",
	[STAT_EXPORT_SENT_SPANS] = "export_sent_spans",
	[STAT_EXPORT_FAILED_SPANS] = "export_failed_spans",
	[STAT_EXPORT_RETRIES] = "export_retries",
	[STAT_EXPORT_DEADLETTER_SPANS] = "export_deadletter_spans",
	[STAT_EXPORT_INFLIGHT] = "export_inflight",
	[STAT_EXPORT_QUEUE_BYTES] = "export_queue_bytes",
	[STAT_EXPORT_PARTIAL_REJECTED] = "export_partial_rejected",
	[STAT_DUPLICATES_SKIPPED] = "duplicates_skipped",
	[STAT_EXPORT_DEADLETTER_FAILURES] = "exporter_deadletter_failures",
	[STAT_EXPORT_DEGRADED] = "export_degraded",
	[STAT_TLS_HANDSHAKE_FAILURES] = "tls_handshake_failures",
	[STAT_EXPORT_TLS_FAILURES] = "export_tls_handshake_failures",
	[STAT_EXPORT_TLS_VERIFY_FAILURES] = "export_tls_verify_failures",
};

static const char *const stage_names[STAGE_COUNT] = {
	"ingest", "process", "batch", "export", "supervisor",
};

static const char *const state_names[] = {
	"none", "starting", "running", "draining", "stopped", "failed",
};

const char *stats_counter_name(enum stat_counter c)
{
	return (unsigned)c < STAT_COUNT ? counter_names[c] : NULL;
}

int stats_counter_is_gauge(enum stat_counter c)
{
	return c == STAT_CONNECTIONS_OPEN || c == STAT_EXPORT_INFLIGHT || c == STAT_EXPORT_QUEUE_BYTES ||
	       c == STAT_EXPORT_DEGRADED;
}

const char *stats_stage_name(enum stage_index s)
{
	return (unsigned)s < STAGE_COUNT ? stage_names[s] : NULL;
}

const char *stats_state_name(enum stage_state st)
{
	return (unsigned)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "unknown";
}

void stats_stage_start(struct stage_stats *s)
{
	uint64_t now = rt_real_ns();

	SHM_STORE_RELAXED(&s->started_ns, now);
	SHM_STORE_RELAXED(&s->heartbeat_ns, now);
	SHM_STORE_RELAXED(&s->pid, (int32_t)getpid());
	SHM_STORE_RELEASE(&s->state, (uint32_t)STAGE_STATE_RUNNING);
}

void stats_heartbeat(struct stage_stats *s)
{
	SHM_STORE_RELAXED(&s->heartbeat_ns, rt_real_ns());
}

struct stats_proc *stats_proc_slot(struct stage_stats *s, const char *name)
{
	size_t n = strnlen(name, STATS_PROC_NAME - 1);

	for (unsigned i = 0; i < STATS_MAX_PROCS; i++) {
		struct stats_proc *p = &s->procs[i];

		if (p->name[0] == '\0') {
			memcpy(p->name, name, n);
			p->name[n] = '\0';
			return p;
		}
		if (strncmp(p->name, name, n) == 0 && p->name[n] == '\0')
			return p;
	}
	return NULL;
}
