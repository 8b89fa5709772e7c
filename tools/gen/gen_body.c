/* tools/gen/gen_body.c: a slot's request body: the signal's template,
 * restamped per send, then OTLP/JSON and/or compressed when asked. The
 * protobuf path stamps in place and sends the template (nothing else per
 * send); JSON and compression cost what they cost, into buffers each slot
 * keeps (no allocation per send once they have grown). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "rt/clock.h"
#include "tools/gen/gen.h"

int gen_body_init(struct gen *g, struct gen_body *b, uint64_t run)
{
	const struct gen_opts *o = &g->o;
	memset(b, 0, sizeof(*b));
	switch (o->signal) {
	case OTLP_SIGNAL_LOGS:
		return gen_req_build_logs(&b->req, o->spans, o->attrs, o->ctx_share, o->service, run);
	case OTLP_SIGNAL_METRICS:
		return gen_req_build_metrics(&b->req, o->spans, o->attrs, o->points_per_metric,
					     o->metric_types, o->service, run);
	default:
		return gen_req_build(&b->req, o->spans, o->attrs, o->service, run);
	}
}

int gen_body_make(struct gen *g, struct gen_body *b, uint64_t first_id)
{
	gen_req_stamp_any(&b->req, first_id, rt_real_ns());
	b->out = b->req.buf;
	b->out_len = b->req.len;
	if (g->o.proto == GEN_HTTP_JSON) {
		char err[160];
		b->json.len = 0;
		int rc = otlp_json_from_pb_signal(g->o.signal, b->req.buf, b->req.len, OTLP_JSON_IN_REQUEST,
						  OTLP_JSON_ONE_LINE, &b->json, err, sizeof(err));
		if (rc < 0) {
			log_msg(LOG_ERROR, "json: %s", err);
			return rc;
		}
		b->out = b->json.data;
		b->out_len = b->json.len;
	}
	if (g->o.codec == CODEC_NONE)
		return 0;
	size_t bound = codec_encode_bound(g->o.codec, b->out_len);
	if (bound > b->zcap) {
		uint8_t *z = realloc(b->z, bound);
		if (!z)
			return -ENOMEM;
		b->z = z;
		b->zcap = bound;
	}
	ssize_t n = codec_encode(&g->cx, g->o.codec, g->o.level, b->out, b->out_len, b->z, b->zcap);
	if (n < 0) {
		log_msg(LOG_ERROR, "%s: cannot compress a request: %s", codec_name(g->o.codec),
			strerror((int)-n));
		return (int)n;
	}
	b->out = b->z;
	b->out_len = (size_t)n;
	return 0;
}

void gen_body_free(struct gen_body *b)
{
	gen_req_free(&b->req);
	otlp_json_buf_free(&b->json);
	free(b->z);
	memset(b, 0, sizeof(*b));
}
