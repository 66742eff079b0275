/* services/shell/commands/meminfo.c - meminfo: every figure of the page allocator, the
 * landing pads (totals, and each handler registration's claim, level and takes), the frames
 * on their way from interrupt handlers to their consumers, and every problem the allocator
 * refused. */
#include "kernel/frame_pipe.h"
#include "kernel/irq.h"
#include "kernel/netdev.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "mm/atomic_reserve.h"
#include "mm/exclusive.h"
#include "mm/page_alloc.h"
#include "services/shell/shell.h"

static void print_errors(void)
{
    struct page_alloc_errors e;
    struct exclusive_errors x;
    page_alloc_get_errors(&e);
    exclusive_get_errors(&x);
    printk("errors: double free %lu, not allocated %lu, wrong order %lu, poison overwritten "
           "%lu\n",
           e.double_free, e.not_allocated, e.wrong_order, e.poison_corrupted);
    printk("EXCLUSIVE refused: wrong owner %lu, invalid new owner %lu, second reference %lu, "
           "second mapping %lu, freed while mapped %lu\n",
           x.wrong_owner, x.invalid_owner, x.second_reference, x.second_mapping,
           x.freed_while_mapped);
}

/* One line per registration: its claim, its level, and where its takes came from. */
static void print_handler_pads(void)
{
    struct irq_handler_info handlers[IRQ_HANDLERS_MAX];
    for (int irq = 0; irq < IRQ_LINES; irq++) {
        int count = irq_handlers_of(irq, handlers, IRQ_HANDLERS_MAX);
        for (int i = 0; i < count && i < IRQ_HANDLERS_MAX; i++) {
            struct atomic_reserve_account a;
            if (atomic_reserve_get_account(handlers[i].context, &a) != 0)
                continue;
            printk("atomic reserve: irq %d %s: claim %lu, level %lu; own pads %lu, shared %lu, "
                   "pool %lu, below min %lu, failed %lu; scrubbed in handler %lu\n",
                   irq, handlers[i].name, a.claimed, a.level, a.from_claim, a.from_shared,
                   a.from_pool, a.below_min, a.failed, a.scrubbed);
        }
    }
}

static int meminfo_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    page_alloc_print_stats();
    atomic_reserve_print_stats();
    print_handler_pads();
    printk("frames in flight from interrupt handlers to their consumers: %lu\n",
           frame_pipe_frames_in_flight() + netdev_frames_in_flight());
    print_errors();
    return 0;
}
SHELL_COMMAND(meminfo, "the page allocator's and the landing pads' figures", meminfo_command);
