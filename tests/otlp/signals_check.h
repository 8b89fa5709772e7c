/* tests/otlp/signals_check.h: our logs and metrics readers held against
 * protobuf-c's decode of the same bytes (the tests and fuzz targets share
 * it). sc_compare_request() walks the request with otlp_wire_each_log_record
 * / otlp_wire_each_metric / otlp_wire_each_data_point and compares every
 * field with the unpacked message m (an Export{Logs,Metrics}ServiceRequest);
 * NULL if all agree, else a static description of the first difference.
 * sc_count() is what the validator must count in m. */
#ifndef SLUICE_TESTS_OTLP_SIGNALS_CHECK_H
#define SLUICE_TESTS_OTLP_SIGNALS_CHECK_H

#include <protobuf-c/protobuf-c.h>

#include "otlp/wire.h"

const char *sc_compare_request(int signal, struct otlp_bytes req, const ProtobufCMessage *m);
void sc_count(int signal, const ProtobufCMessage *m, struct otlp_wire_counts *c);

#endif
