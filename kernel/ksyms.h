/* kernel/ksyms.h - the kernel's own symbol table, embedded at build time (tools/ksyms.sh
 * turns `nm` of a first link into a table the second link includes), so that backtraces and
 * reports name functions instead of printing bare addresses. */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdbool.h>
#include <stdint.h>

struct ksym {
    const char *name;
    uint64_t address; /* where the function starts */
    uint64_t size;    /* up to the next symbol */
};

/* Finds the function containing address. Returns false when it is outside the kernel's code
 * (or the table is empty). Any context. */
bool ksym_lookup(uint64_t address, struct ksym *symbol);

/* Writes "name+0xoffset" for the function containing address (a return address is looked
 * up one byte earlier, inside its call), or the bare address, into buffer; returns buffer.
 * Any context. */
#define KSYM_DESCRIBE_MAX 96
const char *ksym_describe(uint64_t address, char *buffer, unsigned int size);

/* Returns the address of the named function, or 0 when there is none. */
uint64_t ksym_address(const char *name);

#endif
