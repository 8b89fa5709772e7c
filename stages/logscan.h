/* logscan.h: one pass over a LogRecord for the log chain: the record
 * decoded (otlp_wire_log_record's result but pos[], not filled) and its
 * attributes handed to the edit overlay (spanctx_item_attr) on the way,
 * so the record is read once rather than once to decode it and again to
 * find its attributes.
 *
 * It takes the layout SDKs write: one-byte tags of LogRecord's fields,
 * one- or two-byte lengths, ids of the right length. Anything else (an
 * unknown field, a long length, a wrong wire type, a record that does not
 * frame) is left to the general decoder, which also says what is wrong.
 *
 *   spanctx_item_begin(ctx, raw, OTLP_F_LOG_ATTRIBUTES, e);
 *   rc = logscan_record(raw, &lr, ctx);   0: decoded, attributes indexed
 *                                         1: use otlp_wire_log_record
 */
#ifndef SLUICE_STAGES_LOGSCAN_H
#define SLUICE_STAGES_LOGSCAN_H

#include "otlp/wire_logs.h"
#include "stages/spanctx.h"

int logscan_record(struct otlp_bytes raw, struct otlp_log_record *lr, struct spanctx *c);

#endif
