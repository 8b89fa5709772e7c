/* agg/pb.c: the out-of-line half of the protobuf writer. */
#include "agg/pb.h"

void pb_close(struct pb_w *w, size_t mark)
{
	if (w->err) {
		/* the 5 reserved bytes were counted; the real prefix is at most
		 * that, so need stays an upper bound */
		return;
	}
	size_t len = w->pos - mark;
	size_t n = otlp_wire_varint_size(len);
	uint8_t *lp = w->buf + mark - 5;
	otlp_wire_put_varint(lp, len);
	if (n < 5)
		memmove(lp + n, w->buf + mark, len);
	w->pos -= 5 - n;
	w->need -= 5 - n;
}
