/* google.rpc.Status with a google.rpc.RetryInfo detail, by hand: the
 * messages are tiny and fixed, so a few varint writes beat a generated
 * codec and its allocations.
 *
 *   Status    { int32 code = 1; string message = 2; repeated Any details = 3; }
 *   Any       { string type_url = 1; bytes value = 2; }
 *   RetryInfo { Duration retry_delay = 1; }
 *   Duration  { int64 seconds = 1; int32 nanos = 2; }
 */
#include "net/grpc.h"

#include <errno.h>
#include <string.h>

static const char retry_info_url[] = "type.googleapis.com/google.rpc.RetryInfo";
#define URL_LEN (sizeof(retry_info_url) - 1)

/* ---- writing: into out[*o..cap), failing with -ENOSPC ---- */
static int put_varint(uint8_t *out, size_t cap, size_t *o, uint64_t v)
{
	do {
		if (*o >= cap)
			return -ENOSPC;
		out[(*o)++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return 0;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v > 0x7f) {
		v >>= 7;
		n++;
	}
	return n;
}

static int put_bytes(uint8_t *out, size_t cap, size_t *o, uint8_t tag, const void *p, size_t len)
{
	if (put_varint(out, cap, o, tag) || put_varint(out, cap, o, len) || cap - *o < len)
		return -ENOSPC;
	if (len)
		memcpy(out + *o, p, len);
	*o += len;
	return 0;
}

ssize_t grpc_details_encode(uint8_t *out, size_t cap, int code, const char *msg, size_t msg_len,
			    int64_t retry_delay_ns)
{
	size_t o = 0;

	if (code != 0 &&
	    (put_varint(out, cap, &o, 0x08) || put_varint(out, cap, &o, (uint64_t)(int64_t)code)))
		return -ENOSPC;
	if (msg_len && put_bytes(out, cap, &o, 0x12, msg, msg_len))
		return -ENOSPC;
	if (retry_delay_ns < 0)
		return (ssize_t)o;

	uint64_t secs = (uint64_t)(retry_delay_ns / 1000000000);
	uint64_t nanos = (uint64_t)(retry_delay_ns % 1000000000);
	size_t dur = (secs ? 1 + varint_len(secs) : 0) + (nanos ? 1 + varint_len(nanos) : 0);
	size_t info = 1 + varint_len(dur) + dur;
	size_t any = 1 + varint_len(URL_LEN) + URL_LEN + 1 + varint_len(info) + info;

	if (put_varint(out, cap, &o, 0x1a) || put_varint(out, cap, &o, any) ||
	    put_bytes(out, cap, &o, 0x0a, retry_info_url, URL_LEN) || put_varint(out, cap, &o, 0x12) ||
	    put_varint(out, cap, &o, info) || put_varint(out, cap, &o, 0x0a) || put_varint(out, cap, &o, dur))
		return -ENOSPC;
	if (secs && (put_varint(out, cap, &o, 0x08) || put_varint(out, cap, &o, secs)))
		return -ENOSPC;
	if (nanos && (put_varint(out, cap, &o, 0x10) || put_varint(out, cap, &o, nanos)))
		return -ENOSPC;
	return (ssize_t)o;
}

/* ---- reading: a bounds-checked cursor ---- */
struct rd {
	const uint8_t *p, *end;
};

static int get_varint(struct rd *r, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end)
			return -EPROTO;
		uint8_t b = *r->p++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -EPROTO;
}

/* Next field: tag, and for length-delimited fields a view of the bytes;
 * other wire types are skipped by value. Returns 1, 0 at end, -EPROTO. */
static int next_field(struct rd *r, uint32_t *field, uint32_t *wt, uint64_t *v, struct rd *sub)
{
	uint64_t key;

	if (r->p == r->end)
		return 0;
	if (get_varint(r, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
		return -EPROTO;
	*field = (uint32_t)(key >> 3);
	*wt = (uint32_t)(key & 7);
	switch (*wt) {
	case 0:
		return get_varint(r, v) ? -EPROTO : 1;
	case 1:
	case 5: {
		size_t n = *wt == 1 ? 8 : 4;
		if ((size_t)(r->end - r->p) < n)
			return -EPROTO;
		r->p += n;
		return 1;
	}
	case 2:
		if (get_varint(r, v) || *v > (uint64_t)(r->end - r->p))
			return -EPROTO;
		sub->p = r->p;
		sub->end = r->p + *v;
		r->p += *v;
		return 1;
	default:
		return -EPROTO;
	}
}

static int decode_duration(struct rd r, int64_t *ns)
{
	uint32_t f, wt;
	uint64_t v;
	struct rd sub;
	int64_t secs = 0, nanos = 0;
	int rc;

	while ((rc = next_field(&r, &f, &wt, &v, &sub)) == 1) {
		if (f == 1 && wt == 0)
			secs = (int64_t)v;
		else if (f == 2 && wt == 0)
			nanos = (int32_t)v;
	}
	if (rc < 0)
		return rc;
	/* A negative or absurd delay is meaningless: clamp to [0, 1 day]. */
	if (secs < 0 || nanos < 0)
		secs = nanos = 0;
	if (secs > 86400)
		secs = 86400;
	*ns = secs * 1000000000 + nanos % 1000000000;
	return 0;
}

static int decode_any(struct rd r, int64_t *delay)
{
	uint32_t f, wt;
	uint64_t v;
	struct rd sub, url = { 0 }, value = { 0 };
	bool have_value = false;
	int rc;

	while ((rc = next_field(&r, &f, &wt, &v, &sub)) == 1) {
		if (f == 1 && wt == 2)
			url = sub;
		else if (f == 2 && wt == 2) {
			value = sub;
			have_value = true;
		}
	}
	if (rc < 0)
		return rc;
	if ((size_t)(url.end - url.p) != URL_LEN || memcmp(url.p, retry_info_url, URL_LEN))
		return 0;
	*delay = 0;
	if (!have_value)
		return 0;
	while ((rc = next_field(&value, &f, &wt, &v, &sub)) == 1) {
		if (f == 1 && wt == 2 && (rc = decode_duration(sub, delay)) < 0)
			return rc;
	}
	return rc;
}

int grpc_details_decode(const uint8_t *in, size_t len, struct grpc_details *d)
{
	struct rd r = { in, in + len }, sub;
	uint32_t f, wt;
	uint64_t v;
	int rc;

	d->code = 0;
	d->message = "";
	d->message_len = 0;
	d->retry_delay_ns = -1;
	while ((rc = next_field(&r, &f, &wt, &v, &sub)) == 1) {
		if (f == 1 && wt == 0) {
			d->code = (int32_t)v;
		} else if (f == 2 && wt == 2) {
			d->message = (const char *)sub.p;
			d->message_len = (size_t)(sub.end - sub.p);
		} else if (f == 3 && wt == 2) {
			if ((rc = decode_any(sub, &d->retry_delay_ns)) < 0)
				return rc;
		}
	}
	return rc;
}

ssize_t grpc_details_bin_encode(char *out, size_t cap, int code, const char *msg, size_t msg_len,
				int64_t retry_delay_ns)
{
	uint8_t tmp[1024];

	/* Long messages are cut: the trailer is a hint, grpc-message has it all. */
	if (msg_len > sizeof(tmp) - 128)
		msg_len = sizeof(tmp) - 128;
	ssize_t n = grpc_details_encode(tmp, sizeof(tmp), code, msg, msg_len, retry_delay_ns);
	if (n < 0)
		return n;
	return grpc_b64_encode(out, cap, tmp, (size_t)n);
}

int grpc_details_bin_decode(const char *b64, size_t len, uint8_t *scratch, size_t scratch_cap,
			    struct grpc_details *d)
{
	ssize_t n = grpc_b64_decode(scratch, scratch_cap, b64, len);
	if (n < 0)
		return (int)n;
	return grpc_details_decode(scratch, (size_t)n, d);
}
