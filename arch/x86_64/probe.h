/* arch/x86_64/probe.h - touching an address that may not be mapped, and getting an error
 * back instead of a crash. Each access is an instruction listed in the exception fixup table
 * (the `extable` section): when it faults, the exception handler resumes at its fixup, which
 * returns -EFAULT. Tests use these to prove that NULL, guard pages and NX really fault.
 */
#ifndef ARCH_X86_64_PROBE_H
#define ARCH_X86_64_PROBE_H

#include <stdbool.h>
#include <stdint.h>

/* What the last probe that faulted ran into. */
struct probe_fault {
    uint64_t vector;     /* 14 for a page fault, 13 for a general protection fault */
    uint64_t error_code; /* the CPU's error code (X86_PF_* bits for a page fault) */
    uint64_t address;    /* CR2 for a page fault, 0 otherwise */
};

/* Each returns 0 when the access worked, -EFAULT when it faulted. Any context. */
int probe_read_u8(const volatile void *address, uint8_t *value);
int probe_read_u64(const volatile void *address, uint64_t *value);
int probe_write_u8(volatile void *address, uint8_t value);

/* Calls the code at address (which should be a `ret`) and returns 0, or -EFAULT when the
 * instruction fetch faulted: that is how NX is checked. */
int probe_exec(const void *address);

/* The details of the most recent fault a probe caught. */
struct probe_fault probe_last_fault(void);

/* Called by the exception handler: if the fault happened inside a probe, points the frame
 * at the probe's fixup, records the fault and returns true. */
struct interrupt_frame;
bool x86_probe_fixup(struct interrupt_frame *frame);

#endif
