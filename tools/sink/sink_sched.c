/* Failure schedule: parse "503/2*3,400,close" and hand out steps in order. */
#include "tools/sink/sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_u(const char **p, unsigned long max, unsigned long *v)
{
	char *end;
	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(*p, &end, 10);
	if (errno || *v > max)
		return -EINVAL;
	*p = end;
	return 0;
}

int sink_sched_parse(struct sink_sched *s, const char *text, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	const char *p = text;
	while (p && *p) {
		if (s->n == SINK_MAX_STEPS) {
			snprintf(err, errlen, "schedule: more than %d items", SINK_MAX_STEPS);
			return -EINVAL;
		}
		struct sink_step st = { .retry_after = -1, .count = 1 };
		unsigned long v;
		const char *item = p;
		if (!strncmp(p, "ok", 2)) {
			st.act = SINK_OK;
			p += 2;
		} else if (!strncmp(p, "close", 5)) {
			st.act = SINK_CLOSE;
			p += 5;
		} else if (!strncmp(p, "stall", 5)) {
			st.act = SINK_STALL;
			p += 5;
		} else if (!strncmp(p, "partial=", 8)) {
			p += 8;
			if (parse_u(&p, 1000000000UL, &v) < 0)
				goto bad;
			st.act = SINK_PARTIAL;
			st.partial = v;
		} else {
			if (parse_u(&p, 599, &v) < 0 || v < 200)
				goto bad;
			st.act = SINK_CODE;
			st.code = (int)v;
			if (*p == '/') {
				p++;
				if (parse_u(&p, 3600, &v) < 0)
					goto bad;
				st.retry_after = (int)v;
			}
		}
		if (*p == '*') {
			p++;
			if (parse_u(&p, 100000000UL, &v) < 0 || v == 0)
				goto bad;
			st.count = (uint32_t)v;
		}
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
		s->steps[s->n++] = st;
		continue;
bad:
		snprintf(err, errlen,
			 "schedule: bad item at \"%.20s\" (want ok|close|stall|partial=N|CODE[/SECS], then optional *COUNT)",
			 item);
		return -EINVAL;
	}
	return 0;
}

struct sink_step sink_sched_next(struct sink_sched *s)
{
	struct sink_step ok = { .act = SINK_OK, .retry_after = -1, .count = 1 };
	if (s->cur >= s->n) {
		if (!s->repeat || s->n == 0)
			return ok;
		s->cur = 0;
		s->used = 0;
	}
	struct sink_step st = s->steps[s->cur];
	if (++s->used >= st.count) {
		s->cur++;
		s->used = 0;
	}
	return st;
}

void sink_step_name(const struct sink_step *st, char *buf, size_t len)
{
	switch (st->act) {
	case SINK_OK:
		snprintf(buf, len, "ok");
		break;
	case SINK_CLOSE:
		snprintf(buf, len, "close");
		break;
	case SINK_STALL:
		snprintf(buf, len, "stall");
		break;
	case SINK_PARTIAL:
		snprintf(buf, len, "partial=%llu", (unsigned long long)st->partial);
		break;
	case SINK_CODE:
		if (st->retry_after >= 0)
			snprintf(buf, len, "%d/%d", st->code, st->retry_after);
		else
			snprintf(buf, len, "%d", st->code);
		break;
	}
}
