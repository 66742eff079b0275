/* mm/atomic_reserve.c - the landing pads: per CPU, a shared stock of scrubbed frames and one
 * stack per handler registration that claimed some, all linked through their descriptors (no
 * memory beyond the frames themselves). Popped with interrupts off by the allocator
 * (pad_pop, mm/internal.h, inlined into alloc_page); filled, rebalanced and shrunk here, in
 * ordinary context only, one frame per interrupts-off stretch.
 *
 * The targets (the total and each claim) are the same on every CPU, since a handler may run
 * on any CPU: they are kept once, in `wanted`, and each CPU copies them into its own stacks
 * when it refills (take_in_targets). A change is made on every CPU at once when the caller
 * may sleep (it visits each CPU in turn: sched_run_on_each_cpu), else by each CPU at its next
 * refill, which the change asks for (atomic_reserve_targets_changed).
 */
#include "mm/atomic_reserve.h"

#include "kernel/cmdline.h"
#include "kernel/context.h"
#include "kernel/deferred.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "lib/errno.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"

/* One per CPU; each is touched only by its CPU, with interrupts off. */
struct cpu_pads cpu_pads[MAX_CPUS];

/* The targets every CPU follows; changed in ordinary context, under wanted_lock. */
static struct {
    uint64_t target;                          /* total, claims included */
    uint32_t claim[CONTEXT_HANDLER_SLOTS];    /* each registration's claim, by slot */
    context_t owner[CONTEXT_HANDLER_SLOTS];   /* the registration in each slot, or NONE */
    uint32_t releases[CONTEXT_HANDLER_SLOTS]; /* registrations of each slot freed so far */
} wanted;
static struct spinlock wanted_lock = SPINLOCK_INIT("atomic reserve targets");
uint64_t atomic_reserve_targets_changed;

static void refill_work_run(void)
{
    atomic_reserve_refill();
}

/* Requested by takes from the pads (page_alloc.c: refill_due), and by a refill asked for with
 * interrupts off. */
struct deferred_work reserve_refill_work =
        DEFERRED_WORK_INIT("atomic reserve refill", refill_work_run);

uint64_t atomic_reserve_default_target(uint64_t managed)
{
    /* sqrt(16 x KiB) KiB, by integer Newton iteration; in pages. */
    uint64_t kib = managed * (PAGE_SIZE / 1024) * 16, root = kib, next = (root + 1) / 2;
    while (next < root) {
        root = next;
        next = (root + kib / root) / 2;
    }
    return (root + 3) / 4;
}

static void empty_stack(struct pad_stack *stack, uint32_t target)
{
    *stack = (struct pad_stack){.head = PFN_NONE, .target = target};
}

static uint64_t claims_total(void)
{
    uint64_t total = 0;
    for (unsigned int slot = 0; slot < CONTEXT_HANDLER_SLOTS; slot++)
        total += wanted.claim[slot];
    return total;
}

static void add_takes(struct pad_account *to, const struct pad_account *from)
{
    for (int kind = 0; kind < PAD_TAKE_KINDS; kind++)
        to->taken[kind] += from->taken[kind];
    to->scrubbed += from->scrubbed;
}

/* Copies the wanted targets into this CPU's stacks. A slot whose registration was freed since
 * has its takes added to those of registrations gone, so the next one in the slot starts its
 * account afresh. The frames move at the refill that follows. Interrupts off. */
static void take_in_targets(struct cpu_pads *pads)
{
    spin_lock(&wanted_lock);
    uint64_t claimed = 0;
    for (unsigned int slot = 0; slot < CONTEXT_HANDLER_SLOTS; slot++) {
        struct pad_account *account = &pads->handlers[slot];
        if (pads->releases_seen[slot] != wanted.releases[slot]) {
            add_takes(&pads->gone, account);
            *account = (struct pad_account){.claim = account->claim};
            pads->releases_seen[slot] = wanted.releases[slot];
        }
        pads->owners[slot] = wanted.owner[slot];
        account->claim.target = wanted.claim[slot];
        account->claim.refill_below = account->claim.target; /* small: at every take */
        claimed += wanted.claim[slot];
    }
    pads->lowest = MIN(pads->lowest, pads->level);
    pads->target = wanted.target;
    pads->shared.target = (uint32_t)(wanted.target - claimed);
    /* Once it fell by an eighth, as Linux wakes kswapd at a watermark and not at every
     * allocation: with many CPUs, a wake-up of the refill thread at every take would put
     * every tick of every CPU through the scheduler's lock. */
    pads->shared.refill_below = pads->shared.target - pads->shared.target / 8;
    pads->targets_seen = atomic_reserve_targets_changed;
    spin_unlock(&wanted_lock);
}

/* --- moving one frame: each of these runs with interrupts off ------------------------------ */

static void push(struct cpu_pads *pads, struct pad_stack *stack, context_t owner, struct page *page)
{
    pads->lowest = MIN(pads->lowest, pads->level); /* the low point before the level rises */
    page->state = PAGE_RESERVE;
    page->owner = owner;
    page->next = stack->head;
    stack->head = (uint32_t)page_to_pfn(page);
    stack->level++;
    pads->level++;
}

/* The stack a frame should go to: a claim below its target first, then the shared stock.
 * NULL when every stack is full. A scan of the CPU's 32 claim slots. */
static struct pad_stack *stack_to_fill(struct cpu_pads *pads, context_t *owner)
{
    for (unsigned int slot = 0; slot < CONTEXT_HANDLER_SLOTS; slot++) {
        struct pad_account *account = &pads->handlers[slot];
        if (account->claim.level < account->claim.target) {
            *owner = pads->owners[slot];
            return &account->claim;
        }
    }
    *owner = CONTEXT_NONE;
    return pads->shared.level < pads->shared.target ? &pads->shared : NULL;
}

/* A stack holding more than its target (a claim released or made smaller, a claim made out
 * of the shared stock, a lower target), or NULL. */
static struct pad_stack *stack_over_target(struct cpu_pads *pads)
{
    for (unsigned int slot = 0; slot < CONTEXT_HANDLER_SLOTS; slot++) {
        struct pad_stack *claim = &pads->handlers[slot].claim;
        if (claim->level > claim->target)
            return claim;
    }
    return pads->shared.level > pads->shared.target ? &pads->shared : NULL;
}

/* Moves one frame from a stack above its target to one below it, or back to the pool.
 * Returns false when no stack is above its target. */
static bool rebalance_one(void)
{
    unsigned long flags = arch_irq_save();
    struct cpu_pads *pads = this_pads();
    struct pad_stack *from = stack_over_target(pads), *to = NULL;
    context_t owner = CONTEXT_NONE;
    if (from) {
        struct page *page = pad_pop(pads, from);
        to = stack_to_fill(pads, &owner);
        if (to)
            push(pads, to, owner, page); /* scrubbed already */
        else
            page_alloc_return_to_pool(page);
    }
    arch_irq_restore(flags);
    return from != NULL;
}

/* Takes a frame from the pool, scrubs it with interrupts on, and pushes it where it is
 * missing. Returns false when nothing is missing or the pool has nothing left. */
static bool fill_one(void)
{
    /* LAB refill: begin top-up
     * Nothing to do unless this CPU's pads are below target. Else take a frame from the pool,
     * scrub it with interrupts on, then, with them off, push it on the stack that lacks one
     * (or give it back: no stack lacks one any more) and end its transit. True when a frame
     * went in. */
    if (!atomic_reserve_is_low())
        return false;
    struct page *page = page_alloc_take_for_reserve();
    if (!page)
        return false;
    page_alloc_scrub(page); /* with interrupts on: no handler waits for it */
    unsigned long flags = arch_irq_save();
    struct cpu_pads *pads = this_pads();
    context_t owner;
    struct pad_stack *to = stack_to_fill(pads, &owner);
    if (to)
        push(pads, to, owner, page);
    else
        page_alloc_return_to_pool(page); /* a claim or the target shrank meanwhile */
    page_alloc_transit_ended();
    arch_irq_restore(flags);
    return to != NULL;
    /* LAB refill: end top-up, placeholder: return false; */
}

/* --- refilling -------------------------------------------------------------------------------- */

/* The refill itself, on this CPU: ordinary context (interrupts on, or at boot before any
 * handler). The targets are taken in first; a change made meanwhile is taken in by the next
 * refill, which the change asks for. Several may run on one CPU at once (a thread preempted
 * in the middle of one, another starting): each step is whole with interrupts off, and a
 * frame scrubbed for a stack another refill filled meanwhile goes back to the pool. Nothing
 * here may keep another refill out: the thread it would wait for may be an idle thread,
 * preempted mid-refill by the busy threads whose handlers need the pads. */
static uint64_t refill(void)
{
    unsigned long flags = arch_irq_save();
    take_in_targets(this_pads());
    arch_irq_restore(flags);
    while (rebalance_one())
        ;
    uint64_t added = 0;
    while (fill_one())
        added++;
    if (added) {
        flags = arch_irq_save();
        this_pads()->refills++;
        this_pads()->refilled += added;
        arch_irq_restore(flags);
    }
    return added;
}

/* Scrubbing must not run with interrupts off, nor in a thread the busy ones can keep off the
 * CPU (the idle thread frees the stacks of threads that ended): the refill is asked of the
 * refill thread then, which runs at high priority. */
uint64_t atomic_reserve_refill(void)
{
    if (context_in_interrupt() || !arch_irqs_enabled() || sched_current_may_starve()) {
        deferred_request(&reserve_refill_work);
        return 0;
    }
    return refill();
}

bool atomic_reserve_below_target(void)
{
    return atomic_reserve_is_low();
}

uint64_t atomic_reserve_level(void)
{
    uint64_t level = 0;
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        level += READ_ONCE(cpu_pads[i].level);
    return level;
}

/* --- targets and claims ----------------------------------------------------------------------- */

static void refill_this_cpu(void)
{
    atomic_reserve_refill();
}

/* A change of `wanted` was made: every CPU takes it in now when the caller may sleep, else
 * this one now (or by deferred work) and the others at their next refill, which the change
 * asks for. */
static void apply_everywhere(void)
{
    if (atomic_reserve_apply() != 0)
        atomic_reserve_refill();
}

int atomic_reserve_apply(void)
{
    return sched_run_on_each_cpu(refill_this_cpu);
}

int atomic_reserve_set_target(uint64_t pages)
{
    struct page_alloc_stats pool;
    page_alloc_get_stats(&pool);
    if (pages == 0 || pages > pool.managed / 2)
        return -EINVAL;
    unsigned long flags;
    spin_lock_irqsave(&wanted_lock, &flags);
    int error = pages < claims_total() ? -EBUSY : 0;
    if (!error) {
        wanted.target = pages;
        atomic_reserve_targets_changed++;
    }
    spin_unlock_irqrestore(&wanted_lock, flags);
    if (!error)
        apply_everywhere(); /* the surplus back to the pool, or the lack filled */
    return error;
}

int atomic_reserve_claim(context_t owner, uint32_t count)
{
    if (!context_is_handler(owner))
        return -EINVAL;
    unsigned int slot = context_handler_slot(owner);
    unsigned long flags;
    spin_lock_irqsave(&wanted_lock, &flags);
    /* What the claim adds comes out of the shared stock's target; what it gives back goes in. */
    uint64_t unclaimed = wanted.target - claims_total();
    int error = count > wanted.claim[slot] + unclaimed ? -ENOSPC : 0;
    if (!error) {
        wanted.claim[slot] = count;
        wanted.owner[slot] = owner;
        atomic_reserve_targets_changed++;
    }
    spin_unlock_irqrestore(&wanted_lock, flags);
    if (!error)
        apply_everywhere(); /* moves the frames */
    return error;
}

/* One CPU's part of a release: the claim's frames go to the shared stock now, not at some
 * later refill, so the next registration in the slot starts with an empty stack. Scrubbed
 * already. (take_in_targets closes the account.) */
static void release_this_cpu(void)
{
    unsigned long flags = arch_irq_save();
    take_in_targets(this_pads());
    arch_irq_restore(flags);
    while (rebalance_one())
        ;
}

void atomic_reserve_release(context_t owner)
{
    if (!context_is_handler(owner))
        return;
    unsigned int slot = context_handler_slot(owner);
    unsigned long flags;
    spin_lock_irqsave(&wanted_lock, &flags);
    wanted.claim[slot] = 0;
    wanted.owner[slot] = CONTEXT_NONE;
    wanted.releases[slot]++;
    atomic_reserve_targets_changed++;
    spin_unlock_irqrestore(&wanted_lock, flags);
    if (sched_run_on_each_cpu(release_this_cpu) != 0)
        release_this_cpu(); /* the other CPUs take the release in at their next refill */
}

/* Sets this CPU's pads up with the wanted targets and fills them. Interrupts off; no handler
 * runs on this CPU yet, so the scrubbing keeps nobody waiting. */
static void init_this_cpu(void)
{
    struct cpu_pads *pads = this_pads();
    *pads = (struct cpu_pads){0};
    empty_stack(&pads->shared, 0);
    for (unsigned int slot = 0; slot < CONTEXT_HANDLER_SLOTS; slot++)
        empty_stack(&pads->handlers[slot].claim, 0);
    refill();
    pads->lowest = pads->level;
    pads->refills = 0; /* the initial fill is not a refill */
    pads->refilled = 0;
}

void atomic_reserve_init(uint64_t managed)
{
    uint64_t fallback = atomic_reserve_default_target(managed);
    wanted.target = cmdline_pages("atomic_reserve", fallback, 1, managed / 2);
    init_this_cpu();
}

void atomic_reserve_init_cpu(void)
{
    init_this_cpu();
}

/* --- figures
 * -------------------------------------------------------------------------------------- */

/* Adds one CPU's figures to the totals: each figure whole (another CPU's may change as it is
 * read), together a moment apart. */
static void add_stats(struct atomic_reserve_stats *out, const struct cpu_pads *pads)
{
    out->target += pads->target;
    out->claimed += pads->target - pads->shared.target;
    out->level += pads->level;
    out->claimed_level += pads->level - pads->shared.level;
    out->lowest += MIN(pads->lowest, pads->level); /* it may be falling right now */
    out->taken_outside_interrupts += pads->taken_outside;
    out->refills += pads->refills;
    out->refilled += pads->refilled;
    for (unsigned int slot = 0; slot <= CONTEXT_HANDLER_SLOTS; slot++) {
        const struct pad_account *account =
                slot < CONTEXT_HANDLER_SLOTS ? &pads->handlers[slot] : &pads->gone;
        out->taken_claimed += account->taken[PAD_TAKE_CLAIM];
        out->taken_shared += account->taken[PAD_TAKE_SHARED];
        out->scrubbed_in_handlers += account->scrubbed;
        out->below_min_in_handlers += account->taken[PAD_TAKE_BELOW_MIN];
        out->failures += account->taken[PAD_TAKE_FAILED];
    }
}

void atomic_reserve_get_cpu_stats(unsigned int cpu, struct atomic_reserve_stats *out)
{
    *out = (struct atomic_reserve_stats){0};
    if (cpu >= MAX_CPUS)
        return;
    unsigned long flags = arch_irq_save();
    add_stats(out, &cpu_pads[cpu]);
    arch_irq_restore(flags);
    out->taken = out->taken_claimed + out->taken_shared + out->taken_outside_interrupts;
    out->refills_asked = __atomic_load_n(&reserve_refill_work.runs, __ATOMIC_RELAXED);
}

void atomic_reserve_get_stats(struct atomic_reserve_stats *out)
{
    *out = (struct atomic_reserve_stats){0};
    unsigned long flags = arch_irq_save();
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        add_stats(out, &cpu_pads[i]);
    arch_irq_restore(flags);
    /* Derived, not counted on the take path. */
    out->taken = out->taken_claimed + out->taken_shared + out->taken_outside_interrupts;
    out->refills_asked = __atomic_load_n(&reserve_refill_work.runs, __ATOMIC_RELAXED);
}

int atomic_reserve_get_account(context_t owner, struct atomic_reserve_account *out)
{
    if (!context_is_handler(owner))
        return -EINVAL;
    *out = (struct atomic_reserve_account){0};
    unsigned long flags = arch_irq_save();
    for (unsigned int i = 0; i < MAX_CPUS; i++) {
        const struct pad_account *account = &cpu_pads[i].handlers[context_handler_slot(owner)];
        out->claimed += account->claim.target;
        out->level += account->claim.level;
        out->from_claim += account->taken[PAD_TAKE_CLAIM];
        out->from_shared += account->taken[PAD_TAKE_SHARED];
        out->from_pool += account->taken[PAD_TAKE_POOL];
        out->below_min += account->taken[PAD_TAKE_BELOW_MIN];
        out->failed += account->taken[PAD_TAKE_FAILED];
        out->scrubbed += account->scrubbed;
    }
    arch_irq_restore(flags);
    return 0;
}

void atomic_reserve_print_stats(void)
{
    struct atomic_reserve_stats s;
    atomic_reserve_get_stats(&s);
    printk("atomic reserve: target %lu (claimed %lu), level %lu (in claims %lu), lowest %lu; "
           "%lu refills added %lu frames\n",
           s.target, s.claimed, s.level, s.claimed_level, s.lowest, s.refills, s.refilled);
    printk("atomic reserve: taken %lu (by handlers from their claims %lu, from the shared "
           "stock %lu; outside interrupts %lu); scrubbed in handlers %lu, below min %lu, "
           "failed %lu\n",
           s.taken, s.taken_claimed, s.taken_shared, s.taken_outside_interrupts,
           s.scrubbed_in_handlers, s.below_min_in_handlers, s.failures);
}
