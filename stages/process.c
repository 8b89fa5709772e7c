/* stages/process.c: the process stage's loop over its IN rings
 * (stages/process.h): serve each IN ring in turn, flush the span-metrics
 * connectors when due, step over corrupt records, sleep when nothing moves.
 * What one input does is in pexec.c; the graph is built in pgraph.c. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "otlp/wire_metrics.h"
#include "shm/quarantine.h"
#include "stages/process_priv.h"
#include "rt/dirs.h"

#define PX_BATCH 64			  /* records of one IN ring before the next ring's turn */
#define PX_LOG_NS (1000ull * 1000 * 1000) /* data warnings: at most one a second */
#define PX_NOFD_WAIT_NS (1000ull * 1000)  /* a ring without eventfd: look again this soon */

void px_count(struct process *p, enum stat_counter c, uint64_t n)
{
	if (p->o.st && n)
		stats_add(p->o.st, c, n);
}

bool px_log_ok(struct process *p)
{
	uint64_t now = rt_mono_ns();

	if (now < p->log_next_ns)
		return false;
	p->log_next_ns = now + PX_LOG_NS;
	return true;
}

static void alive(struct process *p, uint64_t now)
{
	if (now < p->next_alive_ns)
		return;
	p->next_alive_ns = now + PROCESS_ALIVE_NS;
	if (p->o.rt)
		rt_alive(p->o.rt);
	else if (p->o.st) {
		stats_heartbeat(p->o.st);
		stats_alive(p->o.st, now);
	}
}

static void progress(struct process *p, uint64_t n)
{
	if (p->o.rt)
		rt_progress(p->o.rt, n);
	else if (p->o.st)
		stats_progress(p->o.st, n, rt_mono_ns());
}

/* Is there room for len bytes in MID ring `ring` now? Arms its space
 * eventfd when not (the caller may poll it). */
static bool space_ok(struct process *p, uint32_t ring, uint32_t len)
{
	struct ring *r = &p->mid[ring]->r;
	struct record *o;
	int rc = ring_arm_space(r, len);

	if (rc != -ENOTSUP)
		return rc != 0;
	if (ring_try_reserve(r, len, &o) < 0) /* no eventfd: ask the ring itself */
		return false;
	ring_cancel(r);
	return true;
}

/* Room now in any ring w waits for? Then it waits no more. */
static bool wait_over(struct process *p, struct px_wait *w)
{
	for (uint64_t b = w->rings; b; b &= b - 1) {
		uint32_t ring = (uint32_t)__builtin_ctzll(b);
		if (space_ok(p, ring, w->len[ring])) {
			w->rings = 0;
			return true;
		}
	}
	return !w->rings;
}

/* ---- corrupt input ---- */

static int quarantine(struct process *p, struct px_in *in)
{
	const char *name = p->plan->rings[in->ring].name;
	struct quarantine_entry e = { .ring = name };
	struct ring_skip s;
	char why[256] = "";
	int64_t stored = 0;
	int rc;

	if ((rc = ring_skip_corrupt(&in->r, &s)) < 0)
		return rc == -EINVAL ? 0 : rc; /* -EINVAL: intact after all (peek it again) */
	ring_skipped_bytes(&in->r, &s, e.part, e.len);
	e.offset = s.from;
	e.seq_before = s.seq_before;
	e.seq_after = s.seq_after;
	if (!p->qdir_made && (rc = dirs_make(p->qdir, why, sizeof(why))) < 0)
		stored = rc;
	else {
		p->qdir_made = true;
		stored = quarantine_write(p->qdir, PROCESS_QUARANTINE_MAX, &e);
	}
	log_msg(LOG_ERROR,
		"ring %s: corrupt data at offset %llu (%llu bytes, after seq %llu, before seq %llu, "
		"about %llu records): skipped; %s%s%s%s",
		name, (unsigned long long)s.from, (unsigned long long)(s.to - s.from),
		(unsigned long long)s.seq_before, (unsigned long long)s.seq_after,
		(unsigned long long)s.records,
		stored >= 0 ? "bytes kept in " : "the bytes could not be kept: ",
		stored >= 0 ? p->qdir : strerror((int)-stored), why[0] ? ": " : "", why);
	/* the file is synced: the bytes may leave the ring now */
	return ring_commit(&in->r, ring_cursor(&in->r)) < 0 ? -ENOTRECOVERABLE : 1;
}

/* ---- one IN record ---- */

#define PX_CORRUPT 2 /* run_record: the payload failed its check: peek it again, verified */

/* The payload's check is made late (ring_peek_deferred, then
 * px_in_payload_ok): the run has just read every byte, so they are in
 * cache now, where before the run they were in DRAM (another core wrote
 * them with streaming stores): the pass costs the CRC's arithmetic only
 * (docs/design-notes.md "Record checksums"). A copy of the whole payload
 * already computed it; a spanmetrics connector checks it before it counts
 * the first span (pexec.c feed_sm). */

/* 1 done (commit it), 0 waits (leave it), PX_CORRUPT, -errno fatal. */
static int run_record(struct process *p, struct px_in *in, const struct record *rec)
{
	struct px_item it = { .in = (int)in->ring, .conn = -1, .seq = rec->seq, .ingest_ns = rec->ingest_ns };
	int rc;

	if ((rec->flags & RECORD_F_REQUEST) || rec->signal != p->plan->rings[in->ring].signal + 1) {
		p->in_crc_have = false; /* px_item_begin has not run */
		if (!px_in_payload_ok(p, rec))
			return PX_CORRUPT;
		if (px_log_ok(p))
			log_msg(LOG_WARN,
				"ring %s: record seq %llu is not a bare %s resource (signal %u, flags "
				"%#x); its %u items are dropped",
				p->plan->rings[in->ring].name, (unsigned long long)rec->seq,
				config_signal_name(p->plan->rings[in->ring].signal), rec->signal, rec->flags,
				rec->items);
		px_count(p, STAT_SPANS_REFUSED_INVALID, rec->items);
		return 1;
	}
	rc = px_item_begin(p, &it, in->entry);
	if (rc == -EBUSY) {
		in->wait_sm = p->wait_sm;
		return 0;
	}
	if (rc == 0) { /* published everywhere before a restart */
		if (!px_in_payload_ok(p, rec))
			return PX_CORRUPT; /* a damaged seq must not pass for a repeat */
		px_count(p, STAT_DUPLICATES_SKIPPED, rec->items);
		return 1;
	}
	struct px_view v = {
		record_cpayload(rec), rec->len, rec->items, 0, false, (rec->flags & RECORD_F_HEADS_FIRST) != 0
	};
	p->in_rec = rec;
	px_run_part(p, in->entry, &v);
	if (p->in_corrupt || (!p->fatal && !p->in_checked && !px_in_payload_ok(p, rec))) {
		p->fatal = 0; /* the run stopped at the check, nothing failed */
		px_item_abort(p);
		return PX_CORRUPT;
	}
	rc = px_item_end(p, &in->wait);
	if (rc <= 0) {
		if (rc == 0)
			px_count(p, STAT_RING_FULL_WAITS, 1);
		return rc;
	}
	px_count(p, STAT_RECORDS_IN, 1);
	px_count(p, STAT_BYTES_IN, rec->len);
	px_count(p, STAT_SPANS_IN, rec->items);
	px_count(p, STAT_SPANS_DROPPED, p->dropped);
	px_count(p, STAT_SPANS_REFUSED_INVALID, p->refused);
	return 1;
}

/* Up to PX_BATCH records of one IN ring; the first peek may wait
 * timeout_ns. Records done, or -errno. */
static int serve_in(struct process *p, struct px_in *in, int64_t timeout_ns)
{
	int n = 0, rc;

	if (!wait_over(p, &in->wait))
		return 0;
	if (in->wait_sm >= 0) {
		if (smconn_pending(p->sm[in->wait_sm]))
			return 0;
		in->wait_sm = -1;
	}
	while (n < PX_BATCH && !(p->o.max_records && p->done_records >= p->o.max_records)) {
		const struct record *rec;
		uint64_t seq_before = in->r.peek_seq;

		/* the payload is checked in run_record, after the run */
		if (in->verify_next)
			rc = ring_peek(&in->r, &rec, 0);
		else
			rc = ring_peek_deferred(&in->r, &rec, n ? 0 : timeout_ns);
		in->verify_next = false;
		if (rc == -EAGAIN || rc == -ETIMEDOUT || rc == -EINTR) {
			in->empty = true;
			break;
		}
		in->empty = false;
		if (rc == -EBADMSG) {
			if ((rc = quarantine(p, in)) < 0)
				return rc;
			n++; /* moved on: bounds this loop too */
			continue;
		}
		if (rc < 0)
			return rc;
		/* its wait in the ring, counted once it is taken (not again
		 * when a full MID ring makes us read it twice) */
		uint64_t age = in->age ? hist_age_ns(rec->ingest_ns, rt_real_ns()) : 0;
		if ((rc = run_record(p, in, rec)) < 0)
			return rc;
		if (rc == PX_CORRUPT) {
			/* ring_peek finds it again and says where */
			ring_rewind_to(&in->r, ring_committed(&in->r), seq_before);
			in->verify_next = true;
			continue;
		}
		if (rc == 0) {
			ring_rewind(&in->r); /* read it again when the ring has room */
			break;
		}
		if ((rc = ring_commit(&in->r, ring_cursor(&in->r))) < 0)
			return rc;
		hist_observe(in->age, age);
		n++;
		p->done_records++;
	}
	if (n)
		progress(p, (uint64_t)n);
	return n;
}

/* ---- span-metrics flushes ---- */

/* The pending flush of connector k into its pipelines: 1 published
 * everywhere, 0 a MID ring is full, -errno. */
static int run_flush(struct process *p, uint32_t k)
{
	struct smconn *s = p->sm[k];
	uint64_t entry = p->plan->connectors[k].to;
	struct px_item it = { .in = -1, .conn = (int)k, .seq = smconn_pending(s), .ingest_ns = s->flush_ns };
	struct otlp_wire_iter rms;
	struct otlp_bytes req, rm;

	if (px_item_begin(p, &it, entry) == 0)
		return 1;
	req.p = smconn_flush_bytes(s, &req.len);
	otlp_wire_iter_init(&rms, req, 1);
	while (!p->fatal && otlp_wire_iter_next(&rms, &rm) > 0) {
		int64_t items = otlp_wire_count_data_points(rm);
		struct px_view v = { rm.p, rm.len, items > 0 ? (uint64_t)items : 0, 0, false, false };
		px_run_part(p, entry, &v);
	}
	return px_item_end(p, &p->sm_wait[k]);
}

/* Flushes that are due or waiting. Flushes published, or -errno. */
static int sm_tick(struct process *p, uint64_t now)
{
	int done = 0;

	for (uint64_t b = p->sm_mask; b; b &= b - 1) {
		uint32_t k = (uint32_t)__builtin_ctzll(b);
		struct smconn *s = p->sm[k];
		int64_t rc;

		if (!smconn_pending(s)) {
			if (now < s->next_flush_ns)
				continue;
			if ((rc = smconn_flush(s, rt_real_ns())) < 0) {
				log_msg(LOG_ERROR, "connector %s: flush: %s", s->cfg->id, strerror((int)-rc));
				s->next_flush_ns = now + s->interval_ns;
				continue;
			}
		} else if (!wait_over(p, &p->sm_wait[k])) {
			continue;
		}
		if ((rc = run_flush(p, k)) < 0)
			return (int)rc;
		if (rc == 1) {
			if ((rc = smconn_flush_done(s)) < 0)
				return (int)rc;
			done++;
		}
	}
	return done;
}

/* ---- waiting ---- */

static void poll_add(struct pollfd *fds, int *n, int fd)
{
	for (int i = 0; i < *n; i++)
		if (fds[i].fd == fd)
			return;
	fds[*n].fd = fd;
	fds[*n].events = POLLIN;
	fds[*n].revents = 0;
	(*n)++;
}

/* Arms what can wake us; false when something is ready already. */
static bool arm_space(struct process *p, const struct px_wait *w, struct pollfd *fds, int *n, bool *nofd)
{
	for (uint64_t b = w->rings; b; b &= b - 1) {
		uint32_t ring = (uint32_t)__builtin_ctzll(b);
		if (space_ok(p, ring, w->len[ring]))
			return false;
		if (ring_space_fd(&p->mid[ring]->r) < 0)
			*nofd = true;
		else
			poll_add(fds, n, ring_space_fd(&p->mid[ring]->r));
	}
	return true;
}

static void wait_any(struct process *p, uint64_t timeout_ns)
{
	struct pollfd fds[2 * PLAN_MAX_RINGS + 1];
	bool nofd = false;
	int n = 0, rc;

	for (uint32_t i = 0; i < p->n_in; i++) {
		struct px_in *in = &p->in[i];

		if (in->wait.rings) {
			if (!arm_space(p, &in->wait, fds, &n, &nofd))
				return;
		} else if (in->wait_sm < 0) {
			rc = ring_arm_data(&in->r);
			if (rc == 1)
				return;
			if (rc < 0)
				nofd = true;
			else
				poll_add(fds, &n, ring_data_fd(&in->r));
		}
	}
	for (uint64_t b = p->sm_mask; b; b &= b - 1) {
		uint32_t k = (uint32_t)__builtin_ctzll(b);
		if (smconn_pending(p->sm[k]) && !arm_space(p, &p->sm_wait[k], fds, &n, &nofd))
			return;
	}
	int stop_at = n;
	if (p->o.stop && rt_stop_fd(p->o.stop) >= 0)
		poll_add(fds, &n, rt_stop_fd(p->o.stop));
	if (nofd && timeout_ns > PX_NOFD_WAIT_NS)
		timeout_ns = PX_NOFD_WAIT_NS;
	if (poll(fds, (nfds_t)n, (int)rt_ms_ceil(timeout_ns)) <= 0)
		return;
	for (int i = 0; i < stop_at; i++)
		if (fds[i].revents & POLLIN)
			ring_fd_drain(fds[i].fd);
}

static bool drained(const struct process *p)
{
	for (uint32_t i = 0; i < p->n_in; i++)
		if (!p->in[i].empty || p->in[i].wait.rings || p->in[i].wait_sm >= 0)
			return false;
	return true;
}

/* How long nothing can happen: the next flush, at most PROCESS_WAIT_NS. */
static uint64_t wait_for(const struct process *p, uint64_t now)
{
	uint64_t t = PROCESS_WAIT_NS;

	for (uint64_t b = p->sm_mask; b; b &= b - 1) {
		const struct smconn *s = p->sm[__builtin_ctzll(b)];
		if (!smconn_pending(s))
			t = s->next_flush_ns <= now	 ? 0
			    : s->next_flush_ns - now < t ? s->next_flush_ns - now
							 : t;
	}
	return t;
}

int process_run(struct process *p)
{
	bool draining = false;
	int rc;

	for (;;) {
		uint64_t now = rt_mono_ns();
		int moved = 0;

		if (!draining && p->o.stop && rt_stop_check(p->o.stop)) {
			draining = true;
			if (p->o.rt)
				rt_draining(p->o.rt);
		}
		if ((rc = sm_tick(p, now)) < 0)
			return rc;
		moved += rc;
		for (uint32_t i = 0; i < p->n_in; i++) {
			if ((rc = serve_in(p, &p->in[i], 0)) < 0)
				return rc;
			moved += rc;
		}
		if (p->o.max_records && p->done_records >= p->o.max_records)
			return 0;
		alive(p, now);
		if (draining && !moved && drained(p))
			return 0;
		if (moved)
			continue;
		uint64_t t = wait_for(p, now);
		if (!t)
			continue;
		if (p->n_in == 1 && !p->in[0].wait.rings && p->in[0].wait_sm < 0 && !draining) {
			/* one IN ring: its own spin-then-futex wait, and the record it brings */
			if ((rc = serve_in(p, &p->in[0], (int64_t)t)) < 0)
				return rc;
		} else {
			wait_any(p, draining && t > PX_NOFD_WAIT_NS * 10 ? PX_NOFD_WAIT_NS * 10 : t);
		}
	}
}

int process_new(struct process **out, const struct sluice_config *cfg, struct segment *seg,
		const struct process_opts *opts, char *err, size_t errlen)
{
	struct process *p = calloc(1, sizeof(*p));
	int rc;

	*out = NULL;
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->cfg = cfg;
	p->plan = cfg->plan;
	p->seg = seg;
	if (opts)
		p->o = *opts;
	if (p->o.rt && !p->o.st)
		p->o.st = p->o.rt->st;
	if (p->o.quarantine_dir)
		snprintf(p->qdir, sizeof(p->qdir), "%s", p->o.quarantine_dir);
	else if (dirs_quarantine(cfg, p->qdir, sizeof(p->qdir)) < 0) {
		snprintf(err, errlen, "state_dir %s: too long for the quarantine directory", cfg->state_dir);
		process_free(p);
		return -ENAMETOOLONG;
	}
	if ((rc = px_graph_build(p, err, errlen)) < 0 || (rc = px_sm_recover(p, err, errlen)) < 0) {
		process_free(p);
		return rc;
	}
	for (uint32_t i = 0; i < p->n_in; i++)
		p->in[i].age = hist_for(seg, HIST_RING_AGE, p->in[i].ring);
	*out = p;
	return 0;
}

void process_free(struct process *p)
{
	if (!p)
		return;
	px_graph_free(p);
	free(p);
}
