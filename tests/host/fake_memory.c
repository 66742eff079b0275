/* tests/host/fake_memory.c - the fake machine mm/ runs on in host-side tests and fuzzers, and
 * the reference model that checks the page allocator against a plain per-frame owner array.
 * Physical memory is an anonymous mapping that the host backs only where touched, so a machine
 * with terabytes of span costs what the test writes; the frame database starts inaccessible,
 * so a descriptor mm/frame_db.c did not back faults under the test instead of reading zeros.
 */
#include "tests/host/fake_memory.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/arch.h"
#include "arch/arch_mm.h"
#include "kernel/cmdline.h"
#include "lib/compiler.h"
#include "kernel/deferred.h"
#include "lib/errno.h"
#include "mm/atomic_reserve.h"
#include "mm/boot_alloc.h"
#include "mm/exclusive.h"
#include "mm/layout.h"
#include "tests/host/hosted.h"

#define BLOCK_BYTES (MAX_ORDER_PAGES * PAGE_SIZE) /* 4 MiB, what frame_db.c backs at once */

static struct {
    uint8_t *ram;      /* physical address 0 */
    uint64_t span;     /* bytes of physical address space mapped */
    uint8_t *database; /* descriptor of frame 0 */
    uint64_t database_size;
    uint64_t populated; /* bytes arch_paging_back_range made accessible */
} machine;

static struct memmap boot_map;
uint64_t fake_boot_build_cycles;

static void *map_anonymous(uint64_t size, int protection)
{
    void *address =
            mmap(NULL, size, protection, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return address == MAP_FAILED ? NULL : address;
}

bool fake_memory_create(uint64_t span)
{
    fake_memory_destroy();
    span = ALIGN_UP(span ? span : 1, BLOCK_BYTES);
    uint64_t db_size = ALIGN_UP(span / PAGE_SIZE * sizeof(struct page), PAGE_SIZE);
    machine.ram = map_anonymous(span, PROT_READ | PROT_WRITE);
    machine.database = map_anonymous(db_size, PROT_NONE);
    if (!machine.ram || !machine.database) {
        fprintf(stderr, "fake_memory: cannot map %#llx bytes of fake memory\n",
                (unsigned long long)span);
        fake_memory_destroy();
        return false;
    }
    machine.span = span;
    machine.database_size = db_size;
    machine.populated = 0;
    hosted_direct_map_base = (uintptr_t)machine.ram;
    hosted_frame_db_base = (uintptr_t)machine.database;
    return true;
}

void fake_memory_destroy(void)
{
    if (machine.ram)
        munmap(machine.ram, machine.span);
    if (machine.database)
        munmap(machine.database, machine.database_size);
    machine = (__typeof__(machine)){0};
    hosted_direct_map_base = 0;
    hosted_frame_db_base = 0;
}

uint64_t fake_memory_span(void)
{
    return machine.span;
}

uint64_t fake_frame_db_populated_bytes(void)
{
    return machine.populated;
}

/* The kernel backs these descriptors with boot_alloc memory and maps them at FRAME_DB_BASE;
 * here they become accessible. Anything outside the database is a bug in mm/frame_db.c. */
void arch_paging_back_range(uint64_t virt_start, uint64_t virt_end,
                            uint64_t (*alloc)(uint64_t size, uint64_t align))
{
    (void)alloc; /* the fake's database is one reserved mapping, made accessible here */
    uint64_t base = (uint64_t)(uintptr_t)machine.database;
    if (virt_start > virt_end || virt_start < base || virt_end > base + machine.database_size ||
        !IS_ALIGNED(virt_start, PAGE_SIZE) || !IS_ALIGNED(virt_end, PAGE_SIZE)) {
        fprintf(stderr,
                "fake_memory: frame database populate [%#llx, %#llx) outside [%#llx, "
                "%#llx) or unaligned\n",
                (unsigned long long)virt_start, (unsigned long long)virt_end,
                (unsigned long long)base, (unsigned long long)(base + machine.database_size));
        abort();
    }
    if (mprotect((void *)(uintptr_t)virt_start, virt_end - virt_start, PROT_READ | PROT_WRITE)) {
        perror("fake_memory: mprotect");
        abort();
    }
    machine.populated += virt_end - virt_start;
}

static uint64_t usable_end(const struct memmap *map)
{
    uint64_t end = 0;
    for (size_t i = 0; i < map->count; i++) {
        if (map->ranges[i].type == MEMMAP_USABLE)
            end = MAX(end, map->ranges[i].end);
    }
    return end;
}

const struct memmap *fake_boot(const struct boot_memory_range *raw, size_t count, bool poison)
{
    struct boot_memory_map loader_map = boot_memory_map_of(raw, count);
    memmap_sanitise(&loader_map, &boot_map);
    memmap_carve(&boot_map, 0, 1ull << 20, MEMMAP_FIRMWARE); /* the first MiB */
    memmap_clip_usable(&boot_map);
    uint64_t end = usable_end(&boot_map);
    if (end == 0)
        return NULL;
    if (machine.span < end && !fake_memory_create(end))
        return NULL;
    /* A machine booted again: forget what the last boot backed. */
    if (mprotect(machine.database, machine.database_size, PROT_NONE)) {
        perror("fake_memory: mprotect");
        abort();
    }
    machine.populated = 0;
    hosted_context = CONTEXT_BOOT;
    hosted_irqs_enabled = true;
    cmdline_parse("", 0); /* an earlier test may have left atomic_reserve= there */

    boot_alloc_init(&boot_map);
    boot_alloc_set_limit(MEMMAP_PHYS_LIMIT); /* mm.c does this once all RAM is mapped */
    uint64_t start = arch_cycles();
    page_alloc_init(&boot_map, poison);
    fake_boot_build_cycles = arch_cycles() - start;
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    atomic_reserve_init(stats.managed);
    page_alloc_drain_hot_cache();
    return &boot_map;
}

const struct memmap *fake_memory_map(void)
{
    return &boot_map;
}

/* --- the reference model ------------------------------------------------------------------------
 */

static bool fail(struct fake_model *model, const char *fmt, ...) __printf(2, 3);

static bool fail(struct fake_model *model, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(model->error, sizeof(model->error), fmt, args);
    va_end(args);
    return false;
}

static uint64_t frame_id_word(uint32_t id, uint64_t pfn)
{
    return ((uint64_t)id << 32 | 0x1d00u) ^ pfn;
}

/* A block's id goes into the first and the last word of each of its frames. */
static void write_ids(const struct fake_block *block)
{
    uint64_t first = page_to_pfn(block->page);
    for (uint64_t pfn = first; pfn < first + (1ull << block->order); pfn++) {
        uint64_t *words = phys_to_virt(pfn << PAGE_SHIFT);
        words[0] = frame_id_word(block->id, pfn);
        words[PAGE_SIZE / 8 - 1] = ~frame_id_word(block->id, pfn);
    }
}

static bool frame_is_zero(uint64_t pfn)
{
    static const uint8_t zeros[PAGE_SIZE];
    return memcmp(phys_to_virt(pfn << PAGE_SHIFT), zeros, PAGE_SIZE) == 0;
}

bool fake_model_init(struct fake_model *model)
{
    *model = (struct fake_model){.frames = machine.span / PAGE_SIZE, .next_id = 1};
    model->managed = calloc(model->frames, 1);
    model->owner = calloc(model->frames, sizeof(model->owner[0]));
    model->capacity = 1024;
    model->blocks = malloc(model->capacity * sizeof(model->blocks[0]));
    if (!model->managed || !model->owner || !model->blocks)
        return fail(model, "out of host memory for the model");
    for (uint64_t pfn = 0; pfn < model->frames; pfn += MAX_ORDER_PAGES) {
        if (!pfn_valid(pfn))
            continue;
        for (uint64_t frame = pfn; frame < pfn + MAX_ORDER_PAGES; frame++) {
            bool managed = pfn_to_page(frame)->state != PAGE_RESERVED;
            model->managed[frame] = managed;
            model->managed_count += managed;
        }
    }
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    memcpy(model->boot_free_blocks, stats.free_blocks, sizeof(stats.free_blocks));
    if (stats.managed != model->managed_count || stats.free + stats.reserve != stats.managed)
        return fail(model,
                    "after boot: managed %lu, free %lu, reserve %lu, but %lu frames "
                    "have descriptors that are not reserved",
                    stats.managed, stats.free, stats.reserve, model->managed_count);
    return fake_model_check_stats(model) && fake_model_check_frames(model);
}

bool fake_model_reset(struct fake_model *model)
{
    memset(model->owner, 0, model->frames * sizeof(model->owner[0]));
    model->count = 0;
    model->allocated = 0;
    model->allocation_calls = model->failure_calls = model->free_calls = 0;
    model->refused_frees = 0;
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    if (memcmp(stats.free_blocks, model->boot_free_blocks, sizeof(stats.free_blocks)) != 0)
        return fail(model, "booted again: not the free blocks of the first boot");
    return fake_model_check_stats(model);
}

void fake_model_destroy(struct fake_model *model)
{
    free(model->managed);
    free(model->owner);
    free(model->blocks);
    *model = (struct fake_model){0};
}

/* The landing pads the running context may take: the shared stock, and a handler's own claim.
 * Other handlers' claims are not for it. */
static uint64_t pads_for_this_context(void)
{
    struct atomic_reserve_stats pads;
    struct atomic_reserve_account own;
    atomic_reserve_get_stats(&pads);
    uint64_t available = pads.level - pads.claimed_level;
    if (atomic_reserve_get_account(context_current(), &own) == 0)
        available += own.level;
    return available;
}

/* Whether alloc_pages must fail (1), must succeed (0), or may do either (-1: the frames would
 * have to come out of the hot cache merged, which the allocator need not do). GFP_KERNEL stops
 * at the min watermark; GFP_ATOMIC goes below it, and for one frame to the landing pads this
 * context may take. */
static int predict_failure(const struct page_alloc_stats *stats, gfp_t gfp, unsigned int order)
{
    if (order > MAX_ORDER)
        return 1;
    bool atomic = gfp & __GFP_ATOMIC;
    uint64_t floor = atomic ? 0 : stats->watermark_min;
    if (order == 0)
        return stats->free < floor + 1 && !(atomic && pads_for_this_context());
    if (stats->free < floor + (1ull << order))
        return 1;
    for (unsigned int larger = order; larger <= MAX_ORDER; larger++) {
        if (stats->free_blocks[larger])
            return 0;
    }
    return -1;
}

static bool check_new_block(struct fake_model *model, const struct page *page, gfp_t gfp,
                            unsigned int order)
{
    uint64_t first = page_to_pfn(page);
    if ((uintptr_t)page < (uintptr_t)frame_db || first >= model->frames || !pfn_valid(first))
        return fail(model, "alloc_pages(%#x, %u) returned %p, not a descriptor", gfp, order,
                    (const void *)page);
    if (first & ((1ull << order) - 1))
        return fail(model, "alloc_pages(%#x, %u) returned frame %#lx, not aligned to its size", gfp,
                    order, first << PAGE_SHIFT);
    if (page->state != PAGE_ALLOCATED || page->order != order || page->refcount != 1)
        return fail(model, "alloc_pages: frame %#lx has state %u order %u refcount %u",
                    first << PAGE_SHIFT, page->state, page->order, page->refcount);
    bool exclusive = gfp & __GFP_EXCLUSIVE;
    if (!!(page->flags & PG_EXCLUSIVE) != exclusive ||
        page_owner(page) != (exclusive ? context_current() : CONTEXT_NONE))
        return fail(model, "alloc_pages(%#x, %u): frame %#lx has flags %#x and owner %u", gfp,
                    order, first << PAGE_SHIFT, page->flags, page_owner(page));
    for (uint64_t pfn = first; pfn < first + (1ull << order); pfn++) {
        if (pfn >= model->frames || !model->managed[pfn])
            return fail(model, "alloc_pages(%#x, %u) handed out frame %#lx, not managed", gfp,
                        order, pfn << PAGE_SHIFT);
        if (model->owner[pfn])
            return fail(model,
                        "alloc_pages(%#x, %u) handed out frame %#lx twice (block %u "
                        "holds it)",
                        gfp, order, pfn << PAGE_SHIFT, model->owner[pfn]);
        if ((gfp & (__GFP_ZERO | __GFP_EXCLUSIVE)) && !frame_is_zero(pfn))
            return fail(model, "alloc_pages(%#x, %u): frame %#lx is not zero-filled", gfp, order,
                        pfn << PAGE_SHIFT);
    }
    return true;
}

static void record_block(struct fake_model *model, struct page *page, unsigned int order, gfp_t gfp)
{
    if (model->count == model->capacity) {
        model->capacity *= 2;
        model->blocks = realloc(model->blocks, model->capacity * sizeof(model->blocks[0]));
        if (!model->blocks)
            abort();
    }
    struct fake_block *block = &model->blocks[model->count++];
    context_t owner = gfp & __GFP_EXCLUSIVE ? context_current() : CONTEXT_NONE;
    *block = (struct fake_block){page, order, model->next_id++, owner};
    if (model->next_id == 0)
        model->next_id = 1;
    uint64_t first = page_to_pfn(page);
    for (uint64_t pfn = first; pfn < first + (1ull << order); pfn++)
        model->owner[pfn] = block->id;
    model->allocated += 1ull << order;
    write_ids(block);
}

bool fake_model_alloc(struct fake_model *model, gfp_t gfp, unsigned int order, struct page **out)
{
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    int must_fail = predict_failure(&stats, gfp, order);
    bool irqs = hosted_irqs_enabled;
    struct page *page = alloc_pages(gfp, order);
    if (out)
        *out = page;
    if (hosted_irqs_enabled != irqs)
        return fail(model, "alloc_pages(%#x, %u) left interrupts %s", gfp, order,
                    hosted_irqs_enabled ? "on" : "off");
    if (!page) {
        model->failure_calls++;
        if (must_fail == 0)
            return fail(model,
                        "alloc_pages(%#x, %u) failed with %lu frames free (min %lu), %lu "
                        "in the reserve, and a free block of that order",
                        gfp, order, stats.free, stats.watermark_min, stats.reserve);
        return fake_model_check_stats(model);
    }
    if (must_fail == 1)
        return fail(model,
                    "alloc_pages(%#x, %u) succeeded with %lu frames free (min %lu), %lu "
                    "in the reserve",
                    gfp, order, stats.free, stats.watermark_min, stats.reserve);
    if (!check_new_block(model, page, gfp, order))
        return false;
    model->allocation_calls++;
    record_block(model, page, order, gfp);
    return fake_model_check_stats(model);
}

static bool check_ids(struct fake_model *model, const struct fake_block *block)
{
    uint64_t first = page_to_pfn(block->page);
    for (uint64_t pfn = first; pfn < first + (1ull << block->order); pfn++) {
        const uint64_t *words = phys_to_virt(pfn << PAGE_SHIFT);
        if (model->owner[pfn] != block->id || words[0] != frame_id_word(block->id, pfn) ||
            words[PAGE_SIZE / 8 - 1] != ~frame_id_word(block->id, pfn))
            return fail(model, "frame %#lx of block %u (order %u) was changed while allocated",
                        pfn << PAGE_SHIFT, block->id, block->order);
    }
    return true;
}

/* A free by a context that does not own the EXCLUSIVE block: refused, and nothing changes. */
static bool check_refused_free(struct fake_model *model, const struct fake_block *block, int error,
                               uint64_t wrong_owner_before)
{
    struct exclusive_errors errors;
    exclusive_get_errors(&errors);
    if (error != -EPERM || errors.wrong_owner != wrong_owner_before + 1)
        return fail(model,
                    "free_pages of an EXCLUSIVE frame %#lx by a context that does not "
                    "own it returned %d and counted %lu",
                    page_to_phys(block->page), error, errors.wrong_owner - wrong_owner_before);
    model->refused_frees++;
    return check_ids(model, block) && fake_model_check_stats(model);
}

bool fake_model_free(struct fake_model *model, size_t index)
{
    if (index >= model->count)
        return fail(model, "no allocated block %zu", index);
    struct fake_block block = model->blocks[index];
    if (!check_ids(model, &block))
        return false;
    struct exclusive_errors errors;
    exclusive_get_errors(&errors);
    bool irqs = hosted_irqs_enabled;
    int error = free_pages(block.page, block.order);
    if (hosted_irqs_enabled != irqs)
        return fail(model, "free_pages(%u) left interrupts %s", block.order,
                    hosted_irqs_enabled ? "on" : "off");
    if (block.owner != CONTEXT_NONE && block.owner != context_current())
        return check_refused_free(model, &block, error, errors.wrong_owner);
    if (error)
        return fail(model, "free_pages(frame %#lx, %u) returned %d", page_to_phys(block.page),
                    block.order, error);
    model->free_calls++;
    uint64_t first = page_to_pfn(block.page);
    for (uint64_t pfn = first; pfn < first + (1ull << block.order); pfn++)
        model->owner[pfn] = 0;
    model->allocated -= 1ull << block.order;
    model->blocks[index] = model->blocks[--model->count];
    return fake_model_check_stats(model);
}

bool fake_model_check_stats(struct fake_model *model)
{
    struct page_alloc_stats stats;
    bool irqs = hosted_irqs_enabled;
    page_alloc_get_stats(&stats);
    uint64_t free_count = page_alloc_free_count();
    uint64_t unallocated = page_alloc_unallocated_count();
    if (hosted_irqs_enabled != irqs)
        return fail(model, "reading the figures changed the interrupt flag");
    if (stats.managed != model->managed_count)
        return fail(model, "managed %lu, the model says %lu", stats.managed, model->managed_count);
    if (stats.free + stats.reserve + model->allocated != stats.managed ||
        stats.allocated != model->allocated)
        return fail(model,
                    "free %lu + reserve %lu + allocated %lu (model) != managed %lu "
                    "(allocated says %lu)",
                    stats.free, stats.reserve, model->allocated, stats.managed, stats.allocated);
    if (free_count != stats.free || unallocated != stats.free + stats.reserve)
        return fail(model, "free count %lu and unallocated count %lu; figures say %lu and %lu",
                    free_count, unallocated, stats.free, stats.free + stats.reserve);
    uint64_t listed = stats.hot_cache;
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        listed += stats.free_blocks[order] << order;
    if (listed != stats.free)
        return fail(model, "free lists and hot cache hold %lu frames, free says %lu", listed,
                    stats.free);
    if (stats.hot_cache > PAGE_ALLOC_HOT_CACHE_HIGH)
        return fail(model, "hot cache holds %lu frames, above its bound %u", stats.hot_cache,
                    PAGE_ALLOC_HOT_CACHE_HIGH);
    if (stats.allocations != model->allocation_calls || stats.frees != model->free_calls ||
        stats.failures != model->failure_calls)
        return fail(model, "counted %lu allocations, %lu frees, %lu failures; made %lu, %lu, %lu",
                    stats.allocations, stats.frees, stats.failures, model->allocation_calls,
                    model->free_calls, model->failure_calls);
    return true;
}

static bool check_allocated_frames(struct fake_model *model, const struct fake_block *block)
{
    const struct page *page = block->page;
    if (page->state != PAGE_ALLOCATED || page->order != block->order)
        return fail(model, "allocated frame %#lx: state %u order %u, expected allocated order %u",
                    page_to_phys(page), page->state, page->order, block->order);
    for (unsigned long i = 1; i < (1ul << block->order); i++) {
        if (page[i].state != PAGE_TAIL)
            return fail(model, "frame %#lx inside allocated block %#lx: state %u",
                        page_to_phys(&page[i]), page_to_phys(page), page[i].state);
    }
    return true;
}

/* Free frames of one 4 MiB block, for checking its buddy blocks: listed[i] is 1 when frame
 * base + i is free and not in the hot cache or the reserve (so on a free list); prefix[i]
 * counts them below i. */
struct region {
    uint64_t base;
    uint16_t prefix[MAX_ORDER_PAGES + 1];
    uint64_t hot, reserve;
};

static bool scan_region(struct fake_model *model, struct region *region)
{
    region->prefix[0] = 0;
    for (uint64_t i = 0; i < MAX_ORDER_PAGES; i++) {
        uint64_t pfn = region->base + i;
        uint8_t state = pfn < model->frames ? pfn_to_page(pfn)->state : PAGE_RESERVED;
        bool listed = false;
        if (pfn >= model->frames || !model->managed[pfn]) {
            if (state != PAGE_RESERVED)
                return fail(model, "frame %#lx is not managed, but its state is %u",
                            pfn << PAGE_SHIFT, state);
        } else if (!model->owner[pfn]) {
            region->hot += state == PAGE_HOT;
            region->reserve += state == PAGE_RESERVE;
            listed = state != PAGE_HOT && state != PAGE_RESERVE;
            if (state == PAGE_ALLOCATED || state == PAGE_RESERVED)
                return fail(model, "free frame %#lx has state %u", pfn << PAGE_SHIFT, state);
        }
        region->prefix[i + 1] = (uint16_t)(region->prefix[i] + listed);
    }
    return true;
}

/* The listed frames of [first, first + 2^order) must form maximal buddy blocks: a block that
 * is all free is one free block of that order, else its halves are looked at. */
static bool check_buddies(struct fake_model *model, const struct region *region, uint64_t first,
                          unsigned int order, uint64_t counts[MAX_ORDER + 1])
{
    uint64_t offset = first - region->base, size = 1ull << order;
    uint64_t listed = region->prefix[offset + size] - region->prefix[offset];
    if (listed == 0)
        return true;
    if (listed < size)
        return check_buddies(model, region, first, order - 1, counts) &&
               check_buddies(model, region, first + size / 2, order - 1, counts);
    const struct page *head = pfn_to_page(first);
    if (head->state != PAGE_FREE || head->order != order)
        return fail(model,
                    "free frames %#lx ... form a block of order %u, but the first has "
                    "state %u order %u (not merged, or a stale descriptor)",
                    first << PAGE_SHIFT, order, head->state, head->order);
    for (uint64_t i = 1; i < size; i++) {
        if (head[i].state != PAGE_TAIL)
            return fail(model, "frame %#lx inside free block %#lx (order %u) has state %u",
                        (first + i) << PAGE_SHIFT, first << PAGE_SHIFT, order, head[i].state);
    }
    counts[order]++;
    return true;
}

bool fake_model_check_frames(struct fake_model *model)
{
    for (size_t i = 0; i < model->count; i++) {
        if (!check_allocated_frames(model, &model->blocks[i]))
            return false;
    }
    static struct region region;
    uint64_t counts[MAX_ORDER + 1] = {0}, hot = 0, reserve = 0;
    for (uint64_t base = 0; base < model->frames; base += MAX_ORDER_PAGES) {
        if (!pfn_valid(base))
            continue;
        region.base = base;
        region.hot = region.reserve = 0;
        if (!scan_region(model, &region) || !check_buddies(model, &region, base, MAX_ORDER, counts))
            return false;
        hot += region.hot;
        reserve += region.reserve;
    }
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    if (hot != stats.hot_cache || reserve != stats.reserve)
        return fail(model,
                    "%lu frames in the hot cache and %lu in the reserve; the figures say "
                    "%lu and %lu",
                    hot, reserve, stats.hot_cache, stats.reserve);
    for (unsigned int order = 0; order <= MAX_ORDER; order++) {
        if (counts[order] != stats.free_blocks[order])
            return fail(model,
                        "%lu free blocks of order %u in the descriptors, %lu on the free "
                        "list",
                        counts[order], order, stats.free_blocks[order]);
    }
    return true;
}

bool fake_model_free_all(struct fake_model *model)
{
    context_t context = hosted_context;
    while (model->count) {
        const struct fake_block *block = &model->blocks[model->count - 1];
        hosted_context = block->owner != CONTEXT_NONE ? block->owner : CONTEXT_BOOT;
        if (!fake_model_free(model, model->count - 1)) {
            hosted_context = context;
            return false;
        }
    }
    hosted_context = CONTEXT_BOOT;
    bool irqs = hosted_irqs_enabled;
    deferred_run(); /* the reserve's refill, which a take asked for */
    page_alloc_drain_hot_cache();
    hosted_context = context;
    if (hosted_irqs_enabled != irqs)
        return fail(model, "deferred work or draining changed the interrupt flag");
    struct page_alloc_stats stats;
    struct atomic_reserve_stats reserve;
    page_alloc_get_stats(&stats);
    atomic_reserve_get_stats(&reserve);
    if (stats.free + stats.reserve != stats.managed || stats.hot_cache != 0)
        return fail(model,
                    "everything freed and drained: free %lu + reserve %lu of %lu, hot "
                    "cache %lu",
                    stats.free, stats.reserve, stats.managed, stats.hot_cache);
    if (reserve.level != reserve.target)
        return fail(model, "everything freed: the reserve holds %lu frames, its target is %lu",
                    reserve.level, reserve.target);
    return fake_model_check_stats(model) && fake_model_check_frames(model);
}
