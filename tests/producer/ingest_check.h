/* tests/producer/ingest_check.h: the interop test consumer. Drains ring 0,
 * decodes every record with protobuf-c (bare ResourceSpans) and compares
 * every span field by field with the JSON file the Node client wrote
 * (tests/node/ingest_interop.js: what it gave the SDK exporter).
 */
#ifndef SLUICE_TESTS_INGEST_CHECK_H
#define SLUICE_TESTS_INGEST_CHECK_H

#include <stddef.h>

#include "shm/ring.h"

/* Returns the number of spans matched (every expected span exactly once,
 * nothing else), or -1 with the first difference described in why. */
long ic_check_ring(struct ring *ring, const char *expected_path, char *why, size_t whylen);

#endif
