/* exporter/xbuild.h: one exporter of one pipeline, from the config: its
 * transport (otlphttp, otlp gRPC, debug, file, prometheus) and its
 * delivery options (retries, queue, dead-letter and disk-queue
 * directories: exporter/paths.h). Used by the export stage (xstage.c).
 *
 * TLS: an https:// otlphttp URL, or otlp gRPC unless tls.insecure or an
 * http:// endpoint, gets a net/tls.h client context from the exporter's
 * tls: keys (ALPN http/1.1 or h2, SNI = server_name_override or the host).
 * Its handshake failures are counted in the stage's block
 * (STAT_EXPORT_TLS_FAILURES, _VERIFY_FAILURES) and logged (WARN, with
 * OpenSSL's reason, at most every 10 s an exporter and pipeline); the
 * batch itself follows the retry policy and then the dead-letter rule.
 * Compression: the exporter's codec, at compression_params.level or the
 * codec's default (net/codec.h: gzip 1, zstd 1; docs/bench/net.md).
 */
#ifndef SLUICE_EXPORTER_XBUILD_H
#define SLUICE_EXPORTER_XBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "exporter/deliver.h"
#include "exporter/promx.h"
#include "net/codec.h"
#include "net/tls.h"

/* What a TLS context's fail hook needs; lives until after the loop is
 * freed (open conns may still report). */
struct xtls_watch {
	char label[160];
	char endpoint[300];
	struct stage_stats *st;
	uint64_t log_ns;   /* last WARN line (monotonic) */
	uint64_t unlogged; /* failures since */
};

struct xbuild_ctx {
	const struct sluice_config *cfg;
	struct net_loop *loop;
	struct stage_stats *st;
	/* a new TLS watch (owned by the caller); NULL: handshake failures are
	 * not reported */
	struct xtls_watch *(*new_watch)(void *arg);
	void *watch_arg;
	/* the prometheus exporter named id, opened once (owned by the caller) */
	struct promx *(*promx_for)(void *arg, const struct sluice_exporter *e, char *err, size_t errlen);
	/* a file transport already made for exporter id (its file is shared), or NULL */
	void *(*file_for)(void *arg, const struct sluice_exporter *e);
	void *arg;
};

/* The exporter e of pipeline p (index in cfg->pipelines): the transport
 * (*t, *ops) and the delivery options (*o; its strings point into
 * bufs, which must outlive deliver_add). 0, or -errno with a message that
 * names the exporter in err. */
struct xbuild_bufs {
	char label[160];
	char deadletter[4096];
	char storage[4096];
	char storage_old[4096];
};
int xbuild_exporter(const struct xbuild_ctx *x, size_t p, const struct sluice_exporter *e, void **t,
		    const struct transport_ops **ops, struct dexp_opts *o, struct xbuild_bufs *bufs,
		    char *err, size_t errlen);

/* Config words -> net/ values. */
enum codec xbuild_codec(enum sluice_compression c);
void xbuild_tls_config(const struct sluice_tls_client *t, struct net_tls_client_config *out);
void xbuild_retry(const struct sluice_retry *r, struct retry_policy *p);

#endif
