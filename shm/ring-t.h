/* shm/ring-t.h - types of the SPSC ring: the shared control block and the
 * process-local handle. Functions are in shm/ring.h; the design note is
 * docs/ring.md.
 *
 * A ring in the segment is a 1024-byte control block followed by
 * `capacity` data bytes (a power of two). Each group of fields that one
 * side writes sits on its own 128-byte slot (two cache lines: the
 * adjacent-line prefetcher pairs lines), so the producer and the consumer
 * never write the same line:
 *
 *   off    written by        fields
 *   +0     producer          head
 *   +128   consumer          tail, corrupt_records, corrupt_bytes
 *   +256   consumer+producer cons_wait (consumer sleeps for data: futex word)
 *   +320   producer+consumer prod_wait (producer sleeps for space: futex word)
 *   +384   creator (const)   magic, capacity
 *   +512   producer          last[0] {head_after, seq, src[RING_MAX_SOURCES]}
 *   +640   producer          last[1] {...}
 *   +768   (reserved)
 *   +1024  producer          data[capacity]: records, 8-byte aligned
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
 * last[2] makes ring_last_seq and ring_source_seq crash-consistent: before
 * storing head = H the producer writes {H, seq of the last record before
 * H, the source table} into the slot that does NOT describe the current
 * head; the slot whose head_after equals head is the truth, whatever
 * instruction the producer died on. src[k] is the last input seq the
 * producer completed from its source k (ring_note_source).
 */
#ifndef SLUICE_SHM_RING_T_H
#define SLUICE_SHM_RING_T_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RING_CTRL_SIZE 1024u
#define RING_MAGIC 0x32474e49524c5355ull /* "USLRING2" */
#define RING_MIN_CAPACITY 4096u
#define RING_MAX_CAPACITY (1ull << 34)
#define RING_MAX_SOURCES 8u

/* Wait word values (cons_wait / prod_wait): how the sleeper wants waking. */
#define RING_WAIT_FUTEX 1u   /* sleeping in futex_wait on the word */
#define RING_WAIT_EVENTFD 2u /* polling the ring's eventfd */
#define RING_WAIT_NAP 4u     /* with FUTEX: back within RING_NAP_NS on its own */

/* How long a consumer that was busy sleeps before looking again, with no
 * wake from the producer (ring_wait.c says why). */
#define RING_NAP_NS (250 * 1000)

struct ring_last {
	_Atomic uint64_t head_after;		/* head value this slot describes */
	_Atomic uint64_t seq;			/* seq of the last record before head_after */
	_Atomic uint64_t src[RING_MAX_SOURCES]; /* last input seq done, per source */
	uint8_t pad[128 - 16 - 8 * RING_MAX_SOURCES];
};

struct ring_ctrl {
	/* +0: producer */
	_Atomic uint64_t head; /* bytes published (release) */
	uint8_t pad0[128 - 8];
	/* +128: consumer */
	_Atomic uint64_t tail;		  /* bytes committed (release) */
	_Atomic uint64_t corrupt_records; /* records ring_skip_corrupt passed over */
	_Atomic uint64_t corrupt_bytes;	  /* bytes it passed over */
	uint8_t pad1[128 - 24];
	/* +256: consumer says "I sleep for data"; producer clears and wakes */
	_Atomic uint32_t cons_wait;
	uint8_t pad2[64 - 4];
	/* +320: producer says "I sleep for space"; consumer clears and wakes */
	_Atomic uint32_t prod_wait;
	uint8_t pad3[64 - 4];
	/* +384: constant after creation */
	uint64_t magic;	   /* RING_MAGIC */
	uint64_t capacity; /* data bytes, power of two */
	uint8_t pad4[128 - 16];
	/* +512: producer, read on restart */
	struct ring_last last[2]; /* crash-consistent last seq + sources, see above */
	uint8_t reserved[256];
	/* +1024: data[capacity] */
};

_Static_assert(sizeof(struct ring_last) == 128, "ring_last is 128 bytes");
_Static_assert(offsetof(struct ring_last, src) == 16, "ring_last.src at 16");
_Static_assert(sizeof(struct ring_ctrl) == RING_CTRL_SIZE, "ring control block is 1024 bytes");
_Static_assert(offsetof(struct ring_ctrl, head) == 0, "head at 0");
_Static_assert(offsetof(struct ring_ctrl, tail) == 128, "tail at 128");
_Static_assert(offsetof(struct ring_ctrl, corrupt_records) == 136, "corrupt_records at 136");
_Static_assert(offsetof(struct ring_ctrl, corrupt_bytes) == 144, "corrupt_bytes at 144");
_Static_assert(offsetof(struct ring_ctrl, cons_wait) == 256, "cons_wait at 256");
_Static_assert(offsetof(struct ring_ctrl, prod_wait) == 320, "prod_wait at 320");
_Static_assert(offsetof(struct ring_ctrl, magic) == 384, "magic at 384");
_Static_assert(offsetof(struct ring_ctrl, capacity) == 392, "capacity at 392");
_Static_assert(offsetof(struct ring_ctrl, last) == 512, "last at 512");
_Static_assert(sizeof(_Atomic uint64_t) == 8, "lock-free 64-bit atomics");
_Static_assert(sizeof(_Atomic uint32_t) == 4, "futex words are 32-bit");

/* What ring_skip_corrupt passed over: the raw bytes [from, to) (ring
 * positions; the bytes stay in the ring until the consumer commits past
 * them, see ring_skipped_bytes), the seq of the last intact record before
 * them (0 = unknown: none read since the handle was bound) and of the
 * first intact record after them (0 = none yet: the consumer resumed at
 * head). */
struct ring_skip {
	uint64_t from, to;
	uint64_t seq_before, seq_after;
	uint64_t records; /* records lost: from the seqs around the damage (0 if
			       only a PAD was hit); 1 when the seq before is unknown */
};

/* Process-local handle for one side of one ring. Fill it with
 * segment_ring() (or ring_init()); embed it by value, no allocation.
 * A process uses a handle as producer OR consumer, never both. */
struct ring {
	struct ring_ctrl *ctl;
	uint8_t *data;
	uint64_t cap;	      /* capacity (power of two) */
	uint64_t mask;	      /* cap - 1 */
	uint32_t max_payload; /* largest payload ring_reserve accepts */
	int data_fd;	      /* eventfd: "records published", -1 = none */
	int space_fd;	      /* eventfd: "space freed", -1 = none */
	/* producer */
	uint64_t prod_pos;		/* end of the sized reserved records (>= prod_head) */
	uint64_t prod_head;		/* head as last published by us */
	uint64_t tail_cache;		/* last tail we read */
	struct record *last;		/* newest reserved record (its seq goes to last[]) */
	struct record *open;		/* reserved record whose len may still shrink; it
	                          starts at prod_pos. NULL if none */
	uint32_t open_len;		/* len `open` was reserved with */
	uint32_t npending;		/* records reserved and not published */
	uint64_t pub_seq;		/* seq of the last record we published (or found) */
	uint64_t src[RING_MAX_SOURCES]; /* source table for the next publish */
	/* consumer */
	uint64_t cursor;     /* read position (>= committed tail) */
	uint64_t cons_tail;  /* tail as last committed by us */
	uint64_t head_cache; /* last head we read */
	uint64_t peek_seq;   /* seq of the last record peeked, 0 = none */
	uint64_t lost_seq;   /* records up to this seq are counted lost by a skip */
	uint32_t peek_crc;   /* CRC-32C of that record's payload alone */
	int busy;	     /* the last wait for data ended with data: nap next */
};

#endif
