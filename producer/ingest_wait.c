/* producer/ingest_wait.c: the core's set-up, and the FIFO of requests
 * waiting for space, one per IN ring.
 *
 * Waiting never blocks the loop: a request that finds its ring full is
 * copied and queued on that ring; the ring's space eventfd (when the
 * segment has one) and a poll timer both lead to ingest_pump() of that
 * ring, which publishes its queued requests in arrival order and refuses
 * those whose deadline passed. A full ring holds back only the requests
 * queued on it: the other rings have their own queues, eventfds and
 * timers. Requests from receivers with different ring_full_wait share a
 * ring's queue, so a request behind the head may expire first: the pump
 * refuses it on time too (min_deadline_ns says when to look).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "producer/ingest.h"
#include "shm/copy.h"

static void ingest_unlink(struct ingest_wait *w)
{
	struct ingest_ring *o = w->out;
	if (!w->queued)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		o->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		o->tail = w->prev;
	w->next = w->prev = NULL;
	w->queued = false;
	o->waiting--;
	o->ig->waiting--;
	o->ig->wait_bytes -= w->len;
}

static void ingest_finish(struct ingest_wait *w, int status)
{
	struct ingest_ring *o = w->out;
	struct ingest *ig = o->ig;
	ingest_unlink(w);
	if (status != INGEST_OK)
		ingest_count_refused(ig, w->route,
				     status == INGEST_ETOOBIG ? STAT_SPANS_REFUSED_INVALID
							      : STAT_SPANS_REFUSED_FULL,
				     w->items);
	if (status == INGEST_EFULL && ig->loop) {
		/* Tell the operator, at most every 10 s a ring: the consumer is behind. */
		uint64_t now = net_loop_now_ns(ig->loop);
		if (o->warned_ns == 0 || now - o->warned_ns >= 10000000000ull) {
			uint64_t ms = w->route && w->route->wait_ms ? w->route->wait_ms : ig->lim.wait_ms;
			log_msg(LOG_WARN,
				"ring %s full for %llu ms: refusing requests (downstream stage behind or stopped)",
				o->name, (unsigned long long)ms);
			o->warned_ns = now;
		}
	}
	w->done(w, status);
}

/* Refuse waits (anywhere in the queue) whose deadline passed; recompute
 * the earliest deadline left. */
static void ingest_expire(struct ingest_ring *o, uint64_t now)
{
	struct ingest_wait *w = o->head, *next;
	o->min_deadline_ns = 0;
	for (; w; w = next) {
		next = w->next;
		if (now >= w->deadline_ns) {
			ingest_finish(w, INGEST_EFULL);
			next = o->head; /* done may have changed the queue: start over */
			continue;
		}
		if (o->min_deadline_ns == 0 || w->deadline_ns < o->min_deadline_ns)
			o->min_deadline_ns = w->deadline_ns;
	}
}

static uint32_t ingest_space_want(const struct ingest_ring *o, size_t len)
{
	return (uint32_t)(len < ring_max_payload(o->ring) ? len : ring_max_payload(o->ring));
}

/* Publish o's queued requests in order; refuse the ones past their
 * deadline; arrange the next wake-up. */
static void ingest_pump(struct ingest_ring *o)
{
	struct ingest *ig = o->ig;
	uint64_t now = ig->loop ? net_loop_now_ns(ig->loop) : 0;
	int spins = 0;

	while (o->head) {
		struct ingest_wait *w = o->head;
		int rc = ingest_publish_counted(o, w->route, w->buf, w->len, w->ingest_ns, w->resources,
						w->items, w->rec_flags);
		if (rc != INGEST_EFULL) {
			ingest_finish(w, rc);
			continue;
		}
		if (now >= w->deadline_ns) {
			ingest_finish(w, INGEST_EFULL);
			continue;
		}
		/* Ask the consumer to signal the space eventfd; 1 means space
		 * appeared meanwhile: try again (bounded). */
		if (o->watch && ring_arm_space(o->ring, ingest_space_want(o, w->len)) == 1 && ++spins < 4)
			continue;
		break;
	}
	if (o->head && now >= o->min_deadline_ns)
		ingest_expire(o, now);
	if (!ig->loop)
		return;
	if (o->head) {
		uint64_t next = o->min_deadline_ns ? o->min_deadline_ns : o->head->deadline_ns;
		uint64_t left_ms = next > now ? (next - now + 999999) / 1000000 : 0;
		net_timer_arm(ig->loop, &o->timer, left_ms < ig->lim.poll_ms ? left_ms : ig->lim.poll_ms);
	} else {
		net_timer_cancel(ig->loop, &o->timer);
	}
}

static void ingest_on_timer(struct net_timer *t, void *arg)
{
	(void)t;
	ingest_pump(arg);
}

static void ingest_on_space(struct net_watch *wt, int fd, void *arg)
{
	(void)wt;
	ring_fd_drain(fd);
	ingest_pump(arg);
}

void ingest_limits_default(struct ingest_limits *lim)
{
	lim->max_decoded = 16u << 20;
	lim->wait_ms = 2000;
	lim->poll_ms = 5;
	lim->max_wait_bytes = 64u << 20;
}

void ingest_init(struct ingest *ig, struct stage_stats *stats, struct net_loop *loop,
		 const struct ingest_limits *lim)
{
	memset(ig, 0, sizeof(*ig));
	ig->stats = stats;
	ig->loop = loop;
	if (lim)
		ig->lim = *lim;
	else
		ingest_limits_default(&ig->lim);
	if (ig->lim.poll_ms == 0)
		ig->lim.poll_ms = 1;
	codec_ctx_init(&ig->codec);
}

int ingest_ring_init(struct ingest_ring *o, struct ingest *ig, struct ring *ring, enum otlp_signal signal,
		     const char *name)
{
	memset(o, 0, sizeof(*o));
	if (!otlp_signal_get(signal))
		return -EINVAL;
	o->ig = ig;
	o->ring = ring;
	o->signal = signal;
	o->name = name ? name : "?";
	o->last_seq = ring_last_seq(ring);
	net_timer_init(&o->timer, ingest_on_timer, o);
	if (ig->loop && ring_space_fd(ring) >= 0) {
		int rc = net_watch_add(ig->loop, ring_space_fd(ring), ingest_on_space, o, &o->watch);
		if (rc < 0)
			return rc;
	}
	o->next = ig->rings;
	ig->rings = o;
	return 0;
}

void ingest_ring_free(struct ingest_ring *o)
{
	struct ingest *ig = o->ig;
	if (!ig)
		return;
	while (o->head)
		ingest_finish(o->head, INGEST_EDRAIN);
	if (ig->loop)
		net_timer_cancel(ig->loop, &o->timer);
	if (o->watch)
		net_watch_remove(o->watch);
	o->watch = NULL;
	for (struct ingest_ring **p = &ig->rings; *p; p = &(*p)->next) {
		if (*p == o) {
			*p = o->next;
			break;
		}
	}
	o->ig = NULL;
}

void ingest_free(struct ingest *ig)
{
	while (ig->rings)
		ingest_ring_free(ig->rings);
	free(ig->scratch);
	ig->scratch = NULL;
	ig->scratch_cap = 0;
	otlp_json_buf_free(&ig->json);
	codec_ctx_free(&ig->codec);
}

int ingest_submit(const struct ingest_route *rt, const struct ingest_msg *m, struct ingest_wait *w,
		  ingest_done_fn done, void *arg)
{
	struct ingest_ring *o = rt->out;
	if (!o || o->signal != m->signal)
		return INGEST_EINTERNAL;
	struct ingest *ig = o->ig;
	int rc;

	if (ig->draining) {
		ingest_count_refused(ig, rt, STAT_SPANS_REFUSED_FULL, m->items);
		return INGEST_EDRAIN;
	}
	if (!o->head) {
		rc = ingest_publish_counted(o, rt, m->data, m->len, m->ingest_ns, m->resources, m->items,
					    m->rec_flags);
		if (rc != INGEST_EFULL) {
			if (rc != INGEST_OK)
				ingest_count_refused(ig, rt, STAT_SPANS_REFUSED_INVALID, m->items);
			return rc;
		}
	}
	if (ig->stats)
		stats_add(ig->stats, STAT_RING_FULL_WAITS, 1);
	/* Queued bodies are copies: bound their total so many clients (or
	 * many h2 streams) hitting full rings cannot grow memory without
	 * limit. Over the bound the answer is "full" at once. */
	if (!ig->loop || ig->wait_bytes + m->len > ig->lim.max_wait_bytes) {
		ingest_count_refused(ig, rt, STAT_SPANS_REFUSED_FULL, m->items);
		return INGEST_EFULL;
	}
	if (w->cap < m->len) {
		uint8_t *nb = realloc(w->buf, m->len ? m->len : 1);
		if (!nb)
			return INGEST_EINTERNAL;
		w->buf = nb;
		w->cap = m->len;
	}
	copy_bytes(w->buf, m->data, m->len);
	uint64_t wait_ms = rt->wait_ms ? rt->wait_ms : ig->lim.wait_ms;
	w->out = o;
	w->route = rt;
	w->len = m->len;
	w->resources = m->resources;
	w->items = m->items;
	w->ingest_ns = m->ingest_ns;
	w->rec_flags = m->rec_flags;
	w->deadline_ns = net_loop_now_ns(ig->loop) + wait_ms * 1000000ull;
	w->done = done;
	w->arg = arg;
	w->next = NULL;
	w->prev = o->tail;
	if (o->tail)
		o->tail->next = w;
	else
		o->head = w;
	o->tail = w;
	w->queued = true;
	o->waiting++;
	ig->waiting++;
	ig->wait_bytes += w->len;
	if (o->min_deadline_ns == 0 || w->deadline_ns < o->min_deadline_ns)
		o->min_deadline_ns = w->deadline_ns;
	if (o->watch)
		ring_arm_space(o->ring, ingest_space_want(o, m->len));
	if (!net_timer_armed(&o->timer))
		net_timer_arm(ig->loop, &o->timer, ig->lim.poll_ms);
	return 1;
}

void ingest_wait_cancel(struct ingest_wait *w)
{
	if (w->queued)
		ingest_unlink(w);
	ingest_wait_release(w);
}

void ingest_wait_release(struct ingest_wait *w)
{
	free(w->buf);
	w->buf = NULL;
	w->cap = w->len = 0;
}

void ingest_drain(struct ingest *ig)
{
	ig->draining = true;
}
