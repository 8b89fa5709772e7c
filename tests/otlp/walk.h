/* tests/otlp/walk.h: compare what the wire reader sees with protobuf-c's
 * full decode of the same bytes, field by field. Returns NULL when equal,
 * else a static description of the first difference. */
#ifndef SLUICE_TESTS_OTLP_WALK_H
#define SLUICE_TESTS_OTLP_WALK_H

#include "gen.h"
#include "otlp/wire.h"

const char *walk_compare_request(struct otlp_bytes req, const GenReq *m);
const char *walk_compare_rs(struct otlp_bytes rs, const GenRS *m);
/* Walks everything the reader can decode (all decoders, all levels);
 * returns 0 or the first negative errno. For fuzzing and mutations. */
int walk_all(struct otlp_bytes req);
/* 1 if any span or link in m has an id of a length other than 0/16/8. */
int walk_has_bad_id(const GenReq *m);

#endif
