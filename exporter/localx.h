/* exporter/localx.h: the two exporters that write locally, `debug` and `file`.
 *
 * Both finish each send synchronously on the loop thread (a local write),
 * reporting OK, or RETRY_AGAIN when the write fails (disk full: the batch
 * waits and is tried again like any other).
 *
 * debug: `basic` verbosity writes one summary line a batch
 *     "batch seq=42 spans=512 bytes=113664 resource_spans=1"
 *   `normal` adds one text line a span after it (exporter/debug_lines.h:
 *   ids, name, kind, duration, status, attribute count); `detailed` writes
 *   every span as one OTLP/JSON line (an ExportTraceServiceRequest holding
 *   that span with its resource and scope, otlp/json.h). To stdout or to
 *   `output` (appended).
 * file: each request body appended as a 4-byte big-endian length followed
 *   by the protobuf bytes (the Collector file exporter's proto framing);
 *   with rotation, a file that would pass max_bytes is renamed to
 *   "<path>.<UTC yyyymmddThhmmss.mmm>" first and at most max_backups such
 *   files are kept (0 = all).
 */
#ifndef SLUICE_EXPORTER_LOCALX_H
#define SLUICE_EXPORTER_LOCALX_H

#include <stdbool.h>
#include <stdint.h>

#include "exporter/deliver.h"

enum debugx_verbosity { DEBUGX_BASIC = 0, DEBUGX_NORMAL, DEBUGX_DETAILED };

/* output NULL = stdout. 0 or -errno with a message in err. */
int debugx_new(enum debugx_verbosity v, const char *output, void **t,
	       const struct transport_ops **ops, char *err, size_t errlen);

struct filex_opts {
	const char *path;
	bool rotation;
	uint64_t max_bytes;     /* rotate before passing this (>0 when rotation) */
	uint32_t max_backups;   /* 0 = keep all */
};
int filex_new(const struct filex_opts *o, void **t, const struct transport_ops **ops,
	      char *err, size_t errlen);

/* Reads the next framed body from buf[*off..len): 0 with *body and *blen set,
 * -ENODATA at the end, -EBADMSG for a truncated frame (for tests and tools). */
int filex_next(const uint8_t *buf, size_t len, size_t *off, const uint8_t **body, uint32_t *blen);

#endif
