/* tools/gen/gen_metrics.c: the metrics template encoder and its stamper.
 *
 * Built bottom-up: a data point, then its type's data message (Gauge, Sum,
 * ...), then the Metric, each embedding the one below, so a point's stamp
 * positions gain each enclosing payload's offset on the way up. Values are
 * plausible (histogram buckets add up to the count) and vary with the
 * point's index. */
#include "tools/gen/gen_req.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen/gen_wb.h"

static const struct {
	unsigned bit;
	const char *word;     /* --metric-types */
	uint32_t field;	      /* Metric's data member */
	uint32_t attrs_field; /* the data point's attributes */
	const char *unit;
} mt[] = {
	{ GEN_MT_GAUGE, "gauge", 5, 7, "1" },	       { GEN_MT_SUM, "sum", 7, 7, "By" },
	{ GEN_MT_HISTOGRAM, "histogram", 9, 9, "ms" }, { GEN_MT_EXP_HISTOGRAM, "exphistogram", 10, 1, "ms" },
	{ GEN_MT_SUMMARY, "summary", 11, 7, "ms" },
};
#define N_MT (sizeof(mt) / sizeof(mt[0]))

int gen_metric_types_parse(const char *text, unsigned *types)
{
	*types = 0;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, ",");
		size_t k = 0;
		if (n == 3 && !strncmp(p, "all", 3)) {
			*types |= GEN_MT_ALL;
		} else {
			for (; k < N_MT; k++)
				if (strlen(mt[k].word) == n && !strncmp(p, mt[k].word, n))
					break;
			if (k == N_MT)
				return -EINVAL;
			*types |= mt[k].bit;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return *types ? 0 : -EINVAL;
}

/* start_time and time, consecutive (the stamper relies on it). */
static void dp_times(struct wb *w, struct gen_item_pos *pos)
{
	pos->time = (uint32_t)w->len + 1;
	wb_fixed64(w, 2, 0);
	wb_fixed64(w, 3, 0);
}

static void dp_attrs(struct wb *w, uint32_t field, uint32_t attrs, uint32_t i, struct gen_item_pos *pos)
{
	pos->id = (uint32_t)wb_id_attr(w, field);
	for (uint32_t k = 0; k < attrs; k++)
		wb_attr(w, field, k, i);
}

/* Packed repeated field of n 8-byte values. */
static void wb_packed64(struct wb *w, uint32_t field, const uint64_t *v, size_t n)
{
	wb_tag(w, field, 2);
	wb_varint(w, 8 * n);
	for (size_t k = 0; k < n; k++) {
		uint8_t b[8];
		gen_put_le64(b, v[k]);
		wb_put(w, b, 8);
	}
}

static uint64_t dbits(double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	return v;
}

/* One data point of type index t, fields in number order. */
static void gen_point(struct wb *w, size_t t, uint32_t i, uint32_t attrs, struct gen_item_pos *pos)
{
	uint64_t count = 10 + i % 90;
	double sum = (double)count * 12.5;
	pos->ctx = pos->observed = GEN_NO_CTX;
	switch (mt[t].bit) {
	case GEN_MT_GAUGE:
	case GEN_MT_SUM:
		dp_times(w, pos);
		if (mt[t].bit == GEN_MT_GAUGE) {
			wb_double(w, 4, 0.25 * (i % 400)); /* as_double */
		} else {
			wb_tag(w, 6, 1); /* as_int (sfixed64) */
			uint8_t b[8];
			gen_put_le64(b, 1000000 + (uint64_t)i * 4096);
			wb_put(w, b, 8);
		}
		dp_attrs(w, 7, attrs, i, pos);
		break;
	case GEN_MT_HISTOGRAM: {
		static const double bounds[] = { 5, 10, 25, 50, 100 };
		uint64_t b[6] = { count / 8, count / 4, count / 4, count / 4, count / 8, 0 };
		b[5] = count - b[0] - b[1] - b[2] - b[3] - b[4];
		uint64_t bb[5];
		for (int k = 0; k < 5; k++)
			bb[k] = dbits(bounds[k]);
		dp_times(w, pos);
		wb_fixed64(w, 4, count);
		wb_double(w, 5, sum);
		wb_packed64(w, 6, b, 6);
		wb_packed64(w, 7, bb, 5);
		dp_attrs(w, 9, attrs, i, pos);
		wb_double(w, 11, 0.5); /* min */
		wb_double(w, 12, 250); /* max */
		break;
	}
	case GEN_MT_EXP_HISTOGRAM: {
		dp_attrs(w, 1, attrs, i, pos);
		dp_times(w, pos);
		wb_fixed64(w, 4, count);
		wb_double(w, 5, sum);
		wb_uint(w, 6, 2 * 3); /* scale 3, zigzag */
		wb_fixed64(w, 7, 1);  /* zero_count */
		struct wb bk = { 0 }, cnt = { 0 };
		uint64_t left = count - 1;
		for (int k = 0; k < 4; k++) {
			uint64_t c = k < 3 ? left / 4 : left - 3 * (left / 4);
			wb_varint(&cnt, c);
		}
		wb_uint(&bk, 1, 2 * 10); /* offset 10, zigzag */
		wb_msg(&bk, 2, &cnt);	 /* bucket_counts, packed */
		wb_msg(w, 8, &bk);	 /* positive */
		free(bk.p);
		free(cnt.p);
		wb_double(w, 12, 0.5);
		wb_double(w, 13, 250);
		break;
	}
	default: { /* summary */
		static const double q[] = { 0.5, 0.9, 0.99 };
		dp_times(w, pos);
		wb_fixed64(w, 4, count);
		wb_double(w, 5, sum);
		for (int k = 0; k < 3; k++) {
			struct wb vq = { 0 };
			wb_double(&vq, 1, q[k]);
			wb_double(&vq, 2, 10.0 * (k + 1) + i % 7);
			wb_msg(w, 6, &vq);
			free(vq.p);
		}
		dp_attrs(w, 7, attrs, i, pos);
		break;
	}
	}
}

static void pos_shift(struct gen_item_pos *p, uint32_t n, size_t by)
{
	for (uint32_t k = 0; k < n; k++) {
		p[k].id += (uint32_t)by;
		p[k].time += (uint32_t)by;
	}
}

int gen_req_build_metrics(struct gen_req *r, uint32_t n, uint32_t attrs, uint32_t per_metric, unsigned types,
			  const char *service, uint64_t run)
{
	memset(r, 0, sizeof(*r));
	types &= GEN_MT_ALL;
	if (n == 0 || per_metric == 0 || !types)
		return -EINVAL;
	r->pos = calloc(n, sizeof(*r->pos));
	if (!r->pos)
		return -ENOMEM;
	r->n_spans = n;
	r->run = run;
	r->signal = 2;

	size_t order[N_MT], n_types = 0;
	for (size_t t = 0; t < N_MT; t++)
		if (types & mt[t].bit)
			order[n_types++] = t;
	struct wb items = { 0 }, req = { 0 }, dp = { 0 }, data = { 0 }, metric = { 0 };
	for (uint32_t first = 0, m = 0; first < n && !items.err; first += per_metric, m++) {
		uint32_t cnt = n - first < per_metric ? n - first : per_metric;
		size_t t = order[m % n_types];
		struct gen_item_pos *pos = &r->pos[first];
		data.len = 0;
		for (uint32_t k = 0; k < cnt; k++) {
			dp.len = 0;
			gen_point(&dp, t, first + k, attrs, &pos[k]);
			pos_shift(&pos[k], 1, wb_msg(&data, 1, &dp)); /* data_points */
		}
		if (mt[t].bit == GEN_MT_SUM) {
			wb_uint(&data, 2, 2); /* cumulative */
			wb_uint(&data, 3, 1); /* monotonic */
		} else if (mt[t].bit != GEN_MT_GAUGE && mt[t].bit != GEN_MT_SUMMARY) {
			wb_uint(&data, 2, 2);
		}
		char name[48];
		snprintf(name, sizeof(name), "gen.%s.%u", mt[t].word, m);
		metric.len = 0;
		wb_str(&metric, 1, name);
		wb_str(&metric, 3, mt[t].unit);
		pos_shift(pos, cnt, wb_msg(&metric, mt[t].field, &data));
		pos_shift(pos, cnt, wb_msg(&items, 2, &metric)); /* ScopeMetrics.metrics */
		if (dp.err || data.err || metric.err)
			items.err = -ENOMEM;
		r->n_metrics++;
	}
	size_t base = wb_request(&req, &items, service);
	free(items.p), free(dp.p), free(data.p), free(metric.p);
	if (req.err || req.len > UINT32_MAX) {
		int err = req.err ? req.err : -EINVAL;
		free(req.p);
		gen_req_free(r);
		return err;
	}
	pos_shift(r->pos, n, base);
	r->buf = req.p;
	r->len = req.len;
	return 0;
}

void gen_req_stamp_metrics(struct gen_req *r, uint64_t first_id, uint64_t now_ns)
{
	for (uint32_t i = 0; i < r->n_spans; i++) {
		const struct gen_item_pos *p = &r->pos[i];
		gen_put_hex16(r->buf + p->id, first_id + i);
		gen_put_le64(r->buf + p->time, now_ns - 60000000000ull);
		gen_put_le64(r->buf + p->time + 9, now_ns); /* 8 bytes, then time's tag */
	}
}

void gen_req_stamp_any(struct gen_req *r, uint64_t first_id, uint64_t now_ns)
{
	if (r->signal == 1)
		gen_req_stamp_logs(r, first_id, now_ns);
	else if (r->signal == 2)
		gen_req_stamp_metrics(r, first_id, now_ns);
	else
		gen_req_stamp(r, first_id, now_ns);
}
