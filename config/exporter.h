/* config/exporter.h: the settings of each exporter type (included by
 * config/config.h). One descriptor file each: config/exp_<type>.c. */
#ifndef SLUICE_CONFIG_EXPORTER_H
#define SLUICE_CONFIG_EXPORTER_H

#include "config/values.h"

enum sluice_compression {
	SLUICE_COMPRESSION_NONE = 0,
	SLUICE_COMPRESSION_GZIP,
	SLUICE_COMPRESSION_ZSTD,
	SLUICE_COMPRESSION_DEFLATE,
	SLUICE_COMPRESSION_ZLIB,
	SLUICE_COMPRESSION_SNAPPY,
};

struct sluice_retry {
	bool enabled;		      /* default true */
	uint64_t initial_interval_ns; /* default 5s */
	uint64_t max_interval_ns;     /* default 30s */
	uint64_t max_elapsed_time_ns; /* default 300s; 0 = retry forever */
	double multiplier;	      /* default 1.5 */
	double randomization_factor;  /* default 0.5 (jitter +-50%) */
};

struct sluice_queue {
	bool enabled;		    /* default true */
	uint32_t num_consumers;	    /* requests in flight at once; default 10 */
	uint32_t queue_size;	    /* requests held in memory (in flight + waiting
	                                  to retry); default 1000 */
	const char *storage;	    /* directory for the disk queue; NULL = none.
	                                  (Collector: an extension id; ours: a path) */
	uint64_t storage_max_bytes; /* our extra: disk queue cap; default 1GiB */
};

/* otlp_http (otlphttp) and otlp_grpc (otlp) share this shape. */
struct sluice_otlp_exporter {
	const char *endpoint; /* as written (required unless otlphttp gives
	                                  every <signal>_endpoint) */
	/* Where each signal goes (index enum sluice_signal). otlphttp: endpoint +
	 * "/v1/traces" | "/v1/logs" | "/v1/metrics", or <signal>_endpoint as is;
	 * otlp gRPC: the same host and port for all three, path "". */
	struct sluice_url urls[SLUICE_SIGNAL_COUNT];
	const char *signal_endpoints[SLUICE_SIGNAL_COUNT]; /* otlphttp traces_endpoint,
	                                  logs_endpoint, metrics_endpoint as written; NULL */
	/* COMPAT: the traces URL's host, port and path (urls[TRACES]) */
	const char *host;
	uint16_t port;		       /* default 80 / 443 (otlphttp), 4317 (otlp) */
	const char *path;	       /* otlphttp traces path; otlp: NULL */
	struct sluice_header *headers; /* n_headers, order kept; names lower-cased */
	size_t n_headers;
	enum sluice_compression compression; /* default gzip (Collector) */
	int compression_level;		     /* compression_params.level; 0 = the exporter's
	                                  default for that algorithm (docs/config.md) */
	uint64_t timeout_ns;		     /* per request; otlphttp 30s, otlp 5s */
	struct sluice_retry retry_on_failure;
	struct sluice_queue sending_queue;
	struct sluice_tls_client tls;
	const char *dead_letter_dir;	 /* our extra; default <state_dir>/<instance>/deadletter/<id
	                                  with '/' as '_'> (always set after loading) */
	uint32_t connections;		 /* otlphttp: keep-alive connections; default 4
	                                  (otlp: one h2 connection, this is 1) */
	uint32_t max_concurrent_streams; /* otlp: h2 streams in flight; default 16 */
};

enum sluice_verbosity {
	SLUICE_VERBOSITY_BASIC = 0, /* one summary line a batch */
	SLUICE_VERBOSITY_NORMAL,    /* one line an item */
	SLUICE_VERBOSITY_DETAILED,  /* each item as one OTLP/JSON object a line */
};

struct sluice_debug_exporter {
	enum sluice_verbosity verbosity; /* default basic */
	const char *output;		 /* our extra: NULL = stdout, else file path */
};

enum sluice_file_format {
	SLUICE_FILE_JSON = 0, /* one OTLP/JSON request a line (the Collector's default) */
	SLUICE_FILE_PROTO,    /* 4-byte big-endian length + protobuf body */
};

struct sluice_file_exporter {
	const char *path;		/* required */
	enum sluice_file_format format; /* default json */
	bool rotation;			/* rotation: given */
	uint64_t rotation_max_bytes;	/* rotation.max_megabytes * MiB; default 100 */
	uint32_t rotation_max_backups;	/* rotation.max_backups; default 100; 0 = keep all */
};

/* prometheus: serves the metrics of its pipelines on http://endpoint/metrics
 * (metrics pipelines only). */
struct sluice_prometheus_exporter {
	struct sluice_endpoint endpoint;    /* required */
	const char *namespace_;		    /* `namespace`: prefix "<ns>_"; NULL = none */
	struct sluice_header *const_labels; /* n_const_labels: label name -> value */
	size_t n_const_labels;
	bool resource_to_telemetry;    /* resource_to_telemetry_conversion.enabled:
	                                     resource attributes become labels; default false */
	uint64_t metric_expiration_ns; /* series not updated this long are dropped; 5m */
	bool add_metric_suffixes;      /* _total, unit suffixes; default true */
	bool send_timestamps;	       /* default false */
	bool enable_open_metrics;      /* OpenMetrics when the scraper asks; default false */
};

enum sluice_exporter_type {
	SLUICE_EXP_OTLPHTTP = 0, /* otlphttp, otlp_http */
	SLUICE_EXP_OTLP,	 /* otlp, otlp_grpc */
	SLUICE_EXP_DEBUG,
	SLUICE_EXP_FILE,
	SLUICE_EXP_PROMETHEUS,
};

struct sluice_exporter {
	const char *id; /* "otlphttp/backend" as written */
	enum sluice_exporter_type type;
	unsigned line, col;
	union {
		struct sluice_otlp_exporter otlp; /* OTLPHTTP, OTLP */
		struct sluice_debug_exporter debug;
		struct sluice_file_exporter file;
		struct sluice_prometheus_exporter prometheus;
	};
};

#endif
