/* exporter/debug_lines.h: the debug exporter's `normal` verbosity: one
 * line of text a span, as the Collector's debug exporter prints in normal
 * mode (ids, name, and the few figures one scans a log for):
 *
 *   span trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331
 *     name="GET /api" kind=2 duration_ns=250000 status=1 attributes=5
 *   (one line; the name quoted, `"` `\` and bytes outside printable ASCII
 *   escaped as \" \\ \xNN)
 *
 * debug_lines_normal() appends the lines for every span of a request body
 * (ExportTraceServiceRequest bytes) to out (otlp/json.h's buffer: it grows
 * once per larger batch, not per span). 0, -EBADMSG/-EPROTO (malformed
 * body), -ENOMEM or -E2BIG. */
#ifndef SLUICE_EXPORTER_DEBUG_LINES_H
#define SLUICE_EXPORTER_DEBUG_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/json.h"

int debug_lines_normal(const uint8_t *body, size_t len, struct otlp_json_buf *out);

#endif
