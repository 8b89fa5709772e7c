/* exporter/localx.h: the two exporters that write locally, `debug`
 * (localx.c) and `file` (filex.c).
 *
 * Both finish each send synchronously on the loop thread (a local write),
 * reporting OK, or RETRY_AGAIN when the write fails (disk full: the batch
 * waits and is tried again like any other).
 *
 * debug: `basic` verbosity writes the Collector's summary line a batch,
 *     2026-11-25T04:50:00.123Z\tinfo\tTracesExporter\t{"kind": "exporter",
 *     "data_type": "traces", "name": "debug", "resource spans": 1, "spans": 512}
 *   (LogsExporter: "resource logs", "log records"; MetricsExporter:
 *   "resource metrics", "metrics", "data points"); `normal` adds one text
 *   line an item after it (exporter/debug_lines.h); `detailed` writes every
 *   item (span, log record, metric) as one OTLP/JSON line (a request
 *   holding that item with its resource and scope, otlp/json.h). To stdout
 *   or to `output` (appended).
 * file: format json (the Collector's default): each request as one line of
 *   OTLP/JSON ({"resourceSpans":[...]}, {"resourceLogs":[...]}, ...);
 *   format proto: each request body as a 4-byte big-endian length and the
 *   protobuf bytes (the Collector file exporter's proto framing). With
 *   rotation, a file that would pass max_bytes is renamed to
 *   "<path>.<UTC yyyymmddThhmmss.mmm>" first and at most max_backups such
 *   files are kept (0 = all). A batch that cannot be rendered as JSON is
 *   refused for good (it goes to the dead letters).
 */
#ifndef SLUICE_EXPORTER_LOCALX_H
#define SLUICE_EXPORTER_LOCALX_H

#include <stdbool.h>
#include <stdint.h>

#include "exporter/deliver.h"
#include "otlp/signal.h"

enum debugx_verbosity {
	DEBUGX_BASIC = 0,
	DEBUGX_NORMAL,
	DEBUGX_DETAILED
};

struct debugx_opts {
	enum debugx_verbosity verbosity;
	const char *output; /* NULL = stdout */
	enum otlp_signal signal;
	const char *name; /* exporter id, for the summary line */
};

/* 0 or -errno with a message in err. */
int debugx_new(const struct debugx_opts *o, void **t, const struct transport_ops **ops, char *err,
	       size_t errlen);

enum filex_format {
	FILEX_JSON = 0,
	FILEX_PROTO = 1
};

struct filex_opts {
	const char *path;
	enum filex_format format;
	enum otlp_signal signal;
	void *share; /* the transport filex_new made for the same exporter
				   in another pipeline: its file is used (path and
				   rotation settings are then ignored), NULL = none */
	bool rotation;
	uint64_t max_bytes;   /* rotate before passing this (>0 when rotation) */
	uint32_t max_backups; /* 0 = keep all */
};
int filex_new(const struct filex_opts *o, void **t, const struct transport_ops **ops, char *err,
	      size_t errlen);

/* Reads the next framed body from buf[*off..len): 0 with *body and *blen set,
 * -ENODATA at the end, -EBADMSG for a truncated frame (for tests and tools). */
int filex_next(const uint8_t *buf, size_t len, size_t *off, const uint8_t **body, uint32_t *blen);

#endif
