/* stages/route_split.c: one route's share of a record (route_split in
 * stages/route.h), written over the wire form.
 *
 * Resource*, Scope* and items have one shape for every signal (resource 1,
 * scopes 2; scope 1, items 2), so one walk serves all three. Fields other
 * than the items are copied as they are, in their order; a scope keeps its
 * scope and schema_url when at least one of its items is kept, and is left
 * out otherwise (as the chain leaves out an emptied scope). Two passes: the
 * sizes first (a length prefix comes before its message), then the bytes;
 * nothing is decoded except a kept Metric's data-point count. */
#include <errno.h>
#include <string.h>

#include "otlp/wire_metrics.h"
#include "stages/route.h"

/* Kept content bytes of one Scope* message; *idx advances over its items,
 * *items counts the kept ones (data points for metrics), *kept says if any. */
static int64_t scope_size(struct otlp_bytes scope, enum sluice_signal sig, const uint8_t *dec, size_t *idx,
			  unsigned want, uint64_t *items, int *kept)
{
	struct otlp_wire_reader rd;
	struct otlp_wire_field f;
	int64_t size = 0;
	int rc;

	*kept = 0;
	otlp_wire_reader_init(&rd, scope.p, scope.len);
	while ((rc = otlp_wire_next(&rd, &f)) > 0) {
		if (f.num != 2) {
			size += (int64_t)f.size;
			continue;
		}
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		if (dec[(*idx)++] != want)
			continue;
		*kept = 1;
		size += (int64_t)f.size;
		if (sig == SLUICE_SIGNAL_METRICS) {
			struct otlp_metric m;
			if ((rc = otlp_wire_metric(f.b, &m)) < 0)
				return rc;
			*items += m.n_data_points;
		} else {
			(*items)++;
		}
	}
	return rc < 0 ? rc : size;
}

static uint8_t *put_len_field(uint8_t *o, uint32_t num, uint64_t len)
{
	*o++ = (uint8_t)(num << 3 | OTLP_WT_LEN);
	return otlp_wire_put_varint(o, len);
}

/* Writes one kept Scope* message's content (its size is known). */
static uint8_t *scope_write(uint8_t *o, struct otlp_bytes scope, const uint8_t *dec, size_t *idx,
			    unsigned want)
{
	struct otlp_wire_reader rd;
	struct otlp_wire_field f;

	otlp_wire_reader_init(&rd, scope.p, scope.len);
	while (otlp_wire_next(&rd, &f) > 0) {
		if (f.num == 2 && dec[(*idx)++] != want)
			continue;
		memcpy(o, f.start, f.size);
		o += f.size;
	}
	return o;
}

int64_t route_split(struct otlp_bytes record, enum sluice_signal signal, const uint8_t *dec, unsigned want,
		    uint8_t *out, size_t cap, uint64_t *items)
{
	struct otlp_wire_reader rd;
	struct otlp_wire_field f;
	size_t idx = 0, total = 0;
	uint64_t n = 0;
	int any = 0, kept, rc;

	/* pass 1: the size */
	otlp_wire_reader_init(&rd, record.p, record.len);
	while ((rc = otlp_wire_next(&rd, &f)) > 0) {
		if (f.num != 2) {
			total += f.size;
			continue;
		}
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		int64_t s = scope_size(f.b, signal, dec, &idx, want, &n, &kept);
		if (s < 0)
			return s;
		if (kept) {
			total += 1 + otlp_wire_varint_size((uint64_t)s) + (size_t)s;
			any = 1;
		}
	}
	if (rc < 0)
		return rc;
	*items = n;
	if (!any)
		return 0;
	if (total > cap)
		return -ENOSPC;
	/* pass 2: the bytes (the walk is the same, so every size is known) */
	uint8_t *o = out;
	size_t widx = 0;
	otlp_wire_reader_init(&rd, record.p, record.len);
	while (otlp_wire_next(&rd, &f) > 0) {
		if (f.num != 2) {
			memcpy(o, f.start, f.size);
			o += f.size;
			continue;
		}
		size_t at = widx;
		uint64_t unused = 0;
		/* sizes only: counted as spans, so no Metric is decoded again */
		int64_t s = scope_size(f.b, SLUICE_SIGNAL_TRACES, dec, &at, want, &unused, &kept);
		if (!kept) {
			widx = at;
			continue;
		}
		o = put_len_field(o, 2, (uint64_t)s);
		o = scope_write(o, f.b, dec, &widx, want);
	}
	return (int64_t)(o - out);
}
