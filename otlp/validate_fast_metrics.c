/* otlp/validate_fast_metrics.c: the fast path of the validator for metrics
 * (see validate_fast.h), in the style of the trace and log ones: the rules
 * of check() as one switch per message type on the whole tag, but for the
 * data messages and data points, whose rules come from check()'s schema
 * table; data point attributes matched in runs of the usual shape. Counts
 * data points as check() does: a Metric's data is its last data member.
 * Anything unusual or wrong is "not sure" (-1) and validate.c's table walk
 * decides. */
#include "otlp/validate_fast_inl.h"
#include "otlp/validate_schema.h"

static int fast_exemplar(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0)
	{
	case 2:
	case 3:
	case 6:
		WANT(T(t >> 3, OTLP_WT_I64));
		break; /* time, values */
	case 4:
		WANT_ID(4, 8);
		break;
	case 5:
		WANT_ID(5, 16);
		break;
		ATTRS(7);
	}
	return 0;
}

/* ValueAtQuantile: two doubles. */
static int fast_quantile(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0)
	{
	case 1:
	case 2:
		WANT(T(t >> 3, OTLP_WT_I64));
		break;
	}
	return 0;
}

/* Buckets: offset, and counts as varints (packed or not). */
static int fast_buckets(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0)
	{
	case 1:
		WANT(T(1, OTLP_WT_VARINT));
		break;
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

/* The fields of one data point of message type m (M_NDP, M_HDP, M_EHDP,
 * M_SDP). The four types share most fields under other numbers, so their
 * rules are read from check()'s schema table (validate_schema.c) rather
 * than restated here as four switches: what the table walk accepts for a
 * point's scalar, the fast path accepts alike. */
static int fast_point(const uint8_t *p0, size_t len0, enum vmsg m)
{
	FIELDS(p0, len0)
	{
	default: {
		if ((t >> 3) >= VSCHEMA_MAXF || !otlp_vschema[m][t >> 3].known)
			break; /* unknown (or removed) field: skipped */
		const struct vfield *s = &otlp_vschema[m][t >> 3];
		if ((t & 7) != s->wt) {
			/* repeated fixed64/double, packed: a LEN of whole words */
			if (!(s->flags & VF_PACK8) || (t & 7) != OTLP_WT_LEN || n % 8 != 0)
				return -1;
			break;
		}
		switch (s->child) {
		case M_NONE: /* numbers: no text, no ids in a data point */
			if (s->idlen || (s->flags & VF_UTF8))
				return -1;
			break;
		case M_KV: /* this attribute, then the run of usual ones after it */
			if (fast_kv_body(v, n, 0) < 0 || fast_attr_run(&p, end, (uint8_t)t) < 0)
				return -1;
			break;
		case M_EXEMPLAR:
			if (fast_exemplar(v, n) < 0)
				return -1;
			break;
		case M_BUCKETS:
			if (fast_buckets(v, n) < 0)
				return -1;
			break;
		case M_QUANTILE:
			if (fast_quantile(v, n) < 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	}
	return 0;
}

/* A Gauge, Sum, Histogram, ExponentialHistogram or Summary (message type
 * data), counting its data points into *items. */
static int fast_data(const uint8_t *p0, size_t len0, enum vmsg data, uint64_t *items)
{
	FIELDS(p0, len0)
	{
	case 1:
		WANT(T(1, OTLP_WT_LEN));
		++*items;
		if (fast_point(v, n, (enum vmsg)otlp_vschema[data][1].child) < 0)
			return -1;
		break;
	case 2:
	case 3: /* aggregation_temporality, Sum.is_monotonic: where the type has them */
		if (otlp_vschema[data][t >> 3].known)
			WANT(T(t >> 3, OTLP_WT_VARINT));
		break;
	}
	return 0;
}

static int fast_metric(const uint8_t *p0, size_t len0, struct otlp_wire_counts *c)
{
	uint64_t data_items = 0; /* of the current data member: the last one wins */
	FIELDS(p0, len0)
	{
	case 1:
	case 2:
	case 3:
		WANT_STR(t >> 3);
		break; /* name, description, unit */
	case 5:
	case 7:
	case 9:
	case 10:
	case 11: {
		uint64_t now = 0;
		WANT(T(t >> 3, OTLP_WT_LEN));
		if (fast_data(v, n, (enum vmsg)otlp_vschema[M_METRIC][t >> 3].child, &now) < 0)
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

int otlp_validate_fast_resource_metrics(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	return fast_resource_level(p, len, c, fast_metric);
}

int otlp_validate_fast_metrics_request(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	return fast_request_level(p, len, c, otlp_validate_fast_resource_metrics);
}
