/* Held batches: a dead letter that could not be written keeps its batch
 * where it is (ring or disk queue) without its send slot; rounds of
 * dead-letter writes with backoff; re-sends once the backend is back. */
#include "exporter/held.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "exporter/deadletter.h"
#include "rt/clock.h"

#define HELD_FIRST_MS 1000
#define HELD_MAX_MS 60000
#define HELD_LOG_EVERY_NS (10ull * 1000000000ull)
#define HELD_SLOT_WAIT_MS 5000 /* no memory to hold a batch: its slot retries */

/* One dead letter. A failure is counted and its reason kept for the log. */
static int held_write(struct dexp *x, const uint8_t *body, uint32_t len, const struct deadletter_meta *m)
{
	int rc = 0;
	if (!x->dlq_ok) {
		char why[sizeof(x->dlq_why) - 16];
		rc = deadletter_dir_ready(x->dlq, why, sizeof(why));
		x->dlq_ok = rc == 0;
		if (rc < 0)
			snprintf(x->dlq_why, sizeof(x->dlq_why), "dead-letter %s", why);
	}
	if (rc == 0) {
		rc = deadletter_write(x->dlq, body, len, m);
		if (rc < 0) {
			snprintf(x->dlq_why, sizeof(x->dlq_why),
				 "cannot write to dead-letter directory %.400s (%s)", x->dlq, strerror(-rc));
			x->dlq_ok = false; /* gone or replaced? look at it again next time */
		}
	}
	if (rc < 0) {
		x->dlq_err = -rc;
		x->dlq_unlogged++;
		deliver_count(x->d, STAT_EXPORT_DEADLETTER_FAILURES, 1);
		deliver_count_comp(x, DELIVER_C_DEADLETTER_FAILED, 1);
	}
	return rc;
}

static void held_written(struct dexp *x, uint64_t seq, uint32_t items, uint32_t tries, const char *reason)
{
	log_msg(LOG_WARN, "exporter %s: batch seq %llu (%u %s) dead-lettered after %u attempts: %s", x->label,
		(unsigned long long)seq, items, x->d->sig->item_text, tries, reason);
	deliver_count(x->d, STAT_EXPORT_FAILED_SPANS, items);
	deliver_count(x->d, STAT_EXPORT_DEADLETTER_SPANS, items);
	deliver_count_exporter(x, false, items);
	deliver_count_comp(x, DELIVER_C_DEADLETTER, items);
	x->held_backoff_ms = 0; /* writes work: the next failure starts a new backoff */
}

/* Loud but not a flood: one ERROR line an exporter every 10 s at most. */
static void held_log(struct dexp *x, uint64_t seq, uint32_t items)
{
	uint64_t now = net_loop_now_ns(x->d->loop);
	if (x->dlq_log_ns && now - x->dlq_log_ns < HELD_LOG_EVERY_NS)
		return;
	const char *it = x->d->sig->item_text;
	log_msg(LOG_ERROR,
		"exporter %s: %s; batch seq %llu (%u %s) stays in the ring and is "
		"retried; %u batches (%llu %s) held, %llu failed writes since the last report; "
		"the batches behind them are still sent",
		x->label, x->dlq_why, (unsigned long long)seq, items, it, x->nheld,
		(unsigned long long)x->held_spans, it, (unsigned long long)x->dlq_unlogged);
	x->dlq_log_ns = now;
	x->dlq_unlogged = 0;
}

static int held_push(struct dexp *x, const struct attempt *a)
{
	if (x->nheld == x->held_cap) {
		uint32_t cap = x->held_cap ? x->held_cap * 2 : 16;
		struct held_batch *h = realloc(x->held, (size_t)cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		x->held = h;
		x->held_cap = cap;
	}
	struct held_batch *h = &x->held[x->nheld++];
	*h = (struct held_batch){
		.from_disk = a->from_disk,
		.win_idx = a->win_idx,
		.seq = a->seq,
		.len = a->len,
		.items = a->items,
		.ingest_ns = a->ingest_ns,
		.tries = a->tries,
		.dstatus = a->dstatus,
		.epoch = x->recoveries,
	};
	snprintf(h->reason, sizeof(h->reason), "%s", a->reason);
	x->held_spans += a->items;
	return 0;
}

static void held_remove(struct dexp *x, uint32_t i)
{
	x->held_spans -= x->held[i].items;
	memmove(&x->held[i], &x->held[i + 1], (size_t)(x->nheld - i - 1) * sizeof(*x->held));
	if (--x->nheld)
		return;
	net_timer_cancel(x->d->loop, &x->held_timer);
	log_msg(LOG_INFO, "exporter %s: no batch waits for the dead-letter directory any more", x->label);
}

void held_refused(struct attempt *a)
{
	struct dexp *x = a->x;
	struct deliver *d = x->d;
	if (!a->resend)
		x->refusing = true; /* a fresh batch: the backend may be what is broken */
	struct deadletter_meta m = {
		.exporter = x->name,
		.pipeline = d->pipeline,
		.signal = d->sig->name,
		.item_key = d->sig->item_metric,
		.seq = a->seq,
		.reason = a->reason,
		.status = a->dstatus,
		.items = a->items,
		.attempts = a->tries,
		.time_ns = rt_real_ns(),
	};
	if (held_write(x, a->body, a->len, &m) == 0) {
		held_written(x, a->seq, a->items, a->tries, a->reason);
		deliver_attempt_finish(a);
		return;
	}
	if (held_push(x, a) < 0) {
		/* no memory to hold it aside: it waits in its slot */
		log_msg(LOG_ERROR, "exporter %s: %s; batch seq %llu kept in its send slot, retrying in %d ms",
			x->label, x->dlq_why, (unsigned long long)a->seq, HELD_SLOT_WAIT_MS);
		a->state = ATT_WAITING;
		a->dlq_retry = true;
		net_timer_arm(d->loop, &a->timer, HELD_SLOT_WAIT_MS);
		return;
	}
	held_log(x, a->seq, a->items);
	if (!net_timer_armed(&x->held_timer)) {
		if (!x->held_backoff_ms)
			x->held_backoff_ms = HELD_FIRST_MS;
		net_timer_arm(d->loop, &x->held_timer, x->held_backoff_ms);
	}
	deliver_attempt_release(a);
}

/* The body of a held batch: a view into the ring, or loaded from disk into
 * *buf. -errno when the disk entry is unreadable. */
static int held_body(struct dexp *x, const struct held_batch *h, uint8_t **buf, size_t *cap,
		     const uint8_t **body)
{
	if (!h->from_disk) {
		*body = window_at(&x->d->w, h->win_idx)->body;
		return 0;
	}
	struct diskq_rec r;
	int rc = diskq_load(&x->q, h->seq, buf, cap, &r);
	if (rc < 0) {
		log_msg(LOG_ERROR, "exporter %s: disk queue entry %llu unreadable (%s); removed", x->label,
			(unsigned long long)h->seq, strerror(-rc));
		diskq_remove(&x->q, h->seq);
		return rc;
	}
	*body = *buf;
	return 0;
}

/* A round: every held batch to the dead-letter directory, oldest first,
 * until one write fails; then wait twice as long, and offer the oldest to
 * the backend again (a probe, for a backend that is back while nothing
 * new arrives to show it). */
static void held_round(struct net_timer *t, void *arg)
{
	struct dexp *x = arg;
	struct deliver *d = x->d;
	(void)t;
	bool failed = false;
	while (x->nheld) {
		struct held_batch *h = &x->held[0];
		const uint8_t *body;
		if (held_body(x, h, &x->held_buf, &x->held_buf_cap, &body) < 0) {
			held_remove(x, 0);
			continue;
		}
		struct deadletter_meta m = {
			.exporter = x->name,
			.pipeline = d->pipeline,
			.signal = d->sig->name,
			.item_key = d->sig->item_metric,
			.seq = h->seq,
			.reason = h->reason,
			.status = h->dstatus,
			.items = h->items,
			.attempts = h->tries,
			.time_ns = rt_real_ns(),
		};
		if (held_write(x, body, h->len, &m) < 0) {
			failed = true;
			break;
		}
		held_written(x, h->seq, h->items, h->tries, h->reason);
		if (h->from_disk)
			diskq_remove(&x->q, h->seq);
		else
			deliver_batch_done(x, h->win_idx);
		held_remove(x, 0);
	}
	if (failed) {
		held_log(x, x->held[0].seq, x->held[0].items);
		x->held[0].probe = true;
		x->held_backoff_ms = x->held_backoff_ms * 2 > HELD_MAX_MS ? HELD_MAX_MS
									  : x->held_backoff_ms * 2;
		net_timer_arm(d->loop, &x->held_timer, x->held_backoff_ms);
	}
	deliver_pump(d);
}

void held_init(struct dexp *x)
{
	net_timer_init(&x->held_timer, held_round, x);
}

bool held_fill(struct dexp *x, struct attempt *a)
{
	for (uint32_t i = 0; i < x->nheld; i++) {
		struct held_batch *h = &x->held[i];
		if (!h->probe && h->epoch >= x->recoveries)
			continue;
		const uint8_t *body;
		if (held_body(x, h, &a->own, &a->own_cap, &body) < 0) {
			held_remove(x, i--);
			continue;
		}
		a->from_disk = h->from_disk;
		a->win_idx = h->win_idx;
		a->seq = h->seq;
		a->body = body;
		a->len = h->len;
		a->items = h->items;
		a->ingest_ns = h->ingest_ns;
		a->resend = true;
		log_msg(h->probe ? LOG_INFO : LOG_DEBUG,
			"exporter %s: sending held batch seq %llu (%u %s) to the backend again%s", x->label,
			(unsigned long long)h->seq, h->items, x->d->sig->item_text,
			h->probe ? " (probe)" : "");
		held_remove(x, i);
		return true;
	}
	return false;
}

void held_on_ack(struct dexp *x, const struct attempt *a)
{
	/* back after refusing fresh batches, or a held one got through: what
	 * is held now is worth one more try */
	if (x->refusing || a->resend) {
		if (x->nheld && x->refusing)
			log_msg(LOG_INFO,
				"exporter %s: the backend acknowledges batches again; the %u "
				"held batches (%llu %s) are sent again",
				x->label, x->nheld, (unsigned long long)x->held_spans, x->d->sig->item_text);
		x->refusing = false;
		x->recoveries++;
	}
}

void held_free(struct dexp *x)
{
	net_timer_cancel(x->d->loop, &x->held_timer);
	free(x->held);
	free(x->held_buf);
	x->held = NULL;
	x->held_buf = NULL;
	x->nheld = x->held_cap = 0;
}

uint64_t held_gauge(const struct deliver *d)
{
	uint64_t v = 0;
	int err = 0;
	for (unsigned i = 0; i < d->nx; i++) {
		const struct dexp *x = d->x[i];
		if (!x->nheld)
			continue;
		v |= x->slot && d->st ? 1ull << (x->slot - d->st->procs) : 1ull << 16;
		err = x->dlq_err;
	}
	return v ? v | (uint64_t)(err & 0xffff) << 32 : 0;
}
