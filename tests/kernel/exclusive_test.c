/* tests/kernel/exclusive_test.c - EXCLUSIVE frames belong to one context: zero-filled when
 * handed out, owned, unshareable, poisoned when freed. The owner of a frame taken in a handler
 * is that handler's registration, not its line. Each violation is refused and counted (a free,
 * hand-over or mapping by another context, a hand-over to a context that cannot own it); a
 * frame handed over explicitly is its new owner's to free. Ownership across contexts is
 * checked with real interrupt handlers (tests/kernel/taker.c). */
#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/exclusive.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include "services/sensor.h"
#include "tests/kernel/taker.h"

static struct taker taker, other = {.name = "other taker"};

static void never_shows_a_previous_owners_bytes(struct ktest *t)
{
    struct page_alloc_errors before, after;
    page_alloc_get_errors(&before);
    for (int round = 0; round < 8; round++) {
        struct page *page = alloc_page(GFP_KERNEL | EXCLUSIVE);
        KTEST_ASSERT_NOT_NULL(t, page);
        KTEST_EXPECT_TRUE(t, frame_is_zero(page));
        memset(page_address(page), 0x5a + round, PAGE_SIZE); /* this owner's secrets */
        KTEST_EXPECT_EQ(t, free_page(page), 0);
        /* Freed EXCLUSIVE frames hold poison whatever page_poison says. */
        KTEST_EXPECT_EQ(t, *(uint8_t *)page_address(page), PAGE_POISON_BYTE);
    }
    page_alloc_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.poison_corrupted, before.poison_corrupted);
}

static void owner_is_the_allocating_context(struct ktest *t)
{
    struct page *mine = alloc_page(GFP_KERNEL | EXCLUSIVE);
    KTEST_ASSERT_NOT_NULL(t, mine);
    KTEST_EXPECT_EQ(t, page_owner(mine), CONTEXT_BOOT);
    KTEST_EXPECT_EQ(t, free_page(mine), 0);
    struct page *shared = alloc_page(GFP_KERNEL);
    KTEST_ASSERT_NOT_NULL(t, shared);
    KTEST_EXPECT_EQ(t, page_owner(shared), CONTEXT_NONE);
    KTEST_EXPECT_EQ(t, free_page(shared), 0);

    taker.hand_over = false;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0);
    WRITE_ONCE(taker.budget, 1);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    KTEST_ASSERT_NOT_NULL(t, taker.kept);
    KTEST_EXPECT_EQ(t, page_owner(taker.kept), taker_context(&taker));
    KTEST_EXPECT_EQ(t, taker.context, taker_context(&taker)); /* what its handler saw */

    /* Neither a free nor a hand-over by anyone but the owner is allowed. */
    struct exclusive_errors before, after;
    exclusive_get_errors(&before);
    KTEST_EXPECT_EQ(t, free_page(taker.kept), -EPERM);
    KTEST_EXPECT_EQ(t, page_hand_over(taker.kept, CONTEXT_BOOT), -EPERM);
    exclusive_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.wrong_owner, before.wrong_owner + 2);
    KTEST_EXPECT_EQ(t, page_owner(taker.kept), taker_context(&taker)); /* untouched */

    WRITE_ONCE(taker.free_kept, true); /* the owner frees it, in its handler */
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    taker_stop(&taker);
    KTEST_EXPECT_EQ(t, taker.free_kept_result, 0);
}

/* Has `taker` free `for_taker` and `other` free `for_other`, each in its own handler. */
static void free_in_handlers(struct page *for_taker, struct page *for_other)
{
    unsigned long flags = arch_irq_save();
    taker.kept = for_taker;
    other.kept = for_other;
    taker.free_kept = other.free_kept = true;
    arch_irq_restore(flags);
    taker_wait(&taker, 1000);
    taker_wait(&other, 1000);
}

/* Two test handlers share IRQ 0 (with the clock and the sensor too when the PIT is the tick):
 * as many registrations, as many owners. Each handler's frame is its own; the other handler
 * on the same line cannot free it. */
static void owner_is_the_registration_not_the_line(struct ktest *t)
{
    taker.hand_over = other.hand_over = false;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0);
    KTEST_ASSERT_EQ(t, taker_start(&other, 0), 0);
    WRITE_ONCE(taker.budget, 1);
    WRITE_ONCE(other.budget, 1);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000) && taker_wait(&other, 1000));
    KTEST_ASSERT_NOT_NULL(t, taker.kept);
    KTEST_ASSERT_NOT_NULL(t, other.kept);
    context_t mine = taker_context(&taker), theirs = taker_context(&other);
    KTEST_EXPECT_NE(t, mine, theirs);
    KTEST_EXPECT_EQ(t, page_owner(taker.kept), mine);
    KTEST_EXPECT_EQ(t, page_owner(other.kept), theirs);
    struct irq_handler_info handlers[IRQ_HANDLERS_MAX];
    int count = irq_handlers_of(0, handlers, IRQ_HANDLERS_MAX);
    KTEST_EXPECT_GE(t, count, clock_tick_line() == 0 ? 4 : 2); /* (timer, sensor,) the two */
    for (int i = 0; i < count && i < IRQ_HANDLERS_MAX; i++) {
        for (int j = i + 1; j < count && j < IRQ_HANDLERS_MAX; j++)
            KTEST_EXPECT_NE(t, handlers[i].context, handlers[j].context);
    }
    char name[CONTEXT_NAME_MAX];
    KTEST_EXPECT_STREQ(t, context_name(mine, name), "irq 0 test taker");

    /* Each handler tries to free the other's frame, in its own interrupt. */
    struct page *mine_page = taker.kept, *theirs_page = other.kept;
    struct exclusive_errors before, after;
    exclusive_get_errors(&before);
    free_in_handlers(theirs_page, mine_page);
    KTEST_EXPECT_EQ(t, taker.free_kept_result, -EPERM);
    KTEST_EXPECT_EQ(t, other.free_kept_result, -EPERM);
    exclusive_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.wrong_owner, before.wrong_owner + 2);
    KTEST_EXPECT_EQ(t, page_owner(mine_page), mine); /* untouched */
    free_in_handlers(mine_page, theirs_page);        /* each by its owner */
    KTEST_EXPECT_EQ(t, taker.free_kept_result, 0);
    KTEST_EXPECT_EQ(t, other.free_kept_result, 0);
    taker_stop(&other);
    taker_stop(&taker);
}

static void handed_over_frames_are_the_new_owners(struct ktest *t)
{
    struct exclusive_errors before, after;
    exclusive_get_errors(&before);
    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0);
    WRITE_ONCE(taker.budget, 4);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    taker_stop(&taker);
    KTEST_EXPECT_EQ(t, page_owner(pfn_to_page(taker.chain)), CONTEXT_BOOT);
    KTEST_EXPECT_EQ(t, taker_free_chain(&taker), 4u); /* each freed by its new owner */
    exclusive_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.wrong_owner, before.wrong_owner);
}

static void second_reference_is_refused(struct ktest *t)
{
    struct exclusive_errors before, after;
    exclusive_get_errors(&before);
    struct page *exclusive = alloc_page(GFP_KERNEL | EXCLUSIVE);
    struct page *shared = alloc_page(GFP_KERNEL);
    KTEST_ASSERT_NOT_NULL(t, exclusive);
    KTEST_ASSERT_NOT_NULL(t, shared);
    KTEST_EXPECT_EQ(t, page_get(exclusive), -EBUSY);
    KTEST_EXPECT_EQ(t, page_get(shared), 0); /* ordinary frames may be shared */
    exclusive_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.second_reference, before.second_reference + 1);
    KTEST_EXPECT_EQ(t, free_page(shared), 0); /* drops the second reference ... */
    KTEST_EXPECT_EQ(t, free_page(shared), 0); /* ... then the first, which frees it */
    KTEST_EXPECT_EQ(t, free_page(exclusive), 0);
}

#define VIRT_A (VM_AREA_BASE + 0x40000000ul)
#define VIRT_B (VM_AREA_BASE + 0x40001000ul)

static void second_mapping_is_refused(struct ktest *t)
{
    struct exclusive_errors before, after;
    exclusive_get_errors(&before);
    struct page *page = alloc_page(GFP_KERNEL | EXCLUSIVE);
    KTEST_ASSERT_NOT_NULL(t, page);
    KTEST_EXPECT_EQ(t, vm_map_page(VIRT_A, page_to_phys(page), VM_WRITE), 0);
    KTEST_EXPECT_EQ(t, vm_map_page(VIRT_B, page_to_phys(page), VM_WRITE), -EBUSY);
    KTEST_EXPECT_EQ(t, free_page(page), -EBUSY); /* still mapped */
    KTEST_EXPECT_EQ(t, vm_unmap_page(VIRT_A), 0);
    KTEST_EXPECT_EQ(t, vm_map_page(VIRT_B, page_to_phys(page), VM_WRITE), 0); /* once again */
    KTEST_EXPECT_EQ(t, vm_unmap_page(VIRT_B), 0);
    KTEST_EXPECT_EQ(t, free_page(page), 0);
    exclusive_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.second_mapping, before.second_mapping + 1);
    KTEST_EXPECT_EQ(t, after.freed_while_mapped, before.freed_while_mapped + 1);
}

/* A frame can be handed only to a context that can own it: not to nobody, not to a handler
 * registration that is gone, not to an id nothing has. Each refusal is counted, and the frame
 * stays its owner's. */
static void hand_over_to_an_invalid_owner_is_refused(struct ktest *t)
{
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0);
    context_t gone = taker_context(&taker);
    taker_stop(&taker);
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0); /* the same slot, a new registration */
    context_t live = taker_context(&taker);
    KTEST_EXPECT_NE(t, live, gone);
    KTEST_EXPECT_EQ(t, context_handler_slot(live), context_handler_slot(gone));
    char name[CONTEXT_NAME_MAX];
    KTEST_EXPECT_NOT_NULL(t, strstr(context_name(gone, name), "(gone)"));

    struct exclusive_errors before, after;
    exclusive_get_errors(&before);
    struct page *page = alloc_page(GFP_KERNEL | EXCLUSIVE);
    KTEST_ASSERT_NOT_NULL(t, page);
    KTEST_EXPECT_EQ(t, page_hand_over(page, CONTEXT_NONE), -EINVAL);
    KTEST_EXPECT_EQ(t, page_hand_over(page, gone), -EINVAL);
    /* A thread id no thread has (slot 7's last generation). */
    KTEST_EXPECT_EQ(t, page_hand_over(page, CONTEXT_THREAD(7, CONTEXT_THREAD_GENERATIONS - 1)),
                    -EINVAL);
    exclusive_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.invalid_owner, before.invalid_owner + 3);
    KTEST_EXPECT_EQ(t, page_owner(page), CONTEXT_BOOT); /* still ours */
    KTEST_EXPECT_EQ(t, page_hand_over(page, live), 0);  /* a live registration may own it */
    KTEST_EXPECT_EQ(t, page_owner(page), live);
    unsigned long flags = arch_irq_save();
    taker.kept = page;
    taker.free_kept = true; /* its new owner frees it, in its handler */
    arch_irq_restore(flags);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    taker_stop(&taker);
    KTEST_EXPECT_EQ(t, taker.free_kept_result, 0);
}

#define VIRT_C (VM_AREA_BASE + 0x40002000ul)

/* Mapping an EXCLUSIVE frame is for its owner alone: the boot thread cannot map a handler's. */
static void mapping_by_a_context_that_does_not_own_it_is_refused(struct ktest *t)
{
    taker.hand_over = false;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0);
    WRITE_ONCE(taker.budget, 1);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    KTEST_ASSERT_NOT_NULL(t, taker.kept);
    struct exclusive_errors before, after;
    exclusive_get_errors(&before);
    KTEST_EXPECT_EQ(t, vm_map_page(VIRT_C, page_to_phys(taker.kept), VM_WRITE), -EPERM);
    struct page_translation where;
    KTEST_EXPECT_EQ(t, vm_translate(VIRT_C, &where), -ENOENT);
    exclusive_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.wrong_owner, before.wrong_owner + 1);
    WRITE_ONCE(taker.free_kept, true);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    taker_stop(&taker);
    KTEST_EXPECT_EQ(t, taker.free_kept_result, 0); /* not mapped: its owner could free it */
}

static void double_free_is_refused(struct ktest *t)
{
    struct page_alloc_errors before, after;
    page_alloc_get_errors(&before);
    struct page *page = alloc_page(GFP_KERNEL | EXCLUSIVE);
    KTEST_ASSERT_NOT_NULL(t, page);
    KTEST_EXPECT_EQ(t, free_page(page), 0);
    KTEST_EXPECT_EQ(t, free_page(page), -EINVAL);
    page_alloc_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.double_free, before.double_free + 1);
}

static void write_after_free_is_caught_even_without_page_poison(struct ktest *t)
{
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    page_alloc_set_poison(false);
    struct page_alloc_errors before, after;
    page_alloc_get_errors(&before);
    struct page *page = alloc_page(GFP_KERNEL | EXCLUSIVE);
    KTEST_ASSERT_NOT_NULL(t, page);
    uint8_t *stale = page_address(page);
    KTEST_EXPECT_EQ(t, free_page(page), 0);
    stale[2048] = 0x77;                                      /* the bug */
    struct page *again = alloc_page(GFP_KERNEL | EXCLUSIVE); /* the hot cache: the same frame */
    page_alloc_set_poison(stats.poison);
    KTEST_ASSERT_EQ(t, again, page);
    page_alloc_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.poison_corrupted, before.poison_corrupted + 1);
    KTEST_EXPECT_TRUE(t, frame_is_zero(again)); /* and still handed out clean */
    KTEST_EXPECT_EQ(t, free_page(again), 0);
}

static const struct ktest_case exclusive_cases[] = {
        KTEST_CASE(never_shows_a_previous_owners_bytes),
        KTEST_CASE(owner_is_the_allocating_context),
        KTEST_CASE(owner_is_the_registration_not_the_line),
        KTEST_CASE(hand_over_to_an_invalid_owner_is_refused),
        KTEST_CASE(mapping_by_a_context_that_does_not_own_it_is_refused),
        KTEST_CASE(handed_over_frames_are_the_new_owners),
        KTEST_CASE(second_reference_is_refused),
        KTEST_CASE(second_mapping_is_refused),
        KTEST_CASE(double_free_is_refused),
        KTEST_CASE(write_after_free_is_caught_even_without_page_poison),
        {},
};
KTEST_SUITE(exclusive, exclusive_cases);
