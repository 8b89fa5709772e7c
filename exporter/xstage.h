/* exporter/xstage.h: the export stage's parts, built from cfg->plan: one
 * delivery engine (exporter/deliver.h) per OUT ring, each with one
 * transport per exporter of its pipeline (an exporter in several pipelines
 * has one per pipeline; exporter/xbuild.h), one prometheus store and
 * listener per prometheus exporter id however many pipelines feed it, and
 * a watch on every OUT ring's data eventfd. export_main.c runs it on its
 * loop:
 *
 *   xstage_open()     build everything; 0 or -errno (logged; -EINVAL for a
 *                     config the stage cannot serve: exit 2)
 *   xstage_pump()     read, dispatch, commit on every engine; batches read
 *                     or -errno for a damaged ring (exit 1)
 *   xstage_drained()  every engine's ring empty and its batches finished
 *   xstage_close()    engines, transports, stores (before net_loop_free)
 *   xstage_free()     what the loop's conns could still reach (after it)
 *
 * Segment: ring i of the segment is ring i of the plan, component-stats
 * slot i is cfg->plan->stats[i] (an exporter counts into
 * plan->pipelines[p].exporter_stats[k] when the segment has that slot).
 */
#ifndef SLUICE_EXPORTER_XSTAGE_H
#define SLUICE_EXPORTER_XSTAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "exporter/deliver.h"
#include "exporter/promx.h"
#include "exporter/xbuild.h"
#include "net/loop.h"
#include "shm/segment.h"

struct xengine {
	struct xstage *s;
	int ring_index; /* in the plan and the segment */
	struct ring ring;
	struct deliver d;
	bool live;	     /* deliver_init succeeded */
	struct net_watch *w; /* the ring's data eventfd, or NULL */
};

struct xprom {
	const struct sluice_exporter *e;
	struct promx *p;
};

struct xfile {
	const struct sluice_exporter *e;
	void *t; /* the first transport made for it */
};

struct xstage {
	const struct sluice_config *cfg;
	struct segment *seg;
	struct stage_stats *st;
	struct net_loop *loop;
	struct deliver_set set;
	struct xengine *eng; /* [neng]: one per OUT ring, in plan order */
	unsigned neng;
	struct xprom prom[16];
	unsigned nprom;
	struct xfile files[64];
	unsigned nfiles;
	struct xtls_watch **watch; /* [nwatch] */
	unsigned nwatch;
	char qdir[4096];	       /* <state>/<instance>/quarantine */
	int fatal;		       /* a pump failed: the loop was stopped with this */
	void (*after_pump)(void *arg); /* called after every pump (drain checks) */
	void *arg;
};

int xstage_open(struct xstage *s, const struct sluice_config *cfg, struct segment *seg,
		struct stage_stats *st, struct net_loop *loop);
int xstage_pump(struct xstage *s);
bool xstage_drained(const struct xstage *s);
/* Batches read and not yet finished, over every engine. */
uint32_t xstage_unfinished(const struct xstage *s);
/* The port prometheus exporter `id` listens on (0 if none). */
uint16_t xstage_prom_port(const struct xstage *s, const char *id);
void xstage_close(struct xstage *s);
void xstage_free(struct xstage *s);

#endif
