/* loop_trim.c: give memory back after mass closes.
 *
 * Freed connection and stream buffers go back to malloc, which keeps the
 * pages: after 2,000 half-open HTTP/2 connections end, RSS stayed where
 * the attack took it. When the open count has fallen to half of its peak
 * and at least LOOP_TRIM_MIN conns closed since the last trim, the loop
 * asks glibc to return free pages (malloc_trim; a few ms at most, rare). */
#include "net/loop_int.h"

#include <malloc.h>

#define LOOP_TRIM_MIN 256

void loop_trim_note_close(struct net_loop *loop)
{
	loop->trim_closed++;
}

void loop_trim_note_open(struct net_loop *loop)
{
	if (loop->nconn > loop->trim_peak)
		loop->trim_peak = loop->nconn;
}

void loop_trim_maybe(struct net_loop *loop)
{
	if (loop->trim_closed < LOOP_TRIM_MIN || loop->nconn > loop->trim_peak / 2)
		return;
	malloc_trim(0);
	loop->stats.trims++;
	loop->trim_closed = 0;
	loop->trim_peak = loop->nconn;
}
