/* agg/sm_flush.c: a flush encodes every live series as OTLP metrics
 * (protobuf written directly, field numbers of opentelemetry/proto/metrics/
 * v1/metrics.proto) and is confirmed or cancelled by number. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agg/pb.h"
#include "agg/sm_layout.h"

static const char *const kind_names[] = {
	"SPAN_KIND_UNSPECIFIED",
	"SPAN_KIND_INTERNAL",
	"SPAN_KIND_SERVER",
	"SPAN_KIND_CLIENT",
	"SPAN_KIND_PRODUCER",
	"SPAN_KIND_CONSUMER",
	"",
};
static const char *const status_names[] = {
	"STATUS_CODE_UNSET",
	"STATUS_CODE_OK",
	"STATUS_CODE_ERROR",
	"",
};

/* metrics.proto field numbers used here */
enum {
	F_REQ_RM = 1,
	F_RM_RESOURCE = 1,
	F_RM_SM = 2,
	F_SM_SCOPE = 1,
	F_SM_METRICS = 2,
	F_M_NAME = 1,
	F_M_UNIT = 3,
	F_M_SUM = 7,
	F_M_HIST = 9,
	F_M_EXPO = 10,
	F_DATA_POINTS = 1,
	F_TEMPORALITY = 2,
	F_SUM_MONOTONIC = 3,
	F_NDP_START = 2,
	F_NDP_TIME = 3,
	F_NDP_EXEMPLARS = 5,
	F_NDP_AS_INT = 6,
	F_NDP_ATTRS = 7,
	F_HDP_START = 2,
	F_HDP_TIME = 3,
	F_HDP_COUNT = 4,
	F_HDP_SUM = 5,
	F_HDP_BUCKETS = 6,
	F_HDP_BOUNDS = 7,
	F_HDP_EXEMPLARS = 8,
	F_HDP_ATTRS = 9,
	F_EDP_ATTRS = 1,
	F_EDP_START = 2,
	F_EDP_TIME = 3,
	F_EDP_COUNT = 4,
	F_EDP_SUM = 5,
	F_EDP_SCALE = 6,
	F_EDP_ZERO = 7,
	F_EDP_POSITIVE = 8,
	F_EDP_EXEMPLARS = 11,
	F_EDP_MIN = 12,
	F_EDP_MAX = 13,
	F_BUCKETS_OFFSET = 1,
	F_BUCKETS_COUNTS = 2,
	F_EX_TIME = 2,
	F_EX_DOUBLE = 3,
	F_EX_SPAN_ID = 4,
	F_EX_TRACE_ID = 5,
	TEMPORALITY_DELTA = 1,
	TEMPORALITY_CUMULATIVE = 2,
};

/* KeyValue{key, value: AnyValue bytes} as field `field`, lengths computed
 * up front (no move). */
static void put_kv(struct pb_w *w, uint32_t field, const char *key, size_t klen, const uint8_t *av,
		   size_t avlen)
{
	size_t inner = 1 + otlp_wire_varint_size(klen) + klen + 1 + otlp_wire_varint_size(avlen) + avlen;
	pb_tag(w, field, OTLP_WT_LEN);
	pb_varint(w, inner);
	pb_bytes(w, 1, key, klen);
	pb_bytes(w, 2, av, avlen);
}

static void put_kv_str(struct pb_w *w, uint32_t field, const char *key, const void *s, size_t n)
{
	size_t klen = strlen(key), avlen = 1 + otlp_wire_varint_size(n) + n;
	size_t inner = 1 + otlp_wire_varint_size(klen) + klen + 1 + otlp_wire_varint_size(avlen) + avlen;
	pb_tag(w, field, OTLP_WT_LEN);
	pb_varint(w, inner);
	pb_bytes(w, 1, key, klen);
	pb_tag(w, 2, OTLP_WT_LEN);
	pb_varint(w, avlen);
	pb_bytes(w, 1, s, n);
}

static void put_attrs(const struct agg *a, struct pb_w *w, uint32_t field, uint8_t *slot)
{
	const struct sm_series *s = (const struct sm_series *)slot;
	if (s->flags & SM_SER_OVERFLOW) {
		static const uint8_t bool_true[] = { 2 << 3 | OTLP_WT_VARINT, 1 };
		put_kv(w, field, "otel.metric.overflow", 20, bool_true, sizeof bool_true);
		return;
	}
	const uint8_t *k = sm_key_of(a, slot), *end = k + s->key_len;
	for (uint32_t c = 0; c < SM_K_DIM0 + a->p.n_dims && end - k >= 2; c++) {
		uint32_t len = (uint32_t)k[0] | (uint32_t)k[1] << 8;
		k += 2;
		if (len == SM_ABSENT)
			continue;
		if (len > (size_t)(end - k))
			break;
		switch (c) {
		case SM_K_SERVICE:
			put_kv_str(w, field, "service.name", k, len);
			break;
		case SM_K_NAME:
			put_kv_str(w, field, "span.name", k, len);
			break;
		case SM_K_KIND: {
			const char *n = kind_names[k[0] <= 6 ? k[0] : 6];
			put_kv_str(w, field, "span.kind", n, strlen(n));
			break;
		}
		case SM_K_STATUS: {
			const char *n = status_names[k[0] <= 3 ? k[0] : 3];
			put_kv_str(w, field, "status.code", n, strlen(n));
			break;
		}
		default:
			put_kv(w, field, a->p.dims[c - SM_K_DIM0].name, a->dim_len[c - SM_K_DIM0], k, len);
		}
		k += len;
	}
}

static void put_exemplars(const struct agg *a, struct pb_w *w, uint32_t field, struct sm_vals *v,
			  uint64_t now)
{
	if (!a->ex_max || v->epoch != a->h->epoch)
		return;
	const struct sm_exemplar *x = sm_ex_of(a, v);
	for (uint32_t i = 0; i < a->ex_max; i++) {
		if (!(v->ex_mask >> i & 1))
			continue;
		size_t m = pb_open(w, field);
		pb_fixed64(w, F_EX_TIME, now);
		pb_double(w, F_EX_DOUBLE, x[i].value);
		pb_bytes(w, F_EX_SPAN_ID, x[i].span_id, 8);
		pb_bytes(w, F_EX_TRACE_ID, x[i].trace_id, 16);
		pb_close(w, m);
	}
}

static void put_calls(const struct agg *a, struct pb_w *w, uint32_t r, uint64_t now)
{
	size_t m = pb_open(w, F_SM_METRICS);
	char name[160];
	size_t nl = a->ns_len ? (size_t)snprintf(name, sizeof name, "%s.calls", a->ns)
			      : (size_t)snprintf(name, sizeof name, "calls");
	pb_bytes(w, F_M_NAME, name, nl);
	size_t sum = pb_open(w, F_M_SUM);
	for (uint32_t i = a->rstart[r]; i < a->rstart[r + 1]; i++) {
		uint8_t *slot = sm_slot(a, a->order[i]);
		struct sm_vals *v = sm_vals_of(slot);
		size_t dp = pb_open(w, F_DATA_POINTS);
		put_attrs(a, w, F_NDP_ATTRS, slot);
		pb_fixed64(w, F_NDP_START, v->start_ns);
		pb_fixed64(w, F_NDP_TIME, now);
		pb_fixed64(w, F_NDP_AS_INT, v->calls); /* sfixed64: same wire bytes */
		put_exemplars(a, w, F_NDP_EXEMPLARS, v, now);
		pb_close(w, dp);
	}
	pb_u64(w, F_TEMPORALITY, a->p.delta ? TEMPORALITY_DELTA : TEMPORALITY_CUMULATIVE);
	pb_u64(w, F_SUM_MONOTONIC, 1);
	pb_close(w, sum);
	pb_close(w, m);
}

static void put_expo_dp(const struct agg *a, struct pb_w *w, uint8_t *slot, uint64_t now)
{
	struct sm_vals *v = sm_vals_of(slot);
	const struct sm_expo *e = sm_expo_of(v);
	size_t dp = pb_open(w, F_DATA_POINTS);
	put_attrs(a, w, F_EDP_ATTRS, slot);
	pb_fixed64(w, F_EDP_START, v->start_ns);
	pb_fixed64(w, F_EDP_TIME, now);
	pb_fixed64(w, F_EDP_COUNT, v->calls);
	pb_double(w, F_EDP_SUM, v->sum);
	pb_u64(w, F_EDP_SCALE, pb_zigzag32(e->scale));
	pb_fixed64(w, F_EDP_ZERO, e->zero_count);
	if (e->n) {
		size_t pos = pb_open(w, F_EDP_POSITIVE);
		pb_u64(w, F_BUCKETS_OFFSET, pb_zigzag32(e->offset));
		size_t packed = 0;
		for (uint32_t i = 0; i < e->n; i++)
			packed += otlp_wire_varint_size(e->counts[i]);
		pb_tag(w, F_BUCKETS_COUNTS, OTLP_WT_LEN);
		pb_varint(w, packed);
		for (uint32_t i = 0; i < e->n; i++)
			pb_varint(w, e->counts[i]);
		pb_close(w, pos);
	}
	put_exemplars(a, w, F_EDP_EXEMPLARS, v, now);
	if (v->calls) {
		pb_double(w, F_EDP_MIN, e->min);
		pb_double(w, F_EDP_MAX, e->max);
	}
	pb_close(w, dp);
}

static void put_duration(const struct agg *a, struct pb_w *w, uint32_t r, uint64_t now)
{
	size_t m = pb_open(w, F_SM_METRICS);
	char name[160];
	size_t nl = a->ns_len ? (size_t)snprintf(name, sizeof name, "%s.duration", a->ns)
			      : (size_t)snprintf(name, sizeof name, "duration");
	pb_bytes(w, F_M_NAME, name, nl);
	pb_str(w, F_M_UNIT, a->p.unit == AGG_UNIT_S ? "s" : "ms");
	int expo = a->p.hist == AGG_HIST_EXPONENTIAL;
	size_t hist = pb_open(w, expo ? F_M_EXPO : F_M_HIST);
	for (uint32_t i = a->rstart[r]; i < a->rstart[r + 1]; i++) {
		uint8_t *slot = sm_slot(a, a->order[i]);
		if (expo) {
			put_expo_dp(a, w, slot, now);
			continue;
		}
		struct sm_vals *v = sm_vals_of(slot);
		size_t dp = pb_open(w, F_DATA_POINTS);
		put_attrs(a, w, F_HDP_ATTRS, slot);
		pb_fixed64(w, F_HDP_START, v->start_ns);
		pb_fixed64(w, F_HDP_TIME, now);
		pb_fixed64(w, F_HDP_COUNT, v->calls);
		pb_double(w, F_HDP_SUM, v->sum);
		pb_tag(w, F_HDP_BUCKETS, OTLP_WT_LEN);
		pb_varint(w, 8ull * a->n_buckets);
		for (uint32_t b = 0; b < a->n_buckets; b++)
			pb_le64(w, sm_counts(v)[b]);
		pb_tag(w, F_HDP_BOUNDS, OTLP_WT_LEN);
		pb_varint(w, 8ull * a->n_bounds);
		for (uint32_t b = 0; b < a->n_bounds; b++)
			pb_le64(w, pb_double_bits(a->bounds[b]));
		put_exemplars(a, w, F_HDP_EXEMPLARS, v, now);
		pb_close(w, dp);
	}
	pb_u64(w, F_TEMPORALITY, a->p.delta ? TEMPORALITY_DELTA : TEMPORALITY_CUMULATIVE);
	pb_close(w, hist);
	pb_close(w, m);
}

/* Groups the live series by resource slot (a counting sort). */
static void group(struct agg *a)
{
	struct sm_hdr *h = a->h;
	memset(a->rstart, 0, (h->n_res + 1) * sizeof *a->rstart);
	for (uint32_t i = 0; i < h->n_series; i++)
		if (a->listed[i / 64] >> (i % 64) & 1)
			a->rstart[((struct sm_series *)sm_slot(a, i))->res + 1]++;
	for (uint32_t r = 0; r < h->n_res; r++)
		a->rstart[r + 1] += a->rstart[r];
	uint32_t *fill = a->touch; /* scratch, zero outside a record */
	for (uint32_t i = 0; i < h->n_series; i++) {
		if (!(a->listed[i / 64] >> (i % 64) & 1))
			continue;
		uint32_t r = ((struct sm_series *)sm_slot(a, i))->res;
		a->order[a->rstart[r] + fill[r]++] = i;
	}
	memset(fill, 0, h->n_res * sizeof *fill);
}

static int series_due(const struct agg *a, uint8_t *slot, uint64_t now)
{
	const struct sm_vals *v = sm_vals_of(slot);
	if (a->p.delta || !a->p.expiration_ns || v->last_ns >= now)
		return 1;
	return now - v->last_ns < a->p.expiration_ns;
}

int64_t agg_flush(struct agg *a, uint64_t now_ns, void *buf, size_t cap, size_t *len)
{
	struct sm_hdr *h = a->h;
	struct pb_w w;
	if (a->open)
		return -EBUSY;
	group(a);
	pb_init(&w, buf, cap);
	for (uint32_t r = 0; r < h->n_res; r++) {
		/* drop the series already expired at now from this flush */
		uint32_t o = a->rstart[r];
		for (uint32_t i = a->rstart[r]; i < a->rstart[r + 1]; i++)
			if (series_due(a, sm_slot(a, a->order[i]), now_ns))
				a->order[o++] = a->order[i];
		if (o == a->rstart[r])
			continue;
		uint32_t keep = a->rstart[r + 1];
		a->rstart[r + 1] = o;
		const struct sm_res *res = (const struct sm_res *)sm_rslot(a, r);
		size_t rm = pb_open(&w, F_REQ_RM);
		size_t rs = pb_open(&w, F_RM_RESOURCE);
		pb_raw(&w, res + 1, res->attrs_len <= h->res_attr_cap ? res->attrs_len : 0);
		pb_close(&w, rs);
		size_t sm = pb_open(&w, F_RM_SM);
		size_t sc = pb_open(&w, F_SM_SCOPE);
		pb_str(&w, 1, "spanmetricsconnector");
		pb_close(&w, sc);
		put_calls(a, &w, r, now_ns);
		if (a->p.hist != AGG_HIST_DISABLED)
			put_duration(a, &w, r, now_ns);
		pb_close(&w, sm);
		pb_close(&w, rm);
		a->rstart[r + 1] = keep;
	}
	if (w.err) {
		*len = w.need;
		return w.err;
	}
	/* plain stores, not the log: the caller publishes only after this
	 * returns, so a crash before the seq store means nothing was
	 * published, and the time is stored first so a pending seq always
	 * comes with its time */
	h->pending_ns = now_ns;
	__atomic_store_n(&h->pending_seq, h->epoch + 1, __ATOMIC_RELEASE);
	*len = w.pos;
	return (int64_t)h->pending_seq;
}

size_t agg_flush_bound(const struct agg *a)
{
	const struct sm_hdr *h = a->h;
	size_t per = 2 * (h->key_cap + 320 + 96 * (size_t)a->p.n_dims) + 2 * 64 * (size_t)a->ex_max;
	per += a->p.hist == AGG_HIST_EXPONENTIAL ? 10 * (size_t)a->expo_max + 128
						 : 16 * (size_t)a->n_buckets + 64;
	return (size_t)a->st.live_series * per +
	       (size_t)(a->st.live_resources + 1) * (h->res_attr_cap + 512) + 64;
}

int agg_flush_done(struct agg *a, uint64_t n)
{
	struct sm_hdr *h = a->h;
	if (a->open)
		return -EBUSY;
	if (n <= h->epoch)
		return 0; /* confirmed before (a restart repeats it): nothing to do */
	if (h->pending_seq != n)
		return -EINVAL;
	int rc = sm_commit_flush(a, n, h->pending_ns);
	if (rc)
		return rc;
	return sm_rebuild(a);
}

int agg_flush_cancel(struct agg *a, uint64_t n)
{
	struct sm_hdr *h = a->h;
	if (n <= h->epoch)
		return -EALREADY;
	if (h->pending_seq != n)
		return -EINVAL;
	__atomic_store_n(&h->pending_seq, 0, __ATOMIC_RELEASE);
	return 0;
}
