/* shm/ring-t.h - types of the SPSC ring: the shared control block and the
 * process-local handle. Functions are in shm/ring.h; the design note is
 * docs/ring.md.
 *
 * A ring in the segment is a 512-byte control block followed by `capacity`
 * data bytes (a power of two). Each group of fields that one side writes
 * sits on its own 128-byte slot (two cache lines: the adjacent-line
 * prefetcher pairs lines), so the producer and the consumer never write the
 * same line:
 *
 *   off   written by       fields
 *   +0    producer         head, last[0] {head_after, seq}, last[1] {...}
 *   +128  consumer         tail
 *   +256  consumer+producer cons_wait (consumer sleeps for data: futex word)
 *   +320  producer+consumer prod_wait (producer sleeps for space: futex word)
 *   +384  creator (const)  magic, capacity
 *   +512  producer         data[capacity]: records, 8-byte aligned
 *
 *   data:  |...free...|rec|rec|rec|rec|...free...|PAD (wrap marker)|
 *                      ^tail              ^head
 *
 * head and tail are 64-bit monotonic byte positions (never wrap in
 * practice); position p lives at data[p & (capacity-1)]. A record never
 * straddles the end of the buffer: when the next record does not fit
 * before the end, the producer writes a PAD record (flags RECORD_F_PAD)
 * covering the rest, or, when fewer than RECORD_HDR_SIZE bytes are left,
 * leaves them implicitly unused.
 *
 * last[2] makes ring_last_seq crash-consistent: before storing head = H
 * the producer writes {H, seq of the last record before H} into the slot
 * that does NOT describe the current head; the slot whose head_after
 * equals head is the truth, whatever instruction the producer died on.
 */
#ifndef SLUICE_SHM_RING_T_H
#define SLUICE_SHM_RING_T_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RING_CTRL_SIZE 512u
#define RING_MAGIC 0x52474e49524c5355ull /* "USLRINGR" */
#define RING_MIN_CAPACITY 4096u
#define RING_MAX_CAPACITY (1ull << 34)

/* Wait word values (cons_wait / prod_wait): how the sleeper wants waking. */
#define RING_WAIT_FUTEX 1u   /* sleeping in futex_wait on the word */
#define RING_WAIT_EVENTFD 2u /* polling the ring's eventfd */

struct ring_last {
	_Atomic uint64_t head_after; /* head value this slot describes */
	_Atomic uint64_t seq;        /* seq of the last record before head_after */
};

struct ring_ctrl {
	/* +0: producer */
	_Atomic uint64_t head;       /* bytes published (release) */
	struct ring_last last[2];    /* crash-consistent last seq, see above */
	uint8_t pad0[128 - 8 - 32];
	/* +128: consumer */
	_Atomic uint64_t tail;       /* bytes committed (release) */
	uint8_t pad1[128 - 8];
	/* +256: consumer says "I sleep for data"; producer clears and wakes */
	_Atomic uint32_t cons_wait;
	uint8_t pad2[64 - 4];
	/* +320: producer says "I sleep for space"; consumer clears and wakes */
	_Atomic uint32_t prod_wait;
	uint8_t pad3[64 - 4];
	/* +384: constant after creation */
	uint64_t magic;              /* RING_MAGIC */
	uint64_t capacity;           /* data bytes, power of two */
	uint8_t pad4[128 - 16];
	/* +512: data[capacity] */
};

_Static_assert(sizeof(struct ring_ctrl) == RING_CTRL_SIZE, "ring control block is 512 bytes");
_Static_assert(offsetof(struct ring_ctrl, head) == 0, "head at 0");
_Static_assert(offsetof(struct ring_ctrl, last) == 8, "last at 8");
_Static_assert(offsetof(struct ring_ctrl, tail) == 128, "tail at 128");
_Static_assert(offsetof(struct ring_ctrl, cons_wait) == 256, "cons_wait at 256");
_Static_assert(offsetof(struct ring_ctrl, prod_wait) == 320, "prod_wait at 320");
_Static_assert(offsetof(struct ring_ctrl, magic) == 384, "magic at 384");
_Static_assert(offsetof(struct ring_ctrl, capacity) == 392, "capacity at 392");
_Static_assert(sizeof(_Atomic uint64_t) == 8, "lock-free 64-bit atomics");
_Static_assert(sizeof(_Atomic uint32_t) == 4, "futex words are 32-bit");

/* Process-local handle for one side of one ring. Fill it with
 * segment_ring() (or ring_init()); embed it by value, no allocation.
 * A process uses a handle as producer OR consumer, never both. */
struct ring {
	struct ring_ctrl *ctl;
	uint8_t *data;
	uint64_t cap;          /* capacity (power of two) */
	uint64_t mask;         /* cap - 1 */
	uint32_t max_payload;  /* largest payload ring_reserve accepts */
	int data_fd;           /* eventfd: "records published", -1 = none */
	int space_fd;          /* eventfd: "space freed", -1 = none */
	/* producer */
	uint64_t prod_pos;     /* end of the sized reserved records (>= prod_head) */
	uint64_t prod_head;    /* head as last published by us */
	uint64_t tail_cache;   /* last tail we read */
	struct record *last;   /* newest reserved record (its seq goes to last[]) */
	struct record *open;   /* reserved record whose len may still shrink; it
	                          starts at prod_pos. NULL if none */
	uint32_t open_len;     /* len `open` was reserved with */
	uint32_t npending;     /* records reserved and not published */
	/* consumer */
	uint64_t cursor;       /* read position (>= committed tail) */
	uint64_t cons_tail;    /* tail as last committed by us */
	uint64_t head_cache;   /* last head we read */
};

#endif
