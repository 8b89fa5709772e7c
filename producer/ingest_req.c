/* producer/ingest_req.c: turn a received body into a validated protobuf
 * Export*ServiceRequest of its signal (see ingest_prepare in ingest.h).
 *
 * Order matters for safety: the decompression cap is enforced by the
 * decoder itself (a bomb stops at max_decoded bytes, never writes more),
 * JSON is size-checked before transcoding, and the signal's validator
 * reads every field of the whole request before ingest_submit may publish
 * any of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/wire.h"
#include "producer/ingest.h"
#include "shm/record.h"

static int req_fail(char *err, size_t errlen, int code, const char *fmt, const char *detail,
		    unsigned long long n)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, detail, n);
	return code;
}

/* Scratch of at least cap bytes (kept across requests; grows when a
 * receiver with a larger cap asks). */
static uint8_t *req_scratch(struct ingest *ig, size_t cap)
{
	if (cap == 0)
		cap = 1;
	if (ig->scratch_cap < cap) {
		free(ig->scratch);
		ig->scratch = malloc(cap);
		ig->scratch_cap = ig->scratch ? cap : 0;
	}
	return ig->scratch;
}

int ingest_prepare(struct ingest *ig, const struct ingest_body *b, struct ingest_msg *m, char *err,
		   size_t errlen)
{
	const struct otlp_signal_desc *sd = otlp_signal_get(b->signal);
	size_t cap = b->max_decoded ? b->max_decoded : ig->lim.max_decoded;
	const uint8_t *p = b->data;
	size_t n = b->len;
	int rc;

	m->ingest_ns = ingest_now_ns();
	m->signal = b->signal;
	if (err && errlen)
		err[0] = '\0';
	if (!sd)
		return req_fail(err, errlen, INGEST_EINTERNAL, "%sunknown signal", "", 0);
	if (b->len > cap)
		return req_fail(err, errlen, INGEST_ETOOBIG, "%sbody exceeds %llu bytes", "",
				(unsigned long long)cap);

	if (b->codec != CODEC_NONE) {
		uint8_t *out = req_scratch(ig, cap);
		if (!out)
			return req_fail(err, errlen, INGEST_EINTERNAL, "%sout of memory", "", 0);
		ssize_t d = codec_decode(&ig->codec, (enum codec)b->codec, b->data, b->len, out, cap);
		if (d == -EFBIG)
			return req_fail(err, errlen, INGEST_ETOOBIG, "%sdecompressed body exceeds %llu bytes",
					"", (unsigned long long)cap);
		if (d == -EINVAL)
			return req_fail(err, errlen, INGEST_EENCODING, "%sunsupported encoding", "", 0);
		if (d == -ENOMEM)
			return req_fail(err, errlen, INGEST_EINTERNAL, "%sout of memory", "", 0);
		if (d < 0)
			return req_fail(err, errlen, INGEST_EINVALID,
					"%s compressed body is corrupt or truncated",
					codec_name((enum codec)b->codec), 0);
		p = out;
		n = (size_t)d;
	}

	if (b->fmt == INGEST_FMT_JSON) {
		char jerr[200];
		jerr[0] = '\0';
		rc = otlp_json_to_pb_signal(b->signal, (const char *)p, n, &ig->json, jerr, sizeof(jerr));
		if (rc == -E2BIG)
			return req_fail(err, errlen, INGEST_ETOOBIG, "%s: JSON over size limits", jerr, 0);
		if (rc == -ENOMEM)
			return req_fail(err, errlen, INGEST_EINTERNAL, "%sout of memory", "", 0);
		if (rc < 0)
			return req_fail(err, errlen, INGEST_EINVALID, "invalid OTLP/JSON: %s", jerr, 0);
		if (ig->json.len > cap)
			return req_fail(err, errlen, INGEST_ETOOBIG, "%stranscoded body exceeds %llu bytes",
					"", (unsigned long long)cap);
		p = ig->json.data;
		n = ig->json.len;
	}

	struct otlp_wire_counts c;
	struct otlp_wire_diag diag;
	memset(&diag, 0, sizeof(diag));
	rc = sd->validate_request(p, n, &c, &diag);
	if (rc < 0) {
		if (err && errlen) {
			int k = snprintf(err, errlen, "invalid %s: ", sd->request_name);
			if (k > 0 && (size_t)k < errlen)
				otlp_wire_diag_format(&diag, err + k, errlen - (size_t)k);
		}
		return INGEST_EINVALID;
	}
	m->data = p;
	m->len = n;
	m->resources = c.resources;
	m->items = c.items;
	m->rec_flags = b->signal == OTLP_SIGNAL_TRACES && c.spans_heads_mixed == 0 ? RECORD_F_HEADS_FIRST : 0;
	return INGEST_OK;
}
