/* rt/clock.h: the one clock helper every sluice folder uses.
 *
 *   rt_mono_ns()   CLOCK_MONOTONIC ns: intervals, deadlines, timers
 *   rt_real_ns()   CLOCK_REALTIME ns: timestamps other processes and backends read
 *   rt_coarse_ns() CLOCK_MONOTONIC_COARSE ns: cheap periodic checks
 *   rt_ms_ceil()   ns -> ms rounded up, saturated at UINT32_MAX (timer arguments)
 *
 * Header-only with no dependencies but libc, so the lowest folders (shm/,
 * net/, which rt/ itself builds on) use it too without linking rt/ or
 * making a cycle: it is the one place a clock is read into a number. The
 * clocks are read through the vDSO (no syscall).
 */
#ifndef SLUICE_RT_CLOCK_H
#define SLUICE_RT_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t rt_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rt_mono_ns(void)
{
	return rt_clock_ns(CLOCK_MONOTONIC);
}
static inline uint64_t rt_real_ns(void)
{
	return rt_clock_ns(CLOCK_REALTIME);
}
/* CLOCK_MONOTONIC_COARSE ns (tick resolution, cheaper still): periodic checks
 * that need no precision. */
static inline uint64_t rt_coarse_ns(void)
{
	return rt_clock_ns(CLOCK_MONOTONIC_COARSE);
}

/* Milliseconds for a timer: rounded up (a 1 ns timeout still waits), and
 * saturated rather than wrapped. */
static inline uint32_t rt_ms_ceil(uint64_t ns)
{
	uint64_t ms = ns / 1000000ull + (ns % 1000000ull != 0);

	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

#endif
