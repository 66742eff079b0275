/* tests/bench/kernel_bench.c - the allocator measured on the machine's own memory, booted
 * with `bench`: order-0 pairs (interrupts off, and on), bursts of allocations then frees,
 * mixed orders, every take of a landing pad inside the PIT handler (with memory plentiful and
 * with ordinary memory exhausted), and the boot-time build of the frame database; with the bare
 * free list and the bitmap allocator of baselines.h run on the same frames; and a context
 * switch between two threads; the wake-up of the refill thread from a take in the PIT handler
 * to the thread running (instructions and ticks, every sample printed); the e1000's receive
 * handler per packet and its refill take, in PHY loopback, with memory plentiful and exhausted.
 * Booted with several CPUs, it measures instead the order-0 pair, an order-2 pair, the zone lock
 * (waits, hold times) and the pad take in the PIT handler with ordinary memory exhausted, all on
 * CPU 0, with 1, 2 and 4 CPUs busy allocating. Each operation is timed alone with the TSC. Under
 * QEMU with
 * `-icount shift=0` the TSC counts guest instructions, which the first measurement checks.
 *
 * Output, parsed by tests/bench/run_bench.py:
 *   bench: tsc unit=<instructions|cycles> loop=<instructions> read=<ticks>
 *   bench: case=<name> unit=<u> n=<N> p50=<v> p99=<v> p999=<v> max=<v> mean=<v>
 *   bench-cdf: case=<name> <101 values: percentiles 0 ... 100>
 *   bench-samples: case=<name> from=<i> <up to 16 samples, in the order taken>
 *   bench: pads_<level> handler_pads=<N> handler_scrubbed=<N> ... (where the takes came from)
 *   bench: slowest case=<name> <place>:<value> ... (the five largest samples, by place in the run)
 *   bench: rx_<level> packets=<N> interrupts=<N> ... (the receive path's takes, by source)
 *   bench: done
 */
#include "arch/arch.h"
#include "drivers/pit.h"
#include "kernel/clock.h"
#include "kernel/deferred.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "services/net/net.h"
#include "services/sensor.h"
#include "mm/atomic_reserve.h"
#include "mm/exclusive.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "lib/string.h"
#include "tests/bench/baselines.h"
#include "tests/kernel/taker.h"

#define SAMPLES_ORDER 7 /* 512 KiB of samples: 131072 */
#define SAMPLES_MAX   ((PAGE_SIZE << SAMPLES_ORDER) / sizeof(uint32_t))

/* Operations per case; `bench=quick` (make test) divides them by 20. */
static uint64_t pair_ops = 10000, burst_ops = 100000, mixed_ops = 20000, pad_takes = 2000;

static uint32_t *samples;
static uint64_t refused;  /* frees the allocator refused: 0 unless it is broken */
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
    /* 101 values outgrow one printk line: the line is written in pieces (nothing else
     * prints while the benchmark runs). */
    printk("bench-cdf: case=%s", name);
    for (uint64_t p = 0; p <= 100; p += 10) {
        char piece[128];
        int length = 0;
        for (uint64_t q = p; q < p + 10 && q <= 100; q++)
            length += ksnprintf(piece + length, sizeof(piece) - (size_t)length, " %u",
                                percentile(count, q * 10));
        printk("%s", piece);
    }
    printk("\n");
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

static void measure_pairs(bool interrupts_off)
{
    for (uint64_t i = 0; i < pair_ops; i++) {
        unsigned long flags = interrupts_off ? arch_irq_save() : 0;
        uint64_t start = arch_cycles();
        refused += free_page(alloc_page(GFP_KERNEL)) != 0;
        samples[i] = elapsed(start, arch_cycles());
        if (interrupts_off)
            arch_irq_restore(flags);
    }
}

static void pairs(bool interrupts_off)
{
    measure_pairs(interrupts_off);
    report(interrupts_off ? "pair" : "pair_irqs_on", pair_ops);
}

static void pairs_named(const char *name)
{
    measure_pairs(true);
    report(name, pair_ops);
}

/* --- the baselines, on frames taken from the buddy allocator in 4 MiB blocks ---------------- */

static void baseline_pairs(struct baseline_pool *pool)
{
    struct freelist list;
    struct bitmap_allocator bitmap;
    baseline_fill_freelist(&list, pool);
    for (uint64_t i = 0; i < pair_ops; i++) {
        unsigned long flags = arch_irq_save();
        uint64_t start = arch_cycles();
        freelist_push(&list, freelist_pop(&list));
        samples[i] = elapsed(start, arch_cycles());
        arch_irq_restore(flags);
    }
    report("bare_list_pair", pair_ops);
    baseline_fill_bitmap(&bitmap, pool);
    for (uint64_t i = 0; i < pair_ops; i++) {
        unsigned long flags = arch_irq_save();
        uint64_t start = arch_cycles();
        bitmap_release(&bitmap, bitmap_alloc(&bitmap, 0), 0);
        samples[i] = elapsed(start, arch_cycles());
        arch_irq_restore(flags);
    }
    report("bitmap_pair", pair_ops);
}

/* --- bursts: N allocations, then N frees ---------------------------------------------------------
 */

static uint64_t burst_size(void)
{
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    /* Room for the buddy burst, then the baselines' pool of the same size. */
    return MIN((uint64_t)burst_ops, (stats.free - stats.watermark_min) / 3);
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
        refused += free_page(page) != 0;
        samples[i] = elapsed(start, arch_cycles());
    }
    report("burst_free", count);
}

static void list_burst(struct baseline_pool *pool, uint64_t count)
{
    struct freelist list, taken;
    baseline_fill_freelist(&list, pool);
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

static void bitmap_burst(struct baseline_pool *pool, uint64_t count)
{
    struct bitmap_allocator bitmap;
    struct freelist taken;
    baseline_fill_bitmap(&bitmap, pool);
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

/* --- mixed orders: the workload of baselines.h ---------------------------------------------- */

static void buddy_mixed(void)
{
    static struct mixed_workload work;
    mixed_workload_init(&work);
    for (uint64_t i = 0; i < mixed_ops; i++) {
        uint64_t start = arch_cycles();
        mixed_step(&work);
        samples[i] = elapsed(start, arch_cycles());
    }
    mixed_workload_finish(&work);
    refused += work.refused;
    report("mixed", mixed_ops);
}

static void bitmap_mixed(struct baseline_pool *pool)
{
    static struct mixed_workload work;
    struct bitmap_allocator bitmap;
    baseline_fill_bitmap(&bitmap, pool);
    mixed_workload_init(&work);
    for (uint64_t i = 0; i < mixed_ops; i++) {
        uint64_t start = arch_cycles();
        mixed_step_bitmap(&work, &bitmap);
        samples[i] = elapsed(start, arch_cycles());
    }
    report("bitmap_mixed", mixed_ops);
}

/* --- the landing pads, taken inside the PIT handler ------------------------------------------ */

/* Every take of the benchmark's handler is timed, whatever it was served from: with memory
 * plentiful, the handler must still get its frame from the pads (nothing scrubbed in the
 * handler); with ordinary memory exhausted, too. The sensor shares the line, sampling every
 * tick, as a second user of the pads. */
static struct {
    uint64_t wanted, taken, dropped; /* takes still wanted; timed; NULL among them */
    uint32_t chain;                  /* frames handed over to us */
    int hand_over_failures;
} pad_bench;

static void pad_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    if (pad_bench.taken >= pad_bench.wanted)
        return;
    uint64_t start = arch_cycles();
    struct page *page = alloc_page(GFP_ATOMIC | EXCLUSIVE);
    samples[pad_bench.taken++] = elapsed(start, arch_cycles());
    if (!page) {
        pad_bench.dropped++;
        return;
    }
    if (page_hand_over(page, CONTEXT_BOOT) != 0) {
        pad_bench.hand_over_failures++; /* kept: a leak the leak count will show */
        return;
    }
    page->next = pad_bench.chain;
    pad_bench.chain = (uint32_t)page_to_pfn(page);
}

/* Frees what the handler handed over, timing each free (poison, then the refill on the free
 * path); returns how many were freed. */
static uint64_t free_handed(uint64_t *returned)
{
    unsigned long flags = arch_irq_save();
    uint32_t pfn = pad_bench.chain;
    pad_bench.chain = PFN_NONE;
    arch_irq_restore(flags);
    uint64_t count = 0;
    while (pfn != PFN_NONE) {
        struct page *page = pfn_to_page(pfn);
        pfn = page->next;
        uint64_t start = arch_cycles();
        int error = free_page(page);
        *returned += arch_cycles() - start;
        count += error == 0;
    }
    return count;
}

/* Memory taken away to put the pool at its min watermark, kept in an array of (address |
 * order) and never written to: a 64 GiB guest must not make the host back 64 GiB. */
struct hog {
    uint64_t *blocks;
    uint64_t count, capacity;
    struct page *array;
};

#define HOG_ARRAY_ORDER 7 /* 65536 blocks: 64 GiB is 16384 blocks of 4 MiB */

static void hog_take(struct hog *hog)
{
    hog->array = alloc_pages(GFP_NOWAIT, HOG_ARRAY_ORDER); /* a hog never waits for memory */
    hog->blocks = hog->array ? page_address(hog->array) : NULL;
    hog->capacity = hog->array ? (PAGE_SIZE << HOG_ARRAY_ORDER) / sizeof(uint64_t) : 0;
    hog->count = 0;
    for (int order = MAX_ORDER; order >= 0; order--) {
        struct page *page;
        while (hog->count < hog->capacity && (page = alloc_pages(GFP_NOWAIT, order)) != NULL)
            hog->blocks[hog->count++] = page_to_phys(page) | (uint64_t)order;
    }
}

/* Returns the frees refused (0 unless the allocator is broken). */
static uint64_t hog_release(struct hog *hog)
{
    uint64_t refused = 0;
    while (hog->count) {
        uint64_t block = hog->blocks[--hog->count];
        refused += free_pages(phys_to_page(block & ~(PAGE_SIZE - 1)), block & (PAGE_SIZE - 1)) != 0;
    }
    if (hog->array)
        refused += free_pages(hog->array, HOG_ARRAY_ORDER) != 0;
    return refused;
}

/* The account of the handler named `name` on line `irq` (the benchmark's is on IRQ 0, the
 * sensor's on the tick's line: the LAPIC timer's under the IOAPIC). */
static void account_of(int irq, const char *name, struct atomic_reserve_account *out)
{
    struct irq_handler_info handlers[IRQ_HANDLERS_MAX];
    int count = irq_handlers_of(irq, handlers, IRQ_HANDLERS_MAX);
    *out = (struct atomic_reserve_account){0};
    for (int i = 0; i < count && i < IRQ_HANDLERS_MAX; i++) {
        if (strcmp(handlers[i].name, name) == 0)
            atomic_reserve_get_account(handlers[i].context, out);
    }
}

/* Where the takes of the benchmark's handler and of the sensor (since `sensor_before`) came
 * from: pads, or the pool (scrubbed in the handler). Read before free_irq closes the
 * benchmark's account. */
static void print_pad_share(const char *level, const struct atomic_reserve_account *sensor_before)
{
    struct atomic_reserve_account mine, sensor;
    account_of(0, "bench", &mine);
    account_of(clock_tick_line(), "sensor", &sensor);
    printk("bench: pads_%s handler_pads=%lu handler_scrubbed=%lu handler_below_min=%lu "
           "handler_failed=%lu sensor_pads=%lu sensor_scrubbed=%lu sensor_failed=%lu\n",
           level, mine.from_claim + mine.from_shared, mine.scrubbed, mine.below_min, mine.failed,
           sensor.from_claim + sensor.from_shared - sensor_before->from_claim -
                   sensor_before->from_shared,
           sensor.scrubbed - sensor_before->scrubbed, sensor.failed - sensor_before->failed);
}

/* Takes `pad_takes` frames in the handler at hz, the sensor sampling every tick, while this
 * loop frees what the handler hands over and runs the deferred refill; reports them as `name`
 * and where they came from as pads_`level`. Gives up after ten seconds of ticks (said). */
static void takes_in_handler(const char *name, const char *level, uint32_t hz)
{
    uint64_t returned = 0, freed = 0;
    struct atomic_reserve_account sensor_before;
    account_of(clock_tick_line(), "sensor", &sensor_before);
    pad_bench.wanted = pad_takes;
    pad_bench.taken = pad_bench.dropped = 0;
    pad_bench.chain = PFN_NONE;
    uint32_t saved = pit_frequency();
    pit_set_frequency(hz);
    sensor_set_interval(1);
    request_irq(0, pad_tick, "bench", &pad_bench);
    uint64_t give_up = clock_ticks() + 10ull * clock_tick_rate();
    while (READ_ONCE(pad_bench.taken) < pad_takes && clock_ticks() < give_up) {
        freed += free_handed(&returned);
        deferred_run();
        if (smp_cpus_online() > 1)
            thread_sleep_ms(1); /* -icount runs the CPUs in turn: let the others have theirs */
        else
            arch_cpu_relax();
    }
    print_pad_share(level, &sensor_before);
    free_irq(0, &pad_bench);
    sensor_set_interval(0);
    thread_sleep_ms(20); /* the sensor's consumer thread takes what it handed over */
    pit_set_frequency(saved ? saved : PIT_MIN_HZ); /* 0: the PIT is not the tick */
    freed += free_handed(&returned);
    if (pad_bench.taken < pad_takes)
        printk("bench: %s: only %lu takes in ten seconds\n", name, pad_bench.taken);
    report(name, pad_bench.taken);
    printk("bench: return_%s unit=%s n=%lu mean=%lu dropped=%lu\n", level, unit, freed,
           freed ? returned / freed : 0, pad_bench.dropped);
}

static void pads_in_handler(void)
{
    takes_in_handler("take_in_irq_plentiful", "plentiful", 10000);
    struct hog hog;
    hog_take(&hog); /* the pool at min: ordinary memory is exhausted */
    takes_in_handler("take_in_irq_exhausted", "exhausted", 10000);
    if (hog_release(&hog) != 0)
        printk("bench: the allocator refused frees of the hog\n");
}

/* --- the network card's receive path ----------------------------------------------------- */

/* In PHY loopback what the e1000 sends comes back to its own receive ring, through its
 * receive interrupt. One datagram at a time (to a port nobody listens on: the consumer
 * counts it and frees its frame), the next sent once the handler has taken the last, so each
 * interrupt takes one packet. The driver records every such interrupt's whole handler and
 * every refill take (kernel/netdev.h's netdev_samples); nothing is filtered. */
#define NET_SAMPLES (SAMPLES_MAX / 4) /* each of the three arrays, in the top of samples[] */
#define NET_SLOWEST 5
#define NET_WAIT_NS 1000000000ull

static uint64_t net_packets = 2000;
static uint8_t net_frame[ETH_FRAME_MAX];

/* Sends `burst` datagrams, with interrupts off so that one interrupt finds them all, and waits
 * (consuming, refilling the pads as the idle loop would) until the handler has taken them
 * off the ring. Returns whether it did within a second. */
static bool net_round_trip(struct netdev *card, const struct net_address *us, uint32_t burst)
{
    static const struct net_address peer = {{0x52, 0x54, 0, 0, 0, 2}, 0x0a000202, 40000};
    struct net_address nobody = *us;
    nobody.port = 9;
    struct netdev_counters c;
    card->ops->get_counters(card, &c);
    uint64_t before = c.rx_packets, deadline = clock_uptime_ns() + NET_WAIT_NS;
    size_t length = net_build_udp(net_frame, sizeof(net_frame), &peer, &nobody, 1,
                                  (const uint8_t *)"bench", 5);
    unsigned long flags = arch_irq_save();
    for (uint32_t i = 0; i < burst; i++)
        card->ops->transmit(card, net_frame, length); /* a full ring is counted, and missed */
    arch_irq_restore(flags);
    while (clock_uptime_ns() < deadline) {
        net_consume();
        deferred_run();
        card->ops->get_counters(card, &c);
        if (c.rx_packets >= before + burst)
            return true;
        arch_irq_disable();
        arch_wait_for_interrupt(); /* sti; hlt: the receive interrupt or the next tick */
    }
    return false;
}

/* Prints the NET_SLOWEST largest of values[0..count) with their index (the packet's place
 * in the run), which tells a slow first packet from a periodic one. */
static void print_slowest(const char *name, const uint32_t *values, uint64_t count)
{
    char line[PRINTK_LINE_MAX];
    int length = ksnprintf(line, sizeof(line), "bench: slowest case=%s", name);
    uint64_t previous = UINT64_MAX, previous_value = UINT32_MAX + 1ull;
    for (int k = 0; k < NET_SLOWEST && (uint64_t)k < count; k++) {
        uint64_t best = UINT64_MAX; /* the largest below the previous one (index breaks ties) */
        for (uint64_t i = 0; i < count; i++) {
            bool below =
                    values[i] < previous_value || (values[i] == previous_value && i > previous);
            if (below && (best == UINT64_MAX || values[i] > values[best]))
                best = i;
        }
        if (best == UINT64_MAX)
            break;
        length += ksnprintf(line + length, sizeof(line) - (size_t)length, " %lu:%u", best,
                            values[best]);
        previous = best;
        previous_value = values[best];
    }
    printk("%s\n", line);
}

static uint32_t less_overhead(uint32_t ticks)
{
    return ticks > overhead ? ticks - (uint32_t)overhead : 0;
}

/* Reports the recording: the handler per packet (its run divided by the packets it took),
 * the refill takes, and where the takes came from. */
static void report_receive(const char *level, struct netdev_samples *r,
                           const struct netdev_counters *before,
                           const struct netdev_counters *after)
{
    uint64_t multiple = 0;
    char name[48];
    for (uint32_t i = 0; i < r->handlers; i++) {
        samples[i] = less_overhead(r->handler[i]) / MAX(r->handler_packets[i], 1u);
        multiple += r->handler_packets[i] > 1;
    }
    ksnprintf(name, sizeof(name), "rx_handler_%s", level);
    print_slowest(name, samples, r->handlers);
    report(name, r->handlers);
    for (uint32_t i = 0; i < r->takes; i++)
        samples[i] = less_overhead(r->take[i]);
    ksnprintf(name, sizeof(name), "rx_refill_take_%s", level);
    print_slowest(name, samples, r->takes);
    report(name, r->takes);
    printk("bench: rx_%s packets=%lu interrupts=%u with_several=%lu no_frame=%lu claim=%lu "
           "pads_own=%lu pads_shared=%lu pads_pool=%lu pads_below_min=%lu pads_refused=%lu\n",
           level, after->rx_packets - before->rx_packets, r->handlers, multiple,
           after->recycled_no_frame - before->recycled_no_frame, after->pads_claimed,
           after->pads_own - before->pads_own, after->pads_shared - before->pads_shared,
           after->pads_pool - before->pads_pool, after->pads_below_min - before->pads_below_min,
           after->pads_refused - before->pads_refused);
}

/* net_packets datagrams through the receive path, `burst` per interrupt, recorded; reported
 * as rx_*_`level`. */
static void receive_path(struct netdev *card, const struct net_address *us, const char *level,
                         uint32_t burst)
{
    static struct netdev_samples recording;
    recording = (struct netdev_samples){
            .handler = samples + NET_SAMPLES,
            .handler_packets = samples + 2 * NET_SAMPLES,
            .take = samples + 3 * NET_SAMPLES,
            .capacity = NET_SAMPLES,
    };
    struct netdev_counters before, after;
    card->ops->get_counters(card, &before);
    netdev_set_samples(card, &recording);
    uint64_t lost = 0;
    for (uint64_t i = 0; i < net_packets; i += burst)
        lost += !net_round_trip(card, us, burst);
    netdev_set_samples(card, NULL);
    card->ops->get_counters(card, &after);
    if (lost)
        printk("bench: rx_%s: %lu bursts did not come back within a second\n", level, lost);
    report_receive(level, &recording, &before, &after);
}

/* The e1000 in loopback, with memory plentiful, then with ordinary memory exhausted: one
 * packet per interrupt, then bursts of NET_BURST, more than the handler's claim of pads. */
#define NET_BURST 48

static void receive_path_cases(void)
{
    struct netdev *card = net_device();
    if (!card || card->ops->set_loopback(card, true) != 0) {
        printk("bench: no network card: the receive path is not measured\n");
        return;
    }
    struct net_stats stats;
    net_get_stats(&stats);
    struct net_address us = {.ip = stats.ip, .port = stats.telemetry_port};
    memcpy(us.mac, card->mac, sizeof(us.mac));
    /* QEMU's e1000 drops what it loops back in the second after RCTL was written. */
    for (int attempt = 0; attempt < 30 && !net_round_trip(card, &us, 1); attempt++)
        continue;
    receive_path(card, &us, "plentiful", 1);
    receive_path(card, &us, "plentiful_burst", NET_BURST);
    struct hog hog;
    hog_take(&hog); /* the pool at min: ordinary memory is exhausted */
    receive_path(card, &us, "exhausted", 1);
    receive_path(card, &us, "exhausted_burst", NET_BURST);
    refused += hog_release(&hog);
    card->ops->set_loopback(card, false);
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
    static struct baseline_pool pool;
    uint64_t count = burst_size();
    if (!baseline_pool_take(&pool, MAX(count, (uint64_t)MAX_ORDER_PAGES))) {
        printk("bench: no memory for the baselines\n");
        refused += baseline_pool_give_back(&pool);
        return;
    }
    count = MIN(count, pool.count * MAX_ORDER_PAGES);
    baseline_pairs(&pool);
    list_burst(&pool, count);
    bitmap_burst(&pool, count);
    bitmap_mixed(&pool);
    refused += baseline_pool_give_back(&pool);
}

/* The benchmark kmain runs through ktest_benchmark (kernel/ktest.h). */
/* --- threads ------------------------------------------------------------------------------ */

/* Two threads hand the CPU to each other with thread_yield: each sample is one whole yield,
 * from the call in one thread to the return in the other (the scheduler's lock, the pick,
 * the switch), timer ticks that fall inside included. */
static struct {
    uint64_t started; /* the TSC when the last yield began */
    uint64_t taken, wanted;
} ping_pong;

static void ping_pong_thread(void *arg)
{
    (void)arg;
    while (ping_pong.taken < ping_pong.wanted) {
        ping_pong.started = arch_cycles();
        thread_yield();
        uint64_t now = arch_cycles();
        if (ping_pong.taken < ping_pong.wanted)
            samples[ping_pong.taken++] = elapsed(ping_pong.started, now);
    }
}

static void context_switches(uint64_t count)
{
    ping_pong.taken = 0;
    ping_pong.wanted = MIN(count, SAMPLES_MAX);
    /* Above the benchmark's own thread: the two have the CPU to themselves until done. */
    struct thread *a = thread_create_on("ping", ping_pong_thread, NULL, THREAD_PRIORITY_HIGH, 0);
    struct thread *b = thread_create_on("pong", ping_pong_thread, NULL, THREAD_PRIORITY_HIGH, 0);
    if (a)
        thread_join(a, NULL);
    if (b)
        thread_join(b, NULL);
    report("context_switch", ping_pong.taken);
}

/* --- the refill thread's wake-up -------------------------------------------------------------- */

/* The PIT handler takes a pad (GFP_ATOMIC | __GFP_ZERO: a clean frame, from the pads, which asks
 * for the refill) and right after asks for a probe work of its own. As the interrupt ends, the
 * IRQ layer wakes the deferred thread (high priority), which preempts this one and runs the
 * pending works, the latest asked for first: the probe, then the refill. So the probe's time
 * is the moment the refill thread started; from the take to it is the wake-up latency. One
 * take at a time: the next waits until this loop gave the frame back. */
#define WAKEUP_SAMPLES_MAX 2000

static struct {
    volatile int state; /* 0: the handler may take; 1: taken, probe pending; 2: probed */
    uint64_t wanted, done;
    uint64_t took_at, took_tick; /* the TSC and the tick right after the take */
    struct page *page;           /* the frame taken, for the loop to free */
    uint32_t ticks[WAKEUP_SAMPLES_MAX];
} wakeup;

static void wakeup_probe(void)
{
    uint64_t now = arch_cycles();
    if (wakeup.state != 1)
        return;
    samples[wakeup.done] = elapsed(wakeup.took_at, now);
    wakeup.ticks[wakeup.done] = (uint32_t)(clock_ticks() - wakeup.took_tick);
    wakeup.state = 2;
}

static struct deferred_work wakeup_probe_work = DEFERRED_WORK_INIT("bench probe", wakeup_probe);

static void wakeup_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    if (wakeup.state != 0 || wakeup.done >= wakeup.wanted)
        return;
    wakeup.page = alloc_page(GFP_ATOMIC | __GFP_ZERO);
    wakeup.took_at = arch_cycles();
    wakeup.took_tick = clock_ticks();
    deferred_request_irqs_off(&wakeup_probe_work); /* interrupts are off in a handler */
    wakeup.state = 1;
}

/* Every sample as it came, in order, in lines of 16 values: for this case the whole
 * distribution is short enough to print (before report sorts it). */
static void print_every_sample(const char *name, const uint32_t *values, uint64_t count)
{
    for (uint64_t i = 0; i < count; i += 16) {
        char line[256];
        int length = ksnprintf(line, sizeof(line), "bench-samples: case=%s from=%lu", name, i);
        for (uint64_t j = i; j < i + 16 && j < count; j++)
            length += ksnprintf(line + length, sizeof(line) - (size_t)length, " %u", values[j]);
        printk("%s\n", line);
    }
}

/* `count` wake-ups with memory plentiful, one per PIT tick at 1 kHz at most. Reported in
 * instructions (or cycles) and in ticks. Gives up after ten seconds (said). */
static void refill_wakeups(uint64_t count)
{
    wakeup.wanted = MIN(count, (uint64_t)WAKEUP_SAMPLES_MAX);
    wakeup.done = 0;
    wakeup.state = 0;
    uint32_t saved = pit_frequency();
    pit_set_frequency(1000);
    request_irq(0, wakeup_tick, "bench wake-up", &wakeup);
    uint64_t give_up = clock_ticks() + 10ull * clock_tick_rate();
    while (wakeup.done < wakeup.wanted && clock_ticks() < give_up) {
        if (wakeup.state != 2) {
            thread_sleep_ms(1);
            continue;
        }
        if (wakeup.page)
            refused += free_page(wakeup.page) != 0;
        wakeup.page = NULL;
        wakeup.done++;
        wakeup.state = 0;
    }
    free_irq(0, &wakeup);
    pit_set_frequency(saved ? saved : PIT_MIN_HZ); /* 0: the PIT is not the tick */
    if (wakeup.state == 2 && wakeup.page)          /* probed as time ran out */
        refused += free_page(wakeup.page) != 0;
    if (wakeup.done < wakeup.wanted)
        printk("bench: refill_wakeup: only %lu wake-ups in ten seconds\n", wakeup.done);
    print_every_sample("refill_wakeup", samples, wakeup.done);
    print_every_sample("refill_wakeup_ticks", wakeup.ticks, wakeup.done);
    report("refill_wakeup", wakeup.done);
    const char *saved_unit = unit;
    unit = "ticks";
    memcpy(samples, wakeup.ticks, wakeup.done * sizeof(uint32_t));
    report("refill_wakeup_ticks", wakeup.done);
    unit = saved_unit;
}

/* --- several CPUs: CPU 0 measures while others keep the allocator busy ------------------- */

#define SMP_BUSY_MAX 4

static volatile bool busy_stop, busy_blocks;
static volatile unsigned int busy_started;

/* Another CPU's load: order-0 pairs on its own hot cache, and (busy_blocks) every eighth turn
 * an order-2 block, which goes through the zone lock. Without the blocks the pool's level
 * stays put, so a take in CPU 0's handler at min comes from its reserve. */
static void busy_allocating(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&busy_started, 1, __ATOMIC_RELAXED);
    for (uint64_t turn = 0; !busy_stop; turn++) {
        uint64_t refusals = 0;
        struct page *page = alloc_page(GFP_NOWAIT); /* at min: fails, never waits */
        if (page)
            refusals += free_page(page) != 0;
        if (busy_blocks && turn % 8 == 0 && (page = alloc_pages(GFP_NOWAIT, 2)) != NULL)
            refusals += free_pages(page, 2) != 0;
        if (refusals)
            __atomic_add_fetch(&refused, refusals, __ATOMIC_RELAXED);
    }
}

/* Starts `count` busy threads on CPUs 1 ... count (fewer when fewer are up). */
static unsigned int start_busy(struct thread **threads, unsigned int count)
{
    unsigned int started = 0;
    busy_stop = false;
    busy_started = 0;
    for (unsigned int cpu = 1; cpu < MAX_CPUS && started < count; cpu++) {
        if (sched_cpu_is_online(cpu))
            threads[started++] =
                    thread_create_on("busy", busy_allocating, NULL, THREAD_PRIORITY_NORMAL, cpu);
    }
    while (READ_ONCE(busy_started) < started)
        thread_sleep_ms(1); /* asleep, not spinning: -icount runs the CPUs in turn */
    return started;
}

static void stop_busy(struct thread **threads, unsigned int count)
{
    busy_stop = true;
    for (unsigned int i = 0; i < count; i++) {
        if (threads[i])
            thread_join(threads[i], NULL);
    }
}

/* Order-2 pairs, interrupts off: each takes the zone lock twice. */
static void block_pairs(const char *name)
{
    for (uint64_t i = 0; i < pair_ops; i++) {
        unsigned long flags = arch_irq_save();
        uint64_t start = arch_cycles();
        refused += free_pages(alloc_pages(GFP_NOWAIT, 2), 2) != 0; /* interrupts off */
        samples[i] = elapsed(start, arch_cycles());
        arch_irq_restore(flags);
    }
    report(name, pair_ops);
}

static void report_lock(const char *which, unsigned int busy, const struct spinlock_stats *lock)
{
    printk("bench: smp_%s_lock cpus=%u unit=%s taken=%lu contended=%lu spins=%lu "
           "hold_mean=%lu hold_max=%lu\n",
           which, busy, unit, lock->taken, lock->contended, lock->spins,
           lock->taken ? lock->hold_cycles / lock->taken : 0, lock->hold_max);
}

/* The zone lock's and the scheduler lock's figures since the last reset; resets them. */
static void report_locks(unsigned int busy)
{
    struct spinlock_stats zone, scheduler;
    page_alloc_get_lock_stats(&zone, true);
    sched_get_lock_stats(&scheduler, true);
    report_lock("zone", busy, &zone);
    report_lock("sched", busy, &scheduler);
}

/* With `busy` CPUs at work (CPU 0, which measures, among them): the order-0 pair, an order-2
 * pair, the zone lock's figures, and the reserve take inside the PIT handler (on CPU 0). */
static void smp_round(unsigned int busy)
{
    struct thread *threads[SMP_BUSY_MAX];
    busy_blocks = true;
    unsigned int others = start_busy(threads, busy - 1);
    char name[40];
    page_alloc_get_lock_stats(&(struct spinlock_stats){0}, true);
    sched_get_lock_stats(&(struct spinlock_stats){0}, true);
    ksnprintf(name, sizeof(name), "smp_pair_cpus%u", others + 1);
    pairs_named(name);
    ksnprintf(name, sizeof(name), "smp_block_pair_cpus%u", others + 1);
    block_pairs(name);
    report_locks(others + 1);
    busy_blocks = false;
    thread_sleep_ms(10); /* the blocks in flight come back */
    ksnprintf(name, sizeof(name), "smp_take_in_irq_cpus%u", others + 1);
    char level[24];
    ksnprintf(level, sizeof(level), "exhausted_cpus%u", others + 1);
    struct hog hog;
    hog_take(&hog); /* the pool at min: ordinary memory is exhausted */
    /* 1 kHz, not 10: under -icount, timers that fire that often starve some CPUs' turns. */
    takes_in_handler(name, level, 1000);
    refused += hog_release(&hog);
    stop_busy(threads, others);
}

/* Booted with several CPUs: only these cases. */
static void smp_cases(void)
{
    sched_pin(thread_current(), 0);
    printk("bench: smp cpus=%u\n", smp_cpus_online());
    for (unsigned int busy = 1; busy <= SMP_BUSY_MAX && busy <= smp_cpus_online(); busy *= 2)
        smp_round(busy);
}

void ktest_benchmark_run(bool quick);

void ktest_benchmark_run(bool quick)
{
    if (quick) {
        pair_ops /= 20;
        burst_ops /= 20;
        mixed_ops /= 20;
        pad_takes /= 20;
        net_packets /= 20;
    }
    sensor_set_interval(0); /* nothing else takes frames while we measure */
    struct page *store = alloc_pages(GFP_KERNEL, SAMPLES_ORDER);
    if (!store) {
        printk("bench: no memory for the samples\n");
        power_exit(false);
    }
    samples = page_address(store);
    calibrate();
    if (smp_cpus_online() > 1) {
        smp_cases();
    } else {
        frame_db_build();
        pairs(true);
        pairs(false);
        buddy_burst(burst_size());
        buddy_mixed();
        pads_in_handler();
        receive_path_cases();
        context_switches(pair_ops);
        refill_wakeups(pad_takes / 4);
        baselines();
    }
    refused += free_pages(store, SAMPLES_ORDER) != 0;
    if (refused)
        printk("bench: the allocator refused %lu frees\n", refused);
    printk("bench: done\n");
    power_exit(true);
}
