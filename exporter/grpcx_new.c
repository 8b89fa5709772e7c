/* exporter/grpcx_new.c: an OTLP/gRPC transport from its options: the
 * endpoint resolved, the compression checked, the metadata lowercased into
 * one allocation (gRPC metadata keys are lowercase on the wire), the
 * compression worker started when a codec is set. */
#include "exporter/grpcx_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/tls.h"

int grpcx_new(struct net_loop *loop, const struct grpcx_opts *o, void **tp, const struct transport_ops **ops,
	      char *err, size_t errlen)
{
	if (o->n_headers > GX_MAX_MD) {
		snprintf(err, errlen, "otlp exporter: at most %d headers", GX_MAX_MD);
		return -EINVAL;
	}
	struct grpcx *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->loop = loop;
	g->stats = o->stats;
	int rc = net_resolve(o->host, o->port, &g->sa, &g->salen);
	if (rc < 0) {
		snprintf(err, errlen, "otlp endpoint %s:%u: cannot resolve (%s)", o->host, o->port,
			 strerror(-rc));
		free(g);
		return rc;
	}
	snprintf(g->authority, sizeof(g->authority), strchr(o->host, ':') ? "[%s]:%u" : "%s:%u", o->host,
		 o->port);
	if (codec_level_check(o->compression, o->compression_level) < 0) {
		snprintf(err, errlen, "otlp exporter: compression level %d is out of range for %s",
			 o->compression_level, codec_name(o->compression));
		free(g);
		return -EINVAL;
	}
	g->comp = o->compression;
	g->level = o->compression_level;
	snprintf(g->host, sizeof(g->host), "%s",
		 o->server_name && *o->server_name ? o->server_name : o->host);
	const struct otlp_signal_desc *sd = otlp_signal_get(o->signal);
	g->method = sd ? sd->grpc_method : otlp_signal_get(OTLP_SIGNAL_TRACES)->grpc_method;
	if (o->tls)
		g->tls = net_tls_ref(o->tls);
	g->timeout_ms = o->timeout_ms ? o->timeout_ms : 5000;
	g->max_streams = o->max_streams ? o->max_streams : 16;
	struct xheader_view hv[GX_MAX_MD];
	g->strs = xheader_copy(o->headers, o->n_headers, true, hv);
	if (!g->strs) {
		free(g);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < o->n_headers; i++)
		g->md[g->nmd++] = (struct h2_header){ hv[i].name, hv[i].name_len, hv[i].value,
						      hv[i].value_len };
	codec_ctx_init(&g->cx);
	if (g->comp != CODEC_NONE && xcomp_new(loop, grpcx_compressed, &g->xc) < 0)
		g->xc = NULL; /* no thread: compress inline, as before */
	*tp = g;
	*ops = &grpcx_tops;
	return 0;
}
