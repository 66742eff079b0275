/* services/shell/commands/memhog.c - memhog: takes memory away from everyone else, to watch
 * the atomic reserve at work and GFP_KERNEL wait for memory, and gives it back. `memhog kernel`
 * starts a thread that takes frames with GFP_KERNEL until the pool is at min, where it sleeps
 * waiting for more (ps shows it) while the shell goes on; `memhog release` frees everything,
 * which wakes it, and it ends. `memhog nowait` takes down to min in the shell's own thread, which
 * never waits (GFP_NOWAIT): on a machine too small for one more thread's stack too. */
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/page_alloc.h"
#include "services/shell/shell.h"

#define HOG_SETTLE_MS 10000 /* how long `memhog kernel` waits for its thread to reach the wait */

/* Frames memhog holds, chained through their first word (physical address of the next); the
 * hog thread adds to it while the shell may take it all. */
static struct spinlock hog_lock = SPINLOCK_INIT("memhog");
static uint64_t hog_head, hog_frames;
static bool hog_stop;             /* memhog release asked the thread to end (hog_lock) */
static struct thread *hog_thread; /* the shell thread's alone: NULL when none runs */
static uint64_t hog_thread_taken; /* frames the thread took */

/* Adds a frame to the chain; false (the frame not added) once release asked to stop. */
static bool hog_push(struct page *page)
{
    unsigned long flags;
    spin_lock_irqsave(&hog_lock, &flags);
    bool stopped = hog_stop;
    if (!stopped) {
        *(uint64_t *)page_address(page) = hog_head;
        hog_head = page_to_phys(page);
        hog_frames++;
    }
    spin_unlock_irqrestore(&hog_lock, flags);
    return !stopped;
}

/* Takes frames until the pool says no: GFP_NOWAIT stops at min, GFP_ATOMIC below it. */
static uint64_t hog(gfp_t gfp)
{
    uint64_t taken = 0;
    struct page *page;
    while ((page = alloc_page(gfp)) != NULL && hog_push(page))
        taken++;
    if (page && free_page(page) != 0) /* taken as release stopped us */
        printk("memhog: a frame was refused by the allocator\n");
    return taken;
}

/* The hog thread: GFP_KERNEL until release stops it or a wait times out (the allocator then
 * says so in one line). */
static void hog_main(void *arg)
{
    (void)arg;
    struct page *page;
    while ((page = alloc_page(GFP_KERNEL)) != NULL && hog_push(page))
        WRITE_ONCE(hog_thread_taken, hog_thread_taken + 1);
    if (page) {
        printk("memhog: thread woke with a frame, and ends (memhog release)\n");
        if (free_page(page) != 0)
            printk("memhog: a frame was refused by the allocator\n");
    } else {
        printk("memhog: thread gave up waiting; it ends holding its %lu frames until memhog "
               "release\n",
               READ_ONCE(hog_thread_taken));
    }
}

/* True when the hog thread sleeps waiting for memory, or has ended. */
static bool hog_settled(void)
{
    struct thread_info threads[THREADS_MAX];
    int count = thread_list(threads, THREADS_MAX);
    for (int i = 0; i < count && i < THREADS_MAX; i++) {
        if (threads[i].id != hog_thread->id)
            continue;
        return threads[i].state == THREAD_DEAD ||
               (threads[i].waiting_on && strcmp(threads[i].waiting_on, "memory") == 0);
    }
    return true;
}

static int hog_kernel(void)
{
    if (hog_thread) {
        printk("memhog: the thread takes memory already (memhog release ends it)\n");
        return -EBUSY;
    }
    WRITE_ONCE(hog_stop, false);
    hog_thread_taken = 0;
    hog_thread = thread_create("memhog", hog_main, NULL, THREAD_PRIORITY_NORMAL);
    if (!hog_thread)
        return -ENOMEM;
    for (int waited = 0; !hog_settled() && waited < HOG_SETTLE_MS; waited += 10)
        thread_sleep_ms(10);
    printk("memhog: took %lu frames with GFP_KERNEL (the pool is at its min watermark); thread "
           "'memhog' waits for more (ps), until memhog release\n",
           READ_ONCE(hog_thread_taken));
    return 0;
}

/* Stops the thread (the frees wake it), frees every frame, waits for the thread's end. */
static uint64_t release(void)
{
    unsigned long flags;
    spin_lock_irqsave(&hog_lock, &flags);
    hog_stop = hog_thread != NULL;
    uint64_t head = hog_head;
    hog_head = hog_frames = 0;
    spin_unlock_irqrestore(&hog_lock, flags);
    uint64_t freed = 0;
    while (head) {
        struct page *page = phys_to_page(head);
        head = *(uint64_t *)page_address(page);
        freed += free_page(page) == 0; /* a refusal is reported by free_page, and counted */
    }
    if (hog_thread) {
        thread_join(hog_thread, NULL);
        hog_thread = NULL;
    }
    WRITE_ONCE(hog_stop, false);
    return freed;
}

static int memhog_command(int argc, char **argv)
{
    if (argc != 2)
        return -EINVAL;
    int error = 0;
    if (strcmp(argv[1], "kernel") == 0) {
        error = hog_kernel();
    } else if (strcmp(argv[1], "nowait") == 0) {
        printk("memhog: took %lu frames with GFP_NOWAIT (the pool is at its min watermark; "
               "nothing waits)\n",
               hog(GFP_NOWAIT));
    } else if (strcmp(argv[1], "atomic") == 0) {
        uint64_t kernel = hog(GFP_NOWAIT), atomic = hog(GFP_ATOMIC);
        printk("memhog: took %lu frames with GFP_NOWAIT and %lu with GFP_ATOMIC: nothing is "
               "left but the pads handlers claimed\n",
               kernel, atomic);
    } else if (strcmp(argv[1], "release") == 0) {
        printk("memhog: released %lu frames\n", release());
    } else {
        return -EINVAL;
    }
    printk("memhog: holding %lu frames\n", READ_ONCE(hog_frames));
    return error;
}
SHELL_COMMAND(memhog,
              "kernel | nowait | atomic | release: take memory down to min (kernel: a thread "
              "that then waits for more), or all of it (atomic); or give it back",
              memhog_command);
