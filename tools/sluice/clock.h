/* tools/sluice/clock.h: the two clocks the supervisor reads. */
#ifndef SLUICE_TOOLS_CLOCK_H
#define SLUICE_TOOLS_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns_of(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static inline uint64_t clock_mono_ns(void) { return clock_ns_of(CLOCK_MONOTONIC); }
static inline uint64_t clock_real_ns(void) { return clock_ns_of(CLOCK_REALTIME); }

#endif
