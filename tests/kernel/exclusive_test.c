/* tests/kernel/exclusive_test.c - EXCLUSIVE frames belong to one context: zero-filled when
 * handed out, owned, unshareable, poisoned when freed. Each violation is refused and counted;
 * a frame handed over explicitly is its new owner's to free. Ownership across contexts is
 * checked with a real interrupt handler (tests/kernel/taker.c). */
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "services/sensor.h"
#include "lib/string.h"
#include "mm/exclusive.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include "tests/kernel/taker.h"

static struct taker taker;

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
    free_page(mine);
    struct page *shared = alloc_page(GFP_KERNEL);
    KTEST_ASSERT_NOT_NULL(t, shared);
    KTEST_EXPECT_EQ(t, page_owner(shared), CONTEXT_NONE);
    free_page(shared);

    taker.hand_over = false;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0);
    WRITE_ONCE(taker.budget, 1);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    KTEST_ASSERT_NOT_NULL(t, taker.kept);
    KTEST_EXPECT_EQ(t, page_owner(taker.kept), CONTEXT_IRQ(0));

    /* Neither a free nor a hand-over by anyone but the owner is allowed. */
    struct exclusive_errors before, after;
    exclusive_get_errors(&before);
    KTEST_EXPECT_EQ(t, free_page(taker.kept), -EPERM);
    KTEST_EXPECT_EQ(t, page_hand_over(taker.kept, CONTEXT_BOOT), -EPERM);
    exclusive_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.wrong_owner, before.wrong_owner + 2);
    KTEST_EXPECT_EQ(t, page_owner(taker.kept), CONTEXT_IRQ(0)); /* untouched */

    WRITE_ONCE(taker.free_kept, true); /* the owner frees it, in its handler */
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    taker_stop(&taker);
    KTEST_EXPECT_EQ(t, taker.free_kept_result, 0);
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
    free_page(page);
    stale[2048] = 0x77;                                      /* the bug */
    struct page *again = alloc_page(GFP_KERNEL | EXCLUSIVE); /* the hot cache: the same frame */
    page_alloc_set_poison(stats.poison);
    KTEST_ASSERT_EQ(t, again, page);
    page_alloc_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.poison_corrupted, before.poison_corrupted + 1);
    KTEST_EXPECT_TRUE(t, frame_is_zero(again)); /* and still handed out clean */
    free_page(again);
}

static const struct ktest_case exclusive_cases[] = {
        KTEST_CASE(never_shows_a_previous_owners_bytes),
        KTEST_CASE(owner_is_the_allocating_context),
        KTEST_CASE(handed_over_frames_are_the_new_owners),
        KTEST_CASE(second_reference_is_refused),
        KTEST_CASE(second_mapping_is_refused),
        KTEST_CASE(double_free_is_refused),
        KTEST_CASE(write_after_free_is_caught_even_without_page_poison),
        {},
};
KTEST_SUITE(exclusive, exclusive_cases);
