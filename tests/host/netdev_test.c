/* tests/host/netdev_test.c - a network device's receive queue on the fake machine: frames
 * queued by a "handler" (the hosted context set to an IRQ line, interrupts off) reach the
 * consumer in order, with their lengths, owned by the consumer; a full queue refuses and the
 * handler keeps its frame; a frame the handler does not own is refused; the queue wraps; and
 * every frame is accounted for at the end. */
#include <string.h>

#include <stdlib.h>

#include "kernel/ktest.h"
#include "kernel/netdev.h"
#include "mm/exclusive.h"
#include "mm/page_alloc.h"
#include "tests/host/fake_memory.h"
#include "tests/host/hosted.h"

#define MiB (1ull << 20)
#define IRQ 11

static const struct boot_memory_range machine[] = {
        {0, 0x9fc00, MEMMAP_USABLE},
        {MiB, 15 * MiB, MEMMAP_USABLE},
};

/* The card's handler: a registration of its own, as the kernel gives each request_irq. */
#define HANDLER CONTEXT_HANDLER(3, 1)

static struct netdev dev = {.name = "fake", .irq = IRQ};

static int boot(void)
{
    if (!fake_boot(machine, sizeof(machine) / sizeof(machine[0]), true))
        return -1;
    /* A fresh machine: the device is registered anew (its list is the test's alone). */
    static bool registered;
    if (!registered)
        netdev_register(&dev);
    registered = true;
    netdev_set_consumer(&dev, CONTEXT_BOOT);
    return 0;
}

static void as_handler(void)
{
    hosted_context = HANDLER;
    hosted_irqs_enabled = false;
}

static void as_consumer(void)
{
    hosted_context = CONTEXT_BOOT;
    hosted_irqs_enabled = true;
}

/* The handler lands a "packet" in a fresh frame of its own and queues it. */
static bool land(uint32_t number)
{
    struct page *page = alloc_page(GFP_ATOMIC | EXCLUSIVE);
    if (!page)
        return false;
    memset(page_address(page), (int)(number & 0xff), 64);
    if (netdev_queue_frame(&dev, page, 60 + number % 1000))
        return true;
    if (free_page(page) != 0) /* the queue refused it: still the handler's, which frees it */
        abort();
    return false;
}

/* The consumer takes one frame and checks it is number `number`. */
static void take(struct ktest *t, uint32_t number)
{
    uint32_t length = 0;
    struct page *page = netdev_take_frame(&dev, &length);
    KTEST_ASSERT_NOT_NULL(t, page);
    KTEST_EXPECT_EQ(t, length, 60 + number % 1000);
    KTEST_EXPECT_EQ(t, page_owner(page), CONTEXT_BOOT);
    KTEST_EXPECT_EQ(t, *(uint8_t *)page_address(page), number & 0xff);
    KTEST_EXPECT_EQ(t, free_page(page), 0); /* the consumer owns it now */
}

static void frames_arrive_in_order_owned_by_the_consumer(struct ktest *t)
{
    uint64_t before = page_alloc_unallocated_count();
    uint64_t wakes = hosted_wakes(&dev.received);
    as_handler();
    for (uint32_t i = 0; i < 10; i++)
        KTEST_EXPECT_TRUE(t, land(i));
    as_consumer();
    KTEST_EXPECT_EQ(t, netdev_queued(&dev), 10u);
    KTEST_EXPECT_EQ(t, netdev_frames_in_flight(), 10u);
    KTEST_EXPECT_EQ(t, hosted_wakes(&dev.received), wakes + 10); /* the consumer is woken */
    for (uint32_t i = 0; i < 10; i++)
        take(t, i);
    uint32_t length;
    KTEST_EXPECT_NULL(t, netdev_take_frame(&dev, &length));
    KTEST_EXPECT_EQ(t, netdev_frames_in_flight(), 0u);
    KTEST_EXPECT_EQ(t, page_alloc_unallocated_count(), before);
}

static void a_full_queue_refuses_and_the_handler_keeps_its_frame(struct ktest *t)
{
    uint64_t before = page_alloc_unallocated_count();
    as_handler();
    for (uint32_t i = 0; i < NETDEV_QUEUE_MAX; i++)
        KTEST_EXPECT_TRUE(t, land(i));
    KTEST_EXPECT_FALSE(t, netdev_queue_has_room(&dev));
    struct page *extra = alloc_page(GFP_ATOMIC | EXCLUSIVE);
    KTEST_ASSERT_NOT_NULL(t, extra);
    KTEST_EXPECT_FALSE(t, netdev_queue_frame(&dev, extra, 60));
    KTEST_EXPECT_EQ(t, page_owner(extra), HANDLER); /* not handed over */
    KTEST_EXPECT_EQ(t, free_page(extra), 0);
    as_consumer();
    KTEST_EXPECT_EQ(t, dev.queue_high, (uint64_t)NETDEV_QUEUE_MAX);
    for (uint32_t i = 0; i < NETDEV_QUEUE_MAX; i++)
        take(t, i);
    KTEST_EXPECT_EQ(t, page_alloc_unallocated_count(), before);
}

static void a_frame_the_handler_does_not_own_is_refused(struct ktest *t)
{
    struct exclusive_errors errors_before, errors_after;
    exclusive_get_errors(&errors_before);
    struct page *boots = alloc_page(GFP_KERNEL | EXCLUSIVE); /* the boot thread's */
    KTEST_ASSERT_NOT_NULL(t, boots);
    as_handler();
    KTEST_EXPECT_FALSE(t, netdev_queue_frame(&dev, boots, 60));
    as_consumer();
    KTEST_EXPECT_EQ(t, netdev_queued(&dev), 0u);
    exclusive_get_errors(&errors_after);
    KTEST_EXPECT_EQ(t, errors_after.wrong_owner, errors_before.wrong_owner + 1);
    KTEST_EXPECT_EQ(t, free_page(boots), 0);
}

/* Producer and consumer at different paces, many times round the ring. */
static void the_queue_wraps(struct ktest *t)
{
    uint64_t before = page_alloc_unallocated_count();
    uint32_t landed = 0, taken = 0;
    for (int round = 0; round < 50; round++) {
        as_handler();
        for (int i = 0; i < 7 + round % 5; i++)
            KTEST_EXPECT_TRUE(t, land(landed++));
        as_consumer();
        for (int i = 0; i < 6 + round % 7 && taken < landed; i++)
            take(t, taken++);
    }
    while (taken < landed)
        take(t, taken++);
    KTEST_EXPECT_GT(t, landed, (uint32_t)(2 * NETDEV_QUEUE_MAX));
    KTEST_EXPECT_EQ(t, dev.frames_handed, dev.frames_taken);
    KTEST_EXPECT_EQ(t, page_alloc_unallocated_count(), before);
}

static const struct ktest_case netdev_cases[] = {
        KTEST_CASE(frames_arrive_in_order_owned_by_the_consumer),
        KTEST_CASE(a_full_queue_refuses_and_the_handler_keeps_its_frame),
        KTEST_CASE(a_frame_the_handler_does_not_own_is_refused),
        KTEST_CASE(the_queue_wraps),
        {},
};
KTEST_SUITE_FULL(netdev, netdev_cases, boot, NULL);
