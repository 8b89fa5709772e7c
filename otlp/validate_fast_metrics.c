/* otlp/validate_fast_metrics.c: the fast path of the validator for metrics
 * (see validate_fast.h), in the style of the trace and log ones: the rules
 * of check() as one switch per message type on the whole tag, data point
 * attributes matched in runs of the usual shape. Counts data points as
 * check() does: a Metric's data is its last data member. Anything unusual
 * or wrong is "not sure" (-1) and validate.c's table walk decides. */
#include "otlp/validate_fast_inl.h"

/* Repeated fixed64/double: one I64, or packed in a LEN of whole words. */
#define WANT_FIXED64S(num) do { \
	if (t == T(num, OTLP_WT_LEN) ? n % 8 != 0 : t != T(num, OTLP_WT_I64)) return -1; \
} while (0)

static int fast_exemplar(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0) {
	case 2: case 3: case 6: WANT(T(t >> 3, OTLP_WT_I64)); break;  /* time, values */
	case 4: WANT_ID(4, 8); break;
	case 5: WANT_ID(5, 16); break;
	ATTRS(7);
	}
	return 0;
}

/* ValueAtQuantile: two doubles. */
static int fast_quantile(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0) {
	case 1: case 2: WANT(T(t >> 3, OTLP_WT_I64)); break;
	}
	return 0;
}

/* Buckets: offset, and counts as varints (packed or not). */
static int fast_buckets(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0) {
	case 1: WANT(T(1, OTLP_WT_VARINT)); break;
	case 2:
		if (t == T(2, OTLP_WT_LEN)) {
			/* whole varints of at most 10 bytes: the last byte ends one */
			unsigned run = 0;
			for (size_t i = 0; i < n; i++)
				if (v[i] & 0x80 ? ++run == 10 : (run = 0))
					return -1;
			if (run)
				return -1;
		} else {
			WANT(T(2, OTLP_WT_VARINT));
		}
		break;
	}
	return 0;
}

/* The fields of one data point of kind kind (5 gauge/sum, 9 histogram,
 * 10 exponential histogram, 11 summary). */
static int fast_point(const uint8_t *p0, size_t len0, unsigned kind)
{
	FIELDS(p0, len0) {
	case 1:  /* exponential histogram: attributes; else removed */
		if (kind == 10) {
			WANT(T(1, OTLP_WT_LEN));
			if (fast_kv_body(v, n, 0) < 0 || fast_attr_run(&p, end, T(1, OTLP_WT_LEN)) < 0)
				return -1;
		}
		break;
	case 2: case 3: case 4: WANT(T(t >> 3, OTLP_WT_I64)); break;  /* times; value, count */
	case 5:
		if (kind != 5) {
			WANT(T(5, OTLP_WT_I64));  /* sum */
			break;
		}
		WANT(T(5, OTLP_WT_LEN));  /* number point: exemplars */
		if (fast_exemplar(v, n) < 0)
			return -1;
		break;
	case 6:
		if (kind == 5) {
			WANT(T(6, OTLP_WT_I64));  /* as_int */
		} else if (kind == 9) {
			WANT_FIXED64S(6);  /* bucket_counts */
		} else if (kind == 10) {
			WANT(T(6, OTLP_WT_VARINT));  /* scale */
		} else {
			WANT(T(6, OTLP_WT_LEN));  /* quantile values */
			if (fast_quantile(v, n) < 0)
				return -1;
		}
		break;
	case 7:
		if (kind == 9) {
			WANT_FIXED64S(7);  /* explicit_bounds */
		} else if (kind == 10) {
			WANT(T(7, OTLP_WT_I64));  /* zero_count */
		} else {
			WANT(T(7, OTLP_WT_LEN));  /* attributes */
			if (fast_kv_body(v, n, 0) < 0 || fast_attr_run(&p, end, T(7, OTLP_WT_LEN)) < 0)
				return -1;
		}
		break;
	case 8:
		if (kind == 9) {
			WANT(T(8, OTLP_WT_LEN));
			if (fast_exemplar(v, n) < 0)
				return -1;
		} else if (kind == 10) {
			WANT(T(8, OTLP_WT_LEN));
			if (fast_buckets(v, n) < 0)
				return -1;
		} else {
			WANT(T(8, OTLP_WT_VARINT));  /* flags */
		}
		break;
	case 9:
		if (kind == 9) {
			WANT(T(9, OTLP_WT_LEN));
			if (fast_kv_body(v, n, 0) < 0 || fast_attr_run(&p, end, T(9, OTLP_WT_LEN)) < 0)
				return -1;
		} else if (kind == 10) {
			WANT(T(9, OTLP_WT_LEN));
			if (fast_buckets(v, n) < 0)
				return -1;
		}
		break;
	case 10:
		if (kind == 9 || kind == 10)
			WANT(T(10, OTLP_WT_VARINT));  /* flags */
		break;
	case 11:
		if (kind == 9) {
			WANT(T(11, OTLP_WT_I64));  /* min */
		} else if (kind == 10) {
			WANT(T(11, OTLP_WT_LEN));
			if (fast_exemplar(v, n) < 0)
				return -1;
		}
		break;
	case 12:
		if (kind == 9 || kind == 10)
			WANT(T(12, OTLP_WT_I64));  /* max; min */
		break;
	case 13: case 14:
		if (kind == 10)
			WANT(T(t >> 3, OTLP_WT_I64));  /* max, zero_threshold */
		break;
	}
	return 0;
}

/* A Gauge, Sum, Histogram, ExponentialHistogram or Summary (type: its
 * field number in Metric), counting its data points into *items. */
static int fast_data(const uint8_t *p0, size_t len0, unsigned type, uint64_t *items)
{
	unsigned kind = type == 7 ? 5 : type;
	FIELDS(p0, len0) {
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		++*items;
		if (fast_point(v, n, kind) < 0)
			return -1;
		break;
	case 2:  /* aggregation_temporality, but for Gauge and Summary */
		if (type != 5 && type != 11)
			WANT(T(2, OTLP_WT_VARINT));
		break;
	case 3:  /* Sum.is_monotonic */
		if (type == 7)
			WANT(T(3, OTLP_WT_VARINT));
		break;
	}
	return 0;
}

static int fast_metric(const uint8_t *p0, size_t len0, struct otlp_wire_counts *c)
{
	uint64_t data_items = 0;  /* of the current data member: the last one wins */
	FIELDS(p0, len0) {
	case 1: case 2: case 3: WANT_STR(t >> 3); break;  /* name, description, unit */
	case 5: case 7: case 9: case 10: case 11: {
		uint64_t now = 0;
		WANT(T(t >> 3, OTLP_WT_LEN));
		if (fast_data(v, n, (unsigned)(t >> 3), &now) < 0)
			return -1;
		c->items += now - data_items;
		data_items = now;
		break;
	}
	case 12:
		WANT(T(12, OTLP_WT_LEN));
		if (fast_kv_body(v, n, 0) < 0 || fast_attr_run(&p, end, T(12, OTLP_WT_LEN)) < 0)
			return -1;
		break;
	}
	return 0;
}

static int fast_scope_metrics(const uint8_t *p0, size_t len0, struct otlp_wire_counts *c)
{
	FIELDS(p0, len0) {
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		if (otlp_vfast_scope(v, n) < 0)
			return -1;
		break;
	case 2:
		WANT(T(2, OTLP_WT_LEN));
		if (fast_metric(v, n, c) < 0)
			return -1;
		break;
	case 3: WANT_STR(3); break;
	}
	return 0;
}

int otlp_validate_fast_resource_metrics(const uint8_t *p0, size_t len0,
					struct otlp_wire_counts *c)
{
	FIELDS(p0, len0) {
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		if (otlp_vfast_resource(v, n) < 0)
			return -1;
		break;
	case 2: {
		WANT(T(2, OTLP_WT_LEN));
		uint64_t before = c->items;
		c->scopes++;
		if (fast_scope_metrics(v, n, c) < 0)
			return -1;
		c->scopes_with_items += c->items > before;
		break;
	}
	case 3: WANT_STR(3); break;
	}
	return 0;
}

int otlp_validate_fast_metrics_request(const uint8_t *p0, size_t len0,
				       struct otlp_wire_counts *c)
{
	FIELDS(p0, len0) {
	case 1: {
		WANT(T(1, OTLP_WT_LEN));
		uint64_t before = c->items;
		c->resources++;
		if (otlp_validate_fast_resource_metrics(v, n, c) < 0)
			return -1;
		c->resources_with_items += c->items > before;
		break;
	}
	}
	return 0;
}
