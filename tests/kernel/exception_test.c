/* tests/kernel/exception_test.c - exceptions that are expected: int3 is handled and resumed,
 * and faults inside the probe helpers come back as -EFAULT with the right details. */
#include <stdint.h>

#include "arch/arch_mm.h"
#include "arch/x86_64/exception.h"
#include "arch/x86_64/probe.h"
#include "lib/errno.h"
#include "kernel/ksyms.h"
#include "kernel/ktest.h"

static void int3_is_handled_and_resumed(struct ktest *t)
{
    uint64_t before = x86_breakpoint_count();
    volatile int after_breakpoint = 0;
    __asm__ volatile("int3");
    after_breakpoint = 1; /* only reached if the handler resumed us */
    KTEST_EXPECT_EQ(t, x86_breakpoint_count(), before + 1);
    KTEST_EXPECT_EQ(t, after_breakpoint, 1);
}

/* PML4 slot 128 (0x0000400000000000) is never mapped, in the boot tables or after. */
#define UNMAPPED_ADDRESS ((const volatile void *)0x0000400000001000ul)

static void probe_of_unmapped_address_fails(struct ktest *t)
{
    uint64_t value = 0x1234;
    KTEST_EXPECT_EQ(t, probe_read_u64(UNMAPPED_ADDRESS, &value), -EFAULT);
    KTEST_EXPECT_EQ(t, value, 0x1234u); /* untouched on failure */
    struct probe_fault fault = probe_last_fault();
    KTEST_EXPECT_EQ(t, fault.vector, (uint64_t)X86_VECTOR_PAGE_FAULT);
    KTEST_EXPECT_EQ(t, fault.address, (uint64_t)(uintptr_t)UNMAPPED_ADDRESS);
    KTEST_EXPECT_EQ(t, fault.error_code & (X86_PF_PRESENT | X86_PF_WRITE), 0u);

    KTEST_EXPECT_EQ(t, probe_write_u8((volatile void *)UNMAPPED_ADDRESS, 1), -EFAULT);
    fault = probe_last_fault();
    KTEST_EXPECT_TRUE(t, fault.error_code & X86_PF_WRITE);
}

static void probe_of_non_canonical_address_fails(struct ktest *t)
{
    uint8_t value;
    /* Bits 63..47 differ: the CPU raises #GP, not #PF, and there is no CR2. */
    KTEST_EXPECT_EQ(t, probe_read_u8((const void *)0x8000000000000000ul, &value), -EFAULT);
    KTEST_EXPECT_EQ(t, probe_last_fault().vector, (uint64_t)X86_VECTOR_GENERAL_PROTECTION);
}

static void probe_of_mapped_address_reads_it(struct ktest *t)
{
    static const uint64_t known = 0x0123456789abcdefull;
    uint64_t value = 0;
    KTEST_EXPECT_EQ(t, probe_read_u64(&known, &value), 0);
    KTEST_EXPECT_EQ(t, value, known);
    static uint8_t writable;
    KTEST_EXPECT_EQ(t, probe_write_u8(&writable, 0x5a), 0);
    KTEST_EXPECT_EQ(t, writable, 0x5a);
}

/* An empty function: calling it through probe_exec runs it and returns. */
static void __attribute__((noinline)) does_nothing(void)
{
    __asm__ volatile("");
}

static void probe_exec_runs_executable_code(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, probe_exec((const void *)(uintptr_t)does_nothing), 0);
    /* Not mapped: the fetch faults, and the probe says so instead of crashing. */
    KTEST_EXPECT_EQ(t, probe_exec((const void *)0x0000400000002000ul), -EFAULT);
    /* The CPU says the fault was a fetch only when NX is on (EFER.NXE; we never set SMEP). */
    KTEST_EXPECT_EQ(t, !!(probe_last_fault().error_code & X86_PF_FETCH), arch_has_no_execute());
    KTEST_EXPECT_EQ(t, probe_last_fault().address, 0x0000400000002000ul);
}

static void symbols_name_kernel_functions(struct ktest *t)
{
    struct ksym symbol;
    uint64_t address = (uint64_t)(uintptr_t)probe_read_u64;
    KTEST_ASSERT_TRUE(t, ksym_lookup(address + 3, &symbol));
    KTEST_EXPECT_STREQ(t, symbol.name, "probe_read_u64");
    KTEST_EXPECT_EQ(t, symbol.address, address);
    KTEST_EXPECT_GT(t, symbol.size, 3u);
    KTEST_EXPECT_EQ(t, ksym_address("kmain"), ksym_address("kmain"));
    KTEST_EXPECT_NE(t, ksym_address("kmain"), 0u);
    KTEST_EXPECT_FALSE(t, ksym_lookup(0x1000, &symbol));
}

static const struct ktest_case exception_cases[] = {
        KTEST_CASE(int3_is_handled_and_resumed),
        KTEST_CASE(probe_of_unmapped_address_fails),
        KTEST_CASE(probe_of_non_canonical_address_fails),
        KTEST_CASE(probe_of_mapped_address_reads_it),
        KTEST_CASE(probe_exec_runs_executable_code),
        KTEST_CASE(symbols_name_kernel_functions),
        {},
};
KTEST_SUITE(exception, exception_cases);
