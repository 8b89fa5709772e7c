/* tools/sink/sink_stream.c: sink_scan_request() for a body in pieces.
 *
 * A request is a sequence of top-level fields (ResourceSpans, -Logs or
 * -Metrics, normally).
 * Each complete field is scanned where it lies, in the caller's piece; only
 * a field that straddles two pieces is copied into the carry buffer, and
 * scanned once its last byte arrived. Fields are checked in order and the
 * first fault sticks, so the verdict is the whole-body scan's: a header that
 * is bad wherever the body ends fails at once, one cut short by the end of
 * the body (or a length running past it) fails at sink_scan_stream_end(),
 * as the whole-body reader fails on a truncated field.
 */
#include "tools/sink/sink_scan.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HDR_MAX 15 /* tag (5) + varint value (10): every header fits */

/* Reads a varint of at most max bytes from p[0..n). 1 with *v and *used, 0
 * if it needs more bytes, -EBADMSG if it is longer than max. */
static int hdr_varint(const uint8_t *p, size_t n, unsigned max, uint64_t *v, size_t *used)
{
	uint64_t r = 0;
	for (unsigned i = 0; i < max; i++) {
		if (i >= n)
			return 0;
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = r;
			*used = i + 1;
			return 1;
		}
	}
	return -EBADMSG;
}

/* The size of the field starting at p[0..n) (header and payload; may be
 * more than n). 1 with *size, 0 if the header is not all there yet, or
 * -EBADMSG for a header the whole-body reader refuses (tag or length over 5
 * bytes, field 0, wire types 3, 4, 6, 7, varint over 10 bytes, length over
 * INT32_MAX). */
static int field_size(const uint8_t *p, size_t n, size_t *size)
{
	uint64_t tag, v;
	size_t t, u;
	int rc = hdr_varint(p, n, 5, &tag, &t);
	if (rc <= 0)
		return rc;
	if ((tag >> 3) == 0)
		return -EBADMSG;
	switch (tag & 7) {
	case 0: /* varint */
		rc = hdr_varint(p + t, n - t, 10, &v, &u);
		if (rc <= 0)
			return rc;
		*size = t + u;
		return 1;
	case 1:
		*size = t + 8;
		return 1;
	case 5:
		*size = t + 4;
		return 1;
	case 2:
		rc = hdr_varint(p + t, n - t, 5, &v, &u);
		if (rc <= 0)
			return rc;
		if (v > INT32_MAX)
			return -EBADMSG;
		*size = t + u + (size_t)v;
		return 1;
	default:
		return -EBADMSG;
	}
}

void sink_scan_stream_begin(struct sink_scan_stream *st, int signal, struct sink_lat_req *lat)
{
	memset(&st->c, 0, sizeof(st->c));
	st->signal = signal;
	st->lat = lat;
	st->err = 0;
	st->carry_len = 0;
}

static int carry_add(struct sink_scan_stream *st, const uint8_t *p, size_t n)
{
	if (st->carry_len + n > st->carry_cap) {
		size_t cap = st->carry_cap ? st->carry_cap : 65536;
		while (cap < st->carry_len + n)
			cap *= 2;
		uint8_t *c = realloc(st->carry, cap);
		if (!c)
			return -ENOMEM;
		st->carry = c;
		st->carry_cap = cap;
	}
	memcpy(st->carry + st->carry_len, p, n);
	st->carry_len += n;
	return 0;
}

/* Scans the complete fields at the front of p[0..n); returns the bytes
 * they took (the rest is an incomplete field), or sets st->err. */
static size_t drain(struct sink_scan_stream *st, const uint8_t *p, size_t n)
{
	size_t done = 0, size;
	while (done < n) {
		int rc = field_size(p + done, n - done, &size);
		if (rc < 0) {
			st->err = rc;
			return n;
		}
		if (rc == 0 || size > n - done)
			break;
		if ((rc = sink_scan_top_field(st->signal, p + done, size, &st->c, st->lat)) < 0) {
			st->err = rc;
			return n;
		}
		done += size;
	}
	return done;
}

int sink_scan_stream_feed(struct sink_scan_stream *st, const uint8_t *p, size_t n)
{
	while (n && !st->err) {
		if (st->carry_len) {
			/* complete the carried field: its header first, then
			 * exactly its remaining bytes */
			size_t size, take;
			int rc = field_size(st->carry, st->carry_len, &size);
			take = rc == 0 ? HDR_MAX : size - st->carry_len;
			if (rc < 0) {
				st->err = rc;
				break;
			}
			if (take > n)
				take = n;
			if (carry_add(st, p, take) < 0) {
				st->err = -ENOMEM;
				break;
			}
			p += take;
			n -= take;
			size_t used = drain(st, st->carry, st->carry_len);
			if (st->err)
				break;
			if (used == 0)
				continue; /* still incomplete: n is 0 now */
			/* bytes past the field came from p: hand them back */
			size_t back = st->carry_len - used;
			p -= back;
			n += back;
			st->carry_len = 0;
			continue;
		}
		size_t used = drain(st, p, n);
		if (st->err)
			break;
		if (used < n && carry_add(st, p + used, n - used) < 0)
			st->err = -ENOMEM;
		n = 0;
	}
	return st->err == -ENOMEM ? -ENOMEM : 0;
}

int sink_scan_stream_end(struct sink_scan_stream *st)
{
	if (st->err)
		return st->err;
	if (st->carry_len)
		return -EBADMSG; /* the body ended inside a field */
	return 0;
}

void sink_scan_stream_free(struct sink_scan_stream *st)
{
	free(st->carry);
	st->carry = NULL;
	st->carry_cap = st->carry_len = 0;
}
