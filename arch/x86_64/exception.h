/* arch/x86_64/exception.h - the 32 CPU exceptions: names, the report printed when one is
 * unexpected, and the few that are expected (int3, and faults inside probe helpers). */
#ifndef ARCH_X86_64_EXCEPTION_H
#define ARCH_X86_64_EXCEPTION_H

#include <stdint.h>

#include "arch/x86_64/interrupt.h"
#include "lib/compiler.h"

enum x86_exception_vector {
    X86_VECTOR_DIVIDE_ERROR = 0,
    X86_VECTOR_DEBUG = 1,
    X86_VECTOR_NMI = 2,
    X86_VECTOR_BREAKPOINT = 3,
    X86_VECTOR_INVALID_OPCODE = 6,
    X86_VECTOR_DOUBLE_FAULT = 8,
    X86_VECTOR_GENERAL_PROTECTION = 13,
    X86_VECTOR_PAGE_FAULT = 14,
    X86_VECTOR_MACHINE_CHECK = 18,
};

/* Page-fault error code bits (Intel SDM vol. 3, 4.7). */
#define X86_PF_PRESENT  (1u << 0) /* 0: the page was not present; 1: a protection violation */
#define X86_PF_WRITE    (1u << 1)
#define X86_PF_USER     (1u << 2)
#define X86_PF_RESERVED (1u << 3) /* a reserved bit was set in a paging entry */
#define X86_PF_FETCH    (1u << 4) /* an instruction fetch */

/* Installs the handlers of the 32 exception vectors. Called by x86_idt_init. */
void x86_exceptions_init(void);

/* Returns the exception's name ("page fault"), or "reserved" for unused vectors. */
const char *x86_exception_name(unsigned int vector);

/* Prints everything a reader needs to find the cause of an exception (its name, decoded error
 * code, CR2 for #PF, RIP, RSP, the general registers and a backtrace with function names),
 * then stops the kernel. `why` adds a line of context (may be NULL). Never returns. */
__noreturn void x86_exception_report_fatal(struct interrupt_frame *frame, const char *why);

/* How many int3 breakpoints were handled and resumed since boot. */
uint64_t x86_breakpoint_count(void);

#endif
