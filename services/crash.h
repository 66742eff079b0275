/* services/crash.h - deliberate crashes, for seeing (and testing) what the kernel reports when
 * something goes wrong: booting with crash=<kind> runs one at the end of boot. */
#ifndef SERVICES_CRASH_H
#define SERVICES_CRASH_H

#include <stdbool.h>

/* True when `kind` names a crash: null (read through a NULL pointer), write-text (write to
 * kernel code), divide (divide by zero), opcode (an invalid instruction), stack-overflow
 * (unbounded recursion into the guard page), thread-stack-overflow (the same in a
 * thread), panic, deadlock (a spinlock taken twice), smp-panic (a panic while every other
 * CPU is busy). Otherwise logs the bad-value line of the crash= option and returns false. */
bool crash_is_known(const char *kind);

/* Runs the crash named by `kind`, which does not return; returns -EINVAL for an unknown
 * kind. Ordinary context. */
int crash_run(const char *kind);

#endif
