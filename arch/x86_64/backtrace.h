/* arch/x86_64/backtrace.h - printing the chain of calls that led somewhere, by following
 * the frame pointers (the kernel is built with -fno-omit-frame-pointer). */
#ifndef ARCH_X86_64_BACKTRACE_H
#define ARCH_X86_64_BACKTRACE_H

#include <stdint.h>

/* Prints "Backtrace:" and one line per frame, "  [<address>] function+offset/size", starting
 * at rip and walking the saved frame pointers from rbp. rsp is the stack pointer at rip, when
 * rip is where an exception struck (0 otherwise): the function there may not have set up its
 * frame, and its return address is then found on the stack. Stops at a zero or implausible
 * frame pointer, or after 32 frames; reads frames with probe_read_u64, so a corrupt chain ends
 * the walk instead of faulting. Any context. */
void x86_backtrace_print(uint64_t rip, uint64_t rsp, uint64_t rbp);

/* Prints the backtrace of the caller. */
void backtrace_print_here(void);

#endif
