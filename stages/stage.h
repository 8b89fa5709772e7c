/* stage.h: what sluice-process and sluice-batch share at start and stop.
 *
 *   struct stage s;
 *   int rc = stage_open(&s, argc, argv, STAGE_PROCESS);
 *   if (rc) return rc;                   exit code: 2 usage/config, 1 runtime
 *   ... work with s.cfg, s.seg, s.st ...
 *   return stage_close(&s, 0);
 *
 * stage_open: `[-c FILE]` (no -c = built-in defaults), loads the config,
 * attaches /sluice.<instance> (waits up to 5 s for a segment still being
 * formatted), takes eventfds from SLUICE_WAKE_FDS, marks the stats block
 * RUNNING. Every failure is logged as one line before returning.
 */
#ifndef SLUICE_STAGES_STAGE_H
#define SLUICE_STAGES_STAGE_H

#include <stdint.h>

#include "config/config.h"
#include "shm/segment.h"
#include "shm/stats.h"

struct stage {
	struct sluice_config *cfg;
	struct segment seg;
	struct stage_stats *st;
	int attached;
};

int stage_open(struct stage *s, int argc, char **argv, enum stage_index idx);
/* Call fn on SIGTERM and SIGINT, without SA_RESTART, so a ring wait
 * returns -EINTR and the stage can drain. Install it before stage_open. */
void stage_catch_stop(void (*fn)(int));
/* Marks the block STOPPED (code 0) or FAILED, detaches, frees the config;
 * returns code. */
int stage_close(struct stage *s, int code);

uint64_t stage_mono_ns(void);
uint64_t stage_real_ns(void);

#endif
