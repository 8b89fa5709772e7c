/* tools/sluice/sup_seg.c: which segment the supervisor runs on.
 *
 * At start, what a previous run left decides (sup_seg_open):
 *   none                      create one from the plan
 *   being created (-EAGAIN)   its creator died mid-format: remove, create
 *   damaged (-EBADMSG, -EPROTO, -ENOTRECOVERABLE)
 *                             log which ring and what, set it aside
 *                             (segment_set_aside: kept for inspection, path
 *                             logged) and create a fresh one
 *   another plan's rings, records waiting
 *                             refuse, naming both ring lists and how to drain
 *                             or set the records aside
 *   another plan's rings, empty (and no span-metrics state)
 *                             remove, create
 *   this plan's rings, other component slots or regions (a processor or
 *   exporter added, a connector's settings changed)
 *                             migrate: a new segment with the plan's layout,
 *                             the rings, stage blocks, matching slots,
 *                             span-metrics regions and done marks copied over; the old one is renamed
 *                             <name>.migrating first and removed last, so a
 *                             crash in between loses nothing (the next start
 *                             puts it back)
 *   this plan's segment       resume it (or, when every ring is empty and
 *                             it holds no span-metrics state, start afresh)
 * While running, sup_seg_damaged (segment_check) tells the supervisor to
 * set the segment aside and start on a fresh one the same way. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/log.h"
#include "config/plan.h"
#include "tools/sluice/sup_priv.h"

static uint64_t sup_seg_used(struct segment *seg)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < segment_nrings(seg); i++) {
		struct ring r;
		if (segment_ring(seg, i, &r) == 0)
			total += ring_used(&r);
	}
	return total;
}

static void sup_seg_size_text(uint64_t b, char *buf, size_t size)
{
	if (b >= (1u << 20))
		snprintf(buf, size, "%.1f MiB", (double)b / (1 << 20));
	else if (b >= 1024)
		snprintf(buf, size, "%.1f KiB", (double)b / 1024);
	else
		snprintf(buf, size, "%" PRIu64 " B", b);
}

/* "in:traces (1.2 MiB waiting), mid:traces, out:traces" */
static void sup_seg_ring_list(struct segment *seg, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < segment_nrings(seg) && n < size; i++) {
		struct ring r;
		char used[48] = "";
		if (segment_ring(seg, i, &r) == 0 && ring_used(&r) > 0) {
			char t[24];
			sup_seg_size_text(ring_used(&r), t, sizeof(t));
			snprintf(used, sizeof(used), " (%s waiting)", t);
		}
		n += (size_t)snprintf(buf + n, size - n, "%s%s%s", i ? ", " : "", segment_ring_name(seg, i),
				      used);
	}
}

static void sup_seg_plan_list(const struct sluice_plan *p, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < p->n_rings && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", p->rings[i].name);
}

static bool sup_seg_has_spanmetrics(struct segment *seg)
{
	for (uint32_t i = 0; i < segment_naux(seg); i++)
		if (strncmp(seg->hdr->aux[i].name, "spanmetrics:", 12) == 0)
			return true;
	return false;
}

int sup_seg_create(struct sup *s)
{
	int err = segment_create(&s->seg, s->cfg->instance, &s->layout.p);

	if (err < 0) {
		log_msg(LOG_ERROR, "cannot create segment /sluice.%s: %s", s->cfg->instance,
			segment_errmsg(&s->seg)[0] ? segment_errmsg(&s->seg) : strerror(-err));
		return err;
	}
	if ((err = sup_layout_format(&s->seg, &s->layout, s->cfg)) < 0) {
		log_msg(LOG_ERROR,
			"segment /sluice.%s: cannot lay out the histogram and supervisor "
			"regions",
			s->cfg->instance);
		return err;
	}
	return 0;
}

int sup_seg_set_aside(struct sup *s, const char *why)
{
	char aside[256];
	int err = segment_set_aside(s->cfg->instance, why, aside, sizeof(aside));

	if (err < 0) {
		log_msg(LOG_ERROR, "cannot set the damaged segment /sluice.%s aside: %s", s->cfg->instance,
			strerror(-err));
		return err;
	}
	log_msg(LOG_ERROR,
		"the damaged segment is kept for inspection as %s (the reason is in %s.why); "
		"starting on a fresh segment: the records it held are not delivered",
		aside, aside);
	return 0;
}

static void sup_seg_migrating_path(struct sup *s, char *buf, size_t size, bool migrating)
{
	snprintf(buf, size, "%s/sluice.%s%s", SEG_SHM_DIR, s->cfg->instance, migrating ? ".migrating" : "");
}

/* A migration a crash interrupted: the old segment is the truth. */
static void sup_seg_finish_old_migration(struct sup *s)
{
	char from[256], to[256];
	struct stat st;

	sup_seg_migrating_path(s, from, sizeof(from), true);
	if (stat(from, &st) != 0)
		return;
	sup_seg_migrating_path(s, to, sizeof(to), false);
	segment_unlink(s->cfg->instance); /* a half-made new one, if any */
	if (rename(from, to) == 0)
		log_msg(LOG_WARN, "a migration to a new segment layout was interrupted; back to %s", to);
}

static void sup_seg_copy_components(struct segment *to, struct segment *from)
{
	for (uint32_t i = 0; i < segment_ncomponents(to); i++) {
		struct seg_component *k = segment_component(to, i);
		struct segment_component_params want = { k->kind, k->signal,	    k->pipeline,
							 k->name, k->pipeline_name, k->transport };
		for (uint32_t j = 0; j < segment_ncomponents(from); j++) {
			struct seg_component *o = segment_component(from, j);
			if (!sup_component_same(o, &want))
				continue;
			for (unsigned c = 0; c < SEG_COMPONENT_COUNTERS; c++)
				seg_component_set(k, c, seg_component_get(o, c));
			break;
		}
	}
}

/* Same rings (same fingerprint), another layout around them. */
static int sup_seg_migrate(struct sup *s, struct segment *old)
{
	char from[256], to[256];
	int err;

	sup_seg_migrating_path(s, to, sizeof(to), true);
	sup_seg_migrating_path(s, from, sizeof(from), false);
	if (rename(from, to) != 0) {
		log_msg(LOG_ERROR, "cannot rename %s to %s: %s", from, to, strerror(errno));
		return -errno;
	}
	if ((err = sup_seg_create(s)) < 0)
		return err;
	for (uint32_t i = 0; i < segment_nrings(old); i++) {
		struct seg_ring_desc *d = &old->rings[i], *n = &s->seg.rings[i];
		if (d->capacity != n->capacity)
			return -EINVAL; /* the fingerprint covers capacity: cannot happen */
		memcpy(s->seg.base + n->off, old->base + d->off, RING_CTRL_SIZE + d->capacity);
		struct ring_ctrl *c = (struct ring_ctrl *)(s->seg.base + n->off);
		atomic_store(&c->cons_wait, 0); /* nobody sleeps on the new one */
		atomic_store(&c->prod_wait, 0);
	}
	memcpy(s->seg.base + SEG_STATS_OFF, old->base + SEG_STATS_OFF, STAGE_COUNT * STATS_BLOCK_SIZE);
	sup_seg_copy_components(&s->seg, old);
	for (uint32_t i = 0; i < s->layout.n_spanmetrics; i++) {
		uint64_t nsize = 0, osize = 0;
		void *dst = segment_aux(&s->seg, s->layout.p.aux[i].name, &nsize);
		void *src = segment_aux(old, s->layout.p.aux[i].name, &osize);
		if (dst && src && nsize == osize)
			memcpy(dst, src, nsize);
		else if (src)
			log_msg(LOG_WARN,
				"%s: its settings changed the size of its state; its series "
				"start again from zero",
				s->layout.p.aux[i].name);
	}
	/* which batches each exporter finished: an entry the new layout has
	 * too (same ring, exporter and size) keeps its marks; the others start
	 * empty (those batches are sent again) */
	uint64_t dsize = 0, ssize = 0;
	void *dmem = segment_aux(&s->seg, DONEMARK_REGION_NAME, &dsize);
	void *smem = segment_aux(old, DONEMARK_REGION_NAME, &ssize);
	if (dmem && smem)
		donemark_region_copy(dmem, dsize, smem, ssize);
	unlink(to);
	log_msg(LOG_INFO, "the config changed the components around the same rings: moved the "
			  "segment's records, counters, done marks and span-metrics state to a new layout");
	return 0;
}

static int sup_seg_refuse(struct sup *s, struct segment *old, uint64_t used)
{
	char have[2048], want[2048], amount[32];

	sup_seg_ring_list(old, have, sizeof(have));
	sup_seg_plan_list(s->cfg->plan, want, sizeof(want));
	sup_seg_size_text(used, amount, sizeof(amount));
	log_msg(LOG_ERROR,
		"segment /sluice.%s holds %s of accepted records for other pipelines than "
		"this config's, so this config cannot resume them",
		s->cfg->instance, amount);
	log_msg(LOG_ERROR, "  the segment's rings: %s", have);
	log_msg(LOG_ERROR, "  this config's rings: %s", want);
	log_msg(LOG_ERROR,
		"to deliver them, run the config that wrote them until its rings drain "
		"(`sluice run -c OLD.yaml`, then `sluice stop` drains every ring), then start this one; "
		"or set them aside undelivered (mv %s/sluice.%s %s/sluice.%s.aside) and start on a "
		"fresh segment",
		SEG_SHM_DIR, s->cfg->instance, SEG_SHM_DIR, s->cfg->instance);
	return -ESTALE;
}

/* 1: keep using *old as it is; 0: the caller made s->seg; <0: stop. */
static int sup_seg_reuse(struct sup *s, struct segment *old)
{
	uint64_t used = sup_seg_used(old);
	bool state = sup_seg_has_spanmetrics(old);

	if (segment_topology(old) != s->cfg->plan->fingerprint) {
		if (used > 0)
			return sup_seg_refuse(s, old, used);
		log_msg(LOG_INFO,
			"segment /sluice.%s was made for other pipelines and its rings are "
			"empty: starting on a new one",
			s->cfg->instance);
		segment_unlink(s->cfg->instance);
		return sup_seg_create(s);
	}
	if (!sup_layout_matches(old, &s->layout)) {
		if (used == 0 && !state) {
			segment_unlink(s->cfg->instance);
			return sup_seg_create(s);
		}
		return sup_seg_migrate(s, old);
	}
	if (used == 0 && !state) {
		segment_unlink(s->cfg->instance);
		return sup_seg_create(s);
	}
	log_msg(LOG_INFO, "resuming segment /sluice.%s: %" PRIu64 " bytes still in the rings%s",
		s->cfg->instance, used, state ? ", span-metrics state kept" : "");
	return 1;
}

int sup_seg_open(struct sup *s)
{
	struct segment old;
	char why[300];
	int err;

	sup_seg_finish_old_migration(s);
	err = segment_attach(&old, s->cfg->instance);
	if (err == -ENOENT)
		return sup_seg_create(s);
	if (err == -EAGAIN) {
		segment_unlink(s->cfg->instance); /* its creator died while formatting it */
		return sup_seg_create(s);
	}
	if (err == -EPROTO || err == -EBADMSG || err == -ENOTRECOVERABLE) {
		snprintf(why, sizeof(why), "%s", segment_errmsg(&old));
		log_msg(LOG_ERROR, "segment /sluice.%s cannot be resumed: %s", s->cfg->instance, why);
		if ((err = sup_seg_set_aside(s, why)) < 0)
			return err;
		return sup_seg_create(s);
	}
	if (err < 0) {
		log_msg(LOG_ERROR, "cannot attach /sluice.%s: %s", s->cfg->instance,
			segment_errmsg(&old)[0] ? segment_errmsg(&old) : strerror(-err));
		return err;
	}
	err = sup_seg_reuse(s, &old);
	if (err == 1) {
		s->seg = old;
		s->resumed = true;
		return 0;
	}
	segment_detach(&old);
	return err;
}

int sup_seg_damaged(struct sup *s, char *why, size_t size)
{
	uint32_t bad = 0;
	int err = segment_check(&s->seg, &bad);

	if (err == 0)
		return 0;
	snprintf(why, size, "%s", segment_errmsg(&s->seg));
	return err;
}
