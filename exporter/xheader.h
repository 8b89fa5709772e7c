/* exporter/xheader.h: the headers an OTLP exporter sends with every
 * request (the config's `headers:`; gRPC metadata), copied once when the
 * transport is made, so the config may go away.
 *
 *   struct xheader_view v[n];
 *   char *strs = xheader_copy(headers, n, lower, v);   NULL: no memory
 *   ... v[i].name / name_len / value / value_len point into strs ...
 *   free(strs);
 */
#ifndef SLUICE_EXPORTER_XHEADER_H
#define SLUICE_EXPORTER_XHEADER_H

#include <stdbool.h>
#include <stddef.h>

struct xheader {
	const char *name, *value; /* copied by the transports */
};

struct xheader_view {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* One allocation holding every name and value (NUL-terminated), names
 * lower-cased when lower (HTTP/2 requires it); out[0..n) point into it. */
char *xheader_copy(const struct xheader *h, unsigned n, bool lower, struct xheader_view *out);

#endif
