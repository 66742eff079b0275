/* mm/atomic_reserve.h - the landing pads (the atomic reserve): frames set aside at boot and
 * kept scrubbed (poison checked, zeroed), so an interrupt handler's
 * alloc_page(GFP_ATOMIC | EXCLUSIVE) is a pop with interrupts off, the same few instructions
 * at every memory level and every memory size, and the handler pays nothing for zeroing.
 *
 * Per CPU, the pads are a stack of unclaimed frames (the shared stock) and one stack per
 * handler registration that claimed pads (atomic_reserve_claim, through kernel/irq.h's
 * irq_claim_pads): claimed pads serve that registration alone. In an interrupt handler an
 * order-0 GFP_ATOMIC take that needs a clean frame (EXCLUSIVE or __GFP_ZERO) pops the
 * handler's own pads, then the shared stock, whatever the pool's level; ordinary code's
 * GFP_ATOMIC takes from the shared stock only once the pool is at its min watermark. The pads
 * are refilled in ordinary context only (atomic_reserve_refill): on the free path, and by
 * deferred work that takes request (a claim's every take, the shared stock's once it fell by
 * an eighth). Their size follows Linux's rule for its minimum reserve, sqrt(16 x managed KiB)
 * KiB; the option atomic_reserve=<pages | size with K, M, G> sets it.
 */
#ifndef MM_ATOMIC_RESERVE_H
#define MM_ATOMIC_RESERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/context.h"

struct atomic_reserve_stats {
    uint64_t target;        /* frames it is refilled to, claims included */
    uint64_t claimed;       /* of the target, frames claimed by handler registrations */
    uint64_t level;         /* frames in it now, claims included */
    uint64_t claimed_level; /* of the level, frames in claims */
    uint64_t lowest;        /* the lowest level ever reached */
    /* Frames handed out from it: by handlers from their own claim and from the shared stock,
     * and by ordinary GFP_ATOMIC at min. taken is their sum. */
    uint64_t taken, taken_claimed, taken_shared, taken_outside_interrupts;
    /* Handlers' clean order-0 takes it could not serve: from the pool, which the handler had
     * to scrub itself (scrubbed), below the min watermark (below_min, also scrubbed), NULL. */
    uint64_t scrubbed_in_handlers, below_min_in_handlers, failures;
    uint64_t refills;  /* refill runs that added frames */
    uint64_t refilled; /* frames those runs added */
    /* Refills run as deferred work (a take crossed its stack's mark, or a refill was asked
     * for with interrupts off): over every CPU, the same in each CPU's figures. */
    uint64_t refills_asked;
};

/* One handler registration's pads and takes, on all CPUs together. */
struct atomic_reserve_account {
    uint64_t claimed;                 /* pads claimed (the claim's target) */
    uint64_t level;                   /* pads in its claim now */
    uint64_t from_claim, from_shared; /* takes served by its own pads, by the shared stock */
    uint64_t from_pool, below_min;    /* order-0 takes served by the pool above / below min */
    uint64_t scrubbed;                /* of those, clean frames the handler scrubbed itself */
    uint64_t failed;                  /* order-0 GFP_ATOMIC takes that got NULL */
};

/* The default target for a machine with `managed` frames: sqrt(16 x KiB) KiB, in pages. */
uint64_t atomic_reserve_default_target(uint64_t managed);

/* Sets the pads up and fills them: target from atomic_reserve= (bad values get the one-line
 * report and the default), at least 1 frame and at most half of `managed`; no claims. Boot,
 * before interrupts are enabled; ordinary context. */
void atomic_reserve_init(uint64_t managed);

/* Sets up the calling CPU's pads, as it comes up, with the targets the others follow, and
 * fills them (before the CPU takes interrupts, as the boot CPU's were). Interrupts off;
 * ordinary context. */
void atomic_reserve_init_cpu(void);

/* Changes the target of each CPU's pads, claims included; a lower one gives the extra frames
 * back to the general pool, a higher one fills up from it. Every CPU's pads change before it
 * returns when the caller may sleep; otherwise this CPU's at once (by deferred work with
 * interrupts off) and each other's at its next refill. Returns 0, -EINVAL for 0 or more than
 * half of memory, or -EBUSY when the claims alone need more. Ordinary context. */
int atomic_reserve_set_target(uint64_t pages);

/* Makes `pads` of the target the landing pads of handler registration `owner` alone, on every
 * CPU (a handler may run on any), taken out of the unclaimed stock; 0 gives them back. The
 * frames move at the next refill, which this runs on every CPU when the caller may sleep
 * (otherwise on this one, and each other CPU at its next refill). Returns 0, -EINVAL when owner
 * is not a handler registration, or -ENOSPC when the unclaimed stock is smaller than what the
 * claim adds. Ordinary context. (kernel/irq.c's irq_claim_pads is how drivers call it.) */
int atomic_reserve_claim(context_t owner, uint32_t pads);

/* Closes the account of a registration that is going away: its claim goes back to the shared
 * stock on every CPU (its frames moved there, one per interrupts-off stretch, no scrubbing
 * needed) and its takes are added to the figures of registrations gone, so the slot starts
 * afresh. Called by free_irq once the handler can no longer run; visits every CPU, so the
 * caller should be able to sleep (otherwise the other CPUs close it at their next refill).
 * Ordinary context. */
void atomic_reserve_release(context_t owner);

/* Brings every stack of this CPU back to its target: surplus frames move to a stack that
 * lacks some (or back to the pool), then frames are taken from the general pool (below the
 * min watermark if need be: that headroom exists for this), claims first, each scrubbed with
 * interrupts on and pushed in an interrupts-off stretch of its own. In an interrupt handler or
 * with interrupts off it only requests itself as deferred work, so it can be called from
 * anywhere. Returns the number of frames added from the pool. Never waits. */
uint64_t atomic_reserve_refill(void);

/* Makes every CPU take in the targets and claims now (a refill on each in turn), for a caller
 * that changed them while it could not sleep (kernel/irq.c claims under its lock). Returns 0,
 * or -EPERM when this caller cannot sleep either (then each other CPU takes them in at its next
 * refill). Ordinary context that may sleep. */
int atomic_reserve_apply(void);

/* True when the pads hold fewer frames than their target. Any context. */
bool atomic_reserve_below_target(void);

/* Frames in the pads now, claims included, over every CPU. Any context. */
uint64_t atomic_reserve_level(void);

/* The figures over every CPU's pads, or one CPU's (all zero for a CPU that is not up). Read
 * without stopping the CPUs: each figure is whole, together they may be a moment apart. Any
 * context. */
void atomic_reserve_get_stats(struct atomic_reserve_stats *stats);
void atomic_reserve_get_cpu_stats(unsigned int cpu, struct atomic_reserve_stats *stats);

/* The account of a live registration. Returns 0, or -EINVAL when owner is not a handler
 * registration. Any context. */
int atomic_reserve_get_account(context_t owner, struct atomic_reserve_account *out);

/* Prints the totals (for meminfo). */
void atomic_reserve_print_stats(void);

#endif
