/* kernel/context.h - who is running: the boot thread (kmain, the shell, the self tests) or one
 * interrupt handler registration (one request_irq: handlers sharing a line are distinct).
 * EXCLUSIVE page frames record their owner as one of these, and the landing pads count their
 * takes by them. This header is the one place that says who is running.
 *
 * A context is a 32-bit id in one of three ranges:
 *   0, 1                        nobody (CONTEXT_NONE), the boot thread (CONTEXT_BOOT)
 *   0x100 ... 0x00ffffff        handler registrations: slot + 32 x generation (below)
 *   0x01000000 ...              kernel threads (kept free for them)
 * A registration's id is its slot in the IRQ layer's table of registrations plus a generation
 * that changes each time the slot is used again, so an id is not reused until a slot has been
 * registered 524 280 times: a frame left behind by a handler that is gone cannot be freed by
 * the next one in the same slot.
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
#define CONTEXT_THREAD_FIRST        0x01000000u /* reserved for kernel threads */

/* The id of the registration in `slot` (0 ... 31), used for the `generation`th time. */
#define CONTEXT_HANDLER(slot, generation)                                                          \
    (CONTEXT_HANDLER_FIRST + (context_t)(generation)*CONTEXT_HANDLER_SLOTS + (context_t)(slot))

/* True when context is an interrupt handler registration. Any context. */
static inline bool context_is_handler(context_t context)
{
    return context - CONTEXT_HANDLER_FIRST < CONTEXT_HANDLER_IDS;
}

/* The slot of a handler registration's id (what per-registration tables are indexed by). */
static inline unsigned int context_handler_slot(context_t context)
{
    return (context - CONTEXT_HANDLER_FIRST) % CONTEXT_HANDLER_SLOTS;
}

#define CONTEXT_NAME_MAX 32

/* Writes a name for a context into buffer and returns it: "boot", "none", "irq 0 sensor"
 * for a live registration (line and name), "irq handler 37 (gone)" for one that was freed.
 * Any context; never waits. */
const char *context_name(context_t context, char buffer[CONTEXT_NAME_MAX]);

/* True when context may own a frame now: the boot thread, or a live registration. Any
 * context; never waits. */
bool context_is_valid(context_t context);

#ifndef LABYRINTH_HOSTED
/* The context running on this CPU: the registration whose handler runs, else CONTEXT_BOOT.
 * A per-CPU word (arch/arch.h), read in one instruction, so the answer is always this CPU's.
 * Written with interrupts off: by each CPU as it starts (context_start_cpu), and by the IRQ
 * dispatcher (kernel/irq.c) around each handler it calls. */
static inline context_t context_current(void)
{
    return (context_t)arch_cpu_word(CPU_WORD_CONTEXT);
}

/* The context of a CPU that starts: the boot thread's. Call first on each CPU. */
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
