/* tests/kernel/page_alloc_wait_test.c - GFP_KERNEL's wait on the live kernel: at the min
 * watermark a thread sleeps until another thread's free wakes it; with nothing freed it gives
 * up at the timeout with one line; GFP_NOWAIT never sleeps; and a sleeping allocation from an
 * interrupt handler, under a spinlock or with interrupts off is caught and gets NULL. Every case
 * runs pinned to CPU 0 with the sensor paused, so the pool's level is the test's alone. */
#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "kernel/wait.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/atomic_reserve.h"
#include "mm/page_alloc.h"
#include "tests/kernel/taker.h"

static char log[1024];

/* The pool at min, every reserve full: what each case starts from. Returns the hog's chain. */
static uint64_t pool_at_min(void)
{
    drain_every_hot_cache(0);
    refill_every_reserve(0);
    uint64_t chain = 0;
    memhog_take(&chain, GFP_NOWAIT);
    return chain;
}

static void wait_stats(struct page_alloc_wait_stats *stats)
{
    page_alloc_get_wait_stats(stats);
}

/* --- a waiter woken by a free -------------------------------------------------------------- */

struct waiter {
    struct page *page;
    volatile bool go, done;
    uint64_t started, ended; /* ticks */
};

static void wait_for_a_frame(void *arg)
{
    struct waiter *waiter = arg;
    while (!waiter->go)
        thread_sleep_ms(1);
    waiter->started = clock_ticks();
    waiter->page = alloc_page(GFP_KERNEL);
    waiter->ended = clock_ticks();
    waiter->done = true;
}

/* What thread `id` waits on, as ps shows it; NULL when it does not wait. */
static const char *waiting_on(uint32_t id)
{
    static struct thread_info threads[THREADS_MAX];
    int count = thread_list(threads, THREADS_MAX);
    for (int i = 0; i < count && i < THREADS_MAX; i++)
        if (threads[i].id == id)
            return threads[i].waiting_on;
    return NULL;
}

static void gfp_kernel_at_min_sleeps_until_a_free_wakes_it(struct ktest *t)
{
    static struct waiter waiter;
    waiter = (struct waiter){0};
    struct page_alloc_wait_stats before, during, after;
    /* Made first: its stack comes with GFP_KERNEL, which would wait at min too. */
    struct thread *thread =
            thread_create_on("waiter", wait_for_a_frame, &waiter, THREAD_PRIORITY_NORMAL, 0);
    KTEST_ASSERT_NOT_NULL(t, thread);
    uint64_t saved = page_alloc_wait_timeout();
    page_alloc_set_wait_timeout(5000); /* a broken wake-up fails in 5 s, not 30 */
    uint64_t chain = pool_at_min();
    wait_stats(&before);
    waiter.go = true;
    thread_sleep_ms(200); /* it runs, finds the pool at min and sleeps */
    wait_stats(&during);
    const char *on = waiting_on(thread->id);
    KTEST_EXPECT_FALSE(t, waiter.done);
    KTEST_EXPECT_EQ(t, during.waiting, 1u);
    KTEST_EXPECT_NOT_NULL(t, on);
    KTEST_EXPECT_TRUE(t, on && strcmp(on, "memory") == 0);
    /* Another thread's free: this one's, of memhog's blocks (a frame or more). The first
     * wakes it, the pool now above min. */
    uint64_t freed = 0;
    for (; freed < 16 && !READ_ONCE(waiter.done); freed++) {
        KTEST_EXPECT_GT(t, memhog_free_one(&chain), 0u);
        thread_sleep_ms(1);
    }
    KTEST_EXPECT_EQ(t, thread_join(thread, NULL), 0);
    page_alloc_set_wait_timeout(saved);
    wait_stats(&after);
    ktest_log(t, "woken after %lu free(s); it waited %lu ticks", freed,
              waiter.ended - waiter.started);
    KTEST_EXPECT_NOT_NULL(t, waiter.page);
    KTEST_EXPECT_LE(t, freed, 2u);
    KTEST_EXPECT_EQ(t, after.waits - before.waits, 1u);
    KTEST_EXPECT_EQ(t, after.served - before.served, 1u);
    KTEST_EXPECT_EQ(t, after.timeouts, before.timeouts);
    KTEST_EXPECT_EQ(t, after.waiting, 0u);
    if (waiter.page)
        KTEST_EXPECT_EQ(t, free_page(waiter.page), 0);
    memhog_release(&chain);
}

/* --- the timeout ---------------------------------------------------------------------------- */

static void gfp_kernel_gives_up_at_the_timeout_with_one_line(struct ktest *t)
{
    uint64_t saved = page_alloc_wait_timeout();
    KTEST_ASSERT_EQ(t, page_alloc_set_wait_timeout(100), 0);
    KTEST_EXPECT_EQ(t, page_alloc_set_wait_timeout(0), -EINVAL);
    KTEST_EXPECT_EQ(t, page_alloc_set_wait_timeout(PAGE_ALLOC_WAIT_MS_MAX + 1), -EINVAL);
    struct page_alloc_wait_stats before, after;
    uint64_t chain = pool_at_min();
    wait_stats(&before);
    console_capture(log, sizeof(log));
    uint64_t start = clock_uptime_ns();
    struct page *page = alloc_pages(GFP_KERNEL, 1);
    uint64_t waited_ms = (clock_uptime_ns() - start) / 1000000;
    console_capture(NULL, 0);
    page_alloc_set_wait_timeout(saved);
    wait_stats(&after);
    memhog_release(&chain);
    ktest_log(t, "gave up after %lu ms", waited_ms);
    KTEST_EXPECT_NULL(t, page);
    KTEST_EXPECT_GE(t, waited_ms, 95u);
    KTEST_EXPECT_LT(t, waited_ms, 3000u); /* not the 30 s default (TCG on a busy host is slow) */
    KTEST_EXPECT_EQ(t, after.timeouts - before.timeouts, 1u);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "page_alloc: out of memory: thread 'boot' waited 100 ms "
                                         "for an order-1 block (GFP_KERNEL) and gets NULL\n"));
    const char *first = strstr(log, "page_alloc:");
    KTEST_EXPECT_TRUE(t, first && !strstr(first + 1, "page_alloc:")); /* one line */
}

/* --- GFP_NOWAIT ----------------------------------------------------------------------------- */

static void gfp_nowait_never_sleeps_nor_touches_the_reserve(struct ktest *t)
{
    struct page_alloc_wait_stats before, after;
    uint64_t chain = pool_at_min();
    struct atomic_reserve_stats pads_before, pads_after;
    atomic_reserve_get_stats(&pads_before);
    wait_stats(&before);
    uint64_t sleeps = thread_current()->sleeps;
    struct page *one = alloc_page(GFP_NOWAIT);
    struct page *block = alloc_pages(GFP_NOWAIT | __GFP_ZERO, 2);
    struct page *exclusive = alloc_page(GFP_NOWAIT | EXCLUSIVE);
    sleeps = thread_current()->sleeps - sleeps;
    wait_stats(&after);
    atomic_reserve_get_stats(&pads_after);
    memhog_release(&chain);
    KTEST_EXPECT_NULL(t, one);
    KTEST_EXPECT_NULL(t, block);
    KTEST_EXPECT_NULL(t, exclusive);
    KTEST_EXPECT_EQ(t, sleeps, 0u);
    KTEST_EXPECT_EQ(t, after.waits, before.waits);
    KTEST_EXPECT_EQ(t, after.refused, before.refused);
    KTEST_EXPECT_EQ(t, pads_after.level, pads_before.level);
    KTEST_EXPECT_EQ(t, pads_after.taken_outside_interrupts, pads_before.taken_outside_interrupts);
}

/* --- the invalid contexts ------------------------------------------------------------------- */

static volatile int handler_state; /* 1: take once; 2: done */
static struct page *volatile handler_page;

static void allocate_in_handler(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    if (arch_cpu_id() == 0 && handler_state == 1) {
        handler_page = alloc_page(GFP_KERNEL);
        handler_state = 2;
    }
}

static void a_sleeping_allocation_in_a_handler_is_caught(struct ktest *t)
{
    static int cookie;
    uint64_t chain = pool_at_min();
    uint64_t before = sched_invalid_sleeps();
    struct page_alloc_wait_stats stats_before, stats_after;
    wait_stats(&stats_before);
    handler_page = NULL;
    handler_state = 1;
    console_capture(log, sizeof(log));
    KTEST_ASSERT_EQ(t, request_irq(clock_tick_line(), allocate_in_handler, "allocator", &cookie),
                    0);
    uint64_t start = clock_ticks();
    while (handler_state == 1 && clock_ticks() - start < 1000)
        arch_cpu_relax();
    free_irq(clock_tick_line(), &cookie);
    console_capture(NULL, 0);
    wait_stats(&stats_after);
    memhog_release(&chain);
    KTEST_EXPECT_EQ(t, handler_state, 2);
    KTEST_EXPECT_NULL(t, handler_page);
    KTEST_EXPECT_EQ(t, sched_invalid_sleeps() - before, 1u);
    KTEST_EXPECT_EQ(t, stats_after.refused - stats_before.refused, 1u);
    KTEST_EXPECT_EQ(t, stats_after.waits, stats_before.waits);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "sched: sleeping function alloc_page called from "
                                         "invalid context: by allocate_in_handler+"));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "(in an interrupt handler, with interrupts off)"));
}

static void a_sleeping_allocation_under_a_spinlock_or_interrupts_off_is_caught(struct ktest *t)
{
    static struct spinlock lock = SPINLOCK_INIT("test");
    uint64_t chain = pool_at_min();
    uint64_t before = sched_invalid_sleeps();
    console_capture(log, sizeof(log));
    spin_lock(&lock); /* interrupts stay on: only the lock is wrong */
    uint64_t sleeps = thread_current()->sleeps;
    struct page *under_lock = alloc_pages(GFP_KERNEL, 0);
    spin_unlock(&lock);
    unsigned long flags = arch_irq_save();
    struct page *irqs_off = alloc_page(GFP_KERNEL | EXCLUSIVE);
    arch_irq_restore(flags);
    sleeps = thread_current()->sleeps - sleeps;
    console_capture(NULL, 0);
    memhog_release(&chain);
    KTEST_EXPECT_NULL(t, under_lock);
    KTEST_EXPECT_NULL(t, irqs_off);
    KTEST_EXPECT_EQ(t, sleeps, 0u); /* neither slept */
    KTEST_EXPECT_EQ(t, sched_invalid_sleeps() - before, 2u);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "sleeping function alloc_page called from invalid "
                                         "context: by a_sleeping_allocation_under_a_spinlock"));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "(holding 1 spinlock), thread 'boot'"));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "(with interrupts off), thread 'boot'"));
}

/* The catch is where the wait would begin: above min, a GFP_KERNEL allocation does not sleep
 * and is served under a spinlock too (as it always was). */
static void above_min_gfp_kernel_under_a_spinlock_is_served(struct ktest *t)
{
    static struct spinlock lock = SPINLOCK_INIT("test");
    uint64_t before = sched_invalid_sleeps();
    spin_lock(&lock);
    struct page *page = alloc_page(GFP_KERNEL);
    spin_unlock(&lock);
    KTEST_ASSERT_NOT_NULL(t, page);
    KTEST_EXPECT_EQ(t, free_page(page), 0);
    KTEST_EXPECT_EQ(t, sched_invalid_sleeps(), before);
}

static int settle(void)
{
    pin_to(0);
    sensor_pause();
    return 0;
}

static void unsettle(void)
{
    sensor_resume();
    pin_to(-1);
}

static const struct ktest_case page_alloc_wait_cases[] = {
        KTEST_CASE(gfp_kernel_at_min_sleeps_until_a_free_wakes_it),
        KTEST_CASE(gfp_kernel_gives_up_at_the_timeout_with_one_line),
        KTEST_CASE(gfp_nowait_never_sleeps_nor_touches_the_reserve),
        KTEST_CASE(a_sleeping_allocation_in_a_handler_is_caught),
        KTEST_CASE(a_sleeping_allocation_under_a_spinlock_or_interrupts_off_is_caught),
        KTEST_CASE(above_min_gfp_kernel_under_a_spinlock_is_served),
        {},
};
KTEST_SUITE_FULL(page_alloc_wait, page_alloc_wait_cases, settle, unsettle);
