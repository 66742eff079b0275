/* arch/arch.h - the small interface portable code (mm/, kernel/) uses to reach the CPU:
 * interrupt flag, cycle counter, idling. The kernel gets the x86-64 versions below; the
 * host-side tests (LABYRINTH_HOSTED) get simulated ones, so mm/ builds and runs in a process.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/* Per-CPU structures (hot caches, reserves, deferred work lists, run state) are arrays of
 * this many, indexed with arch_cpu_id(): 0 for the boot CPU, then 1, 2 ... in the order the
 * other CPUs came up. CPUs beyond it are reported and left out. */
#define MAX_CPUS 16

/* Words the core keeps per CPU in the CPU's own area. Each is read or changed by a single
 * instruction on the running CPU (arch_cpu_word_*), which an interrupt cannot split and a
 * thread cannot be moved to another CPU in the middle of: a count read or bumped by a thread
 * is always that of the CPU it ran on at that instruction. (x[arch_cpu_id()] would be two
 * steps, and a thread moved between them would touch another CPU's x.) */
enum arch_cpu_word {
    CPU_WORD_SPINLOCKS_HELD, /* spinlocks held on this CPU (kernel/spinlock.h) */
    CPU_WORD_IRQ_NESTING,    /* interrupt handlers running, nested (kernel/irq.c) */
    CPU_WORD_IRQ_LINE,       /* the IRQ line whose handlers run, or -1 (kernel/irq.c) */
    CPU_WORD_IRQ_ENTRIES,    /* interrupts dispatched on this CPU (kernel/irq.c: free_irq) */
    CPU_WORD_THREAD,         /* the thread running on this CPU (kernel/sched.c) */
    CPU_WORD_CONTEXT,        /* the context running on this CPU (kernel/context.h) */
    CPU_WORD_PAGES,          /* this CPU's allocator state (mm/page_alloc.c: this_cpu) */
    CPU_WORD_RESERVE,        /* this CPU's atomic reserve (mm/internal.h: this_reserve) */
    CPU_WORDS
};
#define X86_CPU_WORDS CPU_WORDS

/* A thread's CPU state while it does not run: the callee-saved registers are on its stack,
 * and this holds where. (kernel/thread.c keeps one per thread.) */
struct arch_context {
    uint64_t rsp;
};

/* Prepares a new thread's stack (its highest address is stack_top) so that the first
 * arch_context_switch to `context` calls entry(arg) on it, with interrupts as the switch
 * left them (off) and an empty backtrace above. entry must not return. */
void arch_context_init(struct arch_context *context, uint64_t stack_top, void (*entry)(void *),
                       void *arg);

/* Saves the running thread's state into `from` and resumes the thread saved in `to`; it
 * returns when some later switch resumes `from`. Interrupts off. */
void arch_context_switch(struct arch_context *from, const struct arch_context *to);

/* Names, into buffer, the stack whose guard page holds address ("stack of thread 'shell'
 * (id 3)"), or returns NULL: the thread layer registers one for the stacks it maps, so an
 * overflow report names the thread. */
typedef const char *(*arch_stack_namer)(uint64_t address, char *buffer, unsigned int size);
void arch_set_stack_namer(arch_stack_namer namer);

/* Stops every other CPU that is up, whatever it does (even with interrupts off: x86 sends an
 * NMI), and returns once they all stopped, or after about a second. For the one fatal
 * report: nothing else prints meanwhile. Any context. */
void arch_stop_other_cpus(void);

/* Stacks each CPU needs besides its threads' for the exceptions that cannot trust the stack
 * they interrupt (x86: the double fault, the NMI and the machine check, from its interrupt
 * stack table). The boot CPU's are static; another CPU's are given to it at its start. */
#define ARCH_CPU_STACKS 3

/* The name of a CPU's own stack `which` (0 ... ARCH_CPU_STACKS - 1): "NMI". */
const char *arch_cpu_stack_name(unsigned int which);

/* What starting another CPU needs (arch_cpu_start). */
struct arch_cpu_start {
    unsigned int cpu;                /* the number it will answer arch_cpu_id() with */
    uint32_t apic_id;                /* its interrupt controller's id (the MADT's) */
    uint64_t stack_top;              /* the stack it starts on: its idle thread's */
    uint64_t own_stack_tops[ARCH_CPU_STACKS]; /* its exception stacks, each below a guard */
    uint64_t start_page;             /* physical address of a free page below 1 MiB */
    uint64_t cycles_per_ms;          /* the cycle counter's rate, for the start's delays */
    void (*entry)(unsigned int cpu); /* what it runs, interrupts off; must not return */
};

/* Starts another CPU: it gets its own descriptor tables and per-CPU area, then runs
 * entry(cpu) on stack_top. Returns 0 once it runs there; -ETIMEDOUT when it did not answer
 * within a second (it is then told to stop, should it come later: the caller may forget it),
 * -EIO when the start signals could not be sent, -EINVAL for a bad argument or before the
 * interrupt controller can send them. Boot, ordinary context; takes about 10 ms. */
int arch_cpu_start(const struct arch_cpu_start *start);

#ifdef LABYRINTH_HOSTED
/* The host-side build supplies its own stand-ins, from its include path (tests/host/). */
#include "hosted_arch.h"
#else
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

/* Disables interrupts and returns the previous state, for arch_irq_restore. */
static inline unsigned long arch_irq_save(void)
{
    unsigned long flags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
    return flags;
}

/* Puts the interrupt flag back as arch_irq_save found it: nested save/restore pairs only
 * re-enable interrupts at the outermost restore. */
static inline void arch_irq_restore(unsigned long flags)
{
    if (flags & X86_RFLAGS_IF)
        __asm__ volatile("sti" : : : "memory");
}

static inline void arch_irq_enable(void)
{
    __asm__ volatile("sti" : : : "memory");
}

static inline void arch_irq_disable(void)
{
    __asm__ volatile("cli" : : : "memory");
}

static inline bool arch_irqs_enabled(void)
{
    return (x86_read_rflags() & X86_RFLAGS_IF) != 0;
}

void x86_tlb_answer(void);

/* Tells the CPU we are spinning (saves power, helps a sibling hyper-thread). Every waiting
 * loop calls it, so it also answers a TLB shootdown another CPU asked of this one
 * (arch/x86_64/tlb.h): a CPU waiting with interrupts off does not keep that CPU waiting. */
static inline void arch_cpu_relax(void)
{
    __asm__ volatile("pause" : : : "memory");
    uint32_t pending;
    __asm__ volatile("movl %%gs:%c1, %0"
                     : "=r"(pending)
                     : "i"(X86_CPU_AREA_FLUSH_PENDING)
                     : "memory");
    if (__builtin_expect(pending != 0, 0))
        x86_tlb_answer();
}

/* Enables interrupts and sleeps until the next one, atomically: `sti` delays interrupt
 * delivery by one instruction, so an interrupt cannot slip in between and be missed. */
static inline void arch_wait_for_interrupt(void)
{
    __asm__ volatile("sti; hlt" : : : "memory");
}

/* The CPU running this code: an index into per-CPU arrays. In a thread with interrupts on
 * the answer may be stale by the time it is used (the thread may move): index per-CPU data
 * with it only with interrupts off, or use the words above. */
static inline unsigned int arch_cpu_id(void)
{
    unsigned int id;
    __asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(X86_CPU_AREA_ID));
    return id;
}

/* The same number, as an index ready for an address: the 32-bit load clears the register's
 * upper half, which the compiler cannot know of arch_cpu_id's answer (it widens it again, one
 * instruction more on a handler's take of a landing pad). */
static inline unsigned long arch_cpu_index(void)
{
    unsigned long id;
    __asm__ volatile("movl %%gs:%c1, %k0" : "=r"(id) : "i"(X86_CPU_AREA_ID));
    return id;
}

/* This CPU's id in the interrupt controller (its local APIC id), as the firmware's tables
 * name CPUs. Any context. */
static inline uint32_t arch_cpu_hw_id(void)
{
    uint32_t id;
    __asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(X86_CPU_AREA_ID + 4));
    return id;
}

/* This CPU's copy of a word (enum arch_cpu_word), read in one instruction. Any context. */
static inline __attribute__((always_inline)) long arch_cpu_word(enum arch_cpu_word which)
{
    long value;
    __asm__ volatile("movq %%gs:%c1, %0"
                     : "=r"(value)
                     : "i"(X86_CPU_AREA_WORDS + 8 * (int)which)
                     : "memory");
    return value;
}

/* Sets this CPU's copy of a word, in one instruction. Any context. */
static inline __attribute__((always_inline)) void arch_cpu_word_set(enum arch_cpu_word which,
                                                                    long value)
{
    __asm__ volatile("movq %0, %%gs:%c1"
                     :
                     : "r"(value), "i"(X86_CPU_AREA_WORDS + 8 * (int)which)
                     : "memory");
}

/* Adds delta to this CPU's copy of a word, in one instruction (not atomic against other
 * CPUs: only this CPU changes its words). Any context. */
static inline __attribute__((always_inline)) void arch_cpu_word_add(enum arch_cpu_word which,
                                                                    long delta)
{
    __asm__ volatile("addq %0, %%gs:%c1"
                     :
                     : "er"(delta), "i"(X86_CPU_AREA_WORDS + 8 * (int)which)
                     : "memory", "cc");
}

/* Another CPU's copy of a word, read whole (it may change right after). Any context. */
static inline long arch_cpu_word_on(unsigned int cpu, enum arch_cpu_word which)
{
    return __atomic_load_n(&x86_cpu_areas[cpu].words[which], __ATOMIC_ACQUIRE);
}

static inline uint64_t arch_cycles(void)
{
    return x86_rdtsc();
}

/* Stops this CPU for good. */
__attribute__((noreturn)) static inline void arch_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}
#endif

#endif
