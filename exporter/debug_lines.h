/* exporter/debug_lines.h: the debug exporter's `normal` verbosity: one
 * line of text an item (a span, a log record, a metric data point), as the
 * Collector's debug exporter prints in normal mode (ids, names, and the
 * few figures one scans a log for):
 *
 *   span trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331
 *     name="GET /api" kind=2 duration_ns=250000 status=1 attributes=5
 *   log time_unix_nano=1700000000000000000 severity=9 severity_text="INFO"
 *     trace_id=... span_id=... body="user logged in" attributes=2
 *   datapoint metric="http.server.duration" type=histogram count=12
 *     sum=530.5 attributes=3          (gauge, sum: value=42 or value=0.25)
 *   (one line each; strings quoted, `"` `\` and bytes outside printable
 *   ASCII escaped as \" \\ \xNN; absent ids left out)
 *
 * debug_lines_normal_signal() appends the lines for every item of a
 * request body (Export*ServiceRequest bytes) to out (otlp/json.h's
 * buffer: it grows once per larger batch, not per item).
 * debug_lines_normal() is the traces call. 0, -EBADMSG/-EPROTO (malformed
 * body), -ENOMEM or -E2BIG. */
#ifndef SLUICE_EXPORTER_DEBUG_LINES_H
#define SLUICE_EXPORTER_DEBUG_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/json.h"
#include "otlp/signal.h"

int debug_lines_normal(const uint8_t *body, size_t len, struct otlp_json_buf *out);
int debug_lines_normal_signal(enum otlp_signal sig, const uint8_t *body, size_t len,
			      struct otlp_json_buf *out);

#endif
