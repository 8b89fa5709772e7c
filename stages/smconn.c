/* stages/smconn.c: a spanmetrics connector in the process stage
 * (stages/smconn.h): the region, the feed over the wire form, the flush. */
#include "stages/smconn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/plan.h"
#include "rt/clock.h"

/* Attaches the aggregation to its region; a fresh region (all zeros) is
 * formatted. A region the aggregation refuses (formatted for other
 * settings, or damaged) is formatted anew, loudly: its counts cannot be
 * trusted, and refusing would stop the traces pipeline with it. */
static int attach(struct smconn *s, struct segment *seg, char *err, size_t errlen)
{
	char name[SEG_NAME_SIZE + 16];
	uint64_t size = 0;
	void *region;
	int rc;

	agg_config_region_name(s->cfg, name, sizeof(name));
	region = segment_aux(seg, name, &size);
	if (!region) {
		snprintf(err, errlen,
			 "connector %s: the segment has no region \"%s\" (the supervisor makes it)",
			 s->cfg->id, name);
		return -ENOENT;
	}
	if (size < agg_region_size(&s->ac.params)) {
		snprintf(err, errlen, "connector %s: region \"%s\" holds %llu bytes, the settings need %zu",
			 s->cfg->id, name, (unsigned long long)size, agg_region_size(&s->ac.params));
		return -ENOSPC;
	}
	rc = agg_attach(&s->agg, region, (size_t)size, &s->ac.params);
	if (rc == -ESTALE || rc == -EBADMSG)
		log_msg(LOG_ERROR,
			"connector %s: the span-metrics state in region \"%s\" is %s; starting "
			"from zero counts",
			s->cfg->id, name, rc == -ESTALE ? "for other settings" : "damaged");
	if (rc == -ENODATA || rc == -ESTALE || rc == -EBADMSG) {
		if ((rc = agg_format(region, (size_t)size, &s->ac.params, rt_real_ns())) == 0)
			rc = agg_attach(&s->agg, region, (size_t)size, &s->ac.params);
	}
	if (rc < 0) {
		snprintf(err, errlen, "connector %s: region \"%s\": %s", s->cfg->id, name, strerror(-rc));
		return rc;
	}
	return 0;
}

int smconn_new(struct smconn **out, const struct sluice_config *cfg, size_t k, struct segment *seg, char *err,
	       size_t errlen)
{
	const struct sluice_connector *c = &cfg->connectors[k];
	struct smconn *s;
	char why[256];
	int rc;

	*out = NULL;
	if (c->type != SLUICE_CONN_SPANMETRICS) {
		snprintf(err, errlen, "connector %s: not a spanmetrics connector", c->id);
		return -EINVAL;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->cfg = c;
	s->index = (uint32_t)k;
	s->in_rings = cfg->plan->connectors[k].in_rings;
	s->interval_ns = c->spanmetrics.metrics_flush_interval_ns;
	if (!s->interval_ns)
		s->interval_ns = 15ull * 1000000000ull;
	if ((rc = agg_config_from(&c->spanmetrics, &s->ac, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "connector %s: %s", c->id, why);
		free(s);
		return rc;
	}
	if ((rc = attach(s, seg, err, errlen)) < 0) {
		free(s);
		return rc;
	}
	s->next_flush_ns = rt_mono_ns() + s->interval_ns;
	*out = s;
	return 0;
}

void smconn_free(struct smconn *s)
{
	if (!s)
		return;
	agg_detach(s->agg);
	free(s->buf);
	free(s);
}

bool smconn_wants(const struct smconn *s, uint32_t ring, uint64_t seq)
{
	return seq > agg_applied_seq(s->agg, smconn_source(s, ring));
}

int smconn_begin(struct smconn *s, uint32_t ring, uint64_t seq)
{
	int rc = agg_begin(s->agg, smconn_source(s, ring), seq, rt_real_ns());

	s->open = rc == 0;
	return rc;
}

int64_t smconn_feed(struct smconn *s, const uint8_t *rs, size_t len)
{
	int64_t n;

	if (!s->open)
		return -EINVAL;
	n = agg_add_wire(s->agg, (struct otlp_bytes){ rs, len });
	if (n > 0)
		s->spans_counted += (uint64_t)n;
	return n;
}

int64_t smconn_feed_facts(struct smconn *s, const uint8_t *rs, size_t len, const struct agg_span_fact *f,
			  uint32_t n_spans)
{
	int64_t n;

	if (!s->open)
		return -EINVAL;
	n = agg_add_spans(s->agg, (struct otlp_bytes){ rs, len }, f, n_spans);
	if (n > 0)
		s->spans_counted += (uint64_t)n;
	return n;
}

int smconn_commit(struct smconn *s)
{
	int rc;

	if (!s->open)
		return 0;
	rc = agg_commit(s->agg);
	s->open = false;
	return rc;
}

int64_t smconn_flush(struct smconn *s, uint64_t now_real_ns)
{
	size_t need = 0;
	int64_t n;

	if (s->pending || s->open)
		return -EBUSY;
	for (;;) {
		if (!s->buf || need > s->cap) {
			size_t cap = need > SMCONN_FLUSH_BUF ? need + need / 4 : SMCONN_FLUSH_BUF;
			uint8_t *b = realloc(s->buf, cap);
			if (!b)
				return -ENOMEM;
			s->buf = b;
			s->cap = cap;
		}
		n = agg_flush(s->agg, now_real_ns, s->buf, s->cap, &need);
		if (n != -ENOSPC)
			break;
		if (need <= s->cap)
			need = s->cap * 2;
	}
	if (n < 0)
		return n;
	s->len = need;
	s->pending = (uint64_t)n;
	s->flush_ns = now_real_ns;
	return n;
}

int smconn_flush_done(struct smconn *s)
{
	int rc;

	if (!s->pending)
		return 0;
	if ((rc = agg_flush_done(s->agg, s->pending)) < 0)
		return rc;
	s->pending = 0;
	s->next_flush_ns = rt_mono_ns() + s->interval_ns;
	return 0;
}

uint64_t smconn_restart_pending(const struct smconn *s)
{
	return agg_flush_pending(s->agg);
}

int smconn_restart_confirm(struct smconn *s, uint64_t n)
{
	return agg_flush_done(s->agg, n);
}

int smconn_restart_cancel(struct smconn *s, uint64_t n)
{
	return agg_flush_cancel(s->agg, n);
}
