/* mm/mm.c - the order in which physical memory comes up at boot. Each step needs the one
 * before: the page tables need the boot allocator, which needs the sanitised map; the frame
 * database needs the page tables (to be mapped at FRAME_DB_BASE); the buddy allocator needs
 * the frame database, and takes whatever the boot allocator did not use. */
#include "mm/mm.h"

#include "arch/arch.h"
#include "arch/arch_mm.h"
#include "kernel/cmdline.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "mm/atomic_reserve.h"
#include "mm/boot_alloc.h"
#include "mm/layout.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"

extern char __kernel_phys_start[], __kernel_phys_end[];

static struct memmap memory_map;
static struct boot_memory_map loader_map; /* as the loader gave it, in the boot information */
static struct mm_boot_figures boot_figures;
static uint64_t low_page; /* kept for the other CPUs' start code; 0: none */

/* The start code of the other CPUs runs in real mode, from a page below 1 MiB (a startup IPI
 * names it by its page number). 0x8000 is the usual choice: usable on every PC, clear of the
 * BIOS data area, the boot sector at 0x7c00 and the EBDA. The first MiB is carved out of
 * usable memory below, so nothing else ever takes it; this only checks the firmware called
 * it RAM and the boot information does not lie there. */
#define LOW_PAGE 0x8000ull

static bool range_is(const struct memmap *map, uint64_t start, uint64_t end, uint32_t type)
{
    for (size_t i = 0; i < map->count; i++) {
        if (map->ranges[i].start <= start && end <= map->ranges[i].end)
            return map->ranges[i].type == type;
    }
    return false;
}

static void keep_low_page(const struct boot_info *boot)
{
    uint64_t end = LOW_PAGE + PAGE_SIZE;
    bool clear = boot->info_phys >= end || boot->info_phys + boot->info_size <= LOW_PAGE;
    for (size_t i = 0; i < boot->module_count; i++)
        clear = clear && (boot->modules[i].start >= end || boot->modules[i].end <= LOW_PAGE);
    if (clear && range_is(&memory_map, LOW_PAGE, end, MEMMAP_USABLE))
        low_page = LOW_PAGE;
    else
        printk("mm: page %#llx is not free RAM: the other CPUs cannot be started\n", LOW_PAGE);
}

uint64_t mm_low_page(void)
{
    return low_page;
}

/* What the direct map covers: every stretch of RAM, merged across type changes (so large
 * pages fit), and the whole first MiB, where the VGA text buffer lives. */
static struct arch_ram_range direct_map[MEMMAP_MAX + 1];

const struct mm_boot_figures *mm_boot_figures(void)
{
    return &boot_figures;
}

const struct memmap *mm_memory_map(void)
{
    return &memory_map;
}

const struct boot_memory_map *mm_loader_map(void)
{
    return &loader_map;
}

/* Takes out of usable memory everything that is in use already or must never be used. */
static void carve_out_boot_memory(const struct boot_info *boot)
{
    keep_low_page(boot);
    memmap_carve(&memory_map, 0, 1ull << 20, MEMMAP_FIRMWARE);
    memmap_carve(&memory_map, (uint64_t)(uintptr_t)__kernel_phys_start,
                 (uint64_t)(uintptr_t)__kernel_phys_end, MEMMAP_KERNEL);
    memmap_carve(&memory_map, boot->info_phys, boot->info_phys + boot->info_size, MEMMAP_BOOT_INFO);
    for (size_t i = 0; i < boot->module_count; i++)
        memmap_carve(&memory_map, boot->modules[i].start, boot->modules[i].end, MEMMAP_MODULE);
    memmap_clip_usable(&memory_map);
}

static size_t direct_map_ranges(const struct memmap *map)
{
    size_t count = 0;
    uint64_t start = 0, end = 1ull << 20;
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        if (!memmap_type_is_ram(range->type))
            continue;
        uint64_t range_start = ALIGN_DOWN(range->start, PAGE_SIZE);
        uint64_t range_end = ALIGN_UP(range->end, PAGE_SIZE);
        if (range_start > end) {
            direct_map[count++] = (struct arch_ram_range){start, end};
            start = range_start;
        }
        end = MAX(end, range_end);
    }
    direct_map[count++] = (struct arch_ram_range){start, end};
    return count;
}

static uint64_t boot_table_alloc(void)
{
    return boot_alloc_zeroed(PAGE_SIZE, PAGE_SIZE);
}

/* Page tables at boot: from the boot allocator, never freed. */
static const struct arch_frame_source boot_frames = {boot_table_alloc, NULL};

void mm_init(const struct boot_info *boot, bool selftest)
{
    loader_map = boot->memory_map;
    memmap_log_raw(&loader_map);
    memmap_sanitise(&loader_map, &memory_map);
    carve_out_boot_memory(boot);
    uint64_t usable = memmap_usable_bytes(&memory_map);
    if (usable == 0)
        panic("mm: the memory map has no usable memory above 1 MiB");

    boot_alloc_init(&memory_map);
    arch_paging_init(direct_map, direct_map_ranges(&memory_map), &boot_frames);
    boot_alloc_set_limit(MEMMAP_PHYS_LIMIT); /* all RAM is mapped now */
    bool poison = cmdline_bool("page_poison", selftest);
    uint64_t start = arch_cycles();
    page_alloc_init(&memory_map, poison);
    page_alloc_wait_init();
    boot_figures.build_cycles = arch_cycles() - start;
    vm_init();

    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    boot_figures.managed_pages = stats.managed;
    atomic_reserve_init(stats.managed);
    page_alloc_get_stats(&stats);
    printk("mm: %lu KiB usable; %lu pages went to page tables and the frame database\n",
           usable >> 10, boot_alloc_pages_used());
    printk("mm: managed %lu pages, free %lu pages, atomic reserve %lu pages\n", stats.managed,
           stats.free, stats.reserve);
}
