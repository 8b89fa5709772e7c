/* otlp/frame.h: framing ResourceSpans records into an ExportTraceServiceRequest.
 *
 * ExportTraceServiceRequest is `repeated ResourceSpans resource_spans = 1`,
 * so a request body is the concatenation of frames `0x0a varint(len) bytes`.
 * The batch stage appends ring records this way; nothing is decoded.
 */
#ifndef SLUICE_OTLP_FRAME_H
#define SLUICE_OTLP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define OTLP_FRAME_HDR_MAX 6 /* tag byte + up to 5 length bytes */

/* Bytes a frame of a payload_len-byte ResourceSpans takes. */
size_t otlp_frame_size(size_t payload_len);

/* Writes the frame header (tag 0x0a and the varint length) for a payload of
 * payload_len bytes into hdr; returns its length (2..6), or -EMSGSIZE if
 * payload_len exceeds INT32_MAX. For scatter/gather writes. */
int otlp_frame_header(uint8_t hdr[OTLP_FRAME_HDR_MAX], size_t payload_len);

/* Appends one frame (header + payload) at out + *used, not past cap.
 * Returns the bytes appended (and advances *used), or -ENOSPC (nothing
 * written) / -EMSGSIZE. */
int otlp_frame_append(uint8_t *out, size_t cap, size_t *used, const void *payload, size_t payload_len);

#endif
