/* otlp/json_util.h: private helpers shared by json_in.c and json_out.c
 * (not part of the public API): hex decoding and base64, the
 * proto-name <-> lowerCamelCase mapping and the OTLP id-field rule. */
#ifndef SLUICE_OTLP_JSON_UTIL_H
#define SLUICE_OTLP_JSON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/json.h"

/* 1 if key equals the proto field name or its lowerCamelCase form. */
int otlp_json_name_matches(const char *proto_name, const char *key);
/* Writes the lowerCamelCase form of a proto name (NUL-terminated, cut to n). */
void otlp_json_camel(const char *proto_name, char *out, size_t n);

/* 1 if field `name` of message `full_name` is an OTLP id (hex in JSON). */
int otlp_json_is_id_field(const char *msg_full_name, const char *field_name);

/* Hex: decodes 2*n digits into out[n]; -EINVAL on a bad digit. */
int otlp_json_hex_decode(const char *s, size_t slen, uint8_t *out);

/* Base64 (standard alphabet; padding optional on input, URL-safe accepted).
 * decode returns the byte count or -EINVAL; out needs slen*3/4+3 bytes. */
long otlp_json_b64_decode(const char *s, size_t slen, uint8_t *out);
int otlp_json_b64_put(struct otlp_json_buf *b, const uint8_t *p, size_t n);

#endif
