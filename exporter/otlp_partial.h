/* exporter/otlp_partial.h: the backend's partial_success answer.
 *
 * Both OTLP transports get an ExportTraceServiceResponse on success; when
 * its partial_success.rejected_spans is > 0 the batch was accepted but some
 * spans were refused (the spec says: do not retry; log and count).
 */
#ifndef SLUICE_EXPORTER_OTLP_PARTIAL_H
#define SLUICE_EXPORTER_OTLP_PARTIAL_H

#include <stddef.h>
#include <stdint.h>

/* Reads partial_success.rejected_spans from a protobuf response body and
 * error_message (a view into p, not NUL-terminated) into *msg and *msg_len
 * (NULL and 0 when absent). Returns rejected (>= 0; 0 for an empty body)
 * or -EBADMSG for malformed protobuf. */
int64_t otlp_partial_rejected(const uint8_t *p, size_t len, const char **msg, size_t *msg_len);

#endif
