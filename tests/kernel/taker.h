/* tests/kernel/taker.h - a test's own interrupt handler on the timer line, which takes
 * frames with alloc_page(GFP_ATOMIC | EXCLUSIVE) while it has a budget: the way the atomic
 * reserve and EXCLUSIVE ownership are exercised from a real interrupt context. */
#ifndef TESTS_KERNEL_TAKER_H
#define TESTS_KERNEL_TAKER_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/context.h"
#include "mm/page_alloc.h"

struct taker {
    const char *name; /* its registration's name; NULL: "test taker" (kept by taker_start) */
    /* Set by the test, read by the handler. */
    uint64_t budget;   /* frames still to take; 0: the handler does nothing */
    bool hand_over;    /* hand each frame over (else keep it, owned by the taker) */
    context_t hand_to; /* to whom: a thread's context; CONTEXT_NONE: the boot thread */
    bool free_kept;    /* in the handler: free the kept frame (its owner frees it) */
    /* Written by the handler. */
    uint64_t got, dropped, nonzero; /* frames taken, NULLs, frames that were not all zero */
    uint32_t chain;                 /* frames handed over: frame numbers via page.next */
    struct page *kept;              /* the last frame taken without a hand-over */
    int free_kept_result;
    int hand_over_failures; /* page_hand_over refusals (0 unless something is wrong) */
    context_t context;      /* context_current() as the handler last saw it */
    /* Kept by taker_start for taker_stop. */
    uint32_t saved_hz; /* the PIT rate to put back (0: taker_start did not change it) */
};

/* Shares IRQ 0 (dev_id: the taker; name: taker->name) and sets the PIT to hz (0: leave it).
 * Several takers may run at once; each is a registration, and an owner, of its own. Returns 0
 * or a negative errno. */
int taker_start(struct taker *taker, uint32_t hz);

/* Stops the handler (its claim, if any, is released) and puts the PIT back. */
void taker_stop(struct taker *taker);

/* The taker's registration context, from the IRQ layer's list (CONTEXT_NONE when it is not
 * registered). */
context_t taker_context(const struct taker *taker);

/* Waits, with interrupts on, until the handler has spent its budget or `ms` passed. Returns
 * true when the budget was spent. */
bool taker_wait(struct taker *taker, uint32_t ms);

/* Frees every frame handed over so far (call it from the thread that owns them: hand_to);
 * returns how many were freed (a refused free is reported by the allocator and not
 * counted). */
uint64_t taker_free_chain(struct taker *taker);

/* True when every byte of the frame is zero. */
bool frame_is_zero(const struct page *page);

/* Frames the test does not hold: free, in the atomic reserve, or on their way from an
 * interrupt handler to its consumer. Constant while the test holds nothing. */
uint64_t frames_not_held(void);
/* True when frames_not_held comes back to `before` within 200 ms: background work (a
 * consumer between taking a frame from its pipe and freeing it, a refill its takes asked
 * for) finishes; a frame really lost does not come back. Sleeps. */
bool frames_back_to(uint64_t before);

/* With several CPUs: moves the calling thread to CPU cpu and keeps it there (-1: lets it run
 * anywhere again). A per-CPU figure then stays that of one CPU: the allocator's hot cache and
 * atomic reserve are per CPU, and device interrupts (line 0, the PIT) go to CPU 0. */
void pin_to(int cpu);

/* Runs fn(arg) on every CPU that is up, one after the other (the calling thread moves to
 * each), then pins the thread to `home` (-1: anywhere). */
void on_each_cpu_in_turn(void (*fn)(void *arg), void *arg, int home);

/* Gives every CPU's hot cache back to the buddy lists; leaves the thread pinned to `home`. */
void drain_every_hot_cache(int home);

/* Tops every CPU's atomic reserve up (a stock emptied while memory ran out is refilled by that
 * CPU's next take or free; a test that emptied them all puts them back); leaves the thread
 * pinned to `home`. */
void refill_every_reserve(int home);

/* Pauses the timer sensor, which takes a frame from CPU 0's timer handler now and then and
 * has its thread free it on any CPU: a test comparing the allocator's global figures before
 * and after pauses it. Resume puts its interval back. */
void sensor_pause(void);
void sensor_resume(void);

/* Takes every frame allocation with gfp can get, in blocks of every order, largest first,
 * chained through the blocks' first word; memhog_release gives them back. Both return frames.
 * Never waits: gfp is taken with __GFP_NOWAIT added, so GFP_KERNEL stops at the min
 * watermark instead of sleeping there. */
uint64_t memhog_take(uint64_t *chain, gfp_t gfp);
uint64_t memhog_release(uint64_t *chain);
/* Frees the block at the head of memhog's chain (poisoned, if poisoning is on); returns its
 * frames, or 0 when the chain is empty or the free was refused. */
uint64_t memhog_free_one(uint64_t *chain);

/* The same on every CPU in turn (the landing pads are per CPU), until a round gets nothing
 * (on_each_cpu_until_dry). Then pins the thread to `home` (-1: anywhere). */
uint64_t memhog_take_everywhere(uint64_t *chain, gfp_t gfp, int home);

/* on_each_cpu_in_turn, round after round until *taken stops growing: a refill another CPU
 * was running (its frame out of the pool, being scrubbed) lands in its pads after the take
 * there ended, and the next round takes it. */
void on_each_cpu_until_dry(void (*take)(void *arg), void *arg, const uint64_t *taken, int home);

#endif
