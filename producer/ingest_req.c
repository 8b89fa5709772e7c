/* producer/ingest_req.c: turn a received body into a validated protobuf
 * ExportTraceServiceRequest (see ingest_prepare in ingest.h).
 *
 * Order matters for safety: the decompression cap is enforced by the
 * decoder itself (a gzip bomb stops at max_decoded bytes, never allocates
 * more), JSON is size-checked before transcoding, and the protobuf
 * validator reads every field of the whole request before ingest_submit
 * may publish any of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/wire.h"
#include "producer/ingest.h"

static int req_fail(char *err, size_t errlen, int code, const char *fmt, const char *detail,
		    unsigned long long n)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, detail, n);
	return code;
}

int ingest_prepare(struct ingest *ig, enum ingest_fmt fmt, int encoding,
		   const uint8_t *body, size_t len, struct ingest_msg *m,
		   char *err, size_t errlen)
{
	const uint8_t *p = body;
	size_t n = len;
	int rc;

	m->ingest_ns = ingest_now_ns();
	if (err && errlen)
		err[0] = '\0';
	if (len > ig->lim.max_decoded)
		return req_fail(err, errlen, INGEST_ETOOBIG, "%sbody exceeds %llu bytes", "",
				(unsigned long long)ig->lim.max_decoded);

	if (encoding != GZIP_FMT_IDENTITY) {
		if (!ig->scratch) {
			ig->scratch = malloc(ig->lim.max_decoded ? ig->lim.max_decoded : 1);
			if (!ig->scratch)
				return req_fail(err, errlen, INGEST_EINTERNAL, "%sout of memory", "", 0);
		}
		ssize_t d = gzip_decoder_run(&ig->gz, (enum gzip_format)encoding, body, len,
					     ig->scratch, ig->lim.max_decoded);
		if (d == -EFBIG)
			return req_fail(err, errlen, INGEST_ETOOBIG,
					"%sdecompressed body exceeds %llu bytes", "",
					(unsigned long long)ig->lim.max_decoded);
		if (d == -EINVAL)
			return req_fail(err, errlen, INGEST_EENCODING, "%sunsupported encoding", "", 0);
		if (d < 0)
			return req_fail(err, errlen, INGEST_EINVALID, "%s compressed body is corrupt or truncated",
					encoding == GZIP_FMT_GZIP ? "gzip" : "deflate", 0);
		p = ig->scratch;
		n = (size_t)d;
	}

	if (fmt == INGEST_FMT_JSON) {
		char jerr[200];
		jerr[0] = '\0';
		rc = otlp_json_to_pb((const char *)p, n, &ig->json, jerr, sizeof(jerr));
		if (rc == -E2BIG)
			return req_fail(err, errlen, INGEST_ETOOBIG, "%s: JSON over size limits", jerr, 0);
		if (rc == -ENOMEM)
			return req_fail(err, errlen, INGEST_EINTERNAL, "%sout of memory", "", 0);
		if (rc < 0)
			return req_fail(err, errlen, INGEST_EINVALID, "invalid OTLP/JSON: %s", jerr, 0);
		p = ig->json.data;
		n = ig->json.len;
	}

	struct otlp_wire_counts c;
	struct otlp_wire_diag diag;
	memset(&diag, 0, sizeof(diag));
	rc = otlp_wire_validate_request(p, n, &c, &diag);
	if (rc < 0) {
		if (err && errlen) {
			int k = snprintf(err, errlen, "invalid ExportTraceServiceRequest: ");
			if (k > 0 && (size_t)k < errlen)
				otlp_wire_diag_format(&diag, err + k, errlen - (size_t)k);
		}
		return INGEST_EINVALID;
	}
	m->data = p;
	m->len = n;
	m->resource_spans = c.resource_spans;
	m->spans = c.spans;
	return INGEST_OK;
}
