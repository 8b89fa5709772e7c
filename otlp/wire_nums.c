/* otlp/wire_nums.c: the numbers of a repeated number field, packed or not
 * (otlp_wire_nums_*), and the exponential histogram's Buckets, whose
 * counts are such a field. */
#include "otlp/wire_metrics.h"
#include "otlp/wire_decode.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

void otlp_wire_nums_init(struct otlp_wire_nums *it, struct otlp_bytes msg, uint32_t num, int fixed64)
{
	otlp_wire_reader_init(&it->r, msg.p, msg.len);
	it->pp = it->pend = NULL;
	it->num = num;
	it->fixed64 = fixed64;
}

int otlp_wire_nums_next(struct otlp_wire_nums *it, uint64_t *v)
{
	struct otlp_wire_field f;
	int rc;

	for (;;) {
		if (it->pp < it->pend) { /* inside a packed run */
			if (!it->fixed64)
				return otlp_wire_varint(&it->pp, it->pend, v) < 0 ? -EBADMSG : 1;
			if (it->pend - it->pp < 8)
				return -EBADMSG;
			memcpy(v, it->pp, 8);
			*v = le64toh(*v);
			it->pp += 8;
			return 1;
		}
		if ((rc = otlp_wire_field_next(&it->r, &f)) <= 0)
			return rc;
		if (f.num != it->num)
			continue;
		if (f.wt == OTLP_WT_LEN) {
			it->pp = f.b.p;
			it->pend = f.b.p + f.b.len;
			continue;
		}
		if (f.wt != (it->fixed64 ? OTLP_WT_I64 : OTLP_WT_VARINT))
			return -EPROTO;
		*v = f.u64;
		return 1;
	}
}

int otlp_wire_buckets(struct otlp_bytes msg, struct otlp_buckets *out)
{
	struct otlp_wire_nums it;
	uint64_t v;
	int rc;

	memset(out, 0, sizeof(*out));
	out->raw = msg;
	{
		FOR_EACH_FIELD(msg)
		{
			if (f.num != OTLP_F_BUCKETS_OFFSET)
				continue;
			WANT(OTLP_WT_VARINT);
			out->offset = otlp_wire_zigzag32(f.u64);
		}
		if (rc < 0)
			return rc;
	}
	otlp_wire_nums_init(&it, msg, OTLP_F_BUCKETS_COUNTS, 0);
	while ((rc = otlp_wire_nums_next(&it, &v)) > 0)
		out->n_bucket_counts++;
	return rc;
}
