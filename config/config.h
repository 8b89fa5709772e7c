/* config/config.h: the one YAML configuration every sluice process reads.
 *
 *   struct sluice_config *cfg;
 *   struct config_error err;
 *   if (config_load(path, &cfg, &err) < 0) {      // path NULL = built-in defaults
 *           fprintf(stderr, "%s\n", err.msg);     // "sluice.yaml:12:7: ..."
 *           exit(2);
 *   }
 *   for (size_t i = 0; i < cfg->n_pipelines; i++)
 *           ... cfg->pipelines[i].processors[j]->filter ...
 *   ... cfg->plan->rings[k] ...                   // config/plan.h
 *   config_free(cfg);
 *
 * Shape: the OpenTelemetry Collector's (receivers, processors, exporters,
 * connectors, service.pipelines.<signal>[/<name>]), same key names, plus our
 * extras under `sluice:`. The component settings are in config/receiver.h,
 * processor.h, exporter.h, connector.h (value types: config/values.h).
 * docs/config.md lists every key, its default and its meaning, and why the
 * loader reads YAML with libyaml and its own strict schema tables rather
 * than libcyaml's (arbitrary "type/name" keys, value checks with positions).
 *
 * - Defaults for everything: an empty file (or no file) is a working config:
 *   otlp receiver (gRPC 127.0.0.1:4317, HTTP 127.0.0.1:4318), a batch
 *   processor, the debug exporter in basic mode.
 * - Strict: unknown keys, wrong types, out-of-range values, bad enum words,
 *   components named in the pipeline but not defined, unknown component
 *   types are errors "FILE:LINE:COL: message" (1-based line and column).
 * - `${env:NAME}` and `${NAME}` in scalar values are replaced by the
 *   environment variable; an unset variable is an error (unlike the
 *   Collector, which substitutes ""). `$$` is a literal `$`.
 * - Durations (Go syntax): "200ms", "5s", "1m", "1h", "1h30m", "250us",
 *   "10ns"; a unit is required except for "0". Sizes: "512KiB", "64MiB",
 *   "1GiB" (powers of 1024), "10MB" (10^6), "4096" or "4096B" (bytes).
 *
 * All durations in this struct are nanoseconds (uint64_t, `_ns`), all sizes
 * bytes. All strings and arrays are owned by the config and live until
 * config_free(); the struct is read-only after loading (share it freely
 * between threads). Component ids are "type" or "type/name".
 */
#ifndef SLUICE_CONFIG_CONFIG_H
#define SLUICE_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Limits the loader enforces (also documented in docs/config.md). */
#define CONFIG_MAX_FILE_BYTES (4u << 20) /* a config file larger is refused */
#define CONFIG_MAX_PROCESSORS 16	 /* in one pipeline, batch not counted; = stats slots */
#define CONFIG_MAX_EXPORTERS 8		 /* real exporters in one pipeline */
#define CONFIG_MAX_RECEIVERS 16		 /* receivers used by the pipelines, in all */
#define CONFIG_MAX_PIPELINES 64		 /* service.pipelines (a bit each in a uint64_t) */
#define CONFIG_MAX_CONNECTORS 8		 /* connectors one pipeline exports to / receives from */
#define CONFIG_PIPELINE_ID_MAX \
	59 /* chars in a pipeline id ("traces/payments"); "mid:<id>" names its ring in 64 bytes */
#define CONFIG_INSTANCE_MAX 32	       /* chars in sluice.instance */
#define CONFIG_RING_RECORD_OVERHEAD 64 /* header + padding a ring record adds */

#include "config/values.h"
#include "config/receiver.h"
#include "config/processor.h"
#include "config/exporter.h"
#include "config/connector.h"

struct sluice_plan; /* config/plan.h */

/* ---------- service ---------- */

/* One of service.pipelines, resolved. Components defined but not named in
 * any pipeline are validated and otherwise ignored. A pipeline receives
 * from real receivers and/or connectors (>= 1 in all) and exports to real
 * exporters and/or connectors (>= 1 in all). */
struct sluice_pipeline {
	const char *id;				  /* "traces", "logs", "traces/payments" */
	enum sluice_signal signal;		  /* from the part before '/' */
	unsigned line, col;			  /* of its key */
	const struct sluice_receiver **receivers; /* real receivers, n_receivers (may be 0) */
	size_t n_receivers;
	const struct sluice_connector **from_connectors; /* connectors listed as receivers */
	size_t n_from_connectors;
	/* The process stage's chain, in pipeline order, WITHOUT the batch
	 * processor (0..CONFIG_MAX_PROCESSORS entries). */
	const struct sluice_processor **processors;
	size_t n_processors;
	/* The batch stage's settings: the pipeline's batch processor (which
	 * must be listed last, at most once), or when none is listed a
	 * pass-through (send_batch_size 1, timeout 0: every record is flushed
	 * as its own request). Never NULL. A pipeline with no real exporter has
	 * no batch stage: its batch processor has no effect there (the
	 * pipelines its connectors feed batch). */
	const struct sluice_batch *batch;
	const struct sluice_processor *batch_processor; /* NULL when not listed */
	const struct sluice_exporter **exporters;	/* real exporters, n_exporters; each gets
	                                               every batch (may be 0) */
	size_t n_exporters;
	const struct sluice_connector **to_connectors; /* connectors listed as exporters */
	size_t n_to_connectors;
};

/* sluice.rings: byte capacity of every ring of a kind (config/plan.h). */
struct sluice_rings {
	uint64_t ingest_process; /* IN rings; default ring_bytes (64MiB) */
	uint64_t process_batch;	 /* MID rings */
	uint64_t batch_export;	 /* OUT rings */
};

struct sluice_restart {
	uint64_t backoff_initial_ns; /* first restart delay; default 100ms */
	uint64_t backoff_max_ns;     /* doubling stops here; default 10s */
	uint32_t max_restarts;	     /* more than this many in `window`: the stage is restarted
	                                every backoff_max and reported failed (the others run
	                                on; nothing stops the pipeline); default 5 */
	uint64_t window_ns;	     /* default 60s */
};

struct sluice_config {
	const char *path; /* file loaded, "" for built-in defaults */

	/* Every component defined, in file order (used or not). */
	struct sluice_receiver *receivers;
	size_t n_receivers;
	struct sluice_processor *processors;
	size_t n_processors;
	struct sluice_exporter *exporters;
	size_t n_exporters;
	struct sluice_connector *connectors;
	size_t n_connectors;

	/* service.pipelines, in file order. Without a service.pipelines key:
	 * one pipeline "traces" with the defaults (docs/config.md). */
	struct sluice_pipeline *pipelines;
	size_t n_pipelines;
	/* COMPAT, until every stage reads `pipelines` and `plan`: a copy of the
	 * first traces pipeline (or, when there is none, an empty one with a
	 * pass-through batch). */
	struct sluice_pipeline pipeline;
	const struct sluice_plan *plan; /* rings, ingest table, stage graph (config/plan.h) */

	struct sluice_endpoint metrics_address; /* service.telemetry.metrics.address,
	                                           default 127.0.0.1:8888 (/metrics, /health) */
	int log_level;				/* service.telemetry.logs.level: enum log_level
	                                (config/log.h), default info. The supervisor
	                                passes it to stages as SLUICE_LOG_LEVEL. */

	/* sluice: our extras */
	const char *instance;	   /* default "default"; [A-Za-z0-9_.-], <= 32 chars;
	                                the segment is /sluice.<instance> */
	struct sluice_rings rings; /* sluice.ring_bytes, sluice.rings.* */
	struct sluice_restart restart;
	uint64_t stop_timeout_ns;  /* sluice.stop_timeout: drain limit before SIGKILL; 30s */
	uint64_t start_timeout_ns; /* sluice.start_timeout: a stage must be RUNNING by then; 10s */
	uint64_t stall_timeout_ns; /* sluice.stall_timeout: a stage whose input holds records
	                                and that made no progress this long is stalled; 10s;
	                                0 = never reported */
	bool restart_stalled;	   /* sluice.restart_stalled: the supervisor restarts a
	                                stalled stage; default true */
	const char *runtime_dir;   /* control socket dir; default /run/sluice (root),
	                                $XDG_RUNTIME_DIR/sluice, or /tmp/sluice-<uid> */
	const char *state_dir;	   /* dead letters, disk queues; default /var/lib/sluice
	                                (root), $XDG_STATE_HOME/sluice, $HOME/.local/state/sluice */
	const char *bin_dir;	   /* stage binaries; NULL = the directory of the
	                                running `sluice` binary (/proc/self/exe) */

	void *arena_; /* private: owns all of the above */
};

/* What went wrong. msg is "FILE:LINE:COL: message" (or "FILE: message" when
 * there is no position, e.g. the file cannot be read). */
struct config_error {
	char msg[512];
	unsigned line, col; /* 1-based; 0 when not about a place in the file */
};

/* Loads and validates `path` (NULL: built-in defaults, as an empty file).
 * Returns 0 and *out (free with config_free), or a negative errno (-EINVAL
 * bad config, -ENOENT/-EACCES/... unreadable file, -EFBIG too large,
 * -ENOMEM) with *err filled. `err` may be NULL. */
int config_load(const char *path, struct sluice_config **out, struct config_error *err);

/* Same, from memory. `name` is used in messages (e.g. "<fuzz>"); data need
 * not be NUL-terminated. */
int config_load_buffer(const char *name, const char *data, size_t len, struct sluice_config **out,
		       struct config_error *err);

void config_free(struct sluice_config *cfg); /* NULL is fine */

/* Writes the effective configuration (every key, defaults included) as YAML
 * that config_load accepts and that loads to the same values. Returns 0 or
 * -EIO. `sluice check` prints this. */
int config_print(const struct sluice_config *cfg, FILE *out);

/* Lookup by id ("batch", "otlphttp/backend", "traces/payments"); NULL when
 * not defined. */
const struct sluice_processor *config_processor(const struct sluice_config *cfg, const char *id);
const struct sluice_exporter *config_exporter(const struct sluice_config *cfg, const char *id);
const struct sluice_connector *config_connector(const struct sluice_config *cfg, const char *id);
const struct sluice_pipeline *config_pipeline(const struct sluice_config *cfg, const char *id);

/* Names for messages: "filter", "otlphttp", "routing", "traces", ... (the
 * first name of a type with several: otlphttp, otlp) */
const char *config_processor_type_name(enum sluice_processor_type t);
const char *config_exporter_type_name(enum sluice_exporter_type t);
const char *config_connector_type_name(enum sluice_connector_type t);
const char *config_signal_name(enum sluice_signal s);

/* The parsers the loader uses, for CLIs and tests. Return 0 or -EINVAL
 * (bad syntax) / -ERANGE (overflow). */
int config_parse_duration(const char *s, uint64_t *ns); /* "1h30m" too */
int config_parse_size(const char *s, uint64_t *bytes);
/* Writes the shortest exact form ("200ms", "64MiB") into buf; returns length. */
int config_format_duration(uint64_t ns, char *buf, size_t size);
int config_format_size(uint64_t bytes, char *buf, size_t size);

#endif
