/* net/grpc.h: the gRPC wire pieces that sit on top of HTTP/2 (no I/O).
 *
 *   message framing   grpc_frame_prefix / grpc_frame_unary: the 5-byte
 *                     prefix (flag 0|1, 4-byte big-endian length);
 *                     struct grpc_frame_reader: incremental deframing of a
 *                     stream of DATA chunks, split anywhere.
 *   status codes      enum grpc_status, grpc_status_name,
 *                     grpc_status_retryable (the OTLP retry rules).
 *   grpc-message      grpc_status_msg_encode / _decode (percent-encoding).
 *   grpc-timeout      grpc_timeout_parse / grpc_timeout_format.
 *   status details    grpc_details_encode / grpc_details_decode: a
 *                     google.rpc.Status {code, message, details: [Any
 *                     RetryInfo{retry_delay}]} in protobuf, and the base64
 *                     form carried by the `grpc-status-details-bin` trailer
 *                     (grpc_details_bin_encode / grpc_details_bin_decode).
 *   base64            grpc_b64_encode / grpc_b64_decode (for -bin headers).
 *
 * Conventions: functions return a count (>= 0) or a negative errno; nothing
 * allocates; outputs go into caller buffers; views point into the input.
 */
#ifndef SLUICE_NET_GRPC_H
#define SLUICE_NET_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) */
enum grpc_status {
	GRPC_STATUS_OK = 0,
	GRPC_STATUS_CANCELLED = 1,
	GRPC_STATUS_UNKNOWN = 2,
	GRPC_STATUS_INVALID_ARGUMENT = 3,
	GRPC_STATUS_DEADLINE_EXCEEDED = 4,
	GRPC_STATUS_NOT_FOUND = 5,
	GRPC_STATUS_ALREADY_EXISTS = 6,
	GRPC_STATUS_PERMISSION_DENIED = 7,
	GRPC_STATUS_RESOURCE_EXHAUSTED = 8,
	GRPC_STATUS_FAILED_PRECONDITION = 9,
	GRPC_STATUS_ABORTED = 10,
	GRPC_STATUS_OUT_OF_RANGE = 11,
	GRPC_STATUS_UNIMPLEMENTED = 12,
	GRPC_STATUS_INTERNAL = 13,
	GRPC_STATUS_UNAVAILABLE = 14,
	GRPC_STATUS_DATA_LOSS = 15,
	GRPC_STATUS_UNAUTHENTICATED = 16,
};
#define GRPC_STATUS_MAX 16

/* "OK", "RESOURCE_EXHAUSTED", ...; "UNKNOWN_CODE" for anything else. */
const char *grpc_status_name(int status);

/* The OTLP exporter rules: CANCELLED, DEADLINE_EXCEEDED, ABORTED,
 * OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS are retryable; RESOURCE_EXHAUSTED
 * only when the server sent RetryInfo (has_retry_info); the rest are not. */
bool grpc_status_retryable(int status, bool has_retry_info);

/* Parse a grpc-status header value ("0".."16", also larger numbers).
 * Returns the code or -EINVAL for anything that is not a decimal number. */
int grpc_status_parse(const char *s, size_t len);

/* grpc-message percent-encoding (gRPC HTTP/2 spec): bytes outside
 * 0x20..0x7e and '%' become %XX. Returns the encoded length (no NUL
 * written) or -ENOSPC if cap is too small (3*len always suffices). */
ssize_t grpc_status_msg_encode(char *out, size_t cap, const char *msg, size_t len);
/* Decode percent-encoding. Lenient as the spec asks: a malformed %
 * sequence is copied as is. Output is never longer than the input.
 * Returns the decoded length or -ENOSPC. */
ssize_t grpc_status_msg_decode(char *out, size_t cap, const char *in, size_t len);

/* ---- message framing -------------------------------------------------- */
#define GRPC_PREFIX_LEN 5
#define GRPC_FLAG_COMPRESSED 0x01

/* Write the 5-byte prefix for a message of len bytes. */
void grpc_frame_prefix(uint8_t out[GRPC_PREFIX_LEN], bool compressed, uint32_t len);

/* A unary body: exactly one length-prefixed message spanning the whole
 * buffer. On success *msg and *msg_len view into body and *compressed is set.
 * Returns 0, -EPROTO (bad flag byte, short prefix, trailing bytes or the
 * length disagrees with the body), -ENODATA (empty body: no message). */
int grpc_frame_unary(const uint8_t *body, size_t len, const uint8_t **msg, size_t *msg_len, bool *compressed);

/* Incremental deframer. Feed it DATA chunks as they arrive, split at any
 * byte. A message that arrives whole in one chunk is returned as a view into
 * that chunk (no copy); otherwise its bytes are gathered into buf. */
struct grpc_frame_reader {
	uint8_t *buf; /* caller's gather buffer */
	size_t cap;   /* its size: also the max message size */
	uint8_t hdr[GRPC_PREFIX_LEN];
	uint8_t hdr_have; /* prefix bytes seen so far */
	bool compressed;  /* flag of the current message */
	uint32_t need;	  /* length of the current message */
	uint32_t have;	  /* bytes of it gathered in buf */
	/* results, valid after grpc_frame_reader_feed returned 1 */
	const uint8_t *msg; /* into the chunk or into buf */
	uint32_t msg_len;
	bool msg_compressed;
};

/* Prepare r; buf may be NULL with cap 0 only if every message is known to
 * arrive in one chunk (otherwise feeding returns -EMSGSIZE). */
void grpc_frame_reader_init(struct grpc_frame_reader *r, uint8_t *buf, size_t cap);

/* Consume bytes from in[0..len). Sets *used to the bytes consumed.
 * Returns 1 when a whole message is ready in r->msg (call again with the
 * rest of the chunk, in + *used), 0 when all of in was consumed without
 * completing a message, -EMSGSIZE when the announced length exceeds cap,
 * -EPROTO when the flag byte is not 0 or 1. After an error the reader is
 * poisoned: re-init it. r->msg stays valid until the next feed (if it
 * points into buf) or as long as the chunk (if it points into in). */
int grpc_frame_reader_feed(struct grpc_frame_reader *r, const uint8_t *in, size_t len, size_t *used);

/* True when the reader sits between messages (no partial prefix/body):
 * at END_STREAM anything else is a truncated message. */
bool grpc_frame_reader_idle(const struct grpc_frame_reader *r);

/* ---- grpc-timeout -------------------------------------------------------- */
/* Parse "<1..8 digits><H|M|S|m|u|n>" into nanoseconds (saturating at
 * UINT64_MAX). Returns 0 or -EINVAL. */
int grpc_timeout_parse(const char *s, size_t len, uint64_t *ns);
/* Format ns with the finest unit whose value fits in 8 digits, rounding up
 * so a deadline is never shortened. Returns the length written (no NUL is
 * written; cap >= 9 always suffices) or -ENOSPC. ns == 0 gives "0n". */
ssize_t grpc_timeout_format(char *out, size_t cap, uint64_t ns);

/* ---- google.rpc.Status + RetryInfo ------------------------------------- */
/* Protobuf-encode google.rpc.Status{code, message, details}; when
 * retry_delay_ns >= 0 the details hold one Any of type
 * "type.googleapis.com/google.rpc.RetryInfo" with that delay. Returns the
 * encoded length or -ENOSPC. 96 + msg_len bytes always suffice. */
ssize_t grpc_details_encode(uint8_t *out, size_t cap, int code, const char *msg, size_t msg_len,
			    int64_t retry_delay_ns);

struct grpc_details {
	int code;	     /* Status.code */
	const char *message; /* view into the input (not NUL-terminated) */
	size_t message_len;
	int64_t retry_delay_ns; /* -1: no RetryInfo detail */
};
/* Decode a google.rpc.Status. Unknown fields and other detail types are
 * skipped. Returns 0 or -EPROTO on malformed protobuf. */
int grpc_details_decode(const uint8_t *in, size_t len, struct grpc_details *d);

/* The same, as the base64 text of a `grpc-status-details-bin` trailer
 * (unpadded, as gRPC sends it). Returns the text length (no NUL) or
 * -ENOSPC; 4 * (96 + msg_len) / 3 + 4 bytes always suffice. Messages
 * longer than 896 bytes are cut here (grpc-message carries the whole). */
ssize_t grpc_details_bin_encode(char *out, size_t cap, int code, const char *msg, size_t msg_len,
				int64_t retry_delay_ns);
/* Decode a `grpc-status-details-bin` value (padded or not) using scratch
 * (>= 3*len/4 bytes) for the binary form; d->message points into scratch.
 * Returns 0, -EPROTO (bad base64 or protobuf) or -ENOSPC. */
int grpc_details_bin_decode(const char *b64, size_t len, uint8_t *scratch, size_t scratch_cap,
			    struct grpc_details *d);

/* ---- base64 (standard alphabet) ---------------------------------------- */
/* Encode without padding. Returns length or -ENOSPC (needs 4*ceil(len/3)). */
ssize_t grpc_b64_encode(char *out, size_t cap, const uint8_t *in, size_t len);
/* Decode padded or unpadded input. Returns length or -EPROTO / -ENOSPC. */
ssize_t grpc_b64_decode(uint8_t *out, size_t cap, const char *in, size_t len);

#endif
