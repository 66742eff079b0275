/* tests/kernel/smp_test.c - every CPU at work together: each one the firmware lists is online
 * and runs the threads pinned to it; a thread woken for another CPU gets there; a page
 * unmapped on one CPU faults on every other; a spinlock keeps a counter exact across all CPUs
 * where the same counter without it loses updates; a long wait for a lock is reported once,
 * naming both places; and the stress: every CPU allocates and frees mixed orders while every
 * CPU's timer handler takes EXCLUSIVE frames and hands them to threads on other CPUs, after
 * which the frame database accounts for every frame and every ownership violation tried was
 * caught. Cases that need two CPUs are skipped on one. */
#include "arch/arch.h"
#include "arch/x86_64/probe.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "kernel/wait.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/census.h"
#include "mm/exclusive.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include "tests/kernel/taker.h"

#define STRESS_SECONDS 3
#define COUNTING_MS    300 /* long enough for the host to run the CPUs' threads at once */

/* The CPUs that are up, in order; returns how many. */
static unsigned int online_cpus(unsigned int *cpus)
{
    unsigned int count = 0;
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (sched_cpu_is_online(cpu))
            cpus[count++] = cpu;
    }
    return count;
}

static bool skip_on_one_cpu(struct ktest *t)
{
    if (smp_cpus_online() > 1)
        return false;
    ktest_skip(t, "one CPU online");
    return true;
}

/* Spins with interrupts on until *flag is set, or about two seconds by the TSC. */
static bool wait_for(volatile bool *flag)
{
    uint64_t start = arch_cycles(), limit = 2 * clock_tsc_hz();
    while (!*flag) {
        if (arch_cycles() - start > limit)
            return false;
        arch_cpu_relax();
    }
    return true;
}

/* --- every CPU online ------------------------------------------------------------------------ */

static volatile int ran_on[MAX_CPUS];

static void note_cpu(void *arg)
{
    ran_on[(uintptr_t)arg] = (int)arch_cpu_id();
}

static void every_cpu_is_online_and_runs_its_threads(struct ktest *t)
{
    unsigned int cpus[MAX_CPUS], count = online_cpus(cpus);
    ktest_log(t, "%u CPUs online (%u expected)", count, ktest_expected_cpus());
    KTEST_EXPECT_EQ(t, count, smp_cpus_online());
    if (ktest_expected_cpus())
        KTEST_EXPECT_EQ(t, count, ktest_expected_cpus());
    struct thread *threads[MAX_CPUS];
    for (unsigned int i = 0; i < count; i++) {
        ran_on[cpus[i]] = -1;
        threads[i] = thread_create_on("on-cpu", note_cpu, (void *)(uintptr_t)cpus[i],
                                      THREAD_PRIORITY_NORMAL, cpus[i]);
    }
    for (unsigned int i = 0; i < count; i++) {
        KTEST_ASSERT_NOT_NULL(t, threads[i]);
        KTEST_EXPECT_EQ(t, thread_join(threads[i], NULL), 0);
        KTEST_EXPECT_EQ(t, ran_on[cpus[i]], (int)cpus[i]);
    }
}

/* --- a CPU that does not answer -------------------------------------------------------------- */

static volatile bool ghost_ran;

static void ghost_main(unsigned int cpu)
{
    (void)cpu;
    ghost_ran = true; /* never: no CPU has that APIC id */
    arch_halt_forever();
}

/* INIT and startup IPIs to an APIC id no CPU has: the start gives up after its second, and a
 * CPU that would come later would find itself given up on. */
static void a_cpu_that_does_not_answer_is_given_up(struct ktest *t)
{
    if (strcmp(irq_controller_name(), "IOAPIC") != 0 || !mm_low_page()) {
        ktest_skip(t, "no local APIC, or no start page");
        return;
    }
    static uint8_t stacks[1 + ARCH_CPU_STACKS][256] __aligned(16); /* never run on */
    struct arch_cpu_start start = {
            .cpu = MAX_CPUS - 1,
            .apic_id = 0xfe,
            .stack_top = (uint64_t)(uintptr_t)(stacks[0] + sizeof(stacks[0])),
            .start_page = mm_low_page(),
            .cycles_per_ms = clock_tsc_hz() / 1000,
            .entry = ghost_main,
    };
    for (unsigned int which = 0; which < ARCH_CPU_STACKS; which++)
        start.own_stack_tops[which] = (uint64_t)(uintptr_t)(stacks[1 + which] + sizeof(stacks[0]));
    uint64_t begin = arch_cycles();
    int result = arch_cpu_start(&start);
    uint64_t ms = clock_cycles_to_ns(arch_cycles() - begin) / 1000000;
    ktest_log(t, "arch_cpu_start for APIC id 0xfe: %s after %llu ms", errno_name(result),
              (unsigned long long)ms);
    KTEST_EXPECT_EQ(t, result, -ETIMEDOUT);
    KTEST_EXPECT_GE(t, ms, 1000u);
    KTEST_EXPECT_FALSE(t, ghost_ran);
    KTEST_EXPECT_EQ(t, smp_cpus_online(),
                    ktest_expected_cpus() ? ktest_expected_cpus() : smp_cpus_online());
}

/* --- a wake-up for another CPU ---------------------------------------------------------------- */

static struct wait_queue far_queue = WAIT_QUEUE_INIT("test far wake");
static volatile bool far_flag, far_ready;
static volatile int far_cpu;

static void wait_far_away(void *arg)
{
    (void)arg;
    far_ready = true;
    if (wait_event_timeout(&far_queue, far_flag, 2000) == 0)
        far_cpu = (int)arch_cpu_id();
}

static void a_thread_woken_for_another_cpu_gets_there(struct ktest *t)
{
    if (skip_on_one_cpu(t))
        return;
    unsigned int cpus[MAX_CPUS], count = online_cpus(cpus), target = cpus[count - 1];
    pin_to(0);
    far_flag = far_ready = false;
    far_cpu = -1;
    struct sched_stats before, after;
    sched_get_stats(&before);
    struct thread *waiter =
            thread_create_on("far", wait_far_away, NULL, THREAD_PRIORITY_NORMAL, target);
    KTEST_ASSERT_NOT_NULL(t, waiter);
    KTEST_EXPECT_TRUE(t, wait_for(&far_ready));
    thread_sleep_ms(5); /* asleep by now: its CPU idles, halted */
    far_flag = true;
    wait_queue_wake_all(&far_queue); /* from CPU 0 */
    KTEST_EXPECT_EQ(t, thread_join(waiter, NULL), 0);
    sched_get_stats(&after);
    pin_to(-1);
    ktest_log(t, "woken from CPU 0, ran on CPU %d; %llu reschedule IPIs", far_cpu,
              (unsigned long long)(after.reschedule_ipis - before.reschedule_ipis));
    KTEST_EXPECT_EQ(t, far_cpu, (int)target);
    KTEST_EXPECT_GT(t, after.reschedule_ipis, before.reschedule_ipis);
}

/* --- TLB shootdown ---------------------------------------------------------------------------- */

#define SHOOTDOWN_VIRT (VM_AREA_BASE + 0x13370000ul)

static volatile bool probed[MAX_CPUS], unmapped, reprobed[MAX_CPUS];
static volatile int first_probe[MAX_CPUS], second_probe[MAX_CPUS];

/* Reads the page (its translation now in this CPU's TLB), waits until it is unmapped on
 * another CPU, then reads it again. */
static void probe_twice(void *arg)
{
    unsigned int cpu = (unsigned int)(uintptr_t)arg;
    uint64_t value;
    first_probe[cpu] = probe_read_u64((const void *)SHOOTDOWN_VIRT, &value);
    probed[cpu] = true;
    wait_for(&unmapped);
    second_probe[cpu] = probe_read_u64((const void *)SHOOTDOWN_VIRT, &value);
    reprobed[cpu] = true;
}

static void an_unmapped_page_faults_on_every_cpu(struct ktest *t)
{
    if (skip_on_one_cpu(t))
        return;
    unsigned int cpus[MAX_CPUS], count = online_cpus(cpus);
    pin_to(0);
    struct page *frame = alloc_page(GFP_KERNEL | __GFP_ZERO);
    KTEST_ASSERT_NOT_NULL(t, frame);
    KTEST_ASSERT_EQ(t, vm_map_page(SHOOTDOWN_VIRT, page_to_phys(frame), VM_WRITE), 0);
    unmapped = false;
    struct thread *threads[MAX_CPUS] = {0};
    for (unsigned int i = 1; i < count; i++) {
        probed[cpus[i]] = reprobed[cpus[i]] = false;
        threads[i] = thread_create_on("probe", probe_twice, (void *)(uintptr_t)cpus[i],
                                      THREAD_PRIORITY_NORMAL, cpus[i]);
    }
    for (unsigned int i = 1; i < count; i++)
        KTEST_EXPECT_TRUE(t, threads[i] && wait_for(&probed[cpus[i]]));
    KTEST_EXPECT_EQ(t, vm_unmap_page(SHOOTDOWN_VIRT), 0); /* on CPU 0 */
    unmapped = true;
    unsigned int faulted = 0;
    for (unsigned int i = 1; i < count; i++) {
        if (threads[i])
            thread_join(threads[i], NULL);
        KTEST_EXPECT_EQ(t, first_probe[cpus[i]], 0);
        faulted += second_probe[cpus[i]] == -EFAULT;
    }
    KTEST_EXPECT_EQ(t, free_page(frame), 0);
    pin_to(-1);
    ktest_log(t, "read on %u other CPUs before the unmap; %u of them faulted after", count - 1,
              faulted);
    KTEST_EXPECT_EQ(t, faulted, count - 1);
}

/* --- a counter under a lock ------------------------------------------------------------------- */

static struct spinlock counter_lock = SPINLOCK_INIT("test counter");
static volatile uint64_t counter;
static volatile bool counting_go;
static volatile unsigned int counting_ready;
static uint64_t counting_end;        /* the TSC at which every thread stops */
static uint64_t additions[MAX_CPUS]; /* each thread's own count of what it added */

static void count_up(void *arg)
{
    bool locked = (uintptr_t)arg & 1;
    unsigned int cpu = (unsigned int)((uintptr_t)arg >> 1);
    uint64_t mine = 0;
    __atomic_add_fetch(&counting_ready, 1, __ATOMIC_RELAXED);
    while (!counting_go)
        arch_cpu_relax();
    while (arch_cycles() < counting_end) {
        if (locked)
            spin_lock(&counter_lock);
        uint64_t value = counter; /* read, a moment, write: a window another CPU can hit */
        arch_cpu_relax();
        counter = value + 1;
        if (locked)
            spin_unlock(&counter_lock);
        mine++;
    }
    additions[cpu] = mine;
}

/* Every CPU adds to the counter for COUNTING_MS, all starting at once; returns the counter
 * and, in *expected, what the threads added by their own count. */
static uint64_t count_on_every_cpu(bool locked, uint64_t *expected)
{
    unsigned int cpus[MAX_CPUS], count = online_cpus(cpus);
    struct thread *threads[MAX_CPUS];
    counter = 0;
    counting_go = false;
    counting_ready = 0;
    for (unsigned int i = 0; i < count; i++)
        threads[i] =
                thread_create_on("counter", count_up, (void *)(uintptr_t)(cpus[i] << 1 | locked),
                                 THREAD_PRIORITY_NORMAL, cpus[i]);
    while (READ_ONCE(counting_ready) < count)
        thread_sleep_ms(1);
    counting_end = arch_cycles() + clock_ns_to_cycles(COUNTING_MS * 1000000ull);
    counting_go = true;
    *expected = 0;
    for (unsigned int i = 0; i < count; i++) {
        thread_join(threads[i], NULL);
        *expected += additions[cpus[i]];
    }
    return counter;
}

static void a_spinlock_keeps_a_counter_exact_across_cpus(struct ktest *t)
{
    if (skip_on_one_cpu(t))
        return;
    uint64_t added_unlocked, added_locked;
    spin_reset_stats(&counter_lock);
    uint64_t unlocked = count_on_every_cpu(false, &added_unlocked);
    uint64_t locked = count_on_every_cpu(true, &added_locked);
    struct spinlock_stats stats;
    spin_get_stats(&counter_lock, &stats);
    ktest_log(t,
              "%u CPUs for %d ms: %llu of %llu additions counted without the lock, %llu "
              "of %llu with it; the lock was contended %llu times (%llu turns of waiting)",
              smp_cpus_online(), COUNTING_MS, (unsigned long long)unlocked,
              (unsigned long long)added_unlocked, (unsigned long long)locked,
              (unsigned long long)added_locked, (unsigned long long)stats.contended,
              (unsigned long long)stats.spins);
    KTEST_EXPECT_LT(t, unlocked, added_unlocked); /* the race is real: the test can see it */
    KTEST_EXPECT_EQ(t, locked, added_locked);
    KTEST_EXPECT_GT(t, stats.contended, 0u);
}

/* --- a long wait for a lock ------------------------------------------------------------------- */

static struct spinlock slow_lock = SPINLOCK_INIT("test slow");
static volatile bool slow_held;

/* Holds the lock, interrupts off, for 200 ms by the TSC. */
static void hold_for_a_while(void *arg)
{
    (void)arg;
    unsigned long flags;
    spin_lock_irqsave(&slow_lock, &flags);
    slow_held = true;
    uint64_t start = arch_cycles();
    while (arch_cycles() - start < clock_tsc_hz() / 5)
        arch_cpu_relax();
    spin_unlock_irqrestore(&slow_lock, flags);
}

static void a_long_wait_is_reported_once_with_both_places(struct ktest *t)
{
    if (skip_on_one_cpu(t))
        return;
    static char log[1024];
    unsigned int cpus[MAX_CPUS], count = online_cpus(cpus);
    pin_to(0);
    uint64_t bound = spin_long_wait(), reported = spin_long_waits_reported();
    spin_set_long_wait(clock_tsc_hz() / 50); /* 20 ms */
    slow_held = false;
    struct thread *holder = thread_create_on("holder", hold_for_a_while, NULL,
                                             THREAD_PRIORITY_NORMAL, cpus[count - 1]);
    KTEST_ASSERT_NOT_NULL(t, holder);
    KTEST_EXPECT_TRUE(t, wait_for(&slow_held));
    console_capture(log, sizeof(log));
    spin_lock(&slow_lock); /* waits about 200 ms: ten times the bound, one report */
    spin_unlock(&slow_lock);
    console_capture(NULL, 0);
    spin_set_long_wait(bound);
    thread_join(holder, NULL);
    pin_to(-1);
    /* Other CPUs may report long waits of their own meanwhile (the bound was low for all). */
    KTEST_EXPECT_GE(t, spin_long_waits_reported() - reported, 1u);
    const char *line = strstr(log, "for 'test slow'");
    KTEST_ASSERT_NOT_NULL(t, line);
    KTEST_EXPECT_NULL(t, strstr(line + 1, "for 'test slow'")); /* once */
    KTEST_EXPECT_NOT_NULL(t, strstr(line, "'test slow' at "
                                          "a_long_wait_is_reported_once_with_both_places+"));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "spinlock: CPU 0 has waited"));
    KTEST_EXPECT_NOT_NULL(t, strstr(line, "taken at hold_for_a_while+"));
}

/* --- the stress ------------------------------------------------------------------------------- */

/* What each CPU's timer handler does, and the frames it handed over, waiting for a thread. */
struct cpu_stress {
    struct spinlock lock; /* guards the chain and hand_to: the handler, then a thread */
    uint32_t chain;       /* handed-over frames, linked through page.next */
    context_t hand_to;    /* the worker that frees the chain, then (as it ends) the boot thread */
    uint64_t taken, dropped, nonzero, handed, refused;
    struct page *kept;   /* a frame the handler keeps (owned by its line) for a while */
    bool free_kept;      /* set by a thread once it tried (and failed) to free it */
    uint64_t kept_freed; /* by the handler, its owner */
    int kept_free_error; /* the owner's free: 0 */
} __attribute__((aligned(64)));

static struct cpu_stress stress[MAX_CPUS];
static volatile bool stressing, winding_down; /* winding down: kept frames freed, none taken */

static void stress_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    if (!READ_ONCE(stressing) && !READ_ONCE(winding_down))
        return;
    struct cpu_stress *mine = &stress[arch_cpu_id()];
    if (mine->free_kept && mine->kept) {
        mine->kept_free_error = free_page(mine->kept); /* by its owner: allowed */
        mine->kept = NULL;
        mine->free_kept = false;
        mine->kept_freed++;
    }
    if (!READ_ONCE(stressing))
        return;
    struct page *page = alloc_page(GFP_ATOMIC | EXCLUSIVE);
    if (!page) {
        mine->dropped++;
        return;
    }
    mine->taken++;
    mine->nonzero += !frame_is_zero(page);
    if (!mine->kept && mine->taken % 64 == 0) {
        mine->kept = page; /* owned by this line's handlers: no thread may free it */
        return;
    }
    /* Under the lock: the thread it goes to cannot change between the hand-over and the
     * chaining (a worker about to end chooses the boot thread under it). */
    spin_lock(&mine->lock);
    bool handed = page_hand_over(page, mine->hand_to) == 0;
    if (handed) {
        page->next = mine->chain;
        mine->chain = (uint32_t)page_to_pfn(page);
        mine->handed++;
    }
    spin_unlock(&mine->lock);
    if (!handed) {
        mine->refused++;
        mine->kept_free_error |= free_page(page); /* still its own */
        mine->kept_freed++;
    }
}

/* What each CPU's worker did. */
struct worker_result {
    uint64_t operations, damaged, freed_handed, violations_tried;
};

static struct worker_result results[MAX_CPUS];
static unsigned int worker_count;
static unsigned int worker_cpus[MAX_CPUS];

/* Takes what the handler of CPU `cpu` handed over, and (new_owner not CONTEXT_NONE) has it
 * hand what comes next to new_owner instead: both at once, under the lock, so every frame
 * taken was handed to the caller. */
static uint32_t take_chain_of(unsigned int cpu, context_t new_owner)
{
    unsigned long flags;
    spin_lock_irqsave(&stress[cpu].lock, &flags);
    uint32_t pfn = stress[cpu].chain;
    stress[cpu].chain = PFN_NONE;
    if (new_owner != CONTEXT_NONE)
        stress[cpu].hand_to = new_owner;
    spin_unlock_irqrestore(&stress[cpu].lock, flags);
    return pfn;
}

static uint64_t free_chain(uint32_t pfn)
{
    uint64_t freed = 0;
    while (pfn != PFN_NONE) {
        struct page *page = pfn_to_page(pfn);
        pfn = page->next;
        freed += free_page(page) == 0;
    }
    return freed;
}

/* Frees what the handler of CPU `cpu` handed over: another CPU's frames, freed here. */
static uint64_t free_chain_of(unsigned int cpu)
{
    return free_chain(take_chain_of(cpu, CONTEXT_NONE));
}

/* A thread freeing a frame a handler keeps: refused (and counted) once per kept frame. */
static void try_to_free_kept(unsigned int cpu, struct worker_result *result)
{
    struct page *kept = READ_ONCE(stress[cpu].kept);
    if (!kept || READ_ONCE(stress[cpu].free_kept))
        return;
    result->violations_tried++;
    if (free_page(kept) == 0)
        result->damaged++; /* freed by a thread that does not own it: a hole */
    WRITE_ONCE(stress[cpu].free_kept, true);
}

struct block {
    struct page *page;
    unsigned int order;
};

static uint64_t tag_of(const struct page *page)
{
    return page_to_phys(page) ^ 0x7374726573730000ull;
}

static void fill_or_free(struct block *block, uint64_t random, struct worker_result *result)
{
    if (block->page) {
        const uint64_t *words = page_address(block->page);
        size_t last = (PAGE_SIZE << block->order) / 8 - 1;
        result->damaged += words[0] != tag_of(block->page) || words[last] != ~tag_of(block->page);
        result->damaged += free_pages(block->page, block->order) != 0; /* a refused free */
        block->page = NULL;
        return;
    }
    block->order = (unsigned int)(random >> 40) % 5;
    block->page = alloc_pages(GFP_NOWAIT, block->order); /* a failure is fine; a wait is not */
    if (block->page) {
        uint64_t *words = page_address(block->page);
        words[0] = tag_of(block->page);
        words[(PAGE_SIZE << block->order) / 8 - 1] = ~tag_of(block->page);
    }
}

/* Each CPU's worker: mixed orders for STRESS_SECONDS, and the frames the next CPU's handler
 * handed over. */
static void stress_worker(void *arg)
{
    unsigned int index = (unsigned int)(uintptr_t)arg, cpu = worker_cpus[index];
    unsigned int next = worker_cpus[(index + 1) % worker_count];
    struct worker_result *result = &results[cpu];
    struct block blocks[32] = {0};
    uint64_t state = 0x9e3779b97f4a7c15ull * (cpu + 1);
    uint64_t end = arch_cycles() + STRESS_SECONDS * clock_tsc_hz();
    while (arch_cycles() < end) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        fill_or_free(&blocks[state % 32], state, result);
        if (++result->operations % 128 == 0) {
            result->freed_handed += free_chain_of(next);
            try_to_free_kept(next, result);
        }
    }
    for (int i = 0; i < 32; i++) {
        if (blocks[i].page)
            fill_or_free(&blocks[i], 0, result);
    }
    /* Frames handed over from now on are the boot thread's (clean_up frees them); those
     * chained until now are this thread's, and freed here before it ends. */
    result->freed_handed += free_chain(take_chain_of(next, CONTEXT_BOOT));
}

static void start_workers(struct thread **threads)
{
    worker_count = online_cpus(worker_cpus);
    for (unsigned int i = 0; i < worker_count; i++) {
        unsigned int cpu = worker_cpus[i];
        results[cpu] = (struct worker_result){0};
        stress[cpu] = (struct cpu_stress){.lock = SPINLOCK_INIT("test stress"), .chain = PFN_NONE};
    }
    for (unsigned int i = 0; i < worker_count; i++) {
        threads[i] = thread_create_on("stress", stress_worker, (void *)(uintptr_t)i,
                                      THREAD_PRIORITY_NORMAL, worker_cpus[i]);
        /* Worker i frees what the handler of the next CPU hands over. */
        stress[worker_cpus[(i + 1) % worker_count]].hand_to =
                threads[i] ? thread_context(threads[i]) : CONTEXT_BOOT;
    }
}

/* Sums every CPU's figures into *total (handler side) and *worked (thread side). */
static void sum_stress(struct cpu_stress *total, struct worker_result *worked)
{
    *total = (struct cpu_stress){0};
    *worked = (struct worker_result){0};
    for (unsigned int i = 0; i < worker_count; i++) {
        unsigned int cpu = worker_cpus[i];
        total->taken += stress[cpu].taken;
        total->dropped += stress[cpu].dropped;
        total->nonzero += stress[cpu].nonzero;
        total->handed += stress[cpu].handed;
        total->refused += stress[cpu].refused;
        total->kept_freed += stress[cpu].kept_freed;
        total->kept_free_error |= stress[cpu].kept_free_error;
        worked->operations += results[cpu].operations;
        worked->damaged += results[cpu].damaged;
        worked->freed_handed += results[cpu].freed_handed;
        worked->violations_tried += results[cpu].violations_tried;
    }
}

/* After the stress: the handlers' leftovers freed (what is still chained, by a thread; what
 * is still kept, by its owner's handler once more), then the last refills settle. */
static void clean_up(void)
{
    for (unsigned int i = 0; i < worker_count; i++) {
        unsigned int cpu = worker_cpus[i];
        results[cpu].freed_handed += free_chain_of(cpu);
        if (stress[cpu].kept)
            WRITE_ONCE(stress[cpu].free_kept, true);
    }
    WRITE_ONCE(winding_down, true); /* a few more ticks free the kept frames */
    thread_sleep_ms(50);
    WRITE_ONCE(winding_down, false);
    for (unsigned int i = 0; i < worker_count; i++)
        results[worker_cpus[i]].freed_handed += free_chain_of(worker_cpus[i]);
    refill_every_reserve(-1);
}

/* The census needs the other CPUs still: a few tries while background refills finish. */
static bool census_agrees(struct frame_census *census)
{
    for (int tries = 0; tries < 5; tries++) {
        if (frame_census_take(census))
            return true;
        thread_sleep_ms(20);
    }
    return false;
}

static void every_cpu_allocates_while_every_handler_takes_pads(struct ktest *t)
{
    struct page_alloc_errors errors_before, errors_after;
    struct exclusive_errors exclusive_before, exclusive_after;
    page_alloc_get_errors(&errors_before);
    exclusive_get_errors(&exclusive_before);
    uint64_t before = frames_not_held();
    struct thread *threads[MAX_CPUS];
    KTEST_ASSERT_EQ(t, request_irq(clock_tick_line(), stress_tick, "test stress", stress), 0);
    start_workers(threads);
    WRITE_ONCE(stressing, true);
    for (unsigned int i = 0; i < worker_count; i++) {
        if (threads[i])
            thread_join(threads[i], NULL);
    }
    WRITE_ONCE(stressing, false);
    clean_up();
    free_irq(clock_tick_line(), stress);
    struct cpu_stress handled;
    struct worker_result worked;
    sum_stress(&handled, &worked);
    page_alloc_get_errors(&errors_after);
    exclusive_get_errors(&exclusive_after);
    struct frame_census census;
    bool agrees = census_agrees(&census);
    ktest_log(t,
              "%u CPUs for %d s: %llu allocations and frees; handlers took %llu frames "
              "(%llu dropped), handed %llu over, %llu freed on another CPU; %llu wrong-owner "
              "frees tried",
              worker_count, STRESS_SECONDS, (unsigned long long)worked.operations,
              (unsigned long long)handled.taken, (unsigned long long)handled.dropped,
              (unsigned long long)handled.handed, (unsigned long long)worked.freed_handed,
              (unsigned long long)worked.violations_tried);
    ktest_log(t,
              "census: %llu free, %llu hot, %llu in reserves, %llu allocated of %llu "
              "managed; %llu stray",
              (unsigned long long)census.free, (unsigned long long)census.hot,
              (unsigned long long)census.reserve, (unsigned long long)census.allocated,
              (unsigned long long)census.managed, (unsigned long long)census.stray);
    KTEST_EXPECT_GT(t, handled.taken, 0u);
    KTEST_EXPECT_EQ(t, handled.nonzero, 0u);
    KTEST_EXPECT_EQ(t, worked.damaged, 0u);
    KTEST_EXPECT_EQ(t, worked.freed_handed, handled.handed);
    KTEST_EXPECT_EQ(t, handled.refused, 0u); /* every worker took frames until it ended */
    KTEST_EXPECT_EQ(t, handled.kept_free_error, 0);
    KTEST_EXPECT_EQ(t, handled.kept_freed + worked.freed_handed, handled.taken); /* all back */
    KTEST_EXPECT_EQ(t, exclusive_after.wrong_owner - exclusive_before.wrong_owner,
                    worked.violations_tried); /* each one caught, and only those */
    KTEST_EXPECT_EQ(t, errors_after.double_free, errors_before.double_free);
    KTEST_EXPECT_EQ(t, errors_after.not_allocated, errors_before.not_allocated);
    KTEST_EXPECT_EQ(t, errors_after.poison_corrupted, errors_before.poison_corrupted);
    KTEST_EXPECT_TRUE(t, agrees);
    KTEST_EXPECT_EQ(t, frames_not_held(), before);
}

static const struct ktest_case smp_cases[] = {
        KTEST_CASE(every_cpu_is_online_and_runs_its_threads),
        KTEST_CASE(a_cpu_that_does_not_answer_is_given_up),
        KTEST_CASE(a_thread_woken_for_another_cpu_gets_there),
        KTEST_CASE(an_unmapped_page_faults_on_every_cpu),
        KTEST_CASE(a_spinlock_keeps_a_counter_exact_across_cpus),
        KTEST_CASE(a_long_wait_is_reported_once_with_both_places),
        KTEST_CASE(every_cpu_allocates_while_every_handler_takes_pads),
        {},
};
KTEST_SUITE(smp, smp_cases);
