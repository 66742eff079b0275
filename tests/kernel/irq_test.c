/* tests/kernel/irq_test.c - the IRQ API on live hardware: a handler added at run time to the
 * timer's line is called (in interrupt context, on the right line) and counted, and no more
 * after free_irq; lines are unmasked only while they have handlers; spurious IRQ 7 and 15
 * are counted apart; bad requests are refused; irqstat's rows show it all. */
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

static void record_call(int irq, void *dev_id)
{
    struct handler_record *record = dev_id;
    record->calls++;
    record->line_seen = irq_current_line() == irq ? irq : -2;
    record->always_in_interrupt &= in_interrupt();
    record->interrupts_ever_on |= arch_irqs_enabled();
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
    static struct handler_record record = {.always_in_interrupt = true, .line_seen = -1};
    struct irq_stats before, after;
    irq_stats_read(0, &before);
    KTEST_ASSERT_EQ(t, request_irq(0, record_call, "irq-test", &record), 0);
    KTEST_ASSERT_TRUE(t, wait_ticks(10));
    KTEST_EXPECT_EQ(t, free_irq(0, &record), 0);
    irq_stats_read(0, &after);
    uint64_t calls = READ_ONCE(record.calls);
    KTEST_EXPECT_GE(t, calls, 10u);
    KTEST_EXPECT_GE(t, after.served - before.served, calls); /* shared with the timer */
    KTEST_EXPECT_EQ(t, record.line_seen, 0);
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

/* Line 5 (and slave line 10) have no device in these machines. */
static void line_is_unmasked_only_while_it_has_handlers(struct ktest *t)
{
    static int first, second;
    KTEST_ASSERT_TRUE(t, pic_is_masked(5));
    KTEST_ASSERT_EQ(t, request_irq(5, do_nothing, "first", &first), 0);
    KTEST_ASSERT_EQ(t, request_irq(5, do_nothing, "second", &second), 0);
    KTEST_EXPECT_FALSE(t, pic_is_masked(5));
    KTEST_EXPECT_EQ(t, free_irq(5, &first), 0);
    KTEST_EXPECT_FALSE(t, pic_is_masked(5)); /* `second` still there */
    KTEST_EXPECT_EQ(t, free_irq(5, &second), 0);
    KTEST_EXPECT_TRUE(t, pic_is_masked(5));

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

static uint64_t line_number_times_ten(int irq)
{
    return (uint64_t)irq * 10;
}

static void stat_rows_show_handlers_and_added_columns(struct ktest *t)
{
    char text[160];
    KTEST_EXPECT_GT(t, irq_stat_format_row(0, text, sizeof(text)), 0);
    KTEST_EXPECT_NOT_NULL(t, strstr(text, "timer"));
    KTEST_EXPECT_EQ(t, strncmp(text, "  0 ", 4), 0);
    KTEST_EXPECT_EQ(t, irq_stat_format_row(IRQ_LINES, text, sizeof(text)), -EINVAL);

    KTEST_ASSERT_EQ(t, irq_stat_add_column("test-column", line_number_times_ten), 0);
    KTEST_EXPECT_EQ(t, irq_stat_add_column("test-column", line_number_times_ten), -EEXIST);
    irq_stat_format_header(text, sizeof(text));
    KTEST_EXPECT_NOT_NULL(t, strstr(text, " test-column  handlers"));
    irq_stat_format_row(7, text, sizeof(text));
    KTEST_EXPECT_NOT_NULL(t, strstr(text, "          70  "));
    KTEST_EXPECT_EQ(t, irq_stat_remove_column("test-column"), 0);
    KTEST_EXPECT_EQ(t, irq_stat_remove_column("test-column"), -ENOENT);
    irq_stat_format_header(text, sizeof(text));
    KTEST_EXPECT_NULL(t, strstr(text, "test-column"));
}

static const struct ktest_case irq_cases[] = {
        KTEST_CASE(handler_added_at_run_time_is_called_and_counted),
        KTEST_CASE(ordinary_code_is_not_in_interrupt),
        KTEST_CASE(bad_requests_are_refused),
        KTEST_CASE(handler_table_has_a_limit),
        KTEST_CASE(line_is_unmasked_only_while_it_has_handlers),
        KTEST_CASE(spurious_irq_7_and_15_are_counted_not_served),
        KTEST_CASE(stat_rows_show_handlers_and_added_columns),
        {},
};
KTEST_SUITE(irq, irq_cases);
