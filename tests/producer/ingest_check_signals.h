/* tests/producer/ingest_check_signals.h: the logs and metrics interop
 * consumer. Drains a ring, decodes every record with protobuf-c (a bare
 * ResourceLogs / ResourceMetrics), renders each log record or metric data
 * point with its scope and resource as one canonical line (the form
 * tests/node/ingest_interop_signals.js writes for what it gave its
 * exporter: every field; doubles as IEEE-754 bits) and compares the two
 * sets exactly: every item sent arrived once, nothing else did.
 */
#ifndef SLUICE_TESTS_INGEST_CHECK_SIGNALS_H
#define SLUICE_TESTS_INGEST_CHECK_SIGNALS_H

#include <stddef.h>

#include "otlp/signal.h"
#include "shm/ring.h"

/* Returns the number of items matched (all of them), or -1 with the first
 * difference described in why (both lines, and where they part). */
long ics_check_ring(struct ring *ring, enum otlp_signal sig, const char *expected_path, char *why,
		    size_t whylen);

#endif
