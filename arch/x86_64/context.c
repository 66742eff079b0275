/* arch/x86_64/context.c - a new thread's first stack frame, and naming the guard pages of
 * stacks the thread layer makes. */
#include "arch/arch.h"

#include <stddef.h>

#include "lib/compiler.h"

void x86_thread_start(void);

/* The frame arch_context_switch pops, lowest address first. */
struct first_frame {
    uint64_t r15, r14, r13, r12, rbx, rbp;
    uint64_t return_address; /* x86_thread_start */
};

void arch_context_init(struct arch_context *context, uint64_t stack_top, void (*entry)(void *),
                       void *arg)
{
    /* After the switch's `ret` pops return_address, RSP is stack_top: 16-byte aligned, so
     * x86_thread_start's call leaves the callee the alignment the ABI promises. */
    struct first_frame *frame = (struct first_frame *)(uintptr_t)ALIGN_DOWN(stack_top, 16) - 1;
    *frame = (struct first_frame){
            .r12 = (uint64_t)(uintptr_t)entry,
            .r13 = (uint64_t)(uintptr_t)arg,
            .rbp = 0,
            .return_address = (uint64_t)(uintptr_t)x86_thread_start,
    };
    context->rsp = (uint64_t)(uintptr_t)frame;
}
