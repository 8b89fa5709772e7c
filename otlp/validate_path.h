/* otlp/validate_path.h: private to otlp/validate.c: the OTLP/JSON path of
 * the field at byte `offset` of a message of type `top` (base[0..len)),
 * e.g. "resourceSpans[0].scopeSpans[1].spans[3].name", into out[0..n)
 * (NUL-terminated; "" when the offset is in the top message itself; ends in
 * "..." when cut). Only for offsets the validator reported. */
#ifndef SLUICE_OTLP_VALIDATE_PATH_H
#define SLUICE_OTLP_VALIDATE_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/validate_schema.h"

void otlp_vschema_path(const uint8_t *base, size_t len, enum vmsg top, size_t offset, char *out, size_t n);

#endif
