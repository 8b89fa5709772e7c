/* producer/ingest_pub.c: publishing validated requests into the ring, all
 * or nothing, and the FIFO of requests waiting for ring space.
 *
 * All or nothing: every ResourceSpans of a request is reserved first; one
 * ring_publish makes them visible together, so a client that is refused
 * (ring full) or a process that dies mid-request has published nothing.
 * A request whose records could not fit even an empty ring is refused with
 * INGEST_ETOOBIG rather than left to wait forever.
 *
 * Waiting never blocks the loop: a request that finds the ring full is
 * copied and queued; the ring's space eventfd (when the segment has one)
 * and a poll timer both lead to ingest_pump(), which publishes queued
 * requests in arrival order and refuses those whose deadline passed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/log.h"
#include "producer/ingest.h"
#include "rt/clock.h"
#include "shm/copy.h"
#include "otlp/json.h"
#include "otlp/wire.h"

uint64_t ingest_now_ns(void)
{
	return rt_real_ns();
}

static void ingest_count(struct ingest *ig, enum stat_counter c, uint64_t n)
{
	if (ig->stats)
		stats_add(ig->stats, c, n);
}

/* Next ResourceSpans of a validated request with its span count: 1, 0 at
 * the end, negative errno. known >= 0: the count, already known (the
 * validator's, for a request of one ResourceSpans: the usual case), so no
 * second walk over its ScopeSpans. */
static int ingest_next_rs(struct otlp_wire_iter *it, struct otlp_bytes *rs, uint64_t *spans,
			  int64_t known)
{
	int rc = otlp_wire_iter_next(it, rs);
	if (rc <= 0)
		return rc;
	int64_t n = known >= 0 ? known : otlp_wire_count_spans(*rs);
	if (n < 0)
		return (int)n;
	*spans = (uint64_t)n;
	return 1;
}

/* Span counts remembered from the sizing pass, so the copy pass need not
 * count again (a request rarely has more ResourceSpans than this). */
#define INGEST_RS_MEMO 64

/* ingest_publish with the validator's counts when known (n_rs 0: not). */
static int ingest_publish_counted(struct ingest *ig, const uint8_t *data, size_t len,
				  uint64_t ingest_ns, uint32_t n_rs, uint64_t n_spans_all)
{
	struct otlp_wire_iter it;
	struct otlp_bytes req = { data, len }, rs;
	uint64_t memo[INGEST_RS_MEMO];
	uint64_t need = 0, seq = ig->last_seq, spans = 0, n_spans = 0;
	uint32_t n = 0, j = 0;
	int rc;

	int64_t known = n_rs == 1 ? (int64_t)n_spans_all : -1;

	/* First pass: sizes only, so a request that can never fit is refused
	 * before anything is reserved. Half the ring always fits an empty
	 * ring, whatever the wrap padding. */
	otlp_wire_iter_init(&it, req, OTLP_F_REQ_RESOURCE_SPANS);
	for (j = 0; (rc = ingest_next_rs(&it, &rs, &n_spans, known)) > 0; j++) {
		if (j < INGEST_RS_MEMO)
			memo[j] = n_spans;
		if (n_spans == 0)
			continue;
		if (rs.len > ring_max_payload(ig->ring))
			return INGEST_ETOOBIG;
		need += record_size((uint32_t)rs.len);
	}
	if (rc < 0)
		return INGEST_EINTERNAL; /* validated before: cannot happen */
	if (need > ring_capacity(ig->ring) / 2)
		return INGEST_ETOOBIG;

	otlp_wire_iter_init(&it, req, OTLP_F_REQ_RESOURCE_SPANS);
	for (j = 0; (rc = otlp_wire_iter_next(&it, &rs)) > 0; j++) {
		struct record *rec;
		if (j < INGEST_RS_MEMO) {
			n_spans = memo[j];
		} else {
			int64_t c = otlp_wire_count_spans(rs);
			if (c < 0) {
				rc = (int)c;
				break;
			}
			n_spans = (uint64_t)c;
		}
		if (n_spans == 0)
			continue;
		rc = ring_try_reserve(ig->ring, (uint32_t)rs.len, &rec);
		if (rc < 0) {
			ring_cancel(ig->ring);
			if (rc == -EAGAIN)
				return INGEST_EFULL;
			return rc == -EMSGSIZE ? INGEST_ETOOBIG : INGEST_EINTERNAL;
		}
		rec->seq = ++seq;
		rec->ingest_ns = ingest_ns;
		rec->items = n_spans > UINT32_MAX ? UINT32_MAX : (uint32_t)n_spans;
		/* checksummed from the source while copying: the ring copy is
		 * written past the cache */
		record_seal_payload(rec, copy_to_ring_crc(record_payload(rec), rs.p, rs.len, 0));
		spans += n_spans;
		n++;
	}
	if (rc < 0) {
		ring_cancel(ig->ring);
		return INGEST_EINTERNAL;
	}
	if (n > 0 && ring_publish(ig->ring) < 0)
		return INGEST_EINTERNAL;
	ig->last_seq = seq;
	ingest_count(ig, STAT_RECORDS_OUT, n);
	ingest_count(ig, STAT_SPANS_IN, spans);
	return INGEST_OK;
}

int ingest_publish(struct ingest *ig, const uint8_t *data, size_t len, uint64_t ingest_ns)
{
	return ingest_publish_counted(ig, data, len, ingest_ns, 0, 0);
}

static void ingest_unlink(struct ingest_wait *w)
{
	struct ingest *ig = w->ig;
	if (!w->queued)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		ig->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		ig->tail = w->prev;
	w->next = w->prev = NULL;
	w->queued = false;
	ig->waiting--;
	ig->wait_bytes -= w->len;
}

static void ingest_finish(struct ingest_wait *w, int status)
{
	struct ingest *ig = w->ig;
	ingest_unlink(w);
	if (status != INGEST_OK)
		ingest_count(ig, STAT_SPANS_REFUSED_FULL, w->spans);
	if (status == INGEST_EFULL && ig->loop) {
		/* Tell the operator, at most every 10 s: the consumer is behind. */
		uint64_t now = net_loop_now_ns(ig->loop);
		if (ig->warned_ns == 0 || now - ig->warned_ns >= 10000000000ull) {
			log_msg(LOG_WARN, "ring full for %llu ms: refusing requests (downstream stage behind or stopped)",
				(unsigned long long)ig->lim.wait_ms);
			ig->warned_ns = now;
		}
	}
	w->done(w, status);
}

/* Publish queued requests in order; refuse the ones past their deadline;
 * arrange the next wake-up. */
static void ingest_pump(struct ingest *ig)
{
	uint64_t now = ig->loop ? net_loop_now_ns(ig->loop) : 0;
	int spins = 0;

	while (ig->head) {
		struct ingest_wait *w = ig->head;
		int rc = ingest_publish_counted(ig, w->buf, w->len, w->ingest_ns,
						w->resource_spans, w->spans);
		if (rc == INGEST_OK || rc != INGEST_EFULL) {
			ingest_finish(w, rc);
			continue;
		}
		if (now >= w->deadline_ns) {
			ingest_finish(w, INGEST_EFULL);
			continue;
		}
		/* Ask the consumer to signal the space eventfd; 1 means space
		 * appeared meanwhile: try again (bounded). */
		if (ig->watch && ring_arm_space(ig->ring, (uint32_t)(w->len < ring_max_payload(ig->ring) ?
								     w->len : ring_max_payload(ig->ring))) == 1 &&
		    ++spins < 4)
			continue;
		break;
	}
	if (ig->head && ig->loop) {
		uint64_t left_ms = (ig->head->deadline_ns - now + 999999) / 1000000;
		net_timer_arm(ig->loop, &ig->timer, left_ms < ig->lim.poll_ms ? left_ms : ig->lim.poll_ms);
	} else if (ig->loop) {
		net_timer_cancel(ig->loop, &ig->timer);
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
	lim->retry_after_s = 1;
	lim->max_wait_bytes = 64u << 20;
}

int ingest_init(struct ingest *ig, struct ring *ring, struct stage_stats *stats,
		struct net_loop *loop, const struct ingest_limits *lim)
{
	memset(ig, 0, sizeof(*ig));
	ig->ring = ring;
	ig->stats = stats;
	ig->loop = loop;
	if (lim)
		ig->lim = *lim;
	else
		ingest_limits_default(&ig->lim);
	if (ig->lim.poll_ms == 0)
		ig->lim.poll_ms = 1;
	ig->last_seq = ring_last_seq(ring);
	gzip_decoder_init(&ig->gz);
	net_timer_init(&ig->timer, ingest_on_timer, ig);
	if (loop && ring_space_fd(ring) >= 0) {
		int rc = net_watch_add(loop, ring_space_fd(ring), ingest_on_space, ig, &ig->watch);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void ingest_free(struct ingest *ig)
{
	while (ig->head)
		ingest_finish(ig->head, INGEST_EDRAIN);
	if (ig->loop)
		net_timer_cancel(ig->loop, &ig->timer);
	if (ig->watch)
		net_watch_remove(ig->watch);
	ig->watch = NULL;
	free(ig->scratch);
	ig->scratch = NULL;
	otlp_json_buf_free(&ig->json);
	gzip_decoder_free(&ig->gz);
}

int ingest_submit(struct ingest *ig, const struct ingest_msg *m,
		  struct ingest_wait *w, ingest_done_fn done, void *arg)
{
	int rc;

	if (ig->draining) {
		ingest_count(ig, STAT_SPANS_REFUSED_FULL, m->spans);
		return INGEST_EDRAIN;
	}
	if (!ig->head) {
		rc = ingest_publish_counted(ig, m->data, m->len, m->ingest_ns,
					    m->resource_spans, m->spans);
		if (rc != INGEST_EFULL) {
			if (rc == INGEST_ETOOBIG)
				ingest_count(ig, STAT_SPANS_REFUSED_INVALID, m->spans);
			return rc;
		}
	}
	ingest_count(ig, STAT_RING_FULL_WAITS, 1);
	/* Queued bodies are copies: bound their total so many clients (or
	 * many h2 streams) hitting a full ring cannot grow memory without
	 * limit. Over the bound the answer is "full" at once. */
	if (!ig->loop || ig->wait_bytes + m->len > ig->lim.max_wait_bytes) {
		ingest_count(ig, STAT_SPANS_REFUSED_FULL, m->spans);
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
	w->ig = ig;
	w->len = m->len;
	w->resource_spans = m->resource_spans;
	w->spans = m->spans;
	w->ingest_ns = m->ingest_ns;
	w->deadline_ns = net_loop_now_ns(ig->loop) + ig->lim.wait_ms * 1000000ull;
	w->done = done;
	w->arg = arg;
	w->next = NULL;
	w->prev = ig->tail;
	if (ig->tail)
		ig->tail->next = w;
	else
		ig->head = w;
	ig->tail = w;
	w->queued = true;
	ig->waiting++;
	ig->wait_bytes += w->len;
	if (ig->watch)
		ring_arm_space(ig->ring, (uint32_t)(m->len < ring_max_payload(ig->ring) ?
						    m->len : ring_max_payload(ig->ring)));
	if (!net_timer_armed(&ig->timer))
		net_timer_arm(ig->loop, &ig->timer, ig->lim.poll_ms);
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
