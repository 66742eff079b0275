/* tests/bench/kernel_bench.c - the allocator measured on the machine's own memory, booted
 * with `bench`: order-0 pairs (interrupts off, and on), bursts of allocations then frees,
 * mixed orders, the atomic reserve taken inside the PIT handler, and the boot-time build of
 * the frame database; with the bare free list and the bitmap allocator of baselines.h run on
 * the same frames. Each operation is timed alone with the TSC. Under QEMU with
 * `-icount shift=0` the TSC counts guest instructions, which the first measurement checks.
 *
 * Output, parsed by tests/bench/run_bench.py:
 *   bench: tsc unit=<instructions|cycles> loop=<instructions> read=<ticks>
 *   bench: case=<name> unit=<u> n=<N> p50=<v> p99=<v> p999=<v> max=<v> mean=<v>
 *   bench-cdf: case=<name> <101 values: percentiles 0 ... 100>
 *   bench: done
 */
#include "tests/bench/kernel_bench.h"

#include "arch/arch.h"
#include "drivers/debug_exit.h"
#include "drivers/pit.h"
#include "kernel/deferred.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/sensor.h"
#include "mm/atomic_reserve.h"
#include "mm/exclusive.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "tests/bench/baselines.h"
#include "tests/kernel/taker.h"

#define SAMPLES_ORDER 7 /* 512 KiB of samples: 131072 */
#define SAMPLES_MAX   ((PAGE_SIZE << SAMPLES_ORDER) / sizeof(uint32_t))
#define PAIRS         10000
#define BURST         100000
#define MIXED_OPS     20000
#define MIXED_SLOTS   256
#define RESERVE_TAKES 2000

static uint32_t *samples;
static uint64_t overhead; /* what two back-to-back TSC reads cost */
static const char *unit = "cycles";

/* --- sorting and reporting ----------------------------------------------------------------- */

static void sift_down(uint32_t *values, uint64_t root, uint64_t count)
{
    for (uint64_t child; (child = 2 * root + 1) < count; root = child) {
        if (child + 1 < count && values[child + 1] > values[child])
            child++;
        if (values[root] >= values[child])
            return;
        uint32_t swap = values[root];
        values[root] = values[child];
        values[child] = swap;
    }
}

/* Heapsort: O(n log n) in place, for up to 131072 samples. */
static void sort(uint32_t *values, uint64_t count)
{
    for (uint64_t i = count / 2; i-- > 0;)
        sift_down(values, i, count);
    for (uint64_t end = count; end-- > 1;) {
        uint32_t swap = values[0];
        values[0] = values[end];
        values[end] = swap;
        sift_down(values, 0, end);
    }
}

static uint32_t percentile(uint64_t count, uint64_t per_thousand)
{
    uint64_t index = count * per_thousand / 1000;
    return samples[index < count ? index : count - 1];
}

static void report(const char *name, uint64_t count)
{
    if (!count)
        return;
    sort(samples, count);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < count; i++)
        sum += samples[i];
    printk("bench: case=%s unit=%s n=%lu p50=%u p99=%u p999=%u max=%u mean=%lu\n", name, unit,
           count, percentile(count, 500), percentile(count, 990), percentile(count, 999),
           samples[count - 1], sum / count);
    char line[PRINTK_LINE_MAX - 8];
    int length = ksnprintf(line, sizeof(line), "bench-cdf: case=%s", name);
    for (uint64_t p = 0; p <= 100 && length < (int)sizeof(line); p++)
        length += ksnprintf(line + length, sizeof(line) - (size_t)length, " %u",
                            percentile(count, p * 10));
    printk("%s\n", line);
}

/* --- timing ------------------------------------------------------------------------------------
 */

static uint32_t elapsed(uint64_t start, uint64_t end)
{
    uint64_t ticks = end - start;
    ticks = ticks > overhead ? ticks - overhead : 0;
    return ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
}

/* Checks what the TSC counts: a loop of 2 x n instructions, interrupts off. */
static void calibrate(void)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 1000; i++) {
        uint64_t start = arch_cycles();
        best = MIN(best, arch_cycles() - start);
    }
    overhead = best;
    uint64_t n = 1000000, flags = arch_irq_save();
    uint64_t start = arch_cycles();
    __asm__ volatile("1: dec %0; jnz 1b" : "+r"(n));
    uint64_t read = arch_cycles() - start - overhead;
    arch_irq_restore(flags);
    /* dec + jnz per turn; within 1 %: one tick per instruction. */
    uint64_t loop = 2 * 1000000;
    bool instructions = read * 100 >= loop * 99 && read * 100 <= loop * 101;
    unit = instructions ? "instructions" : "cycles";
    printk("bench: tsc unit=%s loop=%lu read=%lu overhead=%lu\n", unit, loop, read, overhead);
}

/* --- order 0 pairs -------------------------------------------------------------------------------
 */

static void pairs(bool interrupts_off)
{
    for (uint64_t i = 0; i < PAIRS; i++) {
        unsigned long flags = interrupts_off ? arch_irq_save() : 0;
        uint64_t start = arch_cycles();
        free_page(alloc_page(GFP_KERNEL));
        samples[i] = elapsed(start, arch_cycles());
        if (interrupts_off)
            arch_irq_restore(flags);
    }
    report(interrupts_off ? "pair" : "pair_irqs_on", PAIRS);
}

/* --- the baselines, on frames taken from the buddy allocator in 4 MiB blocks ---------------- */

struct pool {
    uint64_t blocks[256]; /* frame numbers of the order-10 blocks */
    uint64_t count, first_pfn, words;
    uint64_t *bits;
    struct page *bits_page;
    unsigned int bits_order;
};

static bool pool_take(struct pool *pool, uint64_t frames)
{
    pool->count = 0;
    uint64_t low = UINT64_MAX, high = 0;
    while (pool->count * MAX_ORDER_PAGES < frames && pool->count < 256) {
        struct page *block = alloc_pages(GFP_KERNEL, MAX_ORDER);
        if (!block)
            break;
        uint64_t pfn = page_to_pfn(block);
        pool->blocks[pool->count++] = pfn;
        low = MIN(low, pfn);
        high = MAX(high, pfn + MAX_ORDER_PAGES);
    }
    if (!pool->count)
        return false;
    pool->first_pfn = low;
    pool->words = (high - low) / 64;
    pool->bits_order = 0;
    while ((PAGE_SIZE << pool->bits_order) < pool->words * 8)
        pool->bits_order++;
    pool->bits_page = alloc_pages(GFP_KERNEL, pool->bits_order);
    pool->bits = pool->bits_page ? page_address(pool->bits_page) : NULL;
    return pool->bits != NULL;
}

static void pool_give_back(struct pool *pool)
{
    for (uint64_t i = 0; i < pool->count; i++)
        free_pages(pfn_to_page(pool->blocks[i]), MAX_ORDER);
    if (pool->bits_page)
        free_pages(pool->bits_page, pool->bits_order);
}

static void fill_freelist(struct freelist *list, struct pool *pool)
{
    freelist_init(list);
    for (uint64_t i = pool->count; i-- > 0;) {
        for (uint64_t f = MAX_ORDER_PAGES; f-- > 0;)
            freelist_push(list, pool->blocks[i] + f);
    }
}

static void fill_bitmap(struct bitmap_allocator *bitmap, struct pool *pool)
{
    bitmap_init(bitmap, pool->bits, pool->first_pfn, pool->words);
    for (uint64_t i = 0; i < pool->count; i++)
        bitmap_release(bitmap, pool->blocks[i], MAX_ORDER);
}

static void baseline_pairs(struct pool *pool)
{
    struct freelist list;
    struct bitmap_allocator bitmap;
    fill_freelist(&list, pool);
    for (uint64_t i = 0; i < PAIRS; i++) {
        unsigned long flags = arch_irq_save();
        uint64_t start = arch_cycles();
        freelist_push(&list, freelist_pop(&list));
        samples[i] = elapsed(start, arch_cycles());
        arch_irq_restore(flags);
    }
    report("bare_list_pair", PAIRS);
    fill_bitmap(&bitmap, pool);
    for (uint64_t i = 0; i < PAIRS; i++) {
        unsigned long flags = arch_irq_save();
        uint64_t start = arch_cycles();
        bitmap_release(&bitmap, bitmap_alloc(&bitmap, 0), 0);
        samples[i] = elapsed(start, arch_cycles());
        arch_irq_restore(flags);
    }
    report("bitmap_pair", PAIRS);
}

/* --- bursts: N allocations, then N frees ---------------------------------------------------------
 */

static uint64_t burst_size(void)
{
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    /* Room for the buddy burst, then the baselines' pool of the same size. */
    return MIN((uint64_t)BURST, (stats.free - stats.watermark_min) / 3);
}

static void buddy_burst(uint64_t count)
{
    uint64_t chain = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = arch_cycles();
        struct page *page = alloc_page(GFP_KERNEL);
        samples[i] = elapsed(start, arch_cycles());
        *(uint64_t *)page_address(page) = chain;
        chain = page_to_phys(page);
    }
    report("burst_alloc", count);
    for (uint64_t i = 0; i < count; i++) {
        struct page *page = phys_to_page(chain);
        chain = *(uint64_t *)page_address(page);
        uint64_t start = arch_cycles();
        free_page(page);
        samples[i] = elapsed(start, arch_cycles());
    }
    report("burst_free", count);
}

static void list_burst(struct pool *pool, uint64_t count)
{
    struct freelist list, taken;
    fill_freelist(&list, pool);
    freelist_init(&taken);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = arch_cycles();
        uint64_t pfn = freelist_pop(&list);
        samples[i] = elapsed(start, arch_cycles());
        freelist_push(&taken, pfn);
    }
    report("bare_list_burst_alloc", count);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t pfn = freelist_pop(&taken);
        uint64_t start = arch_cycles();
        freelist_push(&list, pfn);
        samples[i] = elapsed(start, arch_cycles());
    }
    report("bare_list_burst_free", count);
}

static void bitmap_burst(struct pool *pool, uint64_t count)
{
    struct bitmap_allocator bitmap;
    struct freelist taken;
    fill_bitmap(&bitmap, pool);
    freelist_init(&taken);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = arch_cycles();
        uint64_t pfn = bitmap_alloc(&bitmap, 0);
        samples[i] = elapsed(start, arch_cycles());
        freelist_push(&taken, pfn);
    }
    report("bitmap_burst_alloc", count);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t pfn = freelist_pop(&taken);
        uint64_t start = arch_cycles();
        bitmap_release(&bitmap, pfn, 0);
        samples[i] = elapsed(start, arch_cycles());
    }
    report("bitmap_burst_free", count);
}

/* --- mixed orders: a random walk over 256 slots, allocating into empty ones ---------------- */

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static void buddy_mixed(void)
{
    static struct page *slots[MIXED_SLOTS];
    static uint8_t orders[MIXED_SLOTS];
    uint64_t state = 0x9e3779b97f4a7c15ull, count = 0;
    for (uint64_t i = 0; i < MIXED_OPS; i++) {
        uint64_t r = next_random(&state), slot = r % MIXED_SLOTS;
        uint64_t start = arch_cycles();
        if (slots[slot]) {
            free_pages(slots[slot], orders[slot]);
            slots[slot] = NULL;
        } else {
            orders[slot] = (uint8_t)((r >> 32) % (MAX_ORDER + 1));
            slots[slot] = alloc_pages(GFP_KERNEL, orders[slot]);
        }
        samples[count++] = elapsed(start, arch_cycles());
    }
    for (int slot = 0; slot < MIXED_SLOTS; slot++) {
        if (slots[slot])
            free_pages(slots[slot], orders[slot]);
        slots[slot] = NULL;
    }
    report("mixed", count);
}

static void bitmap_mixed(struct pool *pool)
{
    static uint64_t slots[MIXED_SLOTS];
    static uint8_t orders[MIXED_SLOTS];
    struct bitmap_allocator bitmap;
    fill_bitmap(&bitmap, pool);
    uint64_t state = 0x9e3779b97f4a7c15ull, count = 0;
    for (int slot = 0; slot < MIXED_SLOTS; slot++)
        slots[slot] = BASELINE_NONE;
    for (uint64_t i = 0; i < MIXED_OPS; i++) {
        uint64_t r = next_random(&state), slot = r % MIXED_SLOTS;
        uint64_t start = arch_cycles();
        if (slots[slot] != BASELINE_NONE) {
            bitmap_release(&bitmap, slots[slot], orders[slot]);
            slots[slot] = BASELINE_NONE;
        } else {
            orders[slot] = (uint8_t)((r >> 32) % (MAX_ORDER + 1));
            slots[slot] = bitmap_alloc(&bitmap, orders[slot]);
        }
        samples[count++] = elapsed(start, arch_cycles());
    }
    report("bitmap_mixed", count);
}

/* --- the atomic reserve, taken inside the PIT handler ------------------------------------------
 */

static struct {
    uint64_t wanted, taken; /* samples still wanted; taken from the reserve */
    uint32_t chain;         /* frames handed over to us */
} reserve_bench;

static void reserve_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    if (reserve_bench.taken >= reserve_bench.wanted || atomic_reserve_level() == 0)
        return;
    uint64_t level = atomic_reserve_level(), start = arch_cycles();
    struct page *page = alloc_page(GFP_ATOMIC | EXCLUSIVE);
    uint32_t ticks = elapsed(start, arch_cycles());
    if (!page)
        return;
    if (atomic_reserve_level() < level) /* it came from the reserve: that is what we time */
        samples[reserve_bench.taken++] = ticks;
    page_hand_over(page, CONTEXT_BOOT);
    page->next = reserve_bench.chain;
    reserve_bench.chain = (uint32_t)page_to_pfn(page);
}

/* Frees what the handler handed over, timing each free (poison, then the refill on the free
 * path); returns how many. */
static uint64_t free_handed(uint64_t *returned)
{
    unsigned long flags = arch_irq_save();
    uint32_t pfn = reserve_bench.chain;
    reserve_bench.chain = PFN_NONE;
    arch_irq_restore(flags);
    uint64_t count = 0;
    while (pfn != PFN_NONE) {
        struct page *page = pfn_to_page(pfn);
        pfn = page->next;
        uint64_t start = arch_cycles();
        free_page(page);
        uint64_t ticks = arch_cycles() - start;
        *returned += ticks;
        count++;
    }
    return count;
}

static void reserve_in_handler(void)
{
    uint64_t hog = 0, returned = 0, freed = 0;
    memhog_take(&hog, GFP_KERNEL); /* the pool at min: GFP_ATOMIC goes to the reserve */
    reserve_bench.wanted = RESERVE_TAKES;
    reserve_bench.taken = 0;
    reserve_bench.chain = PFN_NONE;
    uint32_t saved = pit_frequency();
    pit_set_frequency(10000);
    request_irq(0, reserve_tick, "bench", &reserve_bench);
    while (READ_ONCE(reserve_bench.taken) < RESERVE_TAKES) {
        freed += free_handed(&returned);
        deferred_run();
        arch_cpu_relax();
    }
    free_irq(0, &reserve_bench);
    pit_set_frequency(saved);
    freed += free_handed(&returned);
    memhog_release(&hog);
    report("reserve_take_in_irq", RESERVE_TAKES);
    printk("bench: reserve_return unit=%s n=%lu mean=%lu\n", unit, freed,
           freed ? returned / freed : 0);
}

/* --- running it all ----------------------------------------------------------------------------
 */

static void frame_db_build(void)
{
    const struct mm_boot_figures *boot = mm_boot_figures();
    uint64_t pages_per_gib = (1ull << 30) / PAGE_SIZE;
    printk("bench: frame_db_build unit=%s managed_pages=%lu ticks=%lu per_gib=%lu\n", unit,
           boot->managed_pages, boot->build_cycles,
           boot->managed_pages ? boot->build_cycles * pages_per_gib / boot->managed_pages : 0);
}

static void baselines(void)
{
    static struct pool pool;
    uint64_t count = burst_size();
    if (!pool_take(&pool, MAX(count, (uint64_t)MAX_ORDER_PAGES))) {
        printk("bench: no memory for the baselines\n");
        pool_give_back(&pool);
        return;
    }
    count = MIN(count, pool.count * MAX_ORDER_PAGES);
    baseline_pairs(&pool);
    list_burst(&pool, count);
    bitmap_burst(&pool, count);
    bitmap_mixed(&pool);
    pool_give_back(&pool);
}

void bench_run(void)
{
    sensor_set_interval(0); /* nothing else takes frames while we measure */
    struct page *store = alloc_pages(GFP_KERNEL, SAMPLES_ORDER);
    if (!store) {
        printk("bench: no memory for the samples\n");
        debug_exit(DEBUG_EXIT_FAILURE);
    }
    samples = page_address(store);
    calibrate();
    frame_db_build();
    pairs(true);
    pairs(false);
    buddy_burst(burst_size());
    buddy_mixed();
    reserve_in_handler();
    baselines();
    free_pages(store, SAMPLES_ORDER);
    printk("bench: done\n");
    debug_exit(DEBUG_EXIT_SUCCESS);
}
