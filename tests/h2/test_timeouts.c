/* test_timeouts.c: HTTP/2 server deadlines over real sockets on the loop
 * (issue 14, section 5) -- a gRPC stream whose body never completes is
 * answered DEADLINE_EXCEEDED and reset at the read timeout; a conn with no
 * stream left gets GOAWAY and closes at the idle timeout, even if the
 * client keeps it busy with PINGs; a complete call in time is untouched;
 * many half-sent conns all end, and the server holds no conn after. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "net/grpc.h"
#include "tests/h2/h2_raw.h"
#include "tests/net/loop_helpers.h"
#include "tests/net/tls_helpers.h"
#include "tests/check_run.h"

static struct net_loop *server(struct tlsh_h2srv *s, uint32_t read_ms, uint32_t idle_ms)
{
	struct net_loop *loop = th_loop_new();
	memset(s, 0, sizeof(*s));
	s->lim.read_timeout_ms = read_ms;
	s->lim.idle_timeout_ms = idle_ms;
	tlsh_h2srv_start(s, loop, NULL);
	return loop;
}

START_TEST(half_sent_stream_times_out_then_conn_goes)
{
	struct tlsh_h2srv s;
	struct net_loop *loop = server(&s, 200, 300);
	struct h2raw r = { .promise = 100000, .give = 10 };
	h2raw_connect(&r, loop, s.port);
	h2raw_call(&r);
	int closed = 0;
	for (int i = 0; i < 300 && !r.stream_closed; i++)
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
	ck_assert(r.stream_closed);
	ck_assert_int_eq(r.http_status, 200);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_DEADLINE_EXCEEDED);
	ck_assert_uint_eq(s.served, 0);
	/* no stream left: GOAWAY at the idle timeout, then the close */
	for (int i = 0; i < 300 && !(closed = r.closed); i++)
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
	ck_assert(r.goaway);
	ck_assert(closed);
	h2raw_free(&r);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

START_TEST(pings_do_not_keep_an_idle_conn)
{
	struct tlsh_h2srv s;
	struct net_loop *loop = server(&s, 0, 300);
	struct h2raw r = { 0 };
	h2raw_connect(&r, loop, s.port);
	uint64_t next = 0;
	for (int i = 0; i < 500 && !r.closed; i++) {
		if (th_now_ms() >= next) {
			h2raw_ping(&r);
			next = th_now_ms() + 50;
		}
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
	}
	ck_assert(r.goaway);
	ck_assert(r.closed);
	h2raw_free(&r);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

START_TEST(complete_call_in_time_is_served)
{
	struct tlsh_h2srv s;
	struct net_loop *loop = server(&s, 2000, 0);
	struct h2raw r = { .promise = 300000, .complete = true };
	h2raw_connect(&r, loop, s.port);
	h2raw_call(&r);
	for (int i = 0; i < 500 && !r.stream_closed; i++)
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
	ck_assert(r.stream_closed);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_OK);
	ck_assert_uint_eq(s.served, 1);
	ck_assert(!r.goaway);
	h2raw_free(&r);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

START_TEST(many_half_sent_conns_all_end)
{
	enum {
		N = 200
	};
	struct tlsh_h2srv s;
	struct net_loop *loop = server(&s, 300, 1000);
	static struct h2raw r[N];
	memset(r, 0, sizeof(r));
	for (int i = 0; i < N; i++) {
		r[i].promise = 100000;
		r[i].give = 1000;
		h2raw_connect(&r[i], loop, s.port);
		h2raw_call(&r[i]);
	}
	int all = 0;
	uint64_t end = th_now_ms() + 20000;
	while (!all && th_now_ms() < end) {
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
		all = 1;
		for (int i = 0; i < N; i++)
			all &= r[i].closed;
	}
	ck_assert(all);
	/* Each stream timed out, or (a conn whose HEADERS came later than the
	 * idle timeout on a loaded machine) was turned away by the GOAWAY. */
	int late = 0;
	for (int i = 0; i < N; i++) {
		ck_assert_msg(r[i].grpc_status == GRPC_STATUS_DEADLINE_EXCEEDED ||
				      (r[i].grpc_status == -1 && r[i].goaway),
			      "conn %d: status %d", i, r[i].grpc_status);
		late += r[i].grpc_status == GRPC_STATUS_DEADLINE_EXCEEDED;
		h2raw_free(&r[i]);
	}
	ck_assert_int_ge(late, N / 2);
	th_run_for(loop, 50);
	ck_assert_uint_eq(net_loop_conn_count(loop), 0);
	ck_assert_ptr_null(s.list);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

int main(void)
{
	th_require_io_uring();
	signal(SIGPIPE, SIG_IGN);
	Suite *su = suite_create("h2_timeouts");
	TCase *tc = tcase_create("timeouts");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, half_sent_stream_times_out_then_conn_goes);
	tcase_add_test(tc, pings_do_not_keep_an_idle_conn);
	tcase_add_test(tc, complete_call_in_time_is_served);
	tcase_add_test(tc, many_half_sent_conns_all_end);
	suite_add_tcase(su, tc);
	return check_run(su, CK_NOFORK) ? 1 : 0;
}
