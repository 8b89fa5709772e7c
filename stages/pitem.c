/* stages/pitem.c: one input's life in the process stage around its run
 * through the graph (pexec.c): which MID rings and aggregations still need
 * it, its payload's check, and at the end publish, feed-commit or cancel.
 * A MID ring already published for this input (seq <= done) is skipped,
 * so a retry after a full ring or a restart publishes nothing twice. */
#include <errno.h>

#include "shm/crc32c.h"
#include "stages/process_priv.h"

/* m's source slot for the input it (an IN ring or a connector) */
static int mid_slot(const struct px_mid *m, const struct px_item *it)
{
	return it->in >= 0 ? m->slot_in[it->in] : m->slot_conn[it->conn];
}

int px_item_begin(struct process *p, const struct px_item *it, uint64_t entry)
{
	uint64_t reach_mid = 0, reach_sm = 0;

	p->cur = *it;
	p->gen++;
	p->in_rec = NULL;
	p->in_crc_have = p->in_checked = p->in_corrupt = false;
	p->todo_mid = p->todo_sm = p->fed_sm = p->reached = 0;
	p->dropped = p->refused = 0;
	for (uint64_t e = entry; e; e &= e - 1) {
		reach_mid |= p->pipes[__builtin_ctzll(e)].reach_mid;
		reach_sm |= p->pipes[__builtin_ctzll(e)].reach_sm;
	}
	if (it->in >= 0)
		for (uint64_t b = reach_sm & p->sm_mask; b; b &= b - 1) {
			uint32_t k = (uint32_t)__builtin_ctzll(b);
			if (!smconn_wants(p->sm[k], (uint32_t)it->in, it->seq))
				continue;
			if (smconn_pending(p->sm[k])) {
				p->wait_sm = (int)k; /* no record while a flush waits */
				return -EBUSY;
			}
			p->todo_sm |= 1ull << k;
		}
	for (uint64_t b = reach_mid & p->mids; b; b &= b - 1) {
		uint32_t ring = (uint32_t)__builtin_ctzll(b);
		struct px_mid *m = p->mid[ring];
		int slot = mid_slot(m, it);

		if (slot < 0)
			continue; /* not a source of this ring: the plan never does this */
		m->state = it->seq <= m->done[slot] ? PX_SKIP : PX_TODO;
		m->verbatim = NULL;
		m->n_out = m->want = 0;
		m->items = m->bytes = 0;
		p->reached |= 1ull << ring;
		if (m->state == PX_TODO)
			p->todo_mid |= 1ull << ring;
	}
	return (p->todo_mid || p->todo_sm) ? 1 : 0;
}

bool px_in_payload_ok(struct process *p, const struct record *rec)
{
	if (!p->in_crc_have) {
		p->in_crc = crc32c(0, record_cpayload(rec), rec->len);
		p->in_crc_have = true;
	}
	return record_payload_ok(rec, p->in_crc);
}

void px_item_abort(struct process *p)
{
	for (uint64_t b = p->reached; b; b &= b - 1) {
		struct px_mid *m = p->mid[__builtin_ctzll(b)];
		ring_cancel(&m->r);
		m->state = PX_IDLE;
	}
	p->reached = p->todo_mid = p->todo_sm = p->fed_sm = 0;
}

int px_item_end(struct process *p, struct px_wait *w)
{
	int rc;

	w->rings = 0;
	for (uint64_t b = p->fed_sm; b; b &= b - 1)
		if ((rc = smconn_commit(p->sm[__builtin_ctzll(b)])) < 0 && !p->fatal)
			p->fatal = rc;
	p->fed_sm = p->todo_sm = 0;
	for (uint64_t b = p->reached; b; b &= b - 1) {
		uint32_t ring = (uint32_t)__builtin_ctzll(b);
		struct px_mid *m = p->mid[ring];
		int slot = mid_slot(m, &p->cur);

		if (m->state == PX_BLOCKED || p->fatal) {
			ring_cancel(&m->r);
			if (m->state == PX_BLOCKED) {
				w->rings |= 1ull << ring;
				w->len[ring] = m->want;
			}
		} else if (m->state != PX_SKIP) {
			/* a byte copy of the checked input: its CRC, no second sum */
			if (m->verbatim)
				record_seal_payload(m->verbatim, p->in_crc);
			ring_note_source(&m->r, (uint32_t)slot, p->cur.seq);
			if ((rc = ring_publish(&m->r)) < 0 && !p->fatal)
				p->fatal = rc;
			m->done[slot] = p->cur.seq;
			px_count(p, STAT_RECORDS_OUT, (uint64_t)(rc > 0 ? rc : 0));
			px_count(p, STAT_BYTES_OUT, m->bytes);
			px_count(p, STAT_SPANS_OUT, m->items);
		}
		m->state = PX_IDLE;
		m->verbatim = NULL;
	}
	p->reached = 0;
	return p->fatal ? p->fatal : !w->rings;
}
