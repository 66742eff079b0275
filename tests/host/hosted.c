/* tests/host/hosted.c - what the portable kernel sources expect from the rest of the kernel,
 * provided for host-side test and fuzz programs: a console for printk (kernel/printk.c itself
 * is built in, formatter and all) that writes to stdout, a panic that aborts, and an
 * execution context the tests choose (tests/host/hosted.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "kernel/console.h"
#include "kernel/irq.h"
#include "tests/host/hosted.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "kernel/wait.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/atomic_reserve.h"

context_t hosted_context = CONTEXT_BOOT;
uintptr_t hosted_direct_map_base;
uintptr_t hosted_frame_db_base;
bool hosted_irqs_enabled = true;
long hosted_cpu_words[CPU_WORDS] = {[CPU_WORD_IRQ_LINE] = -1};
volatile int panic_in_progress;

/* Fuzzers run millions of inputs: their log lines would only slow them down. */
#ifdef LABYRINTH_FUZZ
static const bool quiet = true;
#else
static const bool quiet = false;
#endif

static char *capture_buffer;
static size_t capture_size, capture_length;

void console_capture(char *buffer, size_t size)
{
    capture_buffer = size ? buffer : NULL;
    capture_size = size;
    capture_length = 0;
    if (capture_buffer)
        capture_buffer[0] = '\0';
}

void console_write(const char *text, size_t length)
{
    for (size_t i = 0; capture_buffer && i < length && capture_length + 1 < capture_size; i++) {
        capture_buffer[capture_length++] = text[i];
        capture_buffer[capture_length] = '\0';
    }
    if (!quiet)
        fwrite(text, 1, length, stdout);
}

context_t context_current(void)
{
    return hosted_context;
}

/* The IRQ layer's answers for kernel/context_name.c: there is no IRQ layer here, so every
 * handler id stands for a live registration, named by its slot. */
bool irq_handler_is_live(context_t context)
{
    return context_is_handler(context);
}

bool irq_handler_describe(context_t context, char *buffer, size_t size)
{
    snprintf(buffer, size, "handler %u", context_handler_slot(context));
    return true;
}

/* The thread layer's answers for kernel/context_name.c and mm/exclusive.c: the host process
 * is the boot thread, alive throughout, and keeps no count of the frames it owns (nothing here
 * ends a thread). Other thread contexts name no thread. */
bool thread_context_is_live(context_t context)
{
    return context == CONTEXT_BOOT;
}

bool thread_context_describe(context_t context, char *buffer, unsigned int size)
{
    (void)context;
    (void)buffer;
    (void)size;
    return false;
}

void thread_count_exclusive(context_t context, int64_t frames)
{
    (void)context;
    (void)frames;
}

uint32_t thread_exclusive_frames(context_t context)
{
    (void)context;
    return 0;
}

void panic_set_exit_on_stop(bool exit_qemu)
{
    (void)exit_qemu;
}

void kernel_stop(void)
{
    abort();
}

void panic(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "Kernel panic: ");
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    fflush(stdout);
    abort();
}

/* Nothing sleeps on the host: the one process is the only "thread", and wakes find no one.
 * They are counted per queue, so tests can see a producer wake its consumer. A wait is
 * refused as from an invalid context, which the code under test must handle. */
#define WAKE_COUNTERS 16
static struct {
    const struct wait_queue *queue;
    uint64_t wakes;
} wake_counters[WAKE_COUNTERS];

static uint64_t *wake_counter(const struct wait_queue *queue)
{
    for (int i = 0; i < WAKE_COUNTERS; i++) {
        if (wake_counters[i].queue == queue || !wake_counters[i].queue) {
            wake_counters[i].queue = queue;
            return &wake_counters[i].wakes;
        }
    }
    fprintf(stderr, "hosted: more than %d wait queues woken\n", WAKE_COUNTERS);
    abort();
}

void wait_queue_wake_one(struct wait_queue *queue)
{
    (*wake_counter(queue))++;
}

void wait_queue_wake_all(struct wait_queue *queue)
{
    (*wake_counter(queue))++;
}

uint64_t hosted_wakes(const struct wait_queue *queue)
{
    return *wake_counter(queue);
}

int wait_begin(struct wait_ticket *ticket, uint64_t timeout_ms, const char *function,
               const void *caller)
{
    (void)timeout_ms;
    (void)function;
    (void)caller;
    ticket->locked = false;
    return -EPERM;
}

int wait_sleep(struct wait_ticket *ticket, struct wait_queue *queue)
{
    (void)ticket;
    (void)queue;
    return -EPERM;
}

void wait_end(struct wait_ticket *ticket)
{
    (void)ticket;
}

/* No threads on the host: the running code is nobody's (reports say "none"). */
struct thread *thread_current(void)
{
    return NULL;
}

/* No threads on the host: nothing runs at a priority busy threads could starve. */
bool sched_current_may_starve(void)
{
    return false;
}

/* The host process is one CPU: every CPU is this one. */
int sched_run_on_each_cpu(void (*run)(void))
{
    run();
    return 0;
}

/* Lock debugging's reports: the host process is one CPU, so a lock taken twice is the only
 * way to wait, and it never ends. */
void spin_report_retake(const struct spinlock *lock, const void *where)
{
    panic("deadlock: spinlock '%s' taken again at %p", lock->name ? lock->name : "?", where);
}

void spin_report_foreign_unlock(const struct spinlock *lock)
{
    panic("spinlock '%s' released by a CPU that does not hold it", lock->name ? lock->name : "?");
}

void spin_report_long_wait(const struct spinlock *lock, const void *where, uint64_t cycles)
{
    printf("spinlock: waited %llu cycles for '%s' at %p\n", (unsigned long long)cycles,
           lock->name ? lock->name : "?", where);
}
