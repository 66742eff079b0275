/* tests/kernel/irq_test.c - the IRQ API on live hardware: a handler added at run time to the
 * timer's line is called (in interrupt context, on the right line) and counted, and no more
 * after free_irq; lines are unmasked only while they have handlers; spurious IRQ 7 and 15
 * are counted apart (with the 8259); bad requests are refused; the registrations of a line
 * are listed. */
#include "arch/arch.h"
#include "drivers/pic.h"
#include "kernel/clock.h"
#include "lib/errno.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "lib/string.h"

struct handler_record {
    uint64_t calls;
    int line_seen;
    bool always_in_interrupt;
    bool interrupts_ever_on;
};

/* On the tick's line: on every CPU with a per-CPU tick, so the figures are changed with
 * atomic operations. */
static void record_call(int irq, void *dev_id)
{
    struct handler_record *record = dev_id;
    __atomic_add_fetch(&record->calls, 1, __ATOMIC_RELAXED);
    if (irq_current_line() != irq)
        WRITE_ONCE(record->line_seen, -2);
    if (!in_interrupt())
        WRITE_ONCE(record->always_in_interrupt, false);
    if (arch_irqs_enabled())
        WRITE_ONCE(record->interrupts_ever_on, true);
}

static void do_nothing(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
}

static bool wait_ticks(uint64_t count)
{
    uint64_t target = clock_ticks() + count;
    for (uint64_t spins = 0; clock_ticks() < target; spins++) {
        if (spins > 1000000000ull)
            return false;
        arch_cpu_relax();
    }
    return true;
}

static void handler_added_at_run_time_is_called_and_counted(struct ktest *t)
{
    int line = clock_tick_line();
    static struct handler_record record = {.always_in_interrupt = true};
    record.line_seen = line;
    struct irq_stats before, after;
    irq_stats_read(line, &before);
    KTEST_ASSERT_EQ(t, request_irq(line, record_call, "irq-test", &record), 0);
    KTEST_ASSERT_TRUE(t, wait_ticks(10));
    KTEST_EXPECT_EQ(t, free_irq(line, &record), 0);
    irq_stats_read(line, &after);
    uint64_t calls = READ_ONCE(record.calls);
    KTEST_EXPECT_GE(t, calls, 10u);
    KTEST_EXPECT_GE(t, after.served - before.served, calls); /* shared with the timer */
    KTEST_EXPECT_EQ(t, record.line_seen, line);
    KTEST_EXPECT_TRUE(t, record.always_in_interrupt);
    KTEST_EXPECT_FALSE(t, record.interrupts_ever_on);

    KTEST_ASSERT_TRUE(t, wait_ticks(10)); /* the timer goes on; our handler is gone */
    KTEST_EXPECT_EQ(t, READ_ONCE(record.calls), calls);
}

static void ordinary_code_is_not_in_interrupt(struct ktest *t)
{
    KTEST_EXPECT_FALSE(t, in_interrupt());
    KTEST_EXPECT_EQ(t, irq_current_line(), -1);
}

static void bad_requests_are_refused(struct ktest *t)
{
    static int device;
    KTEST_EXPECT_EQ(t, request_irq(-1, do_nothing, "bad", &device), -EINVAL);
    KTEST_EXPECT_EQ(t, request_irq(IRQ_LINES, do_nothing, "bad", &device), -EINVAL);
    KTEST_EXPECT_EQ(t, request_irq(5, NULL, "bad", &device), -EINVAL);
    KTEST_EXPECT_EQ(t, free_irq(5, &device), -ENOENT);
    KTEST_EXPECT_EQ(t, free_irq(IRQ_LINES, &device), -EINVAL);
    KTEST_ASSERT_EQ(t, request_irq(5, do_nothing, "first", &device), 0);
    KTEST_EXPECT_EQ(t, request_irq(5, do_nothing, "again", &device), -EEXIST);
    KTEST_EXPECT_EQ(t, free_irq(5, &device), 0);
    KTEST_EXPECT_EQ(t, free_irq(5, &device), -ENOENT);
}

static void handler_table_has_a_limit(struct ktest *t)
{
    static char devices[IRQ_HANDLERS_MAX];
    int added = 0;
    while (added < IRQ_HANDLERS_MAX && request_irq(5, do_nothing, "fill", &devices[added]) == 0)
        added++;
    KTEST_EXPECT_GT(t, added, 0);
    KTEST_EXPECT_LT(t, added, IRQ_HANDLERS_MAX); /* the drivers hold some slots */
    KTEST_EXPECT_EQ(t, request_irq(5, do_nothing, "one too many", &devices[added]), -ENOSPC);
    for (int i = 0; i < added; i++)
        KTEST_EXPECT_EQ(t, free_irq(5, &devices[i]), 0);
}

static bool controller_is_8259(void)
{
    return strcmp(irq_controller_name(), "8259A") == 0;
}

/* Line 5 (and slave line 10) have no device in these machines. */
static void line_is_unmasked_only_while_it_has_handlers(struct ktest *t)
{
    static int first, second;
    KTEST_ASSERT_TRUE(t, irq_is_masked(5));
    KTEST_ASSERT_EQ(t, request_irq(5, do_nothing, "first", &first), 0);
    KTEST_ASSERT_EQ(t, request_irq(5, do_nothing, "second", &second), 0);
    KTEST_EXPECT_FALSE(t, irq_is_masked(5));
    KTEST_EXPECT_EQ(t, free_irq(5, &first), 0);
    KTEST_EXPECT_FALSE(t, irq_is_masked(5)); /* `second` still there */
    KTEST_EXPECT_EQ(t, free_irq(5, &second), 0);
    KTEST_EXPECT_TRUE(t, irq_is_masked(5));
    if (!controller_is_8259())
        return; /* no cascade line */

    bool cascade_was_masked = pic_is_masked(PIC_CASCADE_IRQ);
    KTEST_ASSERT_EQ(t, request_irq(10, do_nothing, "slave", &first), 0);
    KTEST_EXPECT_FALSE(t, pic_is_masked(10));
    KTEST_EXPECT_FALSE(t, pic_is_masked(PIC_CASCADE_IRQ));
    KTEST_EXPECT_EQ(t, free_irq(10, &first), 0);
    KTEST_EXPECT_TRUE(t, pic_is_masked(10));
    KTEST_EXPECT_EQ(t, pic_is_masked(PIC_CASCADE_IRQ), cascade_was_masked);
}

/* A software `int` to the vector of line 7 or 15 looks to the kernel exactly like a spurious
 * IRQ: the vector arrives, and the controller has nothing in service on that line. */
static void spurious_irq_7_and_15_are_counted_not_served(struct ktest *t)
{
    if (!controller_is_8259()) {
        ktest_skip(t, "the 8259 is masked for good under the IOAPIC: it raises no IRQ 7 or 15");
        return;
    }
    struct irq_stats before7, after7, before15, after15;
    irq_stats_read(7, &before7);
    irq_stats_read(15, &before15);
    __asm__ volatile("int %0" : : "i"(PIC_VECTOR_BASE + 7));
    __asm__ volatile("int %0" : : "i"(PIC_VECTOR_BASE + 15));
    irq_stats_read(7, &after7);
    irq_stats_read(15, &after15);
    KTEST_EXPECT_EQ(t, after7.spurious, before7.spurious + 1);
    KTEST_EXPECT_EQ(t, after7.served, before7.served);
    KTEST_EXPECT_EQ(t, after15.spurious, before15.spurious + 1);
    KTEST_EXPECT_EQ(t, after15.served, before15.served);
    KTEST_EXPECT_TRUE(t, irq_stat_line_in_use(7));
}

static void handler_registrations_are_listed_in_call_order(struct ktest *t)
{
    static int first, second;
    struct irq_handler_info handlers[IRQ_HANDLERS_MAX];
    int before = irq_handlers_of(5, handlers, IRQ_HANDLERS_MAX);
    KTEST_ASSERT_EQ(t, request_irq(5, do_nothing, "irq-test-first", &first), 0);
    KTEST_ASSERT_EQ(t, request_irq(5, do_nothing, "irq-test-second", &second), 0);
    int count = irq_handlers_of(5, handlers, IRQ_HANDLERS_MAX);
    KTEST_EXPECT_EQ(t, count, before + 2);
    if (count >= 2) {
        KTEST_EXPECT_STREQ(t, handlers[count - 2].name, "irq-test-first");
        KTEST_EXPECT_EQ(t, (uintptr_t)handlers[count - 2].dev_id, (uintptr_t)&first);
        KTEST_EXPECT_STREQ(t, handlers[count - 1].name, "irq-test-second");
    }
    KTEST_EXPECT_EQ(t, irq_handlers_of(5, handlers, 1), count); /* the count, whatever max */
    KTEST_EXPECT_EQ(t, free_irq(5, &first), 0);
    KTEST_EXPECT_EQ(t, free_irq(5, &second), 0);
    KTEST_EXPECT_EQ(t, irq_handlers_of(5, handlers, IRQ_HANDLERS_MAX), before);
    KTEST_EXPECT_EQ(t, irq_handlers_of(IRQ_LINES, handlers, 1), -EINVAL);
    KTEST_EXPECT_EQ(t, irq_handlers_of(-1, handlers, 1), -EINVAL);
}

static const struct ktest_case irq_cases[] = {
        KTEST_CASE(handler_added_at_run_time_is_called_and_counted),
        KTEST_CASE(ordinary_code_is_not_in_interrupt),
        KTEST_CASE(bad_requests_are_refused),
        KTEST_CASE(handler_table_has_a_limit),
        KTEST_CASE(line_is_unmasked_only_while_it_has_handlers),
        KTEST_CASE(spurious_irq_7_and_15_are_counted_not_served),
        KTEST_CASE(handler_registrations_are_listed_in_call_order),
        {},
};
KTEST_SUITE(irq, irq_cases);
