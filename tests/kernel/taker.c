/* tests/kernel/taker.c - the frame-taking test handler and memory hogging, for the atomic
 * reserve, EXCLUSIVE and concurrency suites. */
#include "tests/kernel/taker.h"

#include "arch/arch.h"
#include "drivers/pit.h"
#include "kernel/clock.h"
#include "kernel/frame_pipe.h"
#include "kernel/irq.h"
#include "kernel/netdev.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "mm/atomic_reserve.h"
#include "mm/exclusive.h"
#include "services/sensor.h"

bool frame_is_zero(const struct page *page)
{
    const uint64_t *words = page_address(page);
    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++) {
        if (words[i])
            return false;
    }
    return true;
}

/* One take per tick while the budget lasts. What a take leaves (kept, the chain, the counts)
 * is stored before the budget falls, with a release store: a test thread on another CPU that
 * sees the budget at 0 (taker_wait, an acquire load) sees all of it. */
static void take_one(struct taker *taker)
{
    struct page *page = alloc_page(GFP_ATOMIC | EXCLUSIVE);
    if (!page) {
        taker->dropped++;
        return;
    }
    taker->got++;
    taker->nonzero += !frame_is_zero(page);
    if (!taker->hand_over) {
        taker->kept = page;
    } else if (page_hand_over(page, taker->hand_to ? taker->hand_to : CONTEXT_BOOT) != 0) {
        taker->hand_over_failures++;
        taker->kept = page; /* still ours */
    } else {
        /* A push the test thread may race from another CPU (taker_free_chain takes the whole
         * chain at once): compare and swap, since interrupts off on one CPU stop nothing on
         * another. */
        uint32_t head = READ_ONCE(taker->chain);
        do {
            page->next = head;
        } while (!__atomic_compare_exchange_n(&taker->chain, &head, (uint32_t)page_to_pfn(page),
                                              false, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
    }
    __atomic_store_n(&taker->budget, taker->budget - 1, __ATOMIC_RELEASE);
}

static void taker_tick(int irq, void *dev_id)
{
    (void)irq;
    struct taker *taker = dev_id;
    taker->context = context_current();
    if (taker->free_kept && taker->kept) {
        taker->free_kept_result = free_page(taker->kept); /* by its owner: allowed */
        taker->kept = NULL;
        __atomic_store_n(&taker->free_kept, false, __ATOMIC_RELEASE); /* the above first */
    }
    if (taker->budget)
        take_one(taker);
}

int taker_start(struct taker *taker, uint32_t hz)
{
    *taker = (struct taker){.chain = PFN_NONE,
                            .hand_over = taker->hand_over,
                            .hand_to = taker->hand_to,
                            .name = taker->name ? taker->name : "test taker"};
    if (hz) {
        /* 0 when the PIT is not the tick (the local APIC timer is): it goes back to its
         * slowest rate, since it cannot be stopped. */
        taker->saved_hz = pit_frequency() ? pit_frequency() : PIT_MIN_HZ;
        pit_set_frequency(hz);
    }
    return request_irq(0, taker_tick, taker->name, taker);
}

void taker_stop(struct taker *taker)
{
    free_irq(0, taker);
    if (taker->saved_hz)
        pit_set_frequency(taker->saved_hz);
}

context_t taker_context(const struct taker *taker)
{
    struct irq_handler_info handlers[IRQ_HANDLERS_MAX];
    int count = irq_handlers_of(0, handlers, IRQ_HANDLERS_MAX);
    for (int i = 0; i < count && i < IRQ_HANDLERS_MAX; i++) {
        if (handlers[i].dev_id == taker)
            return handlers[i].context;
    }
    return CONTEXT_NONE;
}

bool taker_wait(struct taker *taker, uint32_t ms)
{
    uint64_t start = arch_cycles(), limit = clock_ns_to_cycles((uint64_t)ms * 1000000);
    while (__atomic_load_n(&taker->budget, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&taker->free_kept, __ATOMIC_ACQUIRE)) {
        if (arch_cycles() - start > limit)
            return false;
        arch_cpu_relax();
    }
    return true;
}

uint64_t taker_free_chain(struct taker *taker)
{
    uint32_t pfn = __atomic_exchange_n(&taker->chain, PFN_NONE, __ATOMIC_ACQUIRE);
    uint64_t freed = 0;
    while (pfn != PFN_NONE) {
        struct page *page = pfn_to_page(pfn);
        pfn = page->next;
        freed += free_page(page) == 0;
    }
    return freed;
}

uint64_t frames_not_held(void)
{
    unsigned long flags = arch_irq_save();
    uint64_t frames = page_alloc_unallocated_count() + frame_pipe_frames_in_flight() +
                      netdev_frames_in_flight();
    arch_irq_restore(flags);
    return frames;
}

bool frames_back_to(uint64_t before)
{
    for (int tries = 0; tries < 20 && frames_not_held() != before; tries++)
        thread_sleep_ms(10);
    return frames_not_held() == before;
}

/* The largest blocks first, then smaller ones down to single frames: the same frames end up
 * taken as one at a time would take them, in a few thousand allocations rather than two
 * million at 8 GiB (under TCG, 10 s for each take and release). A link in the chain is the
 * block's address with its order in the low bits, which a block's alignment leaves free. */
uint64_t memhog_take(uint64_t *chain, gfp_t gfp)
{
    uint64_t taken = 0;
    for (int order = MAX_ORDER; order >= 0; order--) {
        struct page *page;
        while ((page = alloc_pages(gfp | __GFP_NOWAIT, (unsigned int)order)) != NULL) {
            *(uint64_t *)page_address(page) = *chain;
            *chain = page_to_phys(page) | (uint64_t)order;
            taken += 1ull << order;
        }
    }
    return taken;
}

/* Without poisoning: nothing but the chain's links wrote to memhog's frames (nor to a chain
 * of single frames built the same way), so there is nothing to catch, and the fill would
 * write all of memory (at 8 GiB, 8 s a release under TCG, and the host backing every byte).
 * Frames others free meanwhile go unpoisoned too (EXCLUSIVE ones are poisoned all the same),
 * which is safe: only a poisoned frame's poison is checked. */
uint64_t memhog_release(uint64_t *chain)
{
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    page_alloc_set_poison(false);
    uint64_t freed = 0;
    while (*chain)
        freed += memhog_free_one(chain);
    page_alloc_set_poison(stats.poison);
    return freed;
}

uint64_t memhog_free_one(uint64_t *chain)
{
    if (!*chain)
        return 0;
    unsigned int order = (unsigned int)(*chain & (PAGE_SIZE - 1));
    struct page *page = phys_to_page(*chain & ~(uint64_t)(PAGE_SIZE - 1));
    *chain = *(uint64_t *)page_address(page);
    return free_pages(page, order) == 0 ? 1ull << order : 0;
}

struct hog {
    uint64_t *chain, taken;
    gfp_t gfp;
};

static void hog_here(void *arg)
{
    struct hog *hog = arg;
    hog->taken += memhog_take(hog->chain, hog->gfp);
}

void on_each_cpu_until_dry(void (*take)(void *arg), void *arg, const uint64_t *taken, int home)
{
    uint64_t before;
    do {
        before = *taken;
        on_each_cpu_in_turn(take, arg, home);
    } while (*taken != before);
}

uint64_t memhog_take_everywhere(uint64_t *chain, gfp_t gfp, int home)
{
    struct hog hog = {chain, 0, gfp};
    on_each_cpu_until_dry(hog_here, &hog, &hog.taken, home);
    return hog.taken;
}

void pin_to(int cpu)
{
    sched_pin(thread_current(), cpu);
}

void on_each_cpu_in_turn(void (*fn)(void *arg), void *arg, int home)
{
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!sched_cpu_is_online(cpu))
            continue;
        pin_to((int)cpu);
        fn(arg);
    }
    pin_to(home);
}

static void drain_here(void *arg)
{
    (void)arg;
    page_alloc_drain_hot_cache();
}

void drain_every_hot_cache(int home)
{
    on_each_cpu_in_turn(drain_here, NULL, home);
}

static void refill_here(void *arg)
{
    (void)arg;
    atomic_reserve_refill();
}

void refill_every_reserve(int home)
{
    on_each_cpu_in_turn(refill_here, NULL, home);
}

static uint32_t paused_interval;

void sensor_pause(void)
{
    struct sensor_stats stats;
    sensor_get_stats(&stats);
    paused_interval = stats.sample_every;
    sensor_set_interval(0);
}

void sensor_resume(void)
{
    sensor_set_interval(paused_interval);
}
