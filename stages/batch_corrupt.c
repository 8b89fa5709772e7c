/* batch_corrupt.c: a corrupt MID record is stepped over, its bytes kept in
 * the quarantine, one log line said, and the pipeline goes on. */
#include "stages/batch_lane.h"

#include <errno.h>
#include <string.h>

#include "config/log.h"
#include "shm/quarantine.h"

/* Writes the skipped bytes (still in the ring: nothing is committed past
 * them yet) to the quarantine; the stored byte count or -errno. */
static int64_t lane_quarantine(struct batch_state *s, struct batch_lane *l, const struct ring_skip *k)
{
	struct batch_ctx *c = s->c;
	if (!c->quarantine_dir)
		return -ENOENT;
	struct quarantine_entry e = { .ring = l->p->in_name,
				      .offset = k->from,
				      .seq_before = k->seq_before,
				      .seq_after = k->seq_after };
	int rc = ring_skipped_bytes(l->p->in, k, e.part, e.len);
	if (rc < 0)
		return rc;
	if (c->make_dir) {
		char why[256];
		if ((rc = c->make_dir(c->quarantine_dir, why, sizeof why)) < 0) {
			if (!l->warned_quarantine)
				log_msg(LOG_ERROR, "quarantine directory %s: %s", c->quarantine_dir, why);
			return rc;
		}
	}
	return quarantine_write(c->quarantine_dir, c->quarantine_max, &e);
}

int lane_corrupt(struct batch_state *s, struct batch_lane *l)
{
	struct ring *in = l->p->in;
	struct ring_skip k;
	int rc = ring_skip_corrupt(in, &k);
	if (rc == -EINVAL) { /* intact by the full check (or at head): read it with that */
		if (l->verify_to <= ring_cursor(in))
			l->verify_to = ring_cursor(in) + 1;
		return 0;
	}
	if (rc < 0)
		return rc;
	int64_t q = lane_quarantine(s, l, &k);
	uint64_t len = k.to - k.from;
	if (q >= 0)
		log_msg(LOG_ERROR,
			"pipeline %s: ring %s: %llu corrupt bytes at offset %llu "
			"(after seq %llu, before seq %llu; ~%llu records) stepped over; %lld of "
			"them kept in %s",
			l->p->name, l->p->in_name, (unsigned long long)len, (unsigned long long)k.from,
			(unsigned long long)k.seq_before, (unsigned long long)k.seq_after,
			(unsigned long long)k.records, (long long)q, s->c->quarantine_dir);
	else
		log_msg(LOG_ERROR,
			"pipeline %s: ring %s: %llu corrupt bytes at offset %llu "
			"(after seq %llu, before seq %llu; ~%llu records) stepped over, NOT kept "
			"(quarantine: %s)",
			l->p->name, l->p->in_name, (unsigned long long)len, (unsigned long long)k.from,
			(unsigned long long)k.seq_before, (unsigned long long)k.seq_after,
			(unsigned long long)k.records, strerror((int)-q));
	if (q < 0)
		l->warned_quarantine = true;
	/* the bytes go with the batch's commit, or now when there is none */
	lane_progress(s, 1);
	if (l->b.count) {
		l->end_pos = ring_cursor(in);
		return 0;
	}
	return ring_commit(in, ring_cursor(in));
}
