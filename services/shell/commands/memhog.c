/* services/shell/commands/memhog.c - memhog: takes memory away from everyone else, to watch
 * the atomic reserve at work, and gives it back. */
#include "kernel/printk.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/page_alloc.h"
#include "services/shell/shell.h"

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
        freed += free_page(page) == 0; /* a refusal is reported by free_page, and counted */
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
               "left but the pads handlers claimed\n",
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
