/* kernel/context.h - who is running: a kernel thread (the boot thread, the shell, a consumer,
 * a test's thread...) or one interrupt handler registration (one request_irq: handlers
 * sharing a line are distinct). EXCLUSIVE page frames record their owner as one of these, and
 * the landing pads count their takes by them. This header is the one place that says who is
 * running.
 *
 * A context is a 32-bit id in one of three ranges:
 *   0, 1                        nobody (CONTEXT_NONE), the boot thread (CONTEXT_BOOT)
 *   0x100 ... 0x00ffffff        handler registrations: slot + 32 x generation (below)
 *   0x01000000 ...              the other kernel threads: slot + 128 x generation (below)
 * A registration's id is its slot in the IRQ layer's table of registrations plus a generation
 * that changes each time the slot is used again, so an id is not reused until a slot has been
 * registered 524 280 times: a frame left behind by a handler that is gone cannot be freed by
 * the next one in the same slot. A thread's id is made the same way from its slot in the
 * thread table (kernel/thread.c), whose generation changes at each thread_create: 33 423 359
 * threads in one slot before an id comes back. The boot thread keeps CONTEXT_BOOT.
 */
#ifndef KERNEL_CONTEXT_H
#define KERNEL_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "lib/compiler.h"

typedef uint32_t context_t;

#define CONTEXT_NONE 0u /* no owner */
#define CONTEXT_BOOT 1u /* the boot thread */

#define CONTEXT_HANDLER_FIRST       0x100u
#define CONTEXT_HANDLER_IDS         (0x01000000u - CONTEXT_HANDLER_FIRST) /* ids in the range */
#define CONTEXT_HANDLER_SLOTS       32u /* registrations at once (kernel/irq.h: IRQ_HANDLERS_MAX) */
#define CONTEXT_HANDLER_GENERATIONS (CONTEXT_HANDLER_IDS / CONTEXT_HANDLER_SLOTS)
#define CONTEXT_THREAD_FIRST        0x01000000u /* kernel threads but the boot thread */
#define CONTEXT_THREAD_SLOTS        128u        /* kernel/thread.h: THREADS_MAX */
#define CONTEXT_THREAD_GENERATIONS  ((0xffffffffu - CONTEXT_THREAD_FIRST) / CONTEXT_THREAD_SLOTS)

/* The id of the registration in `slot` (0 ... 31), used for the `generation`th time. */
#define CONTEXT_HANDLER(slot, generation)                                                          \
    (CONTEXT_HANDLER_FIRST + (context_t)(generation)*CONTEXT_HANDLER_SLOTS + (context_t)(slot))

/* True when context is an interrupt handler registration. Any context. */
static inline bool context_is_handler(context_t context)
{
    return context - CONTEXT_HANDLER_FIRST < CONTEXT_HANDLER_IDS;
}

/* The id of the thread in `slot` (0 ... 127) of the thread table, made the `generation`th
 * time. */
#define CONTEXT_THREAD(slot, generation)                                                           \
    (CONTEXT_THREAD_FIRST + (context_t)(generation)*CONTEXT_THREAD_SLOTS + (context_t)(slot))

/* True when context is a kernel thread's (the boot thread's included). Any context. */
static inline bool context_is_thread(context_t context)
{
    return context == CONTEXT_BOOT || context >= CONTEXT_THREAD_FIRST;
}

/* The slot of a thread's id in the thread table (not for CONTEXT_BOOT). */
static inline unsigned int context_thread_slot(context_t context)
{
    return (context - CONTEXT_THREAD_FIRST) % CONTEXT_THREAD_SLOTS;
}

/* The slot of a handler registration's id (what per-registration tables are indexed by). */
static inline unsigned int context_handler_slot(context_t context)
{
    return (context - CONTEXT_HANDLER_FIRST) % CONTEXT_HANDLER_SLOTS;
}

#define CONTEXT_NAME_MAX 48

/* Writes a name for a context into buffer and returns it: "boot", "none", "irq 0 sensor"
 * for a live registration (line and name), "irq handler 37 (gone)" for one that was freed,
 * "thread 'sensor' (id 4)" for a thread, "thread 0x1000085 (gone)" for one that ended.
 * Any context; never waits. */
const char *context_name(context_t context, char buffer[CONTEXT_NAME_MAX]);

/* True when context may own a frame now: a live registration, or a thread that has not begun
 * to end (kernel/thread.h: thread_context_is_live). Any context; never waits. */
bool context_is_valid(context_t context);

#ifndef LABYRINTH_HOSTED
/* The context running on this CPU: the registration whose handler runs, else the running
 * thread's. A per-CPU word (arch/arch.h), read in one instruction, so the answer is always
 * this CPU's. Written with interrupts off: by each CPU as it starts (context_start_cpu), by
 * the scheduler at every switch (kernel/sched.c: sched_set_current), and by the IRQ
 * dispatcher (kernel/irq.c) around each handler it calls, which puts the interrupted
 * thread's back before the end of the interrupt may switch threads. */
static inline context_t context_current(void)
{
    return (context_t)arch_cpu_word(CPU_WORD_CONTEXT);
}

/* The context of a CPU that starts: the boot thread's, until the CPU runs a thread of its
 * own (its idle thread). Call first on each CPU. */
static inline void context_start_cpu(void)
{
    arch_cpu_word_set(CPU_WORD_CONTEXT, CONTEXT_BOOT);
}
#else
/* Host-side tests choose the context (tests/host/hosted.h). */
context_t context_current(void);
#endif

/* True inside an interrupt handler. Any context. */
static inline bool context_in_interrupt(void)
{
    return context_is_handler(context_current());
}

#endif
