/* otlp/validate_fast_logs.c: the fast path of the validator for logs (see
 * validate_fast.h), in the style of the trace one (validate_fast.c): the
 * rules of check() as one switch per message type on the whole tag.
 * SDKs write a LogRecord's fields in one of two orders (field number, or
 * the .proto's declaration order, which puts observed_time second), so
 * there is no byte-by-byte head match: the switch takes any order; after
 * an attribute, the run of usual-shape ones that follows is matched byte
 * by byte and its text checked in one go. Anything unusual or wrong
 * is "not sure" (-1) and validate.c's table walk decides. */
#include "otlp/validate_fast_inl.h"

static int fast_log_record(const uint8_t *p0, size_t len0)
{
	FIELDS(p0, len0)
	{
	case 1:
	case 11:
		WANT(T(t >> 3, OTLP_WT_I64));
		break; /* times */
	case 2:
	case 7:
		WANT(T(t >> 3, OTLP_WT_VARINT));
		break; /* severity, dropped */
	case 3:
	case 12:
		WANT_STR(t >> 3);
		break; /* severity text, event */
	case 5:	       /* body: an AnyValue at depth 1 */
		WANT(T(5, OTLP_WT_LEN));
		if (fast_any_body(v, n, 1) < 0)
			return -1;
		break;
	case 6: /* this attribute, then the run of usual ones after it */
		WANT(T(6, OTLP_WT_LEN));
		if (fast_kv_body(v, n, 0) < 0 || fast_attr_run(&p, end, T(6, OTLP_WT_LEN)) < 0)
			return -1;
		break;
	case 8:
		WANT(T(8, OTLP_WT_I32));
		break;
	case 9:
		WANT_ID(9, 16);
		break;
	case 10:
		WANT_ID(10, 8);
		break;
	}
	return 0;
}

/* A log record of a ScopeLogs: one item. */
static int fast_log_item(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	c->items++;
	return fast_log_record(p, len);
}

int otlp_validate_fast_resource_logs(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	return fast_resource_level(p, len, c, fast_log_item);
}

int otlp_validate_fast_logs_request(const uint8_t *p, size_t len, struct otlp_wire_counts *c)
{
	return fast_request_level(p, len, c, otlp_validate_fast_resource_logs);
}
