/* The export stage's engines, one per OUT ring of the plan. */
#include "exporter/xstage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/plan.h"
#include "exporter/window_cap.h"
#include "net/tls.h"
#include "rt/dirs.h"

static struct xtls_watch *new_watch(void *arg)
{
	struct xstage *s = arg;
	struct xtls_watch **nw = realloc(s->watch, (s->nwatch + 1) * sizeof(*nw));
	if (!nw)
		return NULL;
	s->watch = nw;
	struct xtls_watch *w = calloc(1, sizeof(*w));
	if (w)
		s->watch[s->nwatch++] = w;
	return w;
}

static struct promx *promx_for(void *arg, const struct sluice_exporter *e, char *err, size_t errlen)
{
	struct xstage *s = arg;
	for (unsigned i = 0; i < s->nprom; i++)
		if (s->prom[i].e == e)
			return s->prom[i].p;
	if (s->nprom == sizeof(s->prom) / sizeof(s->prom[0])) {
		snprintf(err, errlen, "exporter %s: too many prometheus exporters", e->id);
		return NULL;
	}
	const struct sluice_prometheus_exporter *c = &e->prometheus;
	struct prom_label labels[64];
	uint32_t nl = 0;
	for (size_t i = 0; i < c->n_const_labels && nl < 64; i++)
		labels[nl++] = (struct prom_label){ c->const_labels[i].name, c->const_labels[i].value };
	struct promx_opts o = {
		.name = e->id, .host = c->endpoint.host, .port = c->endpoint.port,
		.store = {
			.namespace_ = c->namespace_, .const_labels = labels, .n_const_labels = nl,
			.resource_to_telemetry = c->resource_to_telemetry,
			.no_metric_suffixes = !c->add_metric_suffixes,
			.expiration_ns = c->metric_expiration_ns,
		},
		.open_metrics = c->enable_open_metrics,
	};
	struct promx *p;
	if (promx_open(s->loop, &o, &p, err, errlen) < 0)
		return NULL;
	s->prom[s->nprom++] = (struct xprom){ e, p };
	log_msg(LOG_INFO, "exporter %s: serving /metrics on %s:%u", e->id, c->endpoint.host, promx_port(p));
	return p;
}

static void *file_for(void *arg, const struct sluice_exporter *e)
{
	struct xstage *s = arg;
	for (unsigned i = 0; i < s->nfiles; i++)
		if (s->files[i].e == e)
			return s->files[i].t;
	return NULL;
}

static void on_ring(struct net_watch *w, int fd, void *arg)
{
	(void)w;
	struct xengine *x = arg;
	ring_fd_drain(fd);
	int rc = deliver_pump(&x->d);
	if (rc < 0 && !x->s->fatal) {
		x->s->fatal = rc;
		net_loop_stop(x->s->loop);
	}
	if (x->s->after_pump)
		x->s->after_pump(x->s->arg);
}

/* The segment must hold the plan's rings (the supervisor made it from the
 * same plan); a segment made by hand (tests) has unnamed rings. */
static int ring_matches(struct xstage *s, int r)
{
	const struct plan_ring *pr = &s->cfg->plan->rings[r];
	if ((uint32_t)r >= segment_nrings(s->seg)) {
		log_msg(LOG_ERROR,
			"the segment has %u rings, the plan needs ring %d (%s): was it made "
			"for another config?",
			segment_nrings(s->seg), r, pr->name);
		return -EINVAL;
	}
	enum seg_ring_kind k = segment_ring_kind(s->seg, (uint32_t)r);
	if (k != SEG_RING_ANY &&
	    (k != SEG_RING_OUT || strcmp(segment_ring_name(s->seg, (uint32_t)r), pr->name))) {
		log_msg(LOG_ERROR,
			"segment ring %d is \"%s\", the plan says \"%s\": was it made for "
			"another config?",
			r, segment_ring_name(s->seg, (uint32_t)r), pr->name);
		return -EINVAL;
	}
	return 0;
}

static struct seg_component *comp_of(struct xstage *s, int slot)
{
	if (slot < 0 || (uint32_t)slot >= segment_ncomponents(s->seg))
		return NULL;
	return segment_component(s->seg, (uint32_t)slot);
}

static int engine_open(struct xstage *s, struct xengine *x, int r)
{
	const struct sluice_config *cfg = s->cfg;
	const struct plan_ring *pr = &cfg->plan->rings[r];
	const struct sluice_pipeline *pl = &cfg->pipelines[pr->pipeline];
	const struct plan_pipeline *pp = &cfg->plan->pipelines[pr->pipeline];
	int rc;
	x->s = s;
	x->ring_index = r;
	if ((rc = ring_matches(s, r)) < 0)
		return rc;
	if ((rc = segment_ring(s->seg, (uint32_t)r, &x->ring)) < 0) {
		log_msg(LOG_ERROR, "ring %d (%s): %s", r, pr->name, strerror(-rc));
		return rc;
	}
	struct deliver_opts o = {
		.loop = s->loop,
		.ring = &x->ring,
		.st = s->st,
		.set = &s->set,
		.window_cap = window_want(pl),
		.signal = (enum otlp_signal)pl->signal,
		.pipeline = pl->id,
		.ring_name = pr->name,
		.quarantine_dir = s->qdir,
		.ring_age = hist_for(s->seg, HIST_RING_AGE, (uint32_t)r),
	};
	if ((rc = deliver_init(&x->d, &o)) < 0) {
		log_msg(LOG_ERROR, "pipeline %s: %s", pl->id, strerror(-rc));
		return rc;
	}
	x->live = true;
	struct xbuild_ctx bx = {
		.cfg = cfg,
		.loop = s->loop,
		.st = s->st,
		.new_watch = new_watch,
		.watch_arg = s,
		.promx_for = promx_for,
		.file_for = file_for,
		.arg = s,
	};
	for (size_t i = 0; i < pl->n_exporters; i++) {
		const struct sluice_exporter *e = pl->exporters[i];
		struct xbuild_bufs b;
		struct dexp_opts d;
		char err[512] = "";
		void *t = NULL;
		const struct transport_ops *ops = NULL;
		rc = xbuild_exporter(&bx, (size_t)pr->pipeline, e, &t, &ops, &d, &b, err, sizeof(err));
		if (rc < 0) {
			log_msg(LOG_ERROR, "%s", err[0] ? err : strerror(-rc));
			return rc == -EINVAL ? rc : -EINVAL;
		}
		if (e->type == SLUICE_EXP_FILE && !file_for(s, e) &&
		    s->nfiles < sizeof(s->files) / sizeof(s->files[0]))
			s->files[s->nfiles++] = (struct xfile){ e, t };
		d.comp = comp_of(s, pp->exporter_stats[i]);
		if (pp->exporter_stats[i] >= 0) {
			d.receipt_to_ack = hist_for(s->seg, HIST_RECEIPT_TO_ACK,
						    (uint32_t)pp->exporter_stats[i]);
			d.duration = hist_for(s->seg, HIST_EXPORT_DURATION, (uint32_t)pp->exporter_stats[i]);
		}
		/* none (a segment without the region): batches finished before
		 * a crash are sent again, as before done marks */
		donemark_for(s->seg, (uint32_t)r, e->id, &d.done);
		if ((rc = deliver_add(&x->d, &d, ops, t)) < 0) {
			ops->free(t);
			log_msg(LOG_ERROR, "exporter %s: %s", b.label, strerror(-rc));
			return rc;
		}
	}
	if (ring_data_fd(&x->ring) >= 0 &&
	    (rc = net_watch_add(s->loop, ring_data_fd(&x->ring), on_ring, x, &x->w)) < 0) {
		log_msg(LOG_ERROR, "ring %s: cannot watch its eventfd (%s)", pr->name, strerror(-rc));
		return rc;
	}
	log_msg(LOG_INFO, "exporting %s (%s) to %zu exporter(s)%s", pr->name, pl->id, pl->n_exporters,
		ring_data_fd(&x->ring) >= 0 ? "" : " (polling: no eventfd)");
	return 0;
}

int xstage_open(struct xstage *s, const struct sluice_config *cfg, struct segment *seg,
		struct stage_stats *st, struct net_loop *loop)
{
	const struct sluice_plan *plan = cfg->plan;
	s->cfg = cfg;
	s->seg = seg;
	s->st = st;
	s->loop = loop;
	if (dirs_quarantine(cfg, s->qdir, sizeof(s->qdir)) < 0)
		return -ENAMETOOLONG;
	if (plan->n_out > sizeof(s->set.d) / sizeof(s->set.d[0]))
		return -E2BIG;
	s->eng = calloc(plan->n_out ? plan->n_out : 1, sizeof(*s->eng));
	if (!s->eng)
		return -ENOMEM;
	for (uint32_t r = 0; r < plan->n_rings; r++) {
		if (plan->rings[r].kind != PLAN_RING_OUT)
			continue;
		int rc = engine_open(s, &s->eng[s->neng++], (int)r);
		if (rc < 0)
			return rc;
	}
	if (!s->neng)
		log_msg(LOG_WARN, "no pipeline has an exporter: nothing to export");
	return 0;
}

int xstage_pump(struct xstage *s)
{
	int total = 0;
	for (unsigned i = 0; i < s->neng; i++) {
		int rc = deliver_pump(&s->eng[i].d);
		if (rc < 0) {
			if (!s->fatal)
				s->fatal = rc;
			return rc;
		}
		total += rc;
	}
	return total;
}

bool xstage_drained(const struct xstage *s)
{
	for (unsigned i = 0; i < s->neng; i++)
		if (!s->eng[i].d.ring_empty || !deliver_drained(&s->eng[i].d, true))
			return false;
	return true;
}

uint32_t xstage_unfinished(const struct xstage *s)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < s->neng; i++)
		n += window_count(&s->eng[i].d.w);
	return n;
}

uint16_t xstage_prom_port(const struct xstage *s, const char *id)
{
	for (unsigned i = 0; i < s->nprom; i++)
		if (!strcmp(s->prom[i].e->id, id))
			return promx_port(s->prom[i].p);
	return 0;
}

void xstage_close(struct xstage *s)
{
	for (unsigned i = 0; i < s->neng; i++) {
		struct xengine *x = &s->eng[i];
		if (x->w)
			net_watch_remove(x->w);
		x->w = NULL;
		if (x->live)
			deliver_free(&x->d);
		x->live = false;
	}
	for (unsigned i = 0; i < s->nprom; i++)
		promx_close(s->prom[i].p);
	s->nprom = 0;
	s->nfiles = 0;
	free(s->eng);
	s->eng = NULL;
	s->neng = 0;
}

void xstage_free(struct xstage *s)
{
	for (unsigned i = 0; i < s->nwatch; i++)
		free(s->watch[i]);
	free(s->watch);
	s->watch = NULL;
	s->nwatch = 0;
}
