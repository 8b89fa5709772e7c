/* otlp/json_in.c: OTLP/JSON -> protobuf. json-c parses the text (with a depth
 * cap); the message is then built field by field from protobuf-c's
 * descriptors into an arena, packed by protobuf-c, and the arena freed. */
#include "otlp/json.h"
#include "otlp/json_util.h"
#include "otlp/utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
	struct chunk *next;
	max_align_t data[];
};

struct jin {
	struct chunk *chunks;
	char *err;
	size_t err_len;
	char path[512];
	size_t path_len;
};

static void *jalloc(struct jin *j, size_t n)
{
	struct chunk *c = calloc(1, sizeof(*c) + n);

	if (!c)
		return NULL;
	c->next = j->chunks;
	j->chunks = c;
	return c->data;
}

static int jerr(struct jin *j, int rc, const char *fmt, ...)
{
	if (j->err && j->err_len) {
		int n = snprintf(j->err, j->err_len, "%s: ", j->path_len ? j->path : "(top level)");
		if (n >= 0 && (size_t)n < j->err_len) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(j->err + n, j->err_len - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return rc;
}

static size_t path_push(struct jin *j, const char *fmt, const char *key, size_t idx)
{
	size_t old = j->path_len;
	int n;

	if (key)
		n = snprintf(j->path + old, sizeof(j->path) - old, fmt, key);
	else
		n = snprintf(j->path + old, sizeof(j->path) - old, fmt, idx);
	if (n > 0)
		j->path_len = old + (size_t)n < sizeof(j->path) ? old + (size_t)n : sizeof(j->path) - 1;
	return old;
}

static void path_pop(struct jin *j, size_t old)
{
	j->path_len = old;
	j->path[old] = 0;
}

static size_t elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_FLOAT:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

static int is_signed(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 || t == PROTOBUF_C_TYPE_SFIXED32 ||
	       t == PROTOBUF_C_TYPE_INT64 || t == PROTOBUF_C_TYPE_SINT64 || t == PROTOBUF_C_TYPE_SFIXED64;
}

/* An integer from a JSON number or a decimal string. */
static int get_integer(struct jin *j, json_object *v, ProtobufCType t, uint64_t *out)
{
	int sgn = is_signed(t);
	int is32 = elem_size(t) == 4;

	switch (json_object_get_type(v)) {
	case json_type_int:
		if (sgn) {
			int64_t x = json_object_get_int64(v);
			/* json-c keeps numbers past INT64_MAX as unsigned */
			if (x == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX)
				return jerr(j, -EINVAL, "integer %" PRIu64 " out of range",
					    json_object_get_uint64(v));
			if (is32 && (x < INT32_MIN || x > INT32_MAX))
				return jerr(j, -EINVAL, "integer %" PRId64 " out of range", x);
			*out = (uint64_t)x;
		} else {
			/* json-c keeps the sign: a negative number is an error */
			if (json_object_get_int64(v) < 0)
				return jerr(j, -EINVAL, "negative value for an unsigned field");
			uint64_t x = json_object_get_uint64(v);
			if (is32 && x > UINT32_MAX)
				return jerr(j, -EINVAL, "integer %" PRIu64 " out of range", x);
			*out = x;
		}
		return 0;
	case json_type_double: {
		double d = json_object_get_double(v);
		if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0 || (!sgn && d < 0))
			return jerr(j, -EINVAL, "expected an integer, got %g", d);
		*out = sgn ? (uint64_t)(int64_t)d : (uint64_t)d;
		if (is32 && (sgn ? (d < INT32_MIN || d > INT32_MAX) : d > UINT32_MAX))
			return jerr(j, -EINVAL, "integer %g out of range", d);
		return 0;
	}
	case json_type_string: {
		const char *s = json_object_get_string(v);
		char *end;
		errno = 0;
		/* digits only (and a leading '-' when signed): strto*() would
		 * also take spaces and '+', and strtoull() negates "-1" */
		if (!(*s >= '0' && *s <= '9') && !(sgn && *s == '-'))
			return jerr(j, -EINVAL, "expected a%s integer string, got \"%.40s\"",
				    sgn ? "n" : " non-negative", s);
		if (sgn) {
			long long x = strtoll(s, &end, 10);
			if (*end || errno || (is32 && (x < INT32_MIN || x > INT32_MAX)))
				return jerr(j, -EINVAL, "bad integer \"%.40s\"", s);
			*out = (uint64_t)x;
		} else {
			unsigned long long x = strtoull(s, &end, 10);
			if (*end || errno || (is32 && x > UINT32_MAX))
				return jerr(j, -EINVAL, "bad integer \"%.40s\"", s);
			*out = x;
		}
		return 0;
	}
	default:
		return jerr(j, -EINVAL, "expected an integer (number or string)");
	}
}

static int get_double(struct jin *j, json_object *v, double *out)
{
	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
		*out = json_object_get_double(v);
		return 0;
	case json_type_string: {
		const char *s = json_object_get_string(v);
		char *end;
		if (strcmp(s, "NaN") == 0)
			*out = NAN;
		else if (strcmp(s, "Infinity") == 0)
			*out = INFINITY;
		else if (strcmp(s, "-Infinity") == 0)
			*out = -INFINITY;
		else {
			*out = strtod(s, &end);
			if (!*s || *end)
				return jerr(j, -EINVAL, "bad number \"%.40s\"", s);
		}
		return 0;
	}
	default:
		return jerr(j, -EINVAL, "expected a number");
	}
}

static int build(struct jin *j, const ProtobufCMessageDescriptor *d, json_object *o, ProtobufCMessage **out);

/* One scalar or message value of field fd into *slot. */
static int set_value(struct jin *j, const ProtobufCMessageDescriptor *md, const ProtobufCFieldDescriptor *fd,
		     json_object *v, void *slot)
{
	uint64_t u;
	double dv;
	int rc;

	switch (fd->type) {
	case PROTOBUF_C_TYPE_ENUM:
		if (json_object_is_type(v, json_type_string)) {
			const char *s = json_object_get_string(v);
			const ProtobufCEnumValue *ev =
				protobuf_c_enum_descriptor_get_value_by_name(fd->descriptor, s);
			if (!ev) {
				char *end;
				long x = strtol(s, &end, 10);
				if (!*s || *end)
					return jerr(j, -EINVAL, "unknown enum value \"%.40s\"", s);
				*(int32_t *)slot = (int32_t)x;
				return 0;
			}
			*(int32_t *)slot = ev->value;
			return 0;
		}
		if ((rc = get_integer(j, v, PROTOBUF_C_TYPE_INT32, &u)))
			return rc;
		*(int32_t *)slot = (int32_t)u;
		return 0;
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return jerr(j, -EINVAL, "expected true or false");
		*(protobuf_c_boolean *)slot = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
		if ((rc = get_double(j, v, &dv)))
			return rc;
		*(float *)slot = (float)dv;
		return 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		if ((rc = get_double(j, v, &dv)))
			return rc;
		*(double *)slot = dv;
		return 0;
	case PROTOBUF_C_TYPE_STRING: {
		if (!json_object_is_type(v, json_type_string))
			return jerr(j, -EINVAL, "expected a string");
		const char *s = json_object_get_string(v);
		size_t n = (size_t)json_object_get_string_len(v);
		if (strlen(s) != n)
			return jerr(j, -EINVAL, "string contains a NUL character");
		if (!otlp_utf8_valid((const uint8_t *)s, n))
			return jerr(j, -EINVAL, "invalid UTF-8");
		*(const char **)slot = s; /* lives as long as the parsed tree */
		return 0;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *bd = slot;
		if (!json_object_is_type(v, json_type_string))
			return jerr(j, -EINVAL, "expected a string");
		const char *s = json_object_get_string(v);
		size_t n = (size_t)json_object_get_string_len(v);
		if (otlp_json_is_id_field(md->name, fd->name)) {
			size_t want = strcmp(fd->name, "trace_id") == 0 ? 32 : 16;
			if (n != 0 && n != want)
				return jerr(j, -EINVAL, "expected %zu hex digits, got %zu characters", want,
					    n);
			bd->data = jalloc(j, n / 2 + 1);
			if (!bd->data)
				return -ENOMEM;
			if (otlp_json_hex_decode(s, n, bd->data) < 0)
				return jerr(j, -EINVAL, "not a hex string: \"%.40s\"", s);
			bd->len = n / 2;
			return 0;
		}
		bd->data = jalloc(j, n / 4 * 3 + 4);
		if (!bd->data)
			return -ENOMEM;
		long got = otlp_json_b64_decode(s, n, bd->data);
		if (got < 0)
			return jerr(j, -EINVAL, "not base64: \"%.40s\"", s);
		bd->len = (size_t)got;
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		if (!json_object_is_type(v, json_type_object))
			return jerr(j, -EINVAL, "expected an object");
		return build(j, fd->descriptor, v, (ProtobufCMessage **)slot);
	default:
		if ((rc = get_integer(j, v, fd->type, &u)))
			return rc;
		if (elem_size(fd->type) == 4)
			*(uint32_t *)slot = (uint32_t)u;
		else
			*(uint64_t *)slot = u;
		return 0;
	}
}

static int set_field(struct jin *j, const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *fd,
		     json_object *v, uint8_t *m)
{
	if (json_object_is_type(v, json_type_null))
		return 0; /* null = default, as the proto3 JSON mapping says */
	if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
		if (!json_object_is_type(v, json_type_array))
			return jerr(j, -EINVAL, "expected an array");
		size_t n = json_object_array_length(v), es = elem_size(fd->type);
		uint8_t *arr = jalloc(j, n * es + 1);
		if (!arr)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			size_t old = path_push(j, "[%zu]", NULL, i);
			json_object *e = json_object_array_get_idx(v, i);
			if (json_object_is_type(e, json_type_null))
				return jerr(j, -EINVAL, "null in an array");
			int rc = set_value(j, d, fd, e, arr + i * es);
			if (rc)
				return rc;
			path_pop(j, old);
		}
		*(size_t *)(m + fd->quantifier_offset) = n;
		*(void **)(m + fd->offset) = arr;
		return 0;
	}
	int rc = set_value(j, d, fd, v, m + fd->offset);
	if (rc)
		return rc;
	if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)(m + fd->quantifier_offset) = fd->id;
	else if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset &&
		 fd->type != PROTOBUF_C_TYPE_MESSAGE && fd->type != PROTOBUF_C_TYPE_STRING)
		*(protobuf_c_boolean *)(m + fd->quantifier_offset) = 1;
	return 0;
}

static int build(struct jin *j, const ProtobufCMessageDescriptor *d, json_object *o, ProtobufCMessage **out)
{
	uint8_t *m = jalloc(j, d->sizeof_message);

	if (!m)
		return -ENOMEM;
	d->message_init((ProtobufCMessage *)m);
	json_object_object_foreach(o, key, val)
	{
		const ProtobufCFieldDescriptor *fd = NULL;
		for (unsigned i = 0; i < d->n_fields; i++) {
			if (otlp_json_name_matches(d->fields[i].name, key)) {
				fd = &d->fields[i];
				break;
			}
		}
		if (!fd)
			continue; /* unknown names are ignored (OTLP/JSON rule) */
		size_t old = path_push(j, j->path_len ? ".%s" : "%s", key, 0);
		int rc = set_field(j, d, fd, val, m);
		if (rc)
			return rc;
		path_pop(j, old);
	}
	*out = (ProtobufCMessage *)m;
	return 0;
}

int otlp_json_to_pb_as(const ProtobufCMessageDescriptor *desc, const char *json, size_t len,
		       struct otlp_json_buf *out, char *err, size_t err_len)
{
	struct jin j = { .err = err, .err_len = err_len };
	ProtobufCMessage *msg = NULL;
	json_object *root = NULL;
	int rc;

	if (err && err_len)
		err[0] = 0;
	out->len = 0;
	if (len > OTLP_JSON_MAX_INPUT)
		return jerr(&j, -E2BIG, "JSON body of %zu bytes is over the %u byte limit", len,
			    OTLP_JSON_MAX_INPUT);
	json_tokener *tok = json_tokener_new_ex(OTLP_JSON_MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	enum json_tokener_error jr = json_tokener_get_error(tok);
	if (jr == json_tokener_continue || (root && tok->char_offset < (int)len)) {
		/* trailing bytes (other than whitespace) or an unfinished text */
		size_t k = root ? (size_t)tok->char_offset : len;
		while (k < len && (json[k] == ' ' || json[k] == '\n' || json[k] == '\r' || json[k] == '\t'))
			k++;
		if (jr == json_tokener_continue || k < len) {
			rc = jerr(&j, -EINVAL,
				  jr == json_tokener_continue
					  ? "invalid JSON: unexpected end of input"
					  : "invalid JSON: extra data after the value (byte %zu)",
				  k);
			goto done;
		}
	}
	if (!root) {
		rc = jerr(&j, -EINVAL, "invalid JSON: %s (byte %d)", json_tokener_error_desc(jr),
			  tok->char_offset);
		goto done;
	}
	if (!json_object_is_type(root, json_type_object)) {
		rc = jerr(&j, -EINVAL, "expected a JSON object");
		goto done;
	}
	if ((rc = build(&j, desc, root, &msg)))
		goto done;
	size_t n = protobuf_c_message_get_packed_size(msg);
	if ((rc = otlp_json_buf_reserve(out, n + 1)))
		goto done;
	out->len = protobuf_c_message_pack(msg, out->data);
done:
	json_tokener_free(tok);
	json_object_put(root);
	while (j.chunks) {
		struct chunk *c = j.chunks;
		j.chunks = c->next;
		free(c);
	}
	return rc;
}

int otlp_json_to_pb_signal(enum otlp_signal sig, const char *json, size_t len, struct otlp_json_buf *out,
			   char *err, size_t err_len)
{
	const struct otlp_signal_desc *sd = otlp_signal_get(sig);

	if (!sd) {
		if (err && err_len)
			snprintf(err, err_len, "unknown signal %d", (int)sig);
		return -EINVAL;
	}
	return otlp_json_to_pb_as(sd->request_desc, json, len, out, err, err_len);
}

int otlp_json_to_pb(const char *json, size_t len, struct otlp_json_buf *out, char *err, size_t err_len)
{
	return otlp_json_to_pb_signal(OTLP_SIGNAL_TRACES, json, len, out, err, err_len);
}
