/* batch.c: the batch stage loop: every pipeline a step at a time
 * (batch_lane.c), then, when none could move, one poll() on whatever can
 * wake one of them. */
#include "stages/batch.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/log.h"
#include "rt/rt.h"
#include "stages/batch_lane.h"

#define BATCH_ALIVE_NS (250 * 1000 * 1000ull) /* rt_alive at least this often */
#define BATCH_RETRY_NS (1000 * 1000ull)	      /* wake period where no eventfd can */
/* A lane holding part of a batch that is not due within BATCH_POLL_DUE_NS
 * takes new records every BATCH_POLL_NS instead of asking to be woken for
 * each one: when the stage before it is saturated, records come one at a
 * time and every wake (the producer's eventfd write, our ppoll) cost ~13
 * ns a span; taking them up to 1 ms later changes no flush but a size
 * flush, by at most that (docs/bench/stages.md, "Waking the batch
 * stage"). */
#define BATCH_POLL_NS (1000 * 1000ull)
#define BATCH_POLL_DUE_NS (2 * BATCH_POLL_NS)

static void batch_alive(struct batch_state *s, uint64_t now)
{
	if (now - s->alive_ns < BATCH_ALIVE_NS)
		return;
	s->alive_ns = now;
	if (s->c->rt)
		rt_alive(s->c->rt);
	else if (s->c->st)
		stats_heartbeat(s->c->st);
}

static void lane_limits(const struct batch_pipe *p, struct batcher_limits *l)
{
	l->send_batch_size = p->cfg->send_batch_size;
	l->send_batch_max_size = p->cfg->send_batch_max_size;
	l->timeout_ns = p->cfg->timeout_ns;
	uint64_t bytes = p->cfg->send_batch_max_bytes ? p->cfg->send_batch_max_bytes : UINT64_MAX;
	if (bytes > ring_max_payload(p->out))
		bytes = ring_max_payload(p->out);
	if (bytes > ring_capacity(p->in) / 4)
		bytes = ring_capacity(p->in) / 4;
	l->max_bytes = bytes;
}

static int lane_init(struct batch_lane *l, struct batch_pipe *p, uint32_t *nrefs_out)
{
	if (!p->in || !p->out || !p->cfg || p->signal < RECORD_SIGNAL_TRACES ||
	    p->signal > RECORD_SIGNAL_MAX || p->slot >= RING_MAX_SOURCES)
		return -EINVAL;
	memset(l, 0, sizeof *l);
	l->p = p;
	struct batcher_limits lim;
	lane_limits(p, &lim);
	/* a record holds at least one item as a rule, so a batch rarely needs
	 * more refs than its item limits; when it does, refs bound it */
	uint32_t nrefs = lim.send_batch_max_size ? lim.send_batch_max_size
						 : (lim.send_batch_size ? lim.send_batch_size : 8192);
	if (nrefs < 1024)
		nrefs = 1024;
	if (nrefs > (1u << 20))
		nrefs = 1u << 20;
	l->refs = calloc(nrefs, sizeof *l->refs);
	if (!l->refs)
		return -ENOMEM;
	int rc = batcher_init(&l->b, &lim, l->refs, nrefs);
	if (rc < 0)
		return rc;
	l->skip_seq = ring_source_seq(p->out, p->slot);
	l->end_pos = ring_committed(p->in);
	*nrefs_out = nrefs;
	return 0;
}

static void batch_pollfd(struct pollfd *fds, nfds_t *n, int fd)
{
	fds[*n].fd = fd;
	fds[*n].events = POLLIN;
	fds[*n].revents = 0;
	(*n)++;
}

/* Sleep until a MID ring has data (at most BATCH_POLL_NS while a lane
 * holds part of a batch), a blocked OUT ring has room, a stop is asked, or
 * the nearest batch timeout (BATCH_WAIT_NS at most). */
static int batch_wait(struct batch_state *s, struct pollfd *fds, uint64_t now, bool take)
{
	struct batch_ctx *c = s->c;
	uint64_t wait = BATCH_WAIT_NS;
	nfds_t n = 0;
	int rc;
	for (uint32_t i = 0; i < c->n_pipes; i++) {
		struct batch_lane *l = &s->lanes[i];
		uint64_t due = batcher_wait_ns(&l->b, now);
		if (!l->want && due < wait)
			wait = due;
		if (l->want) {
			rc = l->want_poll ? -ENOTSUP : ring_arm_space(l->p->out, l->want);
			if (rc == 1)
				return 0;
			if (rc == 0)
				batch_pollfd(fds, &n, ring_space_fd(l->p->out));
		} else if (take && l->b.count && due > BATCH_POLL_DUE_NS) {
			if (wait > BATCH_POLL_NS)
				wait = BATCH_POLL_NS;
			continue;
		} else if (take) {
			rc = ring_arm_data(l->p->in);
			if (rc == 1)
				return 0;
			if (rc == 0)
				batch_pollfd(fds, &n, ring_data_fd(l->p->in));
		} else {
			continue;
		}
		if (rc == -ENOTSUP && wait > BATCH_RETRY_NS)
			wait = BATCH_RETRY_NS;
		else if (rc < 0 && rc != -ENOTSUP)
			return rc;
	}
	nfds_t rings = n;
	if (c->stop && rt_stop_fd(c->stop) >= 0)
		batch_pollfd(fds, &n, rt_stop_fd(c->stop));
	struct timespec ts = { .tv_sec = (time_t)(wait / 1000000000ull),
			       .tv_nsec = (long)(wait % 1000000000ull) };
	rc = ppoll(fds, n, &ts, NULL);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	for (nfds_t i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (i < rings)
			ring_fd_drain(fds[i].fd);
		else
			rt_stop_poll(c->stop);
	}
	return 0;
}

/* Stopping (or max_records reached) and nothing moved: flush what is held
 * once every MID ring is empty. 1 when all is out (return), 0 to go on. */
static int batch_drain(struct batch_state *s, bool take)
{
	bool busy = false;
	for (uint32_t i = 0; i < s->c->n_pipes; i++) {
		struct batch_lane *l = &s->lanes[i];
		if (l->held || l->flush_pending || (take && !l->empty)) {
			busy = true;
			continue;
		}
		int rc = lane_flush(s, l, STAT_COUNT);
		if (rc == -EAGAIN || rc == LANE_REWOUND)
			busy = true;
		else if (rc < 0)
			return rc;
	}
	return busy ? 0 : 1;
}

static int batch_loop(struct batch_state *s, struct pollfd *fds)
{
	struct batch_ctx *c = s->c;
	int rc;
	for (;;) {
		uint64_t now = rt_mono_ns();
		bool stopping = c->stop && rt_stop_check(c->stop);
		if (stopping && !s->draining) {
			s->draining = true;
			if (c->rt)
				rt_draining(c->rt);
		}
		bool take = !c->max_records || s->done < c->max_records;
		int moved = 0;
		for (uint32_t i = 0; i < c->n_pipes; i++) {
			if ((rc = lane_step(s, &s->lanes[i], now, take)) < 0)
				return rc;
			moved |= rc;
		}
		batch_alive(s, now);
		if (moved)
			continue;
		if (stopping || !take) {
			if ((rc = batch_drain(s, take)) != 0)
				return rc < 0 ? rc : 0;
		}
		if ((rc = batch_wait(s, fds, now, take)) < 0)
			return rc;
	}
}

int batch_run(struct batch_ctx *c)
{
	if (!c->n_pipes)
		return -EINVAL;
	struct batch_state s = { .c = c };
	s.lanes = calloc(c->n_pipes, sizeof *s.lanes);
	struct pollfd *fds = calloc(c->n_pipes + 1, sizeof *fds);
	int rc = s.lanes && fds ? 0 : -ENOMEM;
	uint32_t cap = 0;
	for (uint32_t i = 0; i < c->n_pipes && rc == 0; i++) {
		uint32_t nrefs = 0;
		rc = lane_init(&s.lanes[i], &c->pipes[i], &nrefs);
		if (rc < 0)
			log_msg(LOG_ERROR,
				"pipeline %s: cannot batch (%s): send_batch_size %u, "
				"send_batch_max_size %u, signal %u",
				c->pipes[i].name ? c->pipes[i].name : "?", strerror(-rc),
				c->pipes[i].cfg ? c->pipes[i].cfg->send_batch_size : 0,
				c->pipes[i].cfg ? c->pipes[i].cfg->send_batch_max_size : 0,
				c->pipes[i].signal);
		if (nrefs > cap)
			cap = nrefs;
	}
	if (rc == 0)
		rc = split_init(&s.split, cap, 65536);
	if (rc == 0)
		rc = batch_loop(&s, fds);
	split_free(&s.split);
	free(s.part_items);
	for (uint32_t i = 0; s.lanes && i < c->n_pipes; i++)
		free(s.lanes[i].refs);
	free(s.lanes);
	free(fds);
	return rc;
}
