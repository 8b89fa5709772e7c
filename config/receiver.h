/* config/receiver.h: the otlp receiver's settings (included by
 * config/config.h; descriptor: config/recv_otlp.c). Which signals a
 * receiver takes, and into which ring, is the plan's (config/plan.h). */
#ifndef SLUICE_CONFIG_RECEIVER_H
#define SLUICE_CONFIG_RECEIVER_H

#include "config/values.h"

struct sluice_receiver {
	const char *id; /* "otlp" or "otlp/name" */
	unsigned line, col;
	bool grpc_enabled;		      /* protocols.grpc present (or no protocols key) */
	struct sluice_endpoint grpc_endpoint; /* default 127.0.0.1:4317 */
	uint64_t grpc_max_recv_msg_size;      /* bytes; max_recv_msg_size_mib, default 4 */
	uint32_t grpc_max_concurrent_streams; /* default 100 */
	struct sluice_tls_server grpc_tls;    /* protocols.grpc.tls */
	bool http_enabled;
	struct sluice_endpoint http_endpoint; /* default 127.0.0.1:4318 */
	uint64_t http_max_request_body_size;  /* bytes, default 20MiB (compressed and decompressed) */
	uint64_t http_read_timeout_ns;	      /* whole request; default 30s (slow clients) */
	uint64_t http_idle_timeout_ns;	      /* keep-alive idle; default 60s */
	struct sluice_tls_server http_tls;    /* protocols.http.tls */
	const char *http_url_paths[SLUICE_SIGNAL_COUNT]; /* traces_url_path, logs_url_path,
	                                      metrics_url_path; default /v1/traces, ... */
	uint64_t ring_full_wait_ns;			 /* our extra: wait for ring space before
	                                      answering 429/503 / RESOURCE_EXHAUSTED; default 500ms */
	uint64_t retry_after_ns; /* our extra: Retry-After / RetryInfo hint; default 1s */
};

#endif
