/* arch/x86_64/paging.c - the kernel's page tables (4 levels: PML4, PDPT, PD, PT).
 *
 * At boot, arch_paging_init replaces the early tables of boot.asm with the final ones: all
 * RAM mapped at DIRECT_MAP_BASE with the largest pages that fit (1 GiB where the CPU has
 * them, else 2 MiB, 4 KiB at unaligned edges), no-execute; the kernel image mapped page by
 * page, W^X (text read+execute, rodata read-only, data and bss read+write, neither of those
 * executable), with the guard page below each stack left out; nothing at low addresses, so
 * NULL faults. Afterwards arch_map_page and friends edit single 4 KiB entries for mm/vm.c,
 * which serialises them. Every table frame comes from the frame source mm/ gave us.
 */
#include "arch/arch_mm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/stacks.h"
#include "arch/x86_64/tlb.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/layout.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE   (1ull << 1)
#define PTE_PWT     (1ull << 3) /* write-through */
#define PTE_PCD     (1ull << 4) /* cache disable: with PWT, the page is uncacheable (UC) */
#define PTE_HUGE    (1ull << 7) /* in a PDPT or PD entry: maps 1 GiB or 2 MiB directly */
#define PTE_NX      (1ull << 63)
#define PTE_ADDRESS 0x000ffffffffff000ull

#define LEVEL_PT   1 /* entries map 4 KiB */
#define LEVEL_PD   2 /* entries map 2 MiB or point to a PT */
#define LEVEL_PDPT 3 /* entries map 1 GiB or point to a PD */
#define LEVEL_PML4 4

#define SIZE_2M (1ull << 21)
#define SIZE_1G (1ull << 30)

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[],
        __kernel_end[];

/* Set at boot, read-only afterwards (but for the frame source, which mm/ switches once). */
static uint64_t *pml4;      /* the kernel's PML4, through the direct map */
static uint64_t no_execute; /* PTE_NX when EFER.NXE is on, else 0 (the bit is reserved) */
static bool huge_pages;     /* the CPU maps 1 GiB pages */
static const struct arch_frame_source *frames;

static unsigned int index_at(uint64_t virt, int level)
{
    return (virt >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

static uint64_t level_size(int level)
{
    return 1ull << (PAGE_SHIFT + 9 * (level - 1));
}

static uint64_t table_alloc(void)
{
    return frames->alloc();
}

static uint64_t *table_at(uint64_t entry)
{
    return phys_to_virt(entry & PTE_ADDRESS);
}

/* Finds the entry for virt at `level`, creating the tables above it as needed. Returns 0,
 * -ENOMEM when a table cannot be allocated or -EBUSY when a large page is in the way. */
static int walk_create(uint64_t virt, int level, uint64_t **out)
{
    uint64_t *table = pml4;
    for (int l = LEVEL_PML4; l > level; l--) {
        uint64_t *entry = &table[index_at(virt, l)];
        if (!(*entry & PTE_PRESENT)) {
            uint64_t phys = table_alloc();
            if (!phys)
                return -ENOMEM;
            /* Upper levels allow everything: the leaf entry alone decides. */
            *entry = phys | PTE_PRESENT | PTE_WRITE;
        } else if (*entry & PTE_HUGE) {
            return -EBUSY;
        }
        table = table_at(*entry);
    }
    *out = &table[index_at(virt, level)];
    return 0;
}

/* Boot-time mapping of one page of level's size; there is no way to go on if it fails. */
static void map_at_boot(uint64_t virt, uint64_t phys, int level, uint64_t flags)
{
    uint64_t *entry;
    if (walk_create(virt, level, &entry) != 0)
        panic("paging: cannot map %#lx at boot (out of memory for page tables)", virt);
    *entry = phys | flags | PTE_PRESENT | (level > LEVEL_PT ? PTE_HUGE : 0);
}

/* Maps [virt, virt + size) to phys with the largest pages their alignment allows. */
static void map_range(uint64_t virt, uint64_t phys, uint64_t size, uint64_t flags)
{
    while (size) {
        int level = LEVEL_PT;
        if (huge_pages && IS_ALIGNED(virt | phys, SIZE_1G) && size >= SIZE_1G)
            level = LEVEL_PDPT;
        else if (IS_ALIGNED(virt | phys, SIZE_2M) && size >= SIZE_2M)
            level = LEVEL_PD;
        map_at_boot(virt, phys, level, flags);
        virt += level_size(level);
        phys += level_size(level);
        size -= level_size(level);
    }
}

/* The direct map: each range at DIRECT_MAP_BASE + its physical address. */
static void map_direct(const struct arch_ram_range *ram, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t start = ALIGN_DOWN(ram[i].start, PAGE_SIZE);
        uint64_t end = ALIGN_UP(ram[i].end, PAGE_SIZE);
        map_range(DIRECT_MAP_BASE + start, start, end - start, PTE_WRITE | no_execute);
    }
}

static void map_kernel_section(const char *start, const char *end, uint64_t flags)
{
    for (uint64_t virt = (uint64_t)(uintptr_t)start; virt < (uint64_t)(uintptr_t)end;
         virt += PAGE_SIZE) {
        if (kernel_stack_is_guard(virt))
            continue; /* left unmapped: running into it faults */
        map_at_boot(virt, virt - KERNEL_VMA, LEVEL_PT, flags);
    }
}

static void detect_features(void)
{
    no_execute = (x86_rdmsr(X86_MSR_EFER) & X86_EFER_NXE) ? PTE_NX : 0;
    struct x86_cpuid ext = x86_cpuid(0x80000000, 0);
    huge_pages = ext.eax >= 0x80000001 && (x86_cpuid(0x80000001, 0).edx & (1u << 26));
}

void arch_paging_init(const struct arch_ram_range *ram, size_t count,
                      const struct arch_frame_source *source)
{
    frames = source;
    detect_features();
    uint64_t root = table_alloc();
    if (!root)
        panic("paging: out of memory for the kernel's page tables");
    pml4 = phys_to_virt(root);
    map_direct(ram, count);
    map_kernel_section(__text_start, __text_end, 0);
    map_kernel_section(__rodata_start, __rodata_end, no_execute);
    map_kernel_section(__data_start, __kernel_end, PTE_WRITE | no_execute);
    x86_write_cr0(x86_read_cr0() | X86_CR0_WP); /* read-only means read-only for us too */
    x86_write_cr3(virt_to_phys(pml4));
    /* Without NX every mapping can be executed: only the text's read-only half of W^X holds. */
    printk("paging: direct map with %s pages, %s, identity map gone\n",
           huge_pages ? "1 GiB" : "2 MiB",
           no_execute ? "kernel W^X, NX on" : "kernel text read-only, data executable (no NX)");
}

void arch_paging_back_range(uint64_t start, uint64_t end,
                            uint64_t (*alloc)(uint64_t size, uint64_t align))
{
    for (uint64_t virt = start; virt < end;) {
        uint64_t phys = 0;
        if (IS_ALIGNED(virt, SIZE_2M) && end - virt >= SIZE_2M)
            phys = alloc(SIZE_2M, SIZE_2M);
        if (phys) {
            map_at_boot(virt, phys, LEVEL_PD, PTE_WRITE | no_execute);
            virt += SIZE_2M;
            continue;
        }
        phys = alloc(PAGE_SIZE, PAGE_SIZE);
        if (!phys)
            panic("paging: out of memory to back %#lx", virt);
        map_at_boot(virt, phys, LEVEL_PT, PTE_WRITE | no_execute);
        virt += PAGE_SIZE;
    }
}

void arch_paging_set_frame_source(const struct arch_frame_source *source)
{
    frames = source;
}

bool arch_has_huge_pages(void)
{
    return huge_pages;
}

bool arch_has_no_execute(void)
{
    return no_execute != 0;
}

/* --- after boot: single pages, for mm/vm.c ------------------------------------------------ */

int arch_map_page(uint64_t virt, uint64_t phys, unsigned int flags)
{
    uint64_t *entry;
    int error = walk_create(virt, LEVEL_PT, &entry);
    if (error)
        return error;
    if (*entry & PTE_PRESENT)
        return -EEXIST;
    *entry = phys | PTE_PRESENT | (flags & ARCH_MAP_WRITE ? PTE_WRITE : 0) |
             (flags & ARCH_MAP_EXEC ? 0 : no_execute) |
             (flags & ARCH_MAP_UNCACHED ? PTE_PCD | PTE_PWT : 0);
    x86_invlpg((const void *)virt);
    return 0;
}

static bool table_empty(const uint64_t *table)
{
    for (int i = 0; i < 512; i++) {
        if (table[i] & PTE_PRESENT)
            return false;
    }
    return true;
}

/* Clears the leaf entry, then frees each table on the path that this left empty, lowest
 * first (the PML4 itself stays). Only arch_map_page's 4 KiB mappings live where this is
 * called, and all their tables came from the frame source. */
int arch_unmap_page(uint64_t virt, uint64_t *phys)
{
    uint64_t *path[LEVEL_PML4 + 1]; /* path[level]: the entry for virt at that level */
    uint64_t *table = pml4;
    for (int level = LEVEL_PML4; level > LEVEL_PT; level--) {
        path[level] = &table[index_at(virt, level)];
        if (!(*path[level] & PTE_PRESENT) || (*path[level] & PTE_HUGE))
            return -ENOENT;
        table = table_at(*path[level]);
    }
    path[LEVEL_PT] = &table[index_at(virt, LEVEL_PT)];
    if (!(*path[LEVEL_PT] & PTE_PRESENT))
        return -ENOENT;
    *phys = *path[LEVEL_PT] & PTE_ADDRESS;
    *path[LEVEL_PT] = 0;
    x86_invlpg((const void *)virt);
    /* Gone from every CPU's TLB, and (INVLPG drops them too) from their caches of the tables
     * on the path, before a table or the frame can be reused. */
    x86_tlb_shootdown(virt);
    for (int level = LEVEL_PD; level <= LEVEL_PML4; level++) {
        if (!table_empty(table_at(*path[level])))
            break;
        uint64_t child = *path[level] & PTE_ADDRESS;
        *path[level] = 0;
        if (frames->free)
            frames->free(child);
    }
    return 0;
}

int arch_translate(uint64_t virt, struct page_translation *out)
{
    const uint64_t *table = pml4;
    bool writable = true, executable = true;
    for (int level = LEVEL_PML4; level >= LEVEL_PT; level--) {
        uint64_t entry = table[index_at(virt, level)];
        if (!(entry & PTE_PRESENT))
            return -ENOENT;
        writable = writable && (entry & PTE_WRITE);
        executable = executable && !(entry & PTE_NX);
        if (level == LEVEL_PT || (entry & PTE_HUGE)) {
            uint64_t size = level_size(level);
            *out = (struct page_translation){
                    .phys = (entry & PTE_ADDRESS & ~(size - 1)) + (virt & (size - 1)),
                    .page_size = size,
                    .writable = writable,
                    .executable = executable,
                    .uncached = (entry & PTE_PCD) != 0,
            };
            return 0;
        }
        table = table_at(entry);
    }
    return -ENOENT;
}
