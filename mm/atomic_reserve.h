/* mm/atomic_reserve.h - frames set aside at boot for GFP_ATOMIC, so an interrupt handler
 * gets a landing pad even when ordinary code has used up all other memory.
 *
 * The reserve is a stack of order-0 frames (one per CPU, like the hot caches), each already
 * scrubbed (poison checked, zeroed) when it went in: taking one is a pop with interrupts off,
 * no lock, the same few instructions at 64 MiB as at 64 GiB, and the handler pays nothing
 * for zeroing. Only GFP_ATOMIC takes from
 * it, and only once the general pool is at its min watermark. It is refilled from the general
 * pool in ordinary context only: on the free path, and by deferred work that a take requests.
 * Its default size follows Linux's rule for its minimum reserve, sqrt(16 x RAM in KiB) KiB;
 * the option atomic_reserve=<pages | size with K, M, G> sets it.
 */
#ifndef MM_ATOMIC_RESERVE_H
#define MM_ATOMIC_RESERVE_H

#include <stdbool.h>
#include <stdint.h>

#define ATOMIC_RESERVE_LINES 32 /* takes are counted per IRQ line 0 ... 31 (kernel/irq.h) */

struct atomic_reserve_stats {
    uint64_t target;                              /* frames it is refilled to */
    uint64_t level;                               /* frames in it now */
    uint64_t lowest;                              /* the lowest level ever reached */
    uint64_t taken;                               /* frames handed out from it */
    uint64_t failures;                            /* GFP_ATOMIC requests that found it empty */
    uint64_t refills;                             /* refill runs that added frames */
    uint64_t refilled;                            /* frames those runs added */
    uint64_t taken_by_line[ATOMIC_RESERVE_LINES]; /* takes inside each IRQ line's handlers */
    uint64_t taken_outside_interrupts;
};

/* The default target for a machine with `managed` frames: sqrt(16 x KiB) KiB, in pages. */
uint64_t atomic_reserve_default_target(uint64_t managed);

/* Sets the reserve up and fills it: target from atomic_reserve= (bad values get the one-line
 * report and the default), at least 1 frame and at most half of `managed`. Boot, before
 * interrupts are enabled; ordinary context. */
void atomic_reserve_init(uint64_t managed);

/* Sets up the calling CPU's stock, as it comes up, with the boot CPU's target, and fills it
 * (before the CPU takes interrupts, as the boot CPU's was). Interrupts off; ordinary
 * context. */
void atomic_reserve_init_cpu(void);

/* Changes the target; a lower one gives the extra frames back to the general pool at once, a
 * higher one fills up from it. Returns 0, or -EINVAL for 0 or more than half of memory.
 * Ordinary context. */
int atomic_reserve_set_target(uint64_t pages);

/* Tops the reserve up to its target from the general pool (dipping below the min watermark:
 * that headroom exists for this), scrubbing each frame. Does nothing in interrupt context.
 * Returns the number of frames added. Ordinary context; never waits. */
uint64_t atomic_reserve_refill(void);

/* True when the reserve is below its target. Any context. */
bool atomic_reserve_below_target(void);

/* The figures over every CPU's stock, or one CPU's (all zero for a CPU that is not up).
 * Read without stopping the CPUs: each figure is whole, together they may be a moment
 * apart. Any context. */
void atomic_reserve_get_stats(struct atomic_reserve_stats *stats);
void atomic_reserve_get_cpu_stats(unsigned int cpu, struct atomic_reserve_stats *stats);

/* Frames in the reserve now. Any context. */
uint64_t atomic_reserve_level(void);

/* Prints the figures (for meminfo). */
void atomic_reserve_print_stats(void);

#endif
