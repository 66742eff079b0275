/* kernel/netdev.c - the registered network devices, and each one's receive queue: a ring of
 * (frame, length) slots from the driver's interrupt handler to the stack's consumer. */
#include "kernel/netdev.h"

#include "arch/arch.h"
#include "mm/exclusive.h"

/* Registered at boot, before interrupts are on; the list is read-only afterwards. */
static struct netdev *devices;

void netdev_register(struct netdev *dev)
{
    dev->lock = (struct spinlock)SPINLOCK_INIT("netdev queue");
    dev->consumer = CONTEXT_NONE; /* hand-overs refused (the driver recycles) until set */
    dev->received = (struct wait_queue)WAIT_QUEUE_INIT("network frames");
    dev->queue_head = dev->queue_count = 0;
    dev->next = devices;
    devices = dev;
}

struct netdev *netdev_first(void)
{
    return devices;
}

void netdev_set_consumer(struct netdev *dev, context_t consumer)
{
    dev->consumer = consumer;
}

void netdev_set_samples(struct netdev *dev, struct netdev_samples *samples)
{
    unsigned long flags = arch_irq_save(); /* not in the middle of this CPU's handler */
    WRITE_ONCE(dev->samples, samples);
    arch_irq_restore(flags);
}

bool netdev_queue_has_room(struct netdev *dev)
{
    assert_irqs_disabled();
    return READ_ONCE(dev->queue_count) < NETDEV_QUEUE_MAX; /* only the consumer lowers it */
}

bool netdev_queue_frame(struct netdev *dev, struct page *page, uint32_t length)
{
    assert_irqs_disabled();
    if (!netdev_queue_has_room(dev) || page_hand_over(page, dev->consumer) != 0)
        return false;
    spin_lock(&dev->lock);
    uint32_t tail = (dev->queue_head + dev->queue_count) % NETDEV_QUEUE_MAX;
    dev->queue[tail] = (struct netdev_received){(uint32_t)page_to_pfn(page), length};
    dev->queue_count++;
    dev->frames_handed++;
    dev->queue_high = MAX(dev->queue_high, dev->queue_count);
    spin_unlock(&dev->lock);
    wait_queue_wake_all(&dev->received); /* after the count rose: the consumer's condition */
    return true;
}

struct page *netdev_take_frame(struct netdev *dev, uint32_t *length)
{
    unsigned long flags;
    spin_lock_irqsave(&dev->lock, &flags);
    struct page *page = NULL;
    if (dev->queue_count) {
        struct netdev_received slot = dev->queue[dev->queue_head];
        dev->queue_head = (dev->queue_head + 1) % NETDEV_QUEUE_MAX;
        dev->queue_count--;
        dev->frames_taken++;
        page = pfn_to_page(slot.pfn);
        *length = slot.length;
    }
    spin_unlock_irqrestore(&dev->lock, flags);
    return page;
}

uint32_t netdev_queued(struct netdev *dev)
{
    return READ_ONCE(dev->queue_count); /* one aligned word: pairs with both sides' writes */
}

uint64_t netdev_frames_in_flight(void)
{
    uint64_t frames = 0;
    for (struct netdev *dev = devices; dev; dev = dev->next)
        frames += netdev_queued(dev);
    return frames;
}

int netdev_wait(struct netdev *dev, uint64_t timeout_ms)
{
    /* queue_count is written under the queue's lock before the wake: read whole here. */
    return wait_event_timeout(&dev->received, READ_ONCE(dev->queue_count) > 0, timeout_ms);
}
