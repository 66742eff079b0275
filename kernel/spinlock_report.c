/* kernel/spinlock_report.c - what lock debugging prints: a lock taken again by the CPU that
 * holds it, and a wait past the long bound, each naming the lock and both places. */
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/format.h"

static const char *describe(const void *where, char *buffer)
{
    if (!where)
        return "an unknown place";
    return ksym_describe((uint64_t)(uintptr_t)where, buffer, KSYM_DESCRIBE_MAX);
}

void spin_report_retake(const struct spinlock *lock, const void *where)
{
    char taker[KSYM_DESCRIBE_MAX], holder[KSYM_DESCRIBE_MAX];
    panic("deadlock: CPU %u takes spinlock '%s' at %s, but holds it already (taken at %s; "
          "taken twice, or by an interrupt handler whose code took it without disabling "
          "interrupts)",
          arch_cpu_id(), lock->name ? lock->name : "?", describe(where, taker),
          describe(READ_ONCE(lock->where), holder));
}

void spin_report_foreign_unlock(const struct spinlock *lock)
{
    char holder[KSYM_DESCRIBE_MAX];
    uint32_t held_by = READ_ONCE(lock->holder);
    panic("spinlock '%s' released by CPU %u, which does not hold it (%s%d, taken at %s)",
          lock->name ? lock->name : "?", arch_cpu_id(),
          held_by ? "CPU " : "nobody: ", (int)held_by - 1,
          describe(READ_ONCE(lock->where), holder));
}

void spin_report_long_wait(const struct spinlock *lock, const void *where, uint64_t cycles)
{
    char taker[KSYM_DESCRIBE_MAX], holder[KSYM_DESCRIBE_MAX], who[48];
    uint32_t held_by = READ_ONCE(lock->holder);
    if (held_by)
        ksnprintf(who, sizeof(who), "CPU %u holds it", held_by - 1);
    else /* released: the CPU whose turn it is has not taken it yet */
        ksnprintf(who, sizeof(who), "the next in line has not taken it yet");
    printk("spinlock: CPU %u has waited %llu cycles for '%s' at %s; %s, taken at %s (still "
           "waiting)\n",
           arch_cpu_id(), (unsigned long long)cycles, lock->name ? lock->name : "?",
           describe(where, taker), who, describe(READ_ONCE(lock->where), holder));
}
