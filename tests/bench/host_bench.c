/* tests/bench/host_bench.c - the allocator measured on the host: the mm/ sources themselves,
 * built with -O2, on a fake machine (tests/host/fake_memory.c) of the size asked for, beside
 * the bare free list and the bitmap allocator (baselines.h), which get their frames from the
 * allocator. The TSC of a virtual machine ticks too coarsely to time one operation, so each
 * sample is a batch of BATCH operations, and percentiles are over batches (per operation).
 * Each measured phase is a function of its own (measure_*), so callgrind's inclusive
 * instruction count of it, divided by its operations, is instructions per operation.
 *
 * Usage: host_bench [--memory <MiB>] [--ops <n>]
 * Prints the lines kernel_bench.c prints (tests/bench/run_bench.py parses both), with
 * unit=cycles, "bench: tsc_hz=<hz>", and "bench: ops case=<name> n=<operations>".
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#include "mm/atomic_reserve.h"
#include "mm/exclusive.h"
#include "mm/page_alloc.h"
#include "tests/bench/baselines.h"
#include "tests/host/fake_memory.h"
#include "tests/host/hosted.h"

#define MiB   (1ull << 20)
#define BATCH 32

static uint32_t *samples; /* cycles per operation, one per batch */
static uint64_t ops = 100000;
static uint64_t refused; /* frees the allocator refused: 0 unless it is broken */

static uint64_t now(void)
{
    return __rdtsc();
}

static uint32_t per_op(uint64_t start, uint64_t operations)
{
    uint64_t cycles = (now() - start) / operations;
    return cycles > UINT32_MAX ? UINT32_MAX : (uint32_t)cycles;
}

static int compare(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static uint32_t percentile(uint64_t count, uint64_t per_thousand)
{
    uint64_t index = count * per_thousand / 1000;
    return samples[index < count ? index : count - 1];
}

/* Reports `count` batch samples of `operations` operations. */
static void report(const char *name, uint64_t count, uint64_t operations)
{
    printf("bench: ops case=%s n=%llu\n", name, (unsigned long long)operations);
    if (!count)
        return;
    qsort(samples, count, sizeof(samples[0]), compare);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < count; i++)
        sum += samples[i];
    printf("bench: case=%s unit=cycles n=%llu p50=%u p99=%u p999=%u max=%u mean=%llu\n", name,
           (unsigned long long)operations, percentile(count, 500), percentile(count, 990),
           percentile(count, 999), samples[count - 1], (unsigned long long)(sum / count));
    printf("bench-cdf: case=%s", name);
    for (uint64_t p = 0; p <= 100; p++)
        printf(" %u", percentile(count, p * 10));
    printf("\n");
}

/* TSC ticks per second, against CLOCK_MONOTONIC over 200 ms. */
static uint64_t tsc_hz(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint64_t start = now();
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec) < 200000000);
    uint64_t ns = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec));
    return (now() - start) * 1000000000ull / ns;
}

/* --- the allocator ------------------------------------------------------------------------- */

__attribute__((noinline)) static uint64_t measure_pair(void)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            refused += free_page(alloc_page(GFP_KERNEL)) != 0;
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

/* The frames are kept in a host array: writing into fresh fake RAM would time the host's
 * page faults, not the allocator. */
__attribute__((noinline)) static uint64_t measure_burst_alloc(struct page **held)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            held[done + i] = alloc_page(GFP_KERNEL);
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

__attribute__((noinline)) static uint64_t measure_burst_free(struct page **held)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            refused += free_page(held[done + i]) != 0;
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

/* The mixed-orders workload (baselines.h). */
__attribute__((noinline)) static uint64_t measure_mixed(struct mixed_workload *work)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            mixed_step(work);
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

/* As a handler registration, with the pool at min: every take pops the pads. */
__attribute__((noinline)) static uint64_t measure_reserve_take(struct page **taken, uint64_t frames)
{
    uint64_t count = 0;
    hosted_context = CONTEXT_HANDLER(0, 0);
    for (uint64_t done = 0; done + BATCH <= frames; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            taken[done + i] = alloc_page(GFP_ATOMIC | EXCLUSIVE);
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

/* Each frame freed by its new owner: poisoned, and the free path refills (scrubs) one. */
__attribute__((noinline)) static uint64_t measure_reserve_return(struct page **taken,
                                                                 uint64_t frames)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= frames; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            refused += free_page(taken[done + i]) != 0;
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

static void run_pair(void)
{
    report("pair", measure_pair(), ops - ops % BATCH);
}

static void run_burst(void)
{
    struct page **held = calloc(ops, sizeof(*held));
    report("burst_alloc", measure_burst_alloc(held), ops - ops % BATCH);
    report("burst_free", measure_burst_free(held), ops - ops % BATCH);
    free(held);
}

static void run_mixed(void)
{
    static struct mixed_workload work;
    mixed_workload_init(&work);
    report("mixed", measure_mixed(&work), ops - ops % BATCH);
    mixed_workload_finish(&work);
    refused += work.refused;
}

static void run_reserve(void)
{
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    struct page **hog = malloc((stats.free + stats.reserve) * sizeof(*hog));
    uint64_t held = 0;
    while ((hog[held] = alloc_page(GFP_KERNEL)) != NULL)
        held++; /* the pool at min; these frames are never touched */
    /* Touch what the return path will touch (the reserve, the headroom below min), so it does
     * not time the host faulting fake RAM in; freeing them refills the reserve first. */
    uint64_t below_min = held;
    while ((hog[held] = alloc_page(GFP_ATOMIC)) != NULL)
        *(volatile uint8_t *)page_address(hog[held++]) = 1;
    while (held > below_min)
        refused += free_page(hog[--held]) != 0;
    uint64_t frames = atomic_reserve_level();
    frames -= frames % BATCH;
    struct page **taken = malloc(frames * sizeof(*taken));
    report("reserve_take", measure_reserve_take(taken, frames), frames);
    hosted_context = CONTEXT_HANDLER(0, 0); /* the handler hands its frames to ordinary code */
    for (uint64_t i = 0; i < frames; i++)
        refused += page_hand_over(taken[i], CONTEXT_BOOT) != 0;
    hosted_context = CONTEXT_BOOT;
    report("reserve_return", measure_reserve_return(taken, frames), frames);
    free(taken);
    while (held)
        refused += free_page(hog[--held]) != 0;
    free(hog);
}

/* --- the baselines, on frames taken from the allocator (baselines.h) -------------------- */

__attribute__((noinline)) static uint64_t measure_bare_list_pair(struct freelist *list)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            freelist_push(list, freelist_pop(list));
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

/* Moves `ops` frames from one list to the other: timed is a pop and a push. */
static inline __attribute__((always_inline)) uint64_t move_frames(struct freelist *from,
                                                                  struct freelist *to)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            freelist_push(to, freelist_pop(from));
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

/* Two functions, so callgrind can tell the phases apart. */
__attribute__((noinline)) static uint64_t measure_bare_list_burst_alloc(struct freelist *from,
                                                                        struct freelist *to)
{
    return move_frames(from, to);
}

__attribute__((noinline)) static uint64_t measure_bare_list_burst_free(struct freelist *from,
                                                                       struct freelist *to)
{
    return move_frames(from, to);
}

__attribute__((noinline)) static uint64_t measure_bitmap_pair(struct bitmap_allocator *bitmap)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            bitmap_release(bitmap, bitmap_alloc(bitmap, 0), 0);
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

__attribute__((noinline)) static uint64_t
measure_bitmap_burst_alloc(struct bitmap_allocator *bitmap, uint64_t *taken)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            taken[done + i] = bitmap_alloc(bitmap, 0);
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

__attribute__((noinline)) static uint64_t measure_bitmap_burst_free(struct bitmap_allocator *bitmap,
                                                                    uint64_t *taken)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            bitmap_release(bitmap, taken[done + i], 0);
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

__attribute__((noinline)) static uint64_t measure_bitmap_mixed(struct bitmap_allocator *bitmap,
                                                               struct mixed_workload *work)
{
    uint64_t count = 0;
    for (uint64_t done = 0; done + BATCH <= ops; done += BATCH) {
        uint64_t start = now();
        for (int i = 0; i < BATCH; i++)
            mixed_step_bitmap(work, bitmap);
        samples[count++] = per_op(start, BATCH);
    }
    return count;
}

static void run_baselines(void)
{
    static struct baseline_pool pool;
    if (!baseline_pool_take(&pool, ops + MAX_ORDER_PAGES)) {
        fprintf(stderr, "host_bench: no memory for the baselines\n");
        exit(1);
    }
    uint64_t total = ops - ops % BATCH;
    struct freelist list, taken;
    baseline_fill_freelist(&list, &pool);
    freelist_init(&taken);
    report("bare_list_pair", measure_bare_list_pair(&list), total);
    report("bare_list_burst_alloc", measure_bare_list_burst_alloc(&list, &taken), total);
    report("bare_list_burst_free", measure_bare_list_burst_free(&taken, &list), total);

    static struct bitmap_allocator bitmap;
    baseline_fill_bitmap(&bitmap, &pool);
    report("bitmap_pair", measure_bitmap_pair(&bitmap), total);
    uint64_t *frames = malloc(ops * sizeof(*frames));
    report("bitmap_burst_alloc", measure_bitmap_burst_alloc(&bitmap, frames), total);
    report("bitmap_burst_free", measure_bitmap_burst_free(&bitmap, frames), total);
    free(frames);
    static struct mixed_workload work;
    mixed_workload_init(&work);
    report("bitmap_mixed", measure_bitmap_mixed(&bitmap, &work), total);
    refused += baseline_pool_give_back(&pool) + work.refused;
}

/* --- building the frame database, against what the baselines need at boot ------------------- */

/* xv6's kinit writes a link into every free frame: timed on a scratch mapping of 1 GiB (per
 * frame, the cost is the same for any size; 16 GiB of it would make the host back 16 GiB). */
static uint64_t bare_list_build_per_gib(void)
{
    uint64_t size = 1ull << 30;
    uint8_t *scratch = mmap(NULL, size, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (scratch == MAP_FAILED)
        return 0;
    uint64_t start = now(), head = 0;
    for (uint64_t offset = 0; offset < size; offset += 4096) {
        *(uint64_t *)(scratch + offset) = head;
        head = offset;
    }
    uint64_t cycles = now() - start;
    munmap(scratch, size);
    return cycles;
}

/* A bitmap allocator's set-up: one bit per frame, cleared. */
static uint64_t bitmap_build_per_gib(void)
{
    uint64_t bytes = (1ull << 30) / 4096 / 8;
    uint8_t *bits = malloc(bytes);
    memset(bits, 0xff, bytes); /* fault it in first: the clearing alone is timed */
    uint64_t start = now();
    memset(bits, 0, bytes);
    __asm__ volatile("" : : "r"(bits) : "memory"); /* the clearing must happen, and here */
    uint64_t cycles = now() - start;
    free(bits);
    return cycles;
}

static void run_build(uint64_t memory)
{
    struct boot_memory_range raw[] = {{MiB, memory - MiB, BOOT_MEMORY_USABLE}};
    fake_boot(raw, 1, false);
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    uint64_t pages_per_gib = (1ull << 30) / PAGE_SIZE;
    printf("bench: case=frame_db_build unit=cycles per_gib=%llu bare_list_per_gib=%llu "
           "bitmap_per_gib=%llu managed_pages=%llu\n",
           (unsigned long long)(fake_boot_build_cycles * pages_per_gib / stats.managed),
           (unsigned long long)bare_list_build_per_gib(),
           (unsigned long long)bitmap_build_per_gib(), (unsigned long long)stats.managed);
}

int main(int argc, char **argv)
{
    uint64_t memory = 1024 * MiB;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--memory") == 0)
            memory = strtoull(argv[i + 1], NULL, 10) * MiB;
        else if (strcmp(argv[i], "--ops") == 0)
            ops = strtoull(argv[i + 1], NULL, 10);
    }
    samples = malloc((ops / BATCH + 1) * sizeof(samples[0]));
    printf("bench: tsc_hz=%llu batch=%d\n", (unsigned long long)tsc_hz(), BATCH);
    printf("bench: host memory_mib=%llu ops=%llu\n", (unsigned long long)(memory >> 20),
           (unsigned long long)ops);
    run_build(memory); /* boots the fake machine the other cases use */
    run_pair();
    run_burst();
    run_mixed();
    run_reserve();
    run_baselines();
    if (refused) {
        fprintf(stderr, "host_bench: the allocator refused %llu frees or hand-overs\n",
                (unsigned long long)refused);
        return 1;
    }
    printf("bench: done\n");
    return 0;
}
