/* tests/stages/test_process_seg.h: helpers for the process stage's tests:
 * a config from YAML, a segment laid out from its plan the way the
 * supervisor lays it out (rings, component slots, span-metrics regions,
 * eventfds), records in and out of rings, and the executor on a thread. */
#ifndef SLUICE_TESTS_STAGES_TEST_PROCESS_SEG_H
#define SLUICE_TESTS_STAGES_TEST_PROCESS_SEG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "config/plan.h"
#include "shm/segment.h"
#include "stages/process.h"

/* Loads YAML (printf format); aborts the test with the config error. */
struct sluice_config *tps_load(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Creates /sluice.<inst> for cfg's plan with IN rings of cap_in bytes and
 * MID/OUT rings of cap_mid (0: the plan's), its component slots and
 * span-metrics regions, and eventfds (also put in SLUICE_WAKE_FDS for
 * stage binaries). Aborts the test on failure. */
void tps_segment(struct segment *seg, const char *inst, const struct sluice_config *cfg, uint64_t cap_in,
		 uint64_t cap_mid);
void tps_segment_drop(struct segment *seg, const char *inst);

/* Publishes one record (bare resource of `signal`, 0: traces) into r,
 * waiting (bounded: 20 s) for room; returns its seq (0: no room). */
uint64_t tps_put(struct ring *r, const uint8_t *p, size_t len, uint32_t items, uint16_t signal);

/* The component slot of plan stat i's counter c. */
uint64_t tps_comp(struct segment *seg, int stat, unsigned c);

/* The executor of cfg on a thread, until tps_stop (which drains first). */
struct tps_runner {
	pthread_t t;
	struct process *p;
	struct rt_stop stop;
	struct stage_stats st;
	int rc;
};
void tps_start(struct tps_runner *r, const struct sluice_config *cfg, struct segment *seg,
	       const struct route_access *acc);
int tps_stop(struct tps_runner *r);

/* The next record of ring r (consumer), waiting up to 20 s; NULL if none
 * came. Commit with ring_commit(r, ring_cursor(r)) as usual. */
const struct record *tps_next(struct ring *r);

uint64_t tps_now_ns(void);

#endif
