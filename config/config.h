/* config/config.h: the one YAML configuration every sluice process reads.
 *
 *   struct sluice_config *cfg;
 *   struct config_error err;
 *   if (config_load(path, &cfg, &err) < 0) {      // path NULL = built-in defaults
 *           fprintf(stderr, "%s\n", err.msg);     // "sluice.yaml:12:7: ..."
 *           exit(2);
 *   }
 *   ... cfg->pipeline.processors[i]->filter ...
 *   config_free(cfg);
 *
 * Shape: the OpenTelemetry Collector's (receivers, processors, exporters,
 * service.pipelines.traces), same key names, plus our extras under `sluice:`.
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
#define CONFIG_MAX_FILE_BYTES (4u << 20)   /* a config file larger is refused */
#define CONFIG_MAX_PROCESSORS 16          /* in the pipeline; = stats slots */
#define CONFIG_MAX_EXPORTERS 8            /* in the pipeline */
#define CONFIG_MAX_RECEIVERS 4            /* in the pipeline */
#define CONFIG_INSTANCE_MAX 32            /* chars in sluice.instance */
#define CONFIG_RING_RECORD_OVERHEAD 64    /* header + padding a ring record adds */

/* ---------- values shared by several components ---------- */

enum sluice_value_type {
	SLUICE_VALUE_NONE = 0, /* absent (e.g. filter attribute: "key exists") */
	SLUICE_VALUE_STRING,
	SLUICE_VALUE_INT,
	SLUICE_VALUE_DOUBLE,
	SLUICE_VALUE_BOOL,
};

/* A typed YAML value: a plain scalar that reads as an integer is INT, as a
 * float DOUBLE, true/false BOOL; anything quoted, or other text, STRING. */
struct sluice_value {
	enum sluice_value_type type;
	const char *s; /* STRING (NUL-terminated; s_len excludes the NUL) */
	size_t s_len;
	int64_t i;     /* INT */
	double d;      /* DOUBLE */
	bool b;        /* BOOL */
};

/* A regular expression as written, plus the same pattern made POSIX ERE
 * (regcomp(REG_EXTENDED)): Go/RE2 named groups "(?P<name>...)" are turned
 * into plain groups and their names kept in group order. The loader checked
 * that `posix` compiles; the stage compiles it again for itself. */
struct sluice_regex {
	const char *source;        /* as written in the file */
	const char *posix;         /* for regcomp(REG_EXTENDED) */
	const char **group_names;  /* [n_groups]: name of group i+1, or NULL */
	size_t n_groups;           /* capture groups in the pattern */
};

struct sluice_kv {
	const char *key;
	struct sluice_value value;  /* NONE: the attribute only has to exist */
	struct sluice_regex regex;  /* match_type regexp and a value: its text as a
	                               regexp (used when value is a STRING) */
};

struct sluice_header {
	const char *name;
	const char *value;
};

/* ---------- filter: `spans: {include: ..., exclude: ...}` ---------- */

enum sluice_match_type {
	SLUICE_MATCH_STRICT = 0, /* equality */
	SLUICE_MATCH_REGEXP,     /* POSIX ERE search (anchor with ^...$) */
	SLUICE_MATCH_PREFIX,     /* our extra: string starts with */
};

/* A span matches when EVERY property that is set matches; a list property
 * matches when ANY of its entries does. present = false: include/exclude
 * was not given (the loader refuses one given with no property). */
struct sluice_match {
	bool present;                 /* include: / exclude: was given */
	enum sluice_match_type match_type;
	const char **services;        /* resource service.name, n_services */
	struct sluice_regex *services_re;
	size_t n_services;
	const char **span_names;      /* n_span_names */
	struct sluice_regex *span_names_re; /* regexp: one per span_names[i] */
	size_t n_span_names;
	uint32_t span_kinds;          /* bit (1u << OTLP SpanKind 0..5); 0 = any */
	uint32_t status_codes;        /* bit (1u << OTLP StatusCode 0..2); 0 = any */
	struct sluice_kv *attributes; /* span attributes, n_attributes (ALL must match) */
	size_t n_attributes;
	struct sluice_kv *resources;  /* resource attributes, n_resources (ALL) */
	size_t n_resources;
	uint64_t min_duration_ns;     /* our extra: matches duration >= min (0 = no bound) */
	uint64_t max_duration_ns;     /* our extra: matches duration <= max (0 = no bound) */
};

/* Keep a span iff (!include.present || matches(include)) &&
 *                  !(exclude.present && matches(exclude)). */
struct sluice_filter {
	struct sluice_match include;
	struct sluice_match exclude;
};

/* ---------- probabilistic_sampler ---------- */

struct sluice_sampler {
	double sampling_percentage; /* 0..100, default 100 */
	uint32_t hash_seed;         /* default 0; same seed = same decisions everywhere */
};

/* ---------- attributes / resource ---------- */

enum sluice_action_kind {
	SLUICE_ACTION_INSERT = 0, /* set key if absent */
	SLUICE_ACTION_UPDATE,     /* set key if present */
	SLUICE_ACTION_UPSERT,     /* set key */
	SLUICE_ACTION_DELETE,     /* remove key (or every key matching pattern) */
	SLUICE_ACTION_HASH,       /* replace value by SHA-256 hex of its string form */
	SLUICE_ACTION_EXTRACT,    /* regex named groups of key's value -> new attributes */
};

struct sluice_action {
	enum sluice_action_kind action;
	const char *key;            /* NULL only for delete/hash with pattern */
	struct sluice_value value;  /* insert/update/upsert: typed value, or NONE with from_attribute */
	const char *from_attribute; /* insert/update/upsert: copy this attribute's value */
	bool has_pattern;
	struct sluice_regex pattern; /* extract: on key's value (named groups required);
	                                delete/hash: on attribute keys */
};

/* Used for both `attributes` (span attributes) and `resource` (resource
 * attributes; include/exclude not allowed there). Actions run in order. */
struct sluice_attributes {
	struct sluice_action *actions;
	size_t n_actions;
	struct sluice_match include; /* attributes only: apply to matching spans */
	struct sluice_match exclude;
};

/* ---------- span ---------- */

struct sluice_span_proc {
	const char **from_attributes; /* name.from_attributes, n_from_attributes:
	                                 rename to their values joined by separator
	                                 (only when ALL are present) */
	size_t n_from_attributes;
	const char *separator;        /* default "" */
	struct sluice_regex *to_attributes; /* name.to_attributes.rules, n_rules */
	size_t n_rules;
	bool break_after_match;       /* name.to_attributes.break_after_match */
	struct sluice_match include;
	struct sluice_match exclude;
};

/* ---------- batch (run by the batch stage) ---------- */

struct sluice_batch {
	uint32_t send_batch_size;      /* spans that trigger a flush; default 8192 */
	uint32_t send_batch_max_size;  /* spans a batch never exceeds; 0 = no limit */
	uint64_t send_batch_max_bytes; /* our extra: request body bytes never exceeded;
	                                  default 4MiB (gRPC receivers' usual cap) */
	uint64_t timeout_ns;           /* flush a non-empty batch this old; default 200ms;
	                                  0 = flush every record at once */
};

enum sluice_processor_type {
	SLUICE_PROC_FILTER = 0,
	SLUICE_PROC_PROBABILISTIC_SAMPLER,
	SLUICE_PROC_ATTRIBUTES,
	SLUICE_PROC_RESOURCE,
	SLUICE_PROC_SPAN,
	SLUICE_PROC_BATCH,
};

struct sluice_processor {
	const char *id;      /* "filter/errors" as written */
	enum sluice_processor_type type;
	unsigned line, col;  /* where it is defined (for runtime messages) */
	union {
		struct sluice_filter filter;             /* FILTER */
		struct sluice_sampler sampler;           /* PROBABILISTIC_SAMPLER */
		struct sluice_attributes attributes;     /* ATTRIBUTES, RESOURCE */
		struct sluice_span_proc span;            /* SPAN */
		struct sluice_batch batch;               /* BATCH */
	};
};

/* ---------- receivers ---------- */

/* An endpoint "host:port", "[v6]:port" or ":port" (= all interfaces,
 * host "0.0.0.0"). port 0 = any free port (tests). */
struct sluice_endpoint {
	const char *text; /* as written (or the default) */
	const char *host; /* without brackets */
	uint16_t port;
};

struct sluice_receiver {
	const char *id;                    /* "otlp" or "otlp/name" */
	unsigned line, col;
	bool grpc_enabled;                 /* protocols.grpc present (or no protocols key) */
	struct sluice_endpoint grpc_endpoint; /* default 127.0.0.1:4317 */
	uint64_t grpc_max_recv_msg_size;   /* bytes; max_recv_msg_size_mib, default 4 */
	uint32_t grpc_max_concurrent_streams; /* default 100 */
	bool http_enabled;
	struct sluice_endpoint http_endpoint; /* default 127.0.0.1:4318 */
	uint64_t http_max_request_body_size; /* bytes, default 20MiB (compressed and decompressed) */
	uint64_t http_read_timeout_ns;     /* whole request; default 30s (slow clients) */
	uint64_t http_idle_timeout_ns;     /* keep-alive idle; default 60s */
	uint64_t ring_full_wait_ns;        /* our extra: wait for ring space before
	                                      answering 429/503 / RESOURCE_EXHAUSTED; default 500ms */
	uint64_t retry_after_ns;           /* our extra: Retry-After / RetryInfo hint; default 1s */
};

/* ---------- exporters ---------- */

enum sluice_compression { SLUICE_COMPRESSION_NONE = 0, SLUICE_COMPRESSION_GZIP };

struct sluice_retry {
	bool enabled;                  /* default true */
	uint64_t initial_interval_ns;  /* default 5s */
	uint64_t max_interval_ns;      /* default 30s */
	uint64_t max_elapsed_time_ns;  /* default 300s; 0 = retry forever */
	double multiplier;             /* default 1.5 */
	double randomization_factor;   /* default 0.5 (jitter +-50%) */
};

struct sluice_queue {
	bool enabled;                  /* default true */
	uint32_t num_consumers;        /* requests in flight at once; default 10 */
	uint32_t queue_size;           /* requests held in memory (in flight + waiting
	                                  to retry); default 1000 */
	const char *storage;           /* directory for the disk queue; NULL = none.
	                                  (Collector: an extension id; ours: a path) */
	uint64_t storage_max_bytes;    /* our extra: disk queue cap; default 1GiB */
};

/* otlphttp and otlp (gRPC) share this shape. */
struct sluice_otlp_exporter {
	const char *endpoint;          /* as written (required) */
	const char *host;              /* parsed */
	uint16_t port;                 /* parsed; default 80 (http) or 4317 (otlp) */
	const char *path;              /* otlphttp: URL path, "/v1/traces" appended to
	                                  endpoint's path (traces_endpoint: as is);
	                                  otlp: NULL */
	struct sluice_header *headers; /* n_headers, order kept; names lower-cased */
	size_t n_headers;
	enum sluice_compression compression; /* default gzip (Collector) */
	uint64_t timeout_ns;           /* per request; otlphttp 30s, otlp 5s */
	struct sluice_retry retry_on_failure;
	struct sluice_queue sending_queue;
	const char *dead_letter_dir;   /* our extra; default <state_dir>/<instance>/deadletter/<id
	                                  with '/' as '_'> (always set after loading) */
	uint32_t connections;          /* otlphttp: keep-alive connections; default 4
	                                  (otlp: one h2 connection, this is 1) */
	uint32_t max_concurrent_streams; /* otlp: h2 streams in flight; default 16 */
};

enum sluice_verbosity {
	SLUICE_VERBOSITY_BASIC = 0, /* one summary line a batch */
	SLUICE_VERBOSITY_NORMAL,    /* one line a span */
	SLUICE_VERBOSITY_DETAILED,  /* each span as one OTLP/JSON object a line */
};

struct sluice_debug_exporter {
	enum sluice_verbosity verbosity; /* default basic */
	const char *output;              /* our extra: NULL = stdout, else file path */
};

struct sluice_file_exporter {
	const char *path;              /* required */
	bool rotation;                 /* rotation: given */
	uint64_t rotation_max_bytes;   /* rotation.max_megabytes * MiB; default 100 */
	uint32_t rotation_max_backups; /* rotation.max_backups; default 100; 0 = keep all */
};

enum sluice_exporter_type {
	SLUICE_EXP_OTLPHTTP = 0,
	SLUICE_EXP_OTLP,
	SLUICE_EXP_DEBUG,
	SLUICE_EXP_FILE,
};

struct sluice_exporter {
	const char *id;     /* "otlphttp/backend" as written */
	enum sluice_exporter_type type;
	unsigned line, col;
	union {
		struct sluice_otlp_exporter otlp; /* OTLPHTTP, OTLP */
		struct sluice_debug_exporter debug;
		struct sluice_file_exporter file;
	};
};

/* ---------- service ---------- */

/* service.pipelines.traces, resolved. Components defined but not named
 * here are validated and otherwise ignored. */
struct sluice_pipeline {
	const struct sluice_receiver **receivers;   /* n_receivers >= 1 */
	size_t n_receivers;
	/* The process stage's chain, in pipeline order, WITHOUT the batch
	 * processor (0..CONFIG_MAX_PROCESSORS entries). */
	const struct sluice_processor **processors;
	size_t n_processors;
	/* The batch stage's settings: the pipeline's batch processor (which
	 * must be listed last, at most once), or when none is listed a
	 * pass-through (send_batch_size 1, timeout 0: every record is flushed
	 * as its own request). Never NULL. */
	const struct sluice_batch *batch;
	const struct sluice_processor *batch_processor; /* NULL when not listed */
	const struct sluice_exporter **exporters;   /* n_exporters >= 1; each gets every batch */
	size_t n_exporters;
};

/* sluice.rings: byte capacity of each ring. */
struct sluice_rings {
	uint64_t ingest_process; /* ring 0; default ring_bytes (64MiB) */
	uint64_t process_batch;  /* ring 1 */
	uint64_t batch_export;   /* ring 2 */
};

struct sluice_restart {
	uint64_t backoff_initial_ns; /* first restart delay; default 100ms */
	uint64_t backoff_max_ns;     /* doubling stops here; default 10s */
	uint32_t max_restarts;       /* more than this many in `window` stops all; default 5 */
	uint64_t window_ns;          /* default 60s */
};

struct sluice_config {
	const char *path;            /* file loaded, "" for built-in defaults */

	/* Every component defined, in file order (used or not). */
	struct sluice_receiver *receivers;
	size_t n_receivers;
	struct sluice_processor *processors;
	size_t n_processors;
	struct sluice_exporter *exporters;
	size_t n_exporters;

	struct sluice_pipeline pipeline; /* service.pipelines.traces */

	struct sluice_endpoint metrics_address; /* service.telemetry.metrics.address,
	                                           default 127.0.0.1:8888 (/metrics, /health) */
	int log_level;               /* service.telemetry.logs.level: enum log_level
	                                (config/log.h), default info. The supervisor
	                                passes it to stages as SLUICE_LOG_LEVEL. */

	/* sluice: our extras */
	const char *instance;        /* default "default"; [A-Za-z0-9_.-], <= 32 chars;
	                                the segment is /sluice.<instance> */
	struct sluice_rings rings;   /* sluice.ring_bytes, sluice.rings.* */
	struct sluice_restart restart;
	uint64_t stop_timeout_ns;    /* sluice.stop_timeout: drain limit before SIGKILL; 30s */
	uint64_t start_timeout_ns;   /* sluice.start_timeout: a stage must be RUNNING by then; 10s */
	const char *runtime_dir;     /* control socket dir; default /run/sluice (root),
	                                $XDG_RUNTIME_DIR/sluice, or /tmp/sluice-<uid> */
	const char *state_dir;       /* dead letters, disk queues; default /var/lib/sluice
	                                (root), $XDG_STATE_HOME/sluice, $HOME/.local/state/sluice */
	const char *bin_dir;         /* stage binaries; NULL = the directory of the
	                                running `sluice` binary (/proc/self/exe) */

	void *arena_;                /* private: owns all of the above */
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
int config_load_buffer(const char *name, const char *data, size_t len,
		       struct sluice_config **out, struct config_error *err);

void config_free(struct sluice_config *cfg); /* NULL is fine */

/* Writes the effective configuration (every key, defaults included) as YAML
 * that config_load accepts and that loads to the same values. Returns 0 or
 * -EIO. `sluice check` prints this. */
int config_print(const struct sluice_config *cfg, FILE *out);

/* Lookup by id ("batch", "otlphttp/backend"); NULL when not defined. */
const struct sluice_processor *config_processor(const struct sluice_config *cfg, const char *id);
const struct sluice_exporter *config_exporter(const struct sluice_config *cfg, const char *id);

/* Names for messages: "filter", "otlphttp", ... */
const char *config_processor_type_name(enum sluice_processor_type t);
const char *config_exporter_type_name(enum sluice_exporter_type t);

/* The parsers the loader uses, for CLIs and tests. Return 0 or -EINVAL
 * (bad syntax) / -ERANGE (overflow). */
int config_parse_duration(const char *s, uint64_t *ns);  /* "1h30m" too */
int config_parse_size(const char *s, uint64_t *bytes);
/* Writes the shortest exact form ("200ms", "64MiB") into buf; returns length. */
int config_format_duration(uint64_t ns, char *buf, size_t size);
int config_format_size(uint64_t bytes, char *buf, size_t size);

#endif
