/* exporter/window_cap.h: how many batches the delivery window of an OUT
 * ring holds, computed from the config the same way by the export stage
 * (its window, exporter/window.h) and by whoever creates the segment (the
 * done marks, shm/donemark.h, get as many slots, so a mark is never
 * overwritten while its batch is still in the window).
 *
 * A held batch pins the window's tail while the batches behind it are
 * sent, so the window spans the ring: one entry a KiB of ring, at most
 * WINDOW_CAP_MAX, at least the largest sending_queue.queue_size of the
 * pipeline's OTLP exporters (and 64); a power of two. */
#ifndef SLUICE_EXPORTER_WINDOW_CAP_H
#define SLUICE_EXPORTER_WINDOW_CAP_H

#include <stdint.h>

#include "config/config.h"
#include "config/exporter.h"

#define WINDOW_CAP_MAX 65536u /* from the ring's size (72 bytes an entry) */
#define WINDOW_CAP_FLOOR 64u

/* want: batches asked for (0 = only the ring's share). */
static inline uint32_t window_cap_for(uint64_t ring_capacity, uint32_t want)
{
	uint64_t span = ring_capacity >> 10, cap = want;
	if (cap < span)
		cap = span < WINDOW_CAP_MAX ? span : WINDOW_CAP_MAX;
	uint32_t c = 2;
	while (c < cap && c < (1u << 30))
		c <<= 1;
	return c;
}

/* What a pipeline asks for: its OTLP exporters' queue_size, at least 64. */
static inline uint32_t window_want(const struct sluice_pipeline *pl)
{
	uint32_t want = WINDOW_CAP_FLOOR;
	for (size_t i = 0; i < pl->n_exporters; i++) {
		const struct sluice_exporter *e = pl->exporters[i];
		if ((e->type == SLUICE_EXP_OTLPHTTP || e->type == SLUICE_EXP_OTLP) &&
		    e->otlp.sending_queue.queue_size > want)
			want = e->otlp.sending_queue.queue_size;
	}
	return want;
}

#endif
