/* mm/commands.c - the memory manager in the shell: meminfo shows every figure, memhog
 * takes memory away from everyone else (to watch the atomic reserve at work), and irqstat
 * gets two columns: frames the handlers of each line took, and how many of those came from
 * the reserve. */
#include "kernel/errno.h"
#include "kernel/frame_pipe.h"
#include "kernel/irq.h"
#include "kernel/netdev.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "kernel/string.h"
#include "mm/atomic_reserve.h"
#include "mm/exclusive.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"

/* The allocator counts takes per IRQ line in arrays of this size, without bounds checks. */
_Static_assert(ATOMIC_RESERVE_LINES == IRQ_LINES, "one counter per IRQ line");

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

/* Frames memhog holds, chained through their first word (physical address of the next). */
static uint64_t hog_head, hog_frames;

static uint64_t hog(gfp_t gfp)
{
    uint64_t taken = 0;
    struct page *page;
    while ((page = alloc_page(gfp)) != NULL) {
        *(uint64_t *)page_address(page) = hog_head;
        hog_head = page_to_phys(page);
        taken++;
    }
    hog_frames += taken;
    return taken;
}

static uint64_t release(void)
{
    uint64_t freed = 0;
    while (hog_head) {
        struct page *page = phys_to_page(hog_head);
        hog_head = *(uint64_t *)page_address(page);
        free_page(page);
        freed++;
    }
    hog_frames = 0;
    return freed;
}

static int memhog_command(int argc, char **argv)
{
    if (argc != 2)
        return -EINVAL;
    if (strcmp(argv[1], "kernel") == 0) {
        printk("memhog: took %lu frames with GFP_KERNEL (the pool is at its min watermark)\n",
               hog(GFP_KERNEL));
    } else if (strcmp(argv[1], "atomic") == 0) {
        uint64_t kernel = hog(GFP_KERNEL), atomic = hog(GFP_ATOMIC);
        printk("memhog: took %lu frames with GFP_KERNEL and %lu with GFP_ATOMIC: nothing is "
               "left, the reserve included\n",
               kernel, atomic);
    } else if (strcmp(argv[1], "release") == 0) {
        printk("memhog: released %lu frames\n", release());
    } else {
        return -EINVAL;
    }
    printk("memhog: holding %lu frames\n", hog_frames);
    return 0;
}
SHELL_COMMAND(memhog,
              "kernel | atomic | release: take all memory (kernel: down to min), or "
              "give it back",
              memhog_command);

static uint64_t frames_column(int line)
{
    return page_alloc_taken_by_line(line);
}

static uint64_t reserve_column(int line)
{
    struct atomic_reserve_stats stats;
    atomic_reserve_get_stats(&stats);
    return line >= 0 && line < ATOMIC_RESERVE_LINES ? stats.taken_by_line[line] : 0;
}

void mm_commands_init(void)
{
    irq_stat_add_column("frames", frames_column);
    irq_stat_add_column("reserve", reserve_column);
}
