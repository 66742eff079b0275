/* services/shell/commands/meminfo.c - meminfo: every figure of the page allocator, the
 * atomic reserve and the frames on their way from interrupt handlers to their consumers,
 * and every problem the allocator refused. */
#include "kernel/frame_pipe.h"
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
    printk("EXCLUSIVE refused: wrong owner %lu, second reference %lu, second mapping %lu, "
           "freed while mapped %lu\n",
           x.wrong_owner, x.second_reference, x.second_mapping, x.freed_while_mapped);
}

static int meminfo_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    page_alloc_print_stats();
    atomic_reserve_print_stats();
    printk("frames in flight from interrupt handlers to their consumers: %lu\n",
           frame_pipe_frames_in_flight() + netdev_frames_in_flight());
    print_errors();
    return 0;
}
SHELL_COMMAND(meminfo, "the page allocator's and the atomic reserve's figures", meminfo_command);
