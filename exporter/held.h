/* exporter/held.h: the delivery engine's end of the line for a batch
 * refused for good: its dead letter, and holding it when that cannot be
 * written (the policy is described in exporter/deliver.h). Internal to
 * exporter/deliver.c; no other caller.
 *
 *   held_init(x)       at deliver_add
 *   held_refused(a)    write a's dead letter, or hold the batch; a's slot
 *                      is free afterwards either way (except when there is
 *                      no memory to hold it: then a waits in its slot)
 *   held_fill(x, a)    put a held batch that is due for a re-send into the
 *                      free attempt a; false when none is
 *   held_on_ack(x, a)  the backend acknowledged a: re-sends may be due
 *   held_free(x)       at deliver_free
 *   held_gauge(d)      the STAT_EXPORT_DEGRADED value
 */
#ifndef SLUICE_EXPORTER_HELD_H
#define SLUICE_EXPORTER_HELD_H

#include "exporter/deliver_int.h"

void held_init(struct dexp *x);
void held_refused(struct attempt *a);
bool held_fill(struct dexp *x, struct attempt *a);
void held_on_ack(struct dexp *x, const struct attempt *a);
void held_free(struct dexp *x);
uint64_t held_gauge(const struct deliver *d);

#endif
