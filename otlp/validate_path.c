/* otlp/validate_path.c: names the place of a validation error as an
 * OTLP/JSON path ("resourceSpans[0].scopeSpans[1].spans[3].name").
 *
 * Runs only after a failure, so it costs nothing on valid input: it walks
 * the schema again from the top, descending into the field whose bytes
 * hold the error's offset and counting occurrences of repeated fields on
 * the way. Every field before the offset was read successfully by the
 * validator, so this walk reads them the same way. */
#include <stdio.h>
#include <string.h>

#include "otlp/validate_path.h"
#include "otlp/wire_field.h"

/* Appends ".camelName" (no dot first) and "[idx]" for repeated fields.
 * Returns 0, or -1 when it does not fit: the path then ends in "...". */
static int put(char *out, size_t n, size_t *at, const char *proto_name, int rep, uint32_t idx)
{
	const char *s = strrchr(proto_name, '.');
	char seg[80];
	size_t k = 0;

	s = s ? s + 1 : proto_name;
	if (*at)
		seg[k++] = '.';
	for (; *s && k + 1 < sizeof(seg); s++) {
		if (*s == '_' && s[1]) {
			s++;
			seg[k++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
		} else {
			seg[k++] = *s;
		}
	}
	if (rep) {
		int m = snprintf(seg + k, sizeof(seg) - k, "[%u]", idx);
		k += m > 0 ? (size_t)m : 0;
	}
	if (*at + k + 4 > n) { /* room for "..." and the NUL */
		if (*at + 4 <= n) {
			memcpy(out + *at, "...", 4);
			*at += 3;
		}
		return -1;
	}
	memcpy(out + *at, seg, k);
	*at += k;
	out[*at] = 0;
	return 0;
}

void otlp_vschema_path(const uint8_t *base, size_t len, enum vmsg top, size_t offset, char *out, size_t n)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint32_t occ[VSCHEMA_MAXF];
	enum vmsg m = top;
	size_t at = 0;

	if (!n)
		return;
	out[0] = 0;
	otlp_wire_reader_init(&r, base, len);
	memset(occ, 0, sizeof(occ));
	while (otlp_wire_field_next(&r, &f) > 0) {
		size_t start = (size_t)(f.start - base), end = start + f.size;
		const struct vfield *s = f.num < VSCHEMA_MAXF ? &otlp_vschema[m][f.num] : NULL;
		uint32_t idx = 0;

		if (s && s->known)
			idx = occ[f.num]++;
		if (offset < start || offset >= end)
			continue;
		if (!s || !s->known)
			return; /* inside an unknown field: cannot happen */
		if (put(out, n, &at, s->name, (s->flags & VF_REP) != 0, idx) < 0)
			return;
		if (offset == start || s->child == M_NONE || f.wt != OTLP_WT_LEN)
			return; /* this field is the one at fault */
		m = (enum vmsg)s->child;
		otlp_wire_reader_init(&r, f.b.p, f.b.len);
		memset(occ, 0, sizeof(occ));
	}
}
