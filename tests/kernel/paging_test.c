/* tests/kernel/paging_test.c - the kernel's page tables do what they promise: NULL and the
 * stack guard page fault, text cannot be written, data and the direct map cannot be
 * executed (on a CPU with NX; without it, they can, and the tests expect that), the direct
 * map covers RAM with large pages, and vm_map_page / vm_unmap_page / vm_translate map, unmap
 * (flushing the TLB) and find pages. */
#include <stdint.h>

#include "arch/arch_mm.h"
#include "arch/x86_64/exception.h"
#include "arch/x86_64/probe.h"
#include "arch/x86_64/stacks.h"
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include "tests/kernel/taker.h"

void kmain(uint32_t magic, uint64_t info_phys);

static void null_faults(struct ktest *t)
{
    uint8_t value;
    KTEST_EXPECT_EQ(t, probe_read_u8(NULL, &value), -EFAULT);
    struct probe_fault fault = probe_last_fault();
    KTEST_EXPECT_EQ(t, fault.vector, (uint64_t)X86_VECTOR_PAGE_FAULT);
    KTEST_EXPECT_EQ(t, fault.address, 0u);
    KTEST_EXPECT_EQ(t, fault.error_code & X86_PF_PRESENT, 0u); /* nothing mapped there */
    KTEST_EXPECT_EQ(t, probe_read_u8((const void *)0x100000, &value), -EFAULT); /* 1 MiB */
}

static void stack_guard_page_faults(struct ktest *t)
{
    uint64_t value;
    const uint8_t *guard = kernel_stacks[STACK_BOOT].guard;
    KTEST_EXPECT_EQ(t, probe_read_u64(guard + PAGE_SIZE - 8, &value), -EFAULT);
    KTEST_EXPECT_EQ(t, probe_read_u64(kernel_stacks[kernel_ist_stack(STACK_DOUBLE_FAULT)].guard, &value), -EFAULT);
    /* The stack itself, just above the guard, is there. */
    KTEST_EXPECT_EQ(t, probe_read_u64(kernel_stacks[STACK_BOOT].stack, &value), 0);
}

static void kernel_text_is_not_writable(struct ktest *t)
{
    volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)kmain;
    /* Write back the byte that is there: harmless even if the protection were missing. */
    KTEST_EXPECT_EQ(t, probe_write_u8(text, *text), -EFAULT);
    uint64_t code = probe_last_fault().error_code;
    KTEST_EXPECT_TRUE(t, code & X86_PF_PRESENT); /* present, but read-only */
    KTEST_EXPECT_TRUE(t, code & X86_PF_WRITE);
}

static const uint64_t read_only_value = 42;

static void rodata_is_read_only(struct ktest *t)
{
    volatile uint8_t *rodata = (volatile uint8_t *)(uintptr_t)&read_only_value;
    KTEST_EXPECT_EQ(t, probe_write_u8(rodata, *rodata), -EFAULT);
}

static uint8_t ret_in_data[16] = {0xc3};

/* With NX, fetching from data or the direct map faults; without it, the code there runs. */
static void data_and_direct_map_are_not_executable(struct ktest *t)
{
    int expected = arch_has_no_execute() ? -EFAULT : 0;
    if (!arch_has_no_execute())
        ktest_log(t, "no NX on this CPU: data is executable, and that is what is checked");
    KTEST_EXPECT_EQ(t, probe_exec(ret_in_data), expected);
    if (expected)
        KTEST_EXPECT_TRUE(t, probe_last_fault().error_code & X86_PF_FETCH);
    struct page *page = alloc_page(GFP_KERNEL);
    KTEST_ASSERT_NOT_NULL(t, page);
    *(uint8_t *)page_address(page) = 0xc3;
    KTEST_EXPECT_EQ(t, probe_exec(page_address(page)), expected);
    KTEST_EXPECT_EQ(t, free_page(page), 0);
}

static void kernel_sections_have_their_protections(struct ktest *t)
{
    bool data_executable = !arch_has_no_execute();
    struct page_translation text, rodata, data;
    KTEST_ASSERT_EQ(t, vm_translate((uint64_t)(uintptr_t)kmain, &text), 0);
    KTEST_ASSERT_EQ(t, vm_translate((uint64_t)(uintptr_t)&read_only_value, &rodata), 0);
    KTEST_ASSERT_EQ(t, vm_translate((uint64_t)(uintptr_t)ret_in_data, &data), 0);
    KTEST_EXPECT_TRUE(t, text.executable && !text.writable);
    KTEST_EXPECT_TRUE(t, rodata.executable == data_executable && !rodata.writable);
    KTEST_EXPECT_TRUE(t, data.executable == data_executable && data.writable);
    KTEST_EXPECT_EQ(t, text.phys, (uint64_t)(uintptr_t)kmain - KERNEL_VMA);
}

static void direct_map_covers_ram_with_large_pages(struct ktest *t)
{
    const struct memmap *map = mm_memory_map();
    uint64_t large = vm_has_huge_pages() ? 1ul << 30 : 1ul << 21, checked = 0;
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        if (range->type != MEMMAP_USABLE)
            continue;
        uint64_t probes[2] = {range->start, range->end - 8};
        for (int p = 0; p < 2; p++) {
            struct page_translation where;
            KTEST_ASSERT_EQ(t, vm_translate((uint64_t)(uintptr_t)phys_to_virt(probes[p]), &where),
                            0);
            KTEST_EXPECT_EQ(t, where.phys, probes[p]);
            KTEST_EXPECT_TRUE(t, where.writable && where.executable == !arch_has_no_execute());
        }
        /* A large-aligned stretch inside the range must use a large page. */
        uint64_t aligned = ALIGN_UP(range->start, large);
        if (aligned + large <= range->end) {
            struct page_translation where;
            vm_translate((uint64_t)(uintptr_t)phys_to_virt(aligned), &where);
            KTEST_EXPECT_EQ(t, where.page_size, large);
            checked++;
        }
    }
    ktest_log(t, "%s pages; %lu ranges had an aligned large page",
              vm_has_huge_pages() ? "1 GiB" : "2 MiB", checked);
}

#define TEST_VIRT (VM_AREA_BASE + 0x12345000ul)

static void map_translate_unmap(struct ktest *t)
{
    uint64_t free_before = page_alloc_free_count();
    struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
    KTEST_ASSERT_NOT_NULL(t, page);
    uint64_t phys = page_to_phys(page);
    KTEST_ASSERT_EQ(t, vm_map_page(TEST_VIRT, phys, VM_WRITE), 0);
    KTEST_EXPECT_EQ(t, vm_map_page(TEST_VIRT, phys, VM_WRITE), -EEXIST);

    struct page_translation where;
    KTEST_EXPECT_EQ(t, vm_translate(TEST_VIRT + 0x10, &where), 0);
    KTEST_EXPECT_EQ(t, where.phys, phys + 0x10);
    KTEST_EXPECT_EQ(t, where.page_size, PAGE_SIZE);
    KTEST_EXPECT_TRUE(t, where.writable && where.executable == !arch_has_no_execute());

    *(volatile uint64_t *)TEST_VIRT = 0x5eed;                     /* through the new mapping ... */
    KTEST_EXPECT_EQ(t, *(uint64_t *)page_address(page), 0x5eedu); /* ... seen in the direct map */

    KTEST_EXPECT_EQ(t, vm_unmap_page(TEST_VIRT), 0);
    KTEST_EXPECT_EQ(t, vm_unmap_page(TEST_VIRT), -ENOENT);
    KTEST_EXPECT_EQ(t, vm_translate(TEST_VIRT, &where), -ENOENT);
    uint64_t value;
    KTEST_EXPECT_EQ(t, probe_read_u64((const void *)TEST_VIRT, &value), -EFAULT); /* TLB flushed */
    KTEST_EXPECT_EQ(t, free_page(page), 0);
    KTEST_EXPECT_EQ(t, page_alloc_free_count(), free_before); /* page tables freed too */
}

static void map_rejects_bad_addresses(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, vm_map_page(TEST_VIRT + 1, 0x200000, 0), -EINVAL);
    KTEST_EXPECT_EQ(t, vm_map_page(TEST_VIRT, 0x200001, 0), -EINVAL);
    KTEST_EXPECT_EQ(t, vm_map_page(DIRECT_MAP_BASE, 0x200000, 0), -EINVAL);
    KTEST_EXPECT_EQ(t, vm_map_page(0x1000, 0x200000, 0), -EINVAL);
    KTEST_EXPECT_EQ(t, vm_unmap_page(KERNEL_VMA), -EINVAL);
}

static const struct ktest_case paging_cases[] = {
        KTEST_CASE(null_faults),
        KTEST_CASE(stack_guard_page_faults),
        KTEST_CASE(kernel_text_is_not_writable),
        KTEST_CASE(rodata_is_read_only),
        KTEST_CASE(data_and_direct_map_are_not_executable),
        KTEST_CASE(kernel_sections_have_their_protections),
        KTEST_CASE(direct_map_covers_ram_with_large_pages),
        KTEST_CASE(map_translate_unmap),
        KTEST_CASE(map_rejects_bad_addresses),
        {},
};
/* The mapping case compares the free frames before and after: nothing else may take any. */
static int quiet(void)
{
    sensor_pause();
    return 0;
}

KTEST_SUITE_FULL(paging, paging_cases, quiet, sensor_resume);
