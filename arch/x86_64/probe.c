/* arch/x86_64/probe.c - fault-tolerant memory accesses through the exception fixup table. */
#include "arch/x86_64/probe.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exception.h"
#include "arch/x86_64/interrupt.h"
#include "lib/errno.h"

/* One fixup: if the instruction at `instruction` faults, resume at `fixup`. */
struct extable_entry {
    uint64_t instruction;
    uint64_t fixup;
};

extern const struct extable_entry __start_extable[], __stop_extable[];

/* From probe_exec.asm: the code address being probed, and where a failed probe lands. */
extern volatile uint64_t probe_exec_target;
extern const char probe_exec_landing[];

static struct probe_fault last_fault;

/* The access at label 1 may fault; its fixup at label 3 sets the error and jumps past it.
 * The fixup code lives in .text.fixup, out of the way of the normal path. */
#define PROBE_ASM(access)                                                                          \
    "1: " access "\n"                                                                              \
    "2:\n"                                                                                         \
    ".pushsection .text.fixup, \"ax\"\n"                                                           \
    "3: movl %[efault], %[error]\n"                                                                \
    "   jmp 2b\n"                                                                                  \
    ".popsection\n"                                                                                \
    ".pushsection extable, \"a\"\n"                                                                \
    ".balign 8\n"                                                                                  \
    ".quad 1b, 3b\n"                                                                               \
    ".popsection\n"

int probe_read_u8(const volatile void *address, uint8_t *value)
{
    int error = 0;
    uint8_t result = 0;
    __asm__ volatile(PROBE_ASM("movb (%[address]), %[result]")
                     : [result] "+q"(result), [error] "+r"(error)
                     : [address] "r"(address), [efault] "i"(-EFAULT)
                     : "memory");
    if (!error)
        *value = result;
    return error;
}

int probe_read_u64(const volatile void *address, uint64_t *value)
{
    int error = 0;
    uint64_t result = 0;
    __asm__ volatile(PROBE_ASM("movq (%[address]), %[result]")
                     : [result] "+r"(result), [error] "+r"(error)
                     : [address] "r"(address), [efault] "i"(-EFAULT)
                     : "memory");
    if (!error)
        *value = result;
    return error;
}

int probe_write_u8(volatile void *address, uint8_t value)
{
    int error = 0;
    __asm__ volatile(PROBE_ASM("movb %[value], (%[address])")
                     : [error] "+r"(error)
                     : [address] "r"(address), [value] "q"(value), [efault] "i"(-EFAULT)
                     : "memory");
    return error;
}

static const struct extable_entry *find_fixup(uint64_t rip)
{
    for (const struct extable_entry *entry = __start_extable; entry < __stop_extable; entry++) {
        if (entry->instruction == rip)
            return entry;
    }
    return NULL;
}

static void record(const struct interrupt_frame *frame)
{
    last_fault.vector = frame->vector;
    last_fault.error_code = frame->error_code;
    last_fault.address = frame->vector == X86_VECTOR_PAGE_FAULT ? x86_read_cr2() : 0;
}

bool x86_probe_fixup(struct interrupt_frame *frame)
{
    /* probe_exec: the fault is at the probed address itself, not at a listed instruction. */
    uint64_t target = probe_exec_target;
    if (target && frame->rip == target) {
        record(frame);
        frame->rip = (uint64_t)(uintptr_t)probe_exec_landing;
        return true;
    }
    const struct extable_entry *entry = find_fixup(frame->rip);
    if (!entry)
        return false;
    record(frame);
    frame->rip = entry->fixup;
    return true;
}

struct probe_fault probe_last_fault(void)
{
    return last_fault;
}
