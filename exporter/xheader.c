/* exporter/xheader.c: the configured headers copied into one block. */
#include "exporter/xheader.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

char *xheader_copy(const struct xheader *h, unsigned n, bool lower, struct xheader_view *out)
{
	size_t len = 1;
	for (unsigned i = 0; i < n; i++)
		len += strlen(h[i].name) + strlen(h[i].value) + 2;
	char *strs = malloc(len), *s = strs;
	if (!strs)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		size_t nl = strlen(h[i].name), vl = strlen(h[i].value);
		for (size_t j = 0; j < nl; j++)
			s[j] = lower ? (char)tolower((unsigned char)h[i].name[j]) : h[i].name[j];
		s[nl] = 0;
		memcpy(s + nl + 1, h[i].value, vl + 1);
		out[i] = (struct xheader_view){ s, nl, s + nl + 1, vl };
		s += nl + vl + 2;
	}
	return strs;
}
