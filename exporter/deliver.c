/* Delivery engine: window dispatch, outcomes, retries, spill; the ring side
 * (reading, checksums, corrupt records) is in deliver_ring.c, what is
 * refused for good goes on to held.c. */
#include "exporter/deliver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "exporter/deadletter.h"
#include "exporter/held.h"
#include "exporter/window_cap.h"
#include "rt/clock.h"

static void engine_gauges(struct deliver *d, uint64_t *inflight, uint64_t *qbytes)
{
	*inflight += d->inflight;
	for (unsigned i = 0; i < d->nx; i++) {
		struct dexp *x = d->x[i];
		if (x->has_q)
			*qbytes += diskq_bytes(&x->q);
		if (x->comp) {
			seg_component_set(x->comp, SEG_C_QUEUE_SIZE, x->pending_bytes);
			seg_component_set(x->comp, SEG_C_QUEUE_CAPACITY, ring_capacity(d->ring));
		}
	}
}

/* The stage's gauges are over every engine of the set. */
static void st_gauges(struct deliver *d)
{
	uint64_t inflight = 0, qb = 0, degraded = 0;
	if (d->set) {
		for (unsigned k = 0; k < d->set->n; k++) {
			engine_gauges(d->set->d[k], &inflight, &qb);
			degraded |= held_gauge(d->set->d[k]);
		}
	} else {
		engine_gauges(d, &inflight, &qb);
		degraded = held_gauge(d);
	}
	if (!d->st)
		return;
	stats_set(d->st, STAT_EXPORT_INFLIGHT, inflight);
	stats_set(d->st, STAT_EXPORT_QUEUE_BYTES, qb);
	stats_set(d->st, STAT_EXPORT_DEGRADED, degraded);
}

static void retry_fire(struct net_timer *t, void *arg);

int deliver_init(struct deliver *d, const struct deliver_opts *o)
{
	memset(d, 0, sizeof(*d));
	d->loop = o->loop;
	d->ring = o->ring;
	d->st = o->st;
	d->signal = o->signal;
	d->sig = otlp_signal_get(o->signal);
	if (!d->sig)
		return -EINVAL;
	snprintf(d->pipeline, sizeof(d->pipeline), "%s", o->pipeline ? o->pipeline : d->sig->name);
	if (o->ring_name)
		snprintf(d->ring_name, sizeof(d->ring_name), "%s", o->ring_name);
	else
		snprintf(d->ring_name, sizeof(d->ring_name), "out:%.70s", d->pipeline);
	snprintf(d->qdir, sizeof(d->qdir), "%s", o->quarantine_dir ? o->quarantine_dir : "");
	d->arm_fd = ring_data_fd(o->ring) >= 0;
	d->age = o->ring_age;
	int rc = window_init(&d->w, window_cap_for(ring_capacity(o->ring), o->window_cap));
	if (rc < 0)
		return rc;
	if (o->set) {
		if (o->set->n >= sizeof(o->set->d) / sizeof(o->set->d[0])) {
			window_free(&d->w);
			return -E2BIG;
		}
		o->set->d[o->set->n++] = d;
		d->set = o->set;
	}
	return 0;
}

int deliver_add(struct deliver *d, const struct dexp_opts *o, const struct transport_ops *ops, void *t)
{
	if (d->nx >= WINDOW_MAX_EXPORTERS)
		return -E2BIG;
	struct dexp *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->d = d;
	snprintf(x->name, sizeof(x->name), "%s", o->name ? o->name : "exporter");
	snprintf(x->label, sizeof(x->label), "%s", o->label ? o->label : x->name);
	x->slot = d->st ? stats_proc_slot(d->st, x->name) : NULL;
	x->comp = o->comp;
	x->receipt_to_ack = o->receipt_to_ack;
	x->duration = o->duration;
	x->done = o->done;
	x->bit = d->nx;
	x->ops = ops;
	x->t = t;
	x->natt = o->concurrency ? o->concurrency : 1;
	x->retry = o->retry;
	x->rng = rt_real_ns() ^ ((uint64_t)(x->bit + 1) * 0x9E3779B97F4A7C15ULL);
	snprintf(x->dlq, sizeof(x->dlq), "%s", o->deadletter ? o->deadletter : "sluice-deadletter");
	x->att = calloc(x->natt, sizeof(*x->att));
	if (!x->att) {
		free(x);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < x->natt; i++) {
		x->att[i].x = x;
		net_timer_init(&x->att[i].timer, retry_fire, &x->att[i]);
	}
	held_init(x);
	if (o->storage && *o->storage) {
		int rc = diskq_open(&x->q, o->storage, o->storage_max_bytes, false);
		size_t stray = o->storage_old ? diskq_files(o->storage_old) : 0;
		if (stray)
			/* their seqs are another ring's: taking them in could
			 * shadow this ring's records */
			log_msg(LOG_WARN,
				"exporter %s: %s holds %zu disk-queue files of the layout "
				"before pipelines (one queue an exporter); they are kept, not sent (this "
				"pipeline's queue is %s)",
				x->label, o->storage_old, stray, o->storage);
		if (rc < 0) {
			char why[600] = "";
			if (rc == -EPERM || rc == -ENOTDIR)
				deadletter_dir_ready(o->storage, why, sizeof(why));
			if (why[0])
				log_msg(LOG_ERROR, "exporter %s: disk queue: %s", x->label, why);
			else
				log_msg(LOG_ERROR, "exporter %s: disk queue %s: %s", x->label, o->storage,
					strerror(-rc));
			diskq_close(&x->q);
			free(x->att);
			free(x);
			return rc;
		}
		x->has_q = true;
		if (diskq_count(&x->q))
			log_msg(LOG_INFO,
				"exporter %s: disk queue holds %zu batches (%llu bytes) from before",
				x->label, diskq_count(&x->q), (unsigned long long)diskq_bytes(&x->q));
	}
	/* the transport was handed over: from here deliver_free owns it */
	d->x[d->nx++] = x;
	return 0;
}

void deliver_free(struct deliver *d)
{
	for (unsigned i = 0; i < d->nx; i++) {
		struct dexp *x = d->x[i];
		/* the transport first: freeing it joins its compression worker,
		 * which may still be reading a body below (an own buffer) */
		if (x->ops && x->ops->free)
			x->ops->free(x->t);
		for (uint32_t k = 0; k < x->natt; k++) {
			net_timer_cancel(d->loop, &x->att[k].timer);
			free(x->att[k].own);
		}
		held_free(x);
		if (x->has_q)
			diskq_close(&x->q);
		free(x->att);
		free(x);
	}
	d->nx = 0;
	if (d->set) {
		for (unsigned k = 0; k < d->set->n; k++)
			if (d->set->d[k] == d) {
				d->set->d[k] = d->set->d[--d->set->n];
				break;
			}
		d->set = NULL;
	}
	if (d->st)
		stats_set(d->st, STAT_EXPORT_DEGRADED, 0);
	window_free(&d->w);
}

void deliver_batch_done(struct dexp *x, uint64_t win_idx)
{
	struct window *w = &x->d->w;
	if (window_done(w, win_idx, x->bit) == 0) {
		const struct window_batch *b = window_at(w, win_idx);
		x->pending_bytes -= b->ring_end - b->ring_start;
		/* after the outcome (ack, dead letter, spill) and before the
		 * tail can pass it: a restart skips it for this exporter */
		donemark_set(&x->done, b->seq);
	}
}

void deliver_attempt_release(struct attempt *a)
{
	struct deliver *d = a->x->d;
	net_timer_cancel(d->loop, &a->timer);
	a->state = ATT_FREE;
	a->dlq_retry = false;
	a->resend = false;
	a->body = NULL;
	d->inflight--;
}

void deliver_attempt_finish(struct attempt *a)
{
	struct dexp *x = a->x;
	if (a->from_disk)
		diskq_remove(&x->q, a->seq);
	else
		deliver_batch_done(x, a->win_idx);
	deliver_attempt_release(a);
}

static int spill(struct dexp *x, uint64_t seq, uint32_t items, uint64_t ingest_ns, const uint8_t *body,
		 uint32_t len)
{
	struct diskq_rec r = { .seq = seq, .ingest_ns = ingest_ns, .items = items, .len = len };
	int rc = diskq_push(&x->q, &r, body);
	if (rc == -ENOSPC && !x->q_full) /* once per episode, not per batch */
		log_msg(LOG_WARN, "exporter %s: disk queue full (%llu bytes); ring %s now holds the rest",
			x->label, (unsigned long long)diskq_bytes(&x->q), x->d->ring_name);
	else if (rc < 0 && rc != -ENOSPC)
		log_msg(LOG_ERROR, "exporter %s: disk queue write failed: %s", x->label, strerror(-rc));
	if (rc == -ENOSPC)
		x->q_full = true;
	else if (rc == 0 && diskq_bytes(&x->q) < x->q.max_bytes / 2)
		x->q_full = false; /* well below the limit again: a new episode may log */
	return rc;
}

static void attempt_send(struct attempt *a)
{
	struct dexp *x = a->x;
	struct deliver *d = x->d;
	if (a->state == ATT_FREE) {
		d->inflight++;
		a->tries = 0;
		a->first_ns = net_loop_now_ns(d->loop);
	}
	a->state = ATT_SENDING;
	a->tries++;
	a->sent_ns = x->duration ? rt_mono_ns() : 0;
	int rc = x->ops->send(x->t, a);
	if (rc < 0 && a->state == ATT_SENDING) {
		struct outcome o = { .cls = RETRY_AGAIN, .hint_ms = -1, .reason = "send could not start" };
		deliver_complete(a, &o);
	}
}

static void retry_fire(struct net_timer *t, void *arg)
{
	(void)t;
	struct attempt *a = arg;
	if (a->state != ATT_WAITING)
		return;
	if (a->dlq_retry) {
		a->dlq_retry = false;
		held_refused(a);
	} else {
		attempt_send(a);
	}
	deliver_pump(a->x->d);
}

void deliver_complete(struct attempt *a, const struct outcome *o)
{
	struct dexp *x = a->x;
	struct deliver *d = x->d;
	if (a->state != ATT_SENDING)
		return;
	if (x->duration)
		hist_observe(x->duration, rt_mono_ns() - a->sent_ns);
	if (o->cls == RETRY_OK) {
		deliver_count(d, STAT_REQUESTS, 1);
		deliver_count(d, STAT_EXPORT_SENT_SPANS, a->items);
		deliver_count_exporter(x, true, a->items);
		deliver_count(d, STAT_SPANS_OUT, a->items);
		deliver_count(d, STAT_BYTES_OUT, a->len);
		if (x->receipt_to_ack)
			hist_observe(x->receipt_to_ack, hist_age_ns(a->ingest_ns, rt_real_ns()));
		if (o->rejected) {
			deliver_count(d, STAT_EXPORT_PARTIAL_REJECTED, o->rejected);
			log_msg(LOG_WARN, "exporter %s: backend rejected %llu of %u %s of batch seq %llu: %s",
				x->label, (unsigned long long)o->rejected, a->items, d->sig->item_text,
				(unsigned long long)a->seq, o->reason ? o->reason : "");
		}
		x->degraded = false;
		held_on_ack(x, a);
		deliver_attempt_finish(a);
		deliver_pump(d);
		return;
	}
	deliver_count(d, STAT_REQUESTS_FAILED, 1);
	snprintf(a->reason, sizeof(a->reason), "%s", o->reason ? o->reason : "failed");
	a->dstatus = o->status;
	if (o->cls == RETRY_AGAIN) {
		x->degraded = true;
		/* with a disk queue, a failing backend must not pin the ring */
		if (x->has_q && !a->from_disk &&
		    spill(x, a->seq, a->items, a->ingest_ns, a->body, a->len) == 0) {
			log_msg(LOG_DEBUG, "exporter %s: batch seq %llu spilled to disk: %s", x->label,
				(unsigned long long)a->seq, a->reason);
			deliver_attempt_finish(a);
			deliver_pump(d);
			return;
		}
		uint64_t elapsed = (net_loop_now_ns(d->loop) - a->first_ns) / 1000000ULL;
		int64_t delay = retry_next_delay(&x->retry, a->tries, elapsed, o->hint_ms, &x->rng);
		if (delay >= 0) {
			log_msg(LOG_DEBUG, "exporter %s: batch seq %llu try %u failed (%s), next in %lld ms",
				x->label, (unsigned long long)a->seq, a->tries, a->reason, (long long)delay);
			deliver_count(d, STAT_EXPORT_RETRIES, 1);
			deliver_count_comp(x, DELIVER_C_RETRIES, 1);
			a->state = ATT_WAITING;
			net_timer_arm(d->loop, &a->timer, (uint64_t)delay);
			st_gauges(d);
			return;
		}
		char why[sizeof(a->reason)];
		snprintf(why, sizeof(why), "%s", a->reason);
		snprintf(a->reason, sizeof(a->reason), "retries exhausted: %.140s", why);
	}
	held_refused(a);
	deliver_pump(d);
}

/* Next thing to send: disk queue first (it is older), then held batches
 * due for a re-send, then the window. */
static bool attempt_fill(struct dexp *x, struct attempt *a)
{
	struct deliver *d = x->d;
	uint64_t seq;
	while (x->has_q && diskq_next(&x->q, &seq) == 0) {
		struct diskq_rec r;
		int rc = diskq_load(&x->q, seq, &a->own, &a->own_cap, &r);
		if (rc < 0) {
			log_msg(LOG_ERROR, "exporter %s: disk queue entry %llu unreadable (%s); removed",
				x->label, (unsigned long long)seq, strerror(-rc));
			diskq_remove(&x->q, seq);
			continue;
		}
		a->from_disk = true;
		a->resend = false;
		a->seq = r.seq;
		a->body = a->own;
		a->len = r.len;
		a->items = r.items;
		a->ingest_ns = r.ingest_ns;
		return true;
	}
	if (held_fill(x, a))
		return true;
	while (x->cursor < d->w.head) {
		/* every batch is checked when the first cursor reaches it, sent
		 * to this exporter or not, so the checked ones are a prefix */
		if (deliver_batch_check(d, x->cursor) < 0)
			return false; /* cut there: read again */
		uint64_t i = x->cursor++;
		struct window_batch *b = window_at(&d->w, i);
		if (!(b->pending & (1u << x->bit)))
			continue;
		a->from_disk = false;
		a->resend = false;
		a->win_idx = i;
		a->seq = b->seq;
		a->body = b->body;
		a->len = b->len;
		a->items = b->items;
		a->ingest_ns = b->ingest_ns;
		return true;
	}
	return false;
}

static void dispatch(struct dexp *x)
{
	struct deliver *d = x->d;
	/* spill while the backend fails, or while older batches wait on disk
	 * (so the queue drains in order) */
	if (x->has_q && (x->degraded || diskq_count(&x->q) > 0)) {
		while (x->cursor < d->w.head) {
			if (deliver_batch_check(d, x->cursor) < 0)
				return;
			struct window_batch *b = window_at(&d->w, x->cursor);
			if (b->pending & (1u << x->bit)) {
				if (spill(x, b->seq, b->items, b->ingest_ns, b->body, b->len) < 0)
					break;
				deliver_batch_done(x, x->cursor);
			}
			x->cursor++;
		}
	}
	for (uint32_t k = 0; k < x->natt; k++) {
		struct attempt *a = &x->att[k];
		if (a->state != ATT_FREE)
			continue;
		if (!attempt_fill(x, a))
			break;
		attempt_send(a);
	}
}

int deliver_pump(struct deliver *d)
{
	if (d->busy) {
		d->again = true;
		return 0;
	}
	d->busy = true;
	int total = 0, rc = 0;
	do {
		d->again = false;
		rc = deliver_read_ring(d);
		if (rc > 0)
			total += rc;
		for (unsigned i = 0; i < d->nx; i++)
			dispatch(d->x[i]);
		uint64_t pos, seq;
		if (window_release(&d->w, &pos, &seq) > 0) {
			ring_commit(d->ring, pos);
			d->last_seq = seq;
			d->again = true; /* room in the window again */
		}
		/* every record before the cursor is released or was skipped as
		 * corrupt: the skipped bytes need no batch to be committed */
		if (!window_count(&d->w) && !d->verify_next &&
		    ring_cursor(d->ring) != ring_committed(d->ring))
			ring_commit(d->ring, ring_cursor(d->ring));
	} while (d->again && rc >= 0);
	d->busy = false;
	st_gauges(d);
	return rc < 0 ? rc : total;
}

bool deliver_drained(const struct deliver *d, bool include_disk)
{
	if (window_count(&d->w))
		return false;
	for (unsigned i = 0; i < d->nx; i++) {
		const struct dexp *x = d->x[i];
		/* a disk queue outlives us: wait for it only while its backend
		 * answers (a failing one keeps it for the next start) */
		if (x->has_q && diskq_count(&x->q) && include_disk && !x->degraded)
			return false;
		if (!x->has_q)
			for (uint32_t k = 0; k < x->natt; k++)
				if (x->att[k].state != ATT_FREE)
					return false;
	}
	return true;
}
