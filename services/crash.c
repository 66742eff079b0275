/* services/crash.c - each crash is the smallest piece of code that causes it, written so the
 * compiler cannot remove it (volatile accesses, an opaque zero). */
#include "services/crash.h"

#include <stdint.h>

#include "lib/errno.h"
#include "kernel/panic.h"
#include "arch/arch.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "lib/string.h"

void kmain(uint32_t magic, uint64_t info_phys);

static volatile int opaque_zero;

static void crash_null(void)
{
    volatile uint64_t *pointer = (volatile uint64_t *)(uintptr_t)opaque_zero;
    (void)*pointer;
}

static void crash_write_text(void)
{
    volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)kmain;
    *code = *code;
}

static void crash_divide(void)
{
    volatile int numerator = 1;
    volatile int result = numerator / opaque_zero;
    (void)result;
}

static void crash_opcode(void)
{
    __asm__ volatile("ud2");
}

/* Each call keeps a buffer on the stack, so the recursion reaches the guard page quickly.
 * The test of opaque_zero (always 0) hides from the compiler that it never ends. */
static int __attribute__((noinline)) recurse(int depth)
{
    volatile char buffer[256];
    buffer[0] = (char)depth;
    if (depth < 0 && opaque_zero)
        return 0;
    return recurse(depth + 1) + buffer[0];
}

static void crash_stack_overflow(void)
{
    recurse(opaque_zero);
}

static void overflow_in_thread(void *arg)
{
    (void)arg;
    recurse(opaque_zero);
}

/* The same overflow in a thread's stack, whose guard page the thread layer mapped: the
 * report names the thread. */
static void crash_thread_stack_overflow(void)
{
    struct thread *thread =
            thread_create("overflow", overflow_in_thread, NULL, THREAD_PRIORITY_NORMAL);
    if (thread)
        thread_join(thread, NULL);
}

static void crash_panic(void)
{
    panic("crash=panic asked for a panic");
}

/* A spinlock taken twice by the same code: lock debugging names the lock and both places. */
static void crash_deadlock(void)
{
    static struct spinlock lock = SPINLOCK_INIT("crash");
    spin_lock(&lock);
    spin_lock(&lock);
}

/* Every other CPU busy (printing, taking a lock, half the time with interrupts off) when
 * this one panics: the report is the only one, whole, and nothing prints after it. */
static struct spinlock busy_lock = SPINLOCK_INIT("crash busy");
static volatile uint64_t busy_turns;

static void busy(void *arg)
{
    unsigned int cpu = (unsigned int)(uintptr_t)arg;
    for (uint64_t turn = 0;; turn++) {
        unsigned long flags = 0;
        bool off = turn % 2;
        if (off)
            flags = arch_irq_save();
        spin_lock(&busy_lock);
        busy_turns++;
        spin_unlock(&busy_lock);
        printk("crash: CPU %u is busy, turn %llu\n", cpu, (unsigned long long)turn);
        if (off)
            arch_irq_restore(flags);
    }
}

static void crash_smp_panic(void)
{
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (cpu != arch_cpu_id() && sched_cpu_is_online(cpu))
            thread_create_on("busy", busy, (void *)(uintptr_t)cpu, THREAD_PRIORITY_HIGH, cpu);
    }
    while (READ_ONCE(busy_turns) < 200)
        thread_yield();
    panic("crash=smp-panic: CPU %u panics while the others are busy", arch_cpu_id());
}

static const struct {
    const char *name;
    void (*run)(void);
} crashes[] = {
        {"null", crash_null},
        {"write-text", crash_write_text},
        {"divide", crash_divide},
        {"opcode", crash_opcode},
        {"stack-overflow", crash_stack_overflow},
        {"thread-stack-overflow", crash_thread_stack_overflow},
        {"panic", crash_panic},
        {"deadlock", crash_deadlock},
        {"smp-panic", crash_smp_panic},
};

static int find(const char *kind)
{
    for (unsigned int i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++) {
        if (strcmp(kind, crashes[i].name) == 0)
            return (int)i;
    }
    return -1;
}

bool crash_is_known(const char *kind)
{
    if (find(kind) >= 0)
        return true;
    printk("cmdline: bad value '%s' for crash (expected null, write-text, divide, opcode, "
           "stack-overflow, thread-stack-overflow, panic, deadlock or smp-panic); no crash\n",
           kind);
    return false;
}

int crash_run(const char *kind)
{
    int index = find(kind);
    if (index < 0)
        return -EINVAL;
    printk("crash: running '%s' on purpose\n", kind);
    crashes[index].run();
    panic("crash: '%s' did not crash", kind);
}
