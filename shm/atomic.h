/* shm/atomic.h - the memory-ordering vocabulary for every access to shared
 * memory that another process reads or writes concurrently. Each such access
 * goes through one of these macros, so `grep SHM_` finds all of them.
 *
 *   SHM_LOAD_ACQUIRE(p)      load; later reads see what the storer wrote
 *                            before its matching SHM_STORE_RELEASE
 *   SHM_STORE_RELEASE(p, v)  store; everything written before it is visible
 *                            to whoever acquire-loads this value
 *   SHM_LOAD_RELAXED(p) / SHM_STORE_RELAXED(p, v)  whole value, no ordering
 *   SHM_EXCHANGE(p, v)       atomic swap, sequentially consistent
 *   SHM_FENCE_FULL()         store->load barrier (the "I sleep" / "I moved
 *                            head" handshake needs it on both sides)
 *   SHM_CPU_RELAX()          spin-wait hint
 */
#ifndef SLUICE_SHM_ATOMIC_H
#define SLUICE_SHM_ATOMIC_H

#include <stdatomic.h>

#define SHM_LOAD_ACQUIRE(p) atomic_load_explicit((p), memory_order_acquire)
#define SHM_STORE_RELEASE(p, v) atomic_store_explicit((p), (v), memory_order_release)
#define SHM_LOAD_RELAXED(p) atomic_load_explicit((p), memory_order_relaxed)
#define SHM_STORE_RELAXED(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)
#define SHM_EXCHANGE(p, v) atomic_exchange_explicit((p), (v), memory_order_seq_cst)
#define SHM_FENCE_FULL() atomic_thread_fence(memory_order_seq_cst)

#if defined(__x86_64__) || defined(__i386__)
#define SHM_CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define SHM_CPU_RELAX() __asm__ __volatile__("yield" ::: "memory")
#else
#define SHM_CPU_RELAX() atomic_signal_fence(memory_order_seq_cst)
#endif

#endif
