/* otlp/wire.c: the field reader, repeated-field iterator and the shallow
 * per-message decoders. Every pointer advance is checked against the end of
 * the enclosing message first, so no input can make us read outside it. */
#include "otlp/wire.h"
#include "otlp/wire_decode.h"

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

int otlp_wire_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	for (unsigned i = 0; i < 10; i++) {
		if (p >= end)
			return -EBADMSG;
		uint8_t b = *p++;
		r |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*pp = p;
			*v = r;
			return 0;
		}
	}
	return -EBADMSG;
}

size_t otlp_wire_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

uint8_t *otlp_wire_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

void otlp_wire_reader_init(struct otlp_wire_reader *r, const void *buf, size_t len)
{
	r->p = buf;
	r->end = len ? r->p + len : r->p; /* no arithmetic on a NULL buffer */
}

int otlp_wire_next(struct otlp_wire_reader *r, struct otlp_wire_field *f)
{
	return otlp_wire_field_next(r, f);
}

void otlp_wire_iter_init(struct otlp_wire_iter *it, struct otlp_bytes msg, uint32_t num)
{
	otlp_wire_reader_init(&it->r, msg.p, msg.len);
	it->num = num;
}

int otlp_wire_iter_next(struct otlp_wire_iter *it, struct otlp_bytes *out)
{
	struct otlp_wire_field f;
	int rc;

	while ((rc = otlp_wire_field_next(&it->r, &f)) > 0) {
		if (f.num != it->num)
			continue;
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		*out = f.b;
		return 1;
	}
	return rc;
}

/* The decoders below use wire_decode.h's shorthands: WANT (a field must
 * have the wire type its schema says), WANT_ID, FOR_EACH_FIELD. */

int otlp_wire_resource_spans(struct otlp_bytes msg, struct otlp_resource_spans *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_F_RS_RESOURCE:
			WANT(OTLP_WT_LEN);
			out->resource = f.b;
			out->has_resource = 1;
			break;
		case OTLP_F_RS_SCOPE_SPANS:
			WANT(OTLP_WT_LEN);
			out->n_scope_spans++;
			break;
		case OTLP_F_RS_SCHEMA_URL:
			WANT(OTLP_WT_LEN);
			out->schema_url = f.b;
			break;
		}
	}
	return rc;
}

int otlp_wire_resource(struct otlp_bytes msg, struct otlp_resource *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_F_RESOURCE_ATTRIBUTES:
			WANT(OTLP_WT_LEN);
			out->n_attributes++;
			break;
		case OTLP_F_RESOURCE_DROPPED:
			WANT(OTLP_WT_VARINT);
			out->dropped_attributes_count = (uint32_t)f.u64;
			break;
		case OTLP_F_RESOURCE_ENTITY_REFS:
			WANT(OTLP_WT_LEN);
			out->n_entity_refs++;
			break;
		}
	}
	return rc;
}

int otlp_wire_scope_spans(struct otlp_bytes msg, struct otlp_scope_spans *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_F_SS_SCOPE:
			WANT(OTLP_WT_LEN);
			out->scope = f.b;
			out->has_scope = 1;
			break;
		case OTLP_F_SS_SPANS:
			WANT(OTLP_WT_LEN);
			out->n_spans++;
			break;
		case OTLP_F_SS_SCHEMA_URL:
			WANT(OTLP_WT_LEN);
			out->schema_url = f.b;
			break;
		}
	}
	return rc;
}

int otlp_wire_scope(struct otlp_bytes msg, struct otlp_scope *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_F_SCOPE_NAME:
			WANT(OTLP_WT_LEN);
			out->name = f.b;
			break;
		case OTLP_F_SCOPE_VERSION:
			WANT(OTLP_WT_LEN);
			out->version = f.b;
			break;
		case OTLP_F_SCOPE_ATTRIBUTES:
			WANT(OTLP_WT_LEN);
			out->n_attributes++;
			break;
		case OTLP_F_SCOPE_DROPPED:
			WANT(OTLP_WT_VARINT);
			out->dropped_attributes_count = (uint32_t)f.u64;
			break;
		}
	}
	return rc;
}

int otlp_wire_span(struct otlp_bytes msg, struct otlp_span *out)
{
	memset(out, 0, sizeof(*out));
	out->raw = msg;
	FOR_EACH_FIELD(msg)
	{
		int err = otlp_wire_span_field(out, &f);
		if (err < 0)
			return err;
	}
	return rc;
}

int otlp_wire_event(struct otlp_bytes msg, struct otlp_event *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_F_EVENT_TIME:
			WANT(OTLP_WT_I64);
			out->time_unix_nano = f.u64;
			break;
		case OTLP_F_EVENT_NAME:
			WANT(OTLP_WT_LEN);
			out->name = f.b;
			break;
		case OTLP_F_EVENT_ATTRIBUTES:
			WANT(OTLP_WT_LEN);
			out->n_attributes++;
			break;
		case OTLP_F_EVENT_DROPPED:
			WANT(OTLP_WT_VARINT);
			out->dropped_attributes_count = (uint32_t)f.u64;
			break;
		}
	}
	return rc;
}

int otlp_wire_link(struct otlp_bytes msg, struct otlp_link *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_F_LINK_TRACE_ID:
			WANT_ID(16);
			out->trace_id = f.b;
			break;
		case OTLP_F_LINK_SPAN_ID:
			WANT_ID(8);
			out->span_id = f.b;
			break;
		case OTLP_F_LINK_TRACE_STATE:
			WANT(OTLP_WT_LEN);
			out->trace_state = f.b;
			break;
		case OTLP_F_LINK_ATTRIBUTES:
			WANT(OTLP_WT_LEN);
			out->n_attributes++;
			break;
		case OTLP_F_LINK_DROPPED:
			WANT(OTLP_WT_VARINT);
			out->dropped_attributes_count = (uint32_t)f.u64;
			break;
		case OTLP_F_LINK_FLAGS:
			WANT(OTLP_WT_I32);
			out->flags = (uint32_t)f.u64;
			break;
		}
	}
	return rc;
}

int otlp_wire_status(struct otlp_bytes msg, struct otlp_status *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_F_STATUS_MESSAGE:
			WANT(OTLP_WT_LEN);
			out->message = f.b;
			break;
		case OTLP_F_STATUS_CODE:
			WANT(OTLP_WT_VARINT);
			out->code = (int32_t)f.u64;
			break;
		}
	}
	return rc;
}

int otlp_wire_anyvalue(struct otlp_bytes msg, struct otlp_value *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_VALUE_STRING:
		case OTLP_VALUE_ARRAY:
		case OTLP_VALUE_KVLIST:
		case OTLP_VALUE_BYTES:
			WANT(OTLP_WT_LEN);
			out->type = (enum otlp_value_type)f.num;
			out->u.b = f.b;
			break;
		case OTLP_VALUE_BOOL:
			WANT(OTLP_WT_VARINT);
			out->type = OTLP_VALUE_BOOL;
			out->u.boolean = f.u64 != 0;
			break;
		case OTLP_VALUE_INT:
			WANT(OTLP_WT_VARINT);
			out->type = OTLP_VALUE_INT;
			out->u.i = (int64_t)f.u64;
			break;
		case OTLP_VALUE_DOUBLE:
			WANT(OTLP_WT_I64);
			out->type = OTLP_VALUE_DOUBLE;
			memcpy(&out->u.d, &f.u64, sizeof(double));
			break;
		}
	}
	return rc;
}

int otlp_wire_kv(struct otlp_bytes msg, struct otlp_kv *out)
{
	struct otlp_bytes val = { 0 };
	int has_val = 0;

	memset(out, 0, sizeof(*out));
	{
		FOR_EACH_FIELD(msg)
		{
			switch (f.num) {
			case OTLP_F_KV_KEY:
				WANT(OTLP_WT_LEN);
				out->key = f.b;
				break;
			case OTLP_F_KV_VALUE:
				WANT(OTLP_WT_LEN);
				val = f.b;
				has_val = 1;
				break;
			}
		}
		if (rc < 0)
			return rc;
	}
	return has_val ? otlp_wire_anyvalue(val, &out->value) : 0;
}

int otlp_wire_find_attr(struct otlp_bytes msg, uint32_t attr_field, const char *key, size_t key_len,
			struct otlp_value *out)
{
	struct otlp_wire_iter it;
	struct otlp_bytes kvb;
	int rc;

	otlp_wire_iter_init(&it, msg, attr_field);
	while ((rc = otlp_wire_iter_next(&it, &kvb)) > 0) {
		struct otlp_kv kv;
		int krc = otlp_wire_kv(kvb, &kv);
		if (krc < 0)
			return krc;
		if (kv.key.len == key_len && (key_len == 0 || memcmp(kv.key.p, key, key_len) == 0)) {
			*out = kv.value;
			return 1;
		}
	}
	return rc;
}

struct span_walk {
	otlp_wire_span_fn fn;
	void *arg;
};

static int span_item(void *w, struct otlp_bytes b)
{
	const struct span_walk *sw = w;
	struct otlp_span span;
	int rc = otlp_wire_span(b, &span);

	return sw->fn(sw->arg, &span, rc);
}

int otlp_wire_each_span(struct otlp_bytes req, otlp_wire_span_fn fn, void *arg)
{
	struct span_walk w = { fn, arg };

	return otlp_wire_request_items(req, span_item, &w);
}
