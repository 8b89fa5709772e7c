/* config/plan.h: how the config's pipelines become rings and stage work
 * ("rings per pipeline, one process per stage"; docs/design-notes.md).
 * config_load computes it once (cfg->plan, never NULL after a load); every
 * process loads the same file and so sees the same plan. Read-only.
 *
 *  receiver R, signal S                                        one per pipeline with
 *        │ ingest: plan_ingest_ring(R, S)                      >= 1 real exporter
 *        ▼                                                     ┌──────────────┐
 *   IN ring "in:traces"          ──► process stage ──────────► │ MID "mid:P"  │ ─► batch ─► OUT "out:P" ─► export
 *   (one per distinct (S, set       for each entry pipeline:   └──────────────┘
 *    of pipelines R feeds))         P's processors, then P's
 *                                   exporters: a real one → MID(P);
 *                                   forward/routing → the chains of
 *                                   their target pipelines; spanmetrics
 *                                   → its aggregator, whose flushes
 *                                   enter its metrics pipelines' chains
 *
 * Rings: IN rings first, then MID rings, then OUT rings (each group in
 * pipeline / first-use order), so the usual single `traces` pipeline gets
 * rings 0 in:traces, 1 mid:traces, 2 out:traces, as before.
 *
 * Sources and the crash rule: every ring's records carry that ring's own
 * strictly increasing seq. The stage that writes ring X reads X's sources
 * (plan_ring.sources; the slot of a source is its index there) and, per
 * output ring, notes the last input seq it completed from each slot
 * (ring_note_source) before publishing; after a restart it skips, per
 * output ring, input records with seq <= ring_source_seq(X, slot).
 *   IN:  no sources (ingest is the origin).
 *   MID: the IN rings whose records reach the pipeline (directly or through
 *        forward/routing connectors) and the span-metrics connectors whose
 *        flushes reach it; at most PLAN_MAX_SOURCES (a config error past it).
 *   OUT: exactly one: the pipeline's MID ring.
 *
 * Bounds (config errors past them, at the service.pipelines key):
 * PLAN_MAX_RINGS rings, PLAN_MAX_SOURCES sources a ring, PLAN_MAX_STATS
 * component-stats slots. Pipelines: CONFIG_MAX_PIPELINES (config.h).
 */
#ifndef SLUICE_CONFIG_PLAN_H
#define SLUICE_CONFIG_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

#define PLAN_MAX_RINGS 64  /* = the segment's ring directory */
#define PLAN_MAX_SOURCES 8 /* = shm's RING_MAX_SOURCES (static-assert where both are seen) */
#define PLAN_MAX_STATS 512 /* component-stats slots in the segment */
#define PLAN_MAX_EDGES 8   /* connectors one pipeline exports to */
#define PLAN_NAME_MAX 64   /* ring names, NUL included (= the segment's ring name field) */

enum plan_ring_kind {
	PLAN_RING_IN = 0,  /* ingest -> process: one request's resources, one record */
	PLAN_RING_MID = 1, /* process -> batch: one pipeline's processed records */
	PLAN_RING_OUT = 2, /* batch -> export: one pipeline's request bodies */
};

enum plan_source_kind {
	PLAN_SOURCE_RING = 0,	   /* another ring of the plan (an IN ring; for OUT, its MID ring) */
	PLAN_SOURCE_CONNECTOR = 1, /* the flushes of a span-metrics connector */
};

struct plan_source {
	enum plan_source_kind kind;
	uint32_t index; /* RING: index in plan->rings; CONNECTOR: index in cfg->connectors */
};

struct plan_ring {
	enum plan_ring_kind kind;
	enum sluice_signal signal;
	uint64_t capacity;			      /* bytes: sluice.rings.ingest_process (IN),
	                                 process_batch (MID), batch_export (OUT) */
	char name[PLAN_NAME_MAX];		      /* stable, for logs, status and metrics:
	                                 "in:traces", "in:traces+traces/b" (the entry
	                                 pipelines joined by '+'; "in:<signal>#<ring>"
	                                 when that does not fit), "mid:traces/payments",
	                                 "out:logs" */
	uint64_t pipelines;			      /* bit i = cfg->pipelines[i]. IN: the entry
	                                 pipelines (each gets every record of the ring);
	                                 MID/OUT: the one pipeline */
	int pipeline;				      /* MID/OUT: index in cfg->pipelines; IN: -1 */
	struct plan_source sources[PLAN_MAX_SOURCES]; /* see the top of this file */
	uint32_t n_sources;
};

/* A pipeline that exports to a connector: the edge of the process-stage
 * graph that continues into other pipelines. */
struct plan_edge {
	uint32_t connector; /* index in cfg->connectors */
	uint64_t targets;   /* pipelines the connector feeds (bit = cfg->pipelines index):
	                        every pipeline listing it as a receiver. routing: the
	                        union of its table and default_pipelines; which ones a
	                        record goes to is decided per record (cfg->connectors[i].routing) */
	int stat;	    /* component-stats slot of (connector, this pipeline) */
};

struct plan_pipeline {
	int mid_ring;	   /* index in plan->rings, -1: no real exporter (only connectors) */
	int out_ring;	   /* likewise */
	uint64_t in_rings; /* IN rings that have this pipeline as an entry (bit = ring index) */
	struct plan_edge edges[PLAN_MAX_EDGES]; /* connectors it exports to, in the pipeline's order */
	uint32_t n_edges;
	/* component-stats slots, in the pipeline's order */
	int processor_stats[CONFIG_MAX_PROCESSORS + 1]; /* [i] = pipelines[p].processors[i];
	                                                   [n_processors] = its batch processor
	                                                   (when it has one) */
	int exporter_stats[CONFIG_MAX_EXPORTERS];	/* [i] = pipelines[p].exporters[i] */
};

struct plan_connector {
	uint64_t from;	   /* pipelines that export to it */
	uint64_t to;	   /* pipelines it feeds */
	uint64_t in_rings; /* IN rings whose records can reach it (for span-metrics
	                        state that must survive a crash: the aggregator notes the
	                        last seq it absorbed from each) */
};

enum plan_stat_kind {
	PLAN_STAT_RECEIVER = 0, /* otelcol_receiver_*{receiver, transport} */
	PLAN_STAT_PROCESSOR,	/* otelcol_processor_*{processor, pipeline} */
	PLAN_STAT_EXPORTER,	/* otelcol_exporter_*{exporter, pipeline} */
	PLAN_STAT_CONNECTOR,	/* sluice_connector_*{connector, pipeline}: per source pipeline */
};

enum plan_transport {
	PLAN_TRANSPORT_NONE = 0,
	PLAN_TRANSPORT_GRPC = 1,
	PLAN_TRANSPORT_HTTP = 2,
};

/* One named slot of the segment's component-stats area. Counter meanings
 * are the Collector's (accepted/refused for receivers, sent/send_failed
 * for exporters, ...); items are counted per signal (spans, log records,
 * metric data points). */
struct plan_stat {
	enum plan_stat_kind kind;
	enum sluice_signal signal;
	enum plan_transport transport; /* receivers only */
	int component;		       /* index in cfg->receivers / processors / exporters / connectors */
	int pipeline;		       /* index in cfg->pipelines; -1 for receivers */
	const char *component_id;      /* "otlp", "filter/noise", ... */
	const char *pipeline_id;       /* "traces/payments"; "" for receivers */
};

struct sluice_plan {
	struct plan_ring rings[PLAN_MAX_RINGS];
	uint32_t n_rings;
	uint32_t n_in, n_mid, n_out;	   /* rings [0, n_in) are IN, then n_mid MID, then n_out OUT */
	struct plan_pipeline *pipelines;   /* [cfg->n_pipelines] */
	struct plan_connector *connectors; /* [cfg->n_connectors] */
	struct plan_stat *stats;	   /* [n_stats] */
	uint32_t n_stats;
	uint64_t fingerprint; /* 64-bit hash of the ring list (kind, signal, capacity,
	                                   name, entry pipelines, sources): a segment built for
	                                   another plan has another fingerprint */

	/* private: use the accessors below */
	int *ingest_;	      /* [n_receivers_][SLUICE_SIGNAL_COUNT] */
	int *receiver_stats_; /* [n_receivers_][2 transports][SLUICE_SIGNAL_COUNT] */
	size_t n_receivers_;
};

/* The IN ring a request for `signal` arriving at cfg->receivers[receiver]
 * goes to, or -1 when no pipeline of that signal lists the receiver (then
 * the request is refused as the Collector refuses an unknown signal:
 * HTTP 404, gRPC UNIMPLEMENTED). */
int plan_ingest_ring(const struct sluice_plan *p, size_t receiver, enum sluice_signal signal);

/* The component-stats slot of (receiver, transport, signal), or -1 when the
 * receiver serves no pipeline of that signal on that transport. */
int plan_receiver_stat(const struct sluice_plan *p, size_t receiver, enum plan_transport t,
		       enum sluice_signal signal);

/* Index of the ring named `name` ("mid:traces"), or -1. */
int plan_ring_find(const struct sluice_plan *p, const char *name);

/* The Prometheus label set of a slot, e.g. `receiver="otlp",transport="grpc"`,
 * `processor="batch",pipeline="traces"`, `exporter="otlp_http",pipeline="logs"`,
 * `connector="routing",pipeline="traces/in"` (values escaped as the text
 * format wants). Returns the length written (snprintf semantics). */
int plan_stat_labels(const struct plan_stat *s, char *buf, size_t size);

/* "in", "mid", "out" / "grpc", "http", "" */
const char *plan_ring_kind_name(enum plan_ring_kind k);
const char *plan_transport_name(enum plan_transport t);

/* A human summary of the plan as YAML comments ("# ring 0 in:traces ..."),
 * for `sluice check` (config_print appends it). Returns 0 or -EIO. */
int plan_print(const struct sluice_config *cfg, FILE *out);

#endif
