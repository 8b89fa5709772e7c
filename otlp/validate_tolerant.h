/* otlp/validate_tolerant.h: private to otlp/: the validator without the
 * UTF-8 rule, for readers that cope with bad text themselves (the JSON
 * printer writes U+FFFD for an invalid byte, so a debug or file exporter
 * still shows a record that predates the rule). Everything else as
 * otlp_wire_validate_*: signal is enum otlp_signal's value, bare_resource
 * 1 for one ResourceSpans/Logs/Metrics, 0 for a whole request. */
#ifndef SLUICE_OTLP_VALIDATE_TOLERANT_H
#define SLUICE_OTLP_VALIDATE_TOLERANT_H

#include "otlp/wire.h"

int otlp_validate_tolerant(int signal, int bare_resource, const void *buf, size_t len,
			   struct otlp_wire_counts *c, struct otlp_wire_diag *d);

#endif
