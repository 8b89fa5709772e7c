/* tests/agg/promfix.h: a fixed Prometheus store for the exposition tests:
 * the span-metrics flush of known spans, fed to prom_store. */
#ifndef SLUICE_TESTS_AGG_PROMFIX_H
#define SLUICE_TESTS_AGG_PROMFIX_H

#include "agg/prom.h"
#include "agg/spanmetrics.h"

/* Two spans (1 ms, 3 ms) of checkout/GET /pay, bounds 2, 4, 10 in `unit`
 * (delta: flushed twice, 1 span each time) into a new store. */
struct prom_store *promfix_store(enum agg_unit unit, bool delta, const struct prom_config *c);

#endif
