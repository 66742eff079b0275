/* tests/fuzz/fuzz_alloc.c - libFuzzer target: the page allocator under arbitrary sequences of
 * allocations, frees, bad frees, writes after free, hot-cache drains, poison toggles, atomic
 * reserve changes and deferred work, from the boot thread or an IRQ handler, with interrupts
 * on or off, on a small fake machine with holes. Every step is checked against the reference
 * model of tests/host/fake_memory.c: no frame handed out twice, every frame accounted for,
 * NULL exactly when the watermarks call for it, bad frees refused and counted, poison damage
 * reported once, and at the end everything merged back. Any violation aborts. The fake
 * machine is mapped once; each input boots it again, which keeps the time per input small.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/deferred.h"
#include "lib/errno.h"
#include "mm/atomic_reserve.h"
#include "mm/page_alloc.h"
#include "tests/host/fake_memory.h"
#include "tests/host/hosted.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KiB (1ull << 10)
#define MiB (1ull << 20)

/* 32 MiB of span: a reserved hole inside a block with RAM (10 MiB + 20 KiB ...), a block
 * with just its last frame (20 ... 24 MiB), one with no RAM at all (24 ... 28 MiB), RAM
 * again at the top. */
static const struct boot_memory_range machine_map[] = {
        {0, 0x9fc00, MEMMAP_USABLE},
        {MiB, 9 * MiB + 20 * KiB, MEMMAP_USABLE},
        {10 * MiB + 20 * KiB, 44 * KiB, MEMMAP_RESERVED},
        {10 * MiB + 64 * KiB, 10 * MiB - 64 * KiB, MEMMAP_USABLE},
        {24 * MiB - 4 * KiB, 4 * KiB, MEMMAP_USABLE},
        {28 * MiB, 4 * MiB, MEMMAP_USABLE},
};
#define HOLE (10 * MiB + 32 * KiB) /* a reserved frame with a descriptor */

static struct fake_model model;
static uint64_t expected_errors; /* bad frees made so far */
static bool frames_checked;

static __attribute__((noreturn)) void violation(const char *what)
{
    fprintf(stderr, "fuzz_alloc: %s\n", what);
    abort();
}

static void ok(bool checked)
{
    if (!checked)
        violation(model.error);
}

/* Errors that bad frees are counted as. */
static uint64_t error_total(void)
{
    struct page_alloc_errors errors;
    page_alloc_get_errors(&errors);
    return errors.double_free + errors.not_allocated + errors.wrong_order;
}

/* --- use after free ------------------------------------------------------------------------------
 */

#define DAMAGED_MAX 256

/* Free frames written to while they held the poison: each must be reported exactly once, when
 * the allocator checks its poison (handing it out, or scrubbing it for the atomic reserve). */
static uint64_t damaged[DAMAGED_MAX];
static size_t damaged_count;
static uint64_t reports_due; /* damaged frames whose poison has been checked since */
static uint64_t scribble_cursor;

static bool is_damaged(uint64_t pfn)
{
    for (size_t i = 0; i < damaged_count; i++) {
        if (damaged[i] == pfn)
            return true;
    }
    return false;
}

static void scribble(uint8_t argument)
{
    static uint8_t poison[PAGE_SIZE];
    if (poison[0] != PAGE_POISON_BYTE)
        memset(poison, PAGE_POISON_BYTE, sizeof(poison));
    for (unsigned int tries = 0; tries < 64 && damaged_count < DAMAGED_MAX; tries++) {
        uint64_t pfn = (scribble_cursor += 997 + argument) % model.frames;
        if (!model.managed[pfn] || model.owner[pfn] || !(pfn_to_page(pfn)->flags & PG_POISONED))
            continue;
        uint8_t *bytes = phys_to_virt(pfn << PAGE_SHIFT);
        if (!is_damaged(pfn)) {
            if (memcmp(bytes, poison, PAGE_SIZE) != 0)
                violation("a free frame marked poisoned does not hold the poison");
            damaged[damaged_count++] = pfn;
        }
        bytes[argument * 16u] = (uint8_t)~PAGE_POISON_BYTE;
        return;
    }
}

/* Damaged frames whose poison mark is gone have been checked: one report each, no more. */
static void check_poison_reports(void)
{
    for (size_t i = 0; i < damaged_count;) {
        if (pfn_to_page(damaged[i])->flags & PG_POISONED) {
            i++;
            continue;
        }
        reports_due++;
        damaged[i] = damaged[--damaged_count];
    }
    struct page_alloc_errors errors;
    page_alloc_get_errors(&errors);
    if (errors.poison_corrupted != reports_due)
        violation("poison damage not reported exactly once when the frame was checked");
}

/* A free that must be refused: -EINVAL, one more error counted, accounting unchanged. */
static void refused_free(struct page *page, unsigned int order)
{
    bool irqs = hosted_irqs_enabled;
    if (free_pages(page, order) != -EINVAL)
        violation("a bad free was not refused with -EINVAL");
    if (hosted_irqs_enabled != irqs)
        violation("a refused free changed the interrupt flag");
    if (error_total() != ++expected_errors)
        violation("a bad free was not counted exactly once");
    ok(fake_model_check_stats(&model));
}

static void bad_free(uint8_t argument)
{
    if (model.count == 0)
        return;
    size_t index = (argument >> 3) % model.count;
    struct page *page = model.blocks[index].page;
    unsigned int order = model.blocks[index].order;
    switch (argument % 6) {
    case 0: { /* double free: freed first by its owner, then by whoever runs now */
        context_t context = hosted_context;
        if (model.blocks[index].owner != CONTEXT_NONE)
            hosted_context = model.blocks[index].owner;
        ok(fake_model_free(&model, index));
        hosted_context = context;
        refused_free(page, order);
        break;
    }
    case 1:
        refused_free(page, order + 1);
        break;
    case 2:
        if (order > 0)
            refused_free(page + 1 + argument % ((1u << order) - 1), 0);
        break;
    case 3:
        refused_free((struct page *)((uintptr_t)page + 4 + argument % 12), order);
        break;
    case 4:
        refused_free(phys_to_page(HOLE), 0);
        break;
    default:
        refused_free(pfn_to_page((24 * MiB) >> PAGE_SHIFT), 0); /* no descriptor there */
        break;
    }
}

/* Small orders most of the time; every order, and a few impossible ones, now and then. */
static unsigned int decode_order(uint8_t argument)
{
    if (argument == 0xff)
        return MAX_ORDER + 1 + argument % 7;
    if (argument & 0x80)
        return argument % (MAX_ORDER + 1);
    return argument % 3;
}

/* A new target for the landing pads, or a claim of some by one of the 16 handlers (0: its
 * release). A refusal must be for the reason the figures give. */
static void change_pads(uint8_t argument)
{
    struct atomic_reserve_stats pads;
    atomic_reserve_get_stats(&pads);
    if (argument & 0x20) {
        context_t owner = CONTEXT_HANDLER(argument % 16, 0);
        struct atomic_reserve_account own;
        atomic_reserve_get_account(owner, &own);
        uint32_t count = (argument >> 4) % 2 ? 0 : argument % 8;
        bool too_many = count > own.claimed + pads.target - pads.claimed;
        if (atomic_reserve_claim(owner, count) != (too_many ? -ENOSPC : 0))
            violation("atomic_reserve_claim answered against the figures");
        return;
    }
    uint64_t target = 1 + (argument & 0x1f) * 4;
    if (atomic_reserve_set_target(target) != (target < pads.claimed ? -EBUSY : 0))
        violation("atomic_reserve_set_target refused a small target");
}

/* Who runs the next operations: one of 16 handler registrations or the boot thread; deferred
 * work; a new size for the atomic reserve. */
static void change_context(uint8_t argument)
{
    switch (argument % 4) {
    case 0:
        hosted_context = CONTEXT_HANDLER((argument >> 2) % 16, 0);
        break;
    case 1:
        hosted_context = CONTEXT_BOOT;
        break;
    case 2:
        if (hosted_context == CONTEXT_BOOT)
            deferred_run();
        break;
    default:
        if (hosted_context == CONTEXT_BOOT)
            change_pads(argument >> 2);
        break;
    }
    ok(fake_model_check_stats(&model));
}

static void operation(uint8_t code, uint8_t argument)
{
    gfp_t gfp = (code & 0x10 ? __GFP_ATOMIC : 0) | (code & 0x20 ? __GFP_ZERO : 0) |
                (code & 0x40 ? __GFP_EXCLUSIVE : 0);
    if (context_in_interrupt())
        gfp |= __GFP_ATOMIC; /* handlers may not use GFP_KERNEL */
    switch (code & 0x0f) {
    case 0 ... 4:
        ok(fake_model_alloc(&model, gfp, decode_order(argument), NULL));
        break;
    case 5 ... 7:
        if (model.count)
            ok(fake_model_free(&model, argument % model.count));
        break;
    case 8: {
        bool irqs = hosted_irqs_enabled;
        page_alloc_drain_hot_cache();
        if (hosted_irqs_enabled != irqs)
            violation("page_alloc_drain_hot_cache changed the interrupt flag");
        ok(fake_model_check_stats(&model));
        break;
    }
    case 9: {
        struct page_alloc_stats stats;
        page_alloc_get_stats(&stats);
        page_alloc_set_poison(!stats.poison);
        break;
    }
    case 10:
        bad_free(argument);
        break;
    case 11: /* a burst of single frames, to reach the watermarks quickly */
        for (unsigned int i = 0; i < argument; i++) {
            struct page *page;
            ok(fake_model_alloc(&model, gfp, 0, &page));
            if (!page)
                break;
        }
        break;
    case 12:
        for (unsigned int i = 0; i < argument % 64u && model.count; i++)
            ok(fake_model_free(&model, (argument * 7u + i) % model.count));
        break;
    case 13:
        scribble(argument);
        break;
    case 14:
        change_context(argument);
        break;
    default: /* every descriptor: O(frames), so once per input at most */
        if (!frames_checked)
            ok(fake_model_check_frames(&model));
        frames_checked = true;
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static bool booted;
    if (!fake_boot(machine_map, sizeof(machine_map) / sizeof(machine_map[0]), data[0] & 1))
        violation("the fake machine did not boot");
    ok(booted ? fake_model_reset(&model) : fake_model_init(&model));
    booted = true;
    expected_errors = 0;
    frames_checked = false;
    damaged_count = 0;
    reports_due = 0;
    for (size_t at = 1; at + 1 < size; at += 2) {
        /* The top bit of the code: run this operation with interrupts off. */
        hosted_irqs_enabled = !(data[at] & 0x80);
        operation(data[at], data[at + 1]);
        hosted_irqs_enabled = true;
        check_poison_reports();
    }
    ok(fake_model_free_all(&model)); /* every descriptor checked there too */
    hosted_context = CONTEXT_BOOT;
    check_poison_reports();
    if (error_total() != expected_errors)
        violation("errors counted that no bad free caused");
    return 0;
}
