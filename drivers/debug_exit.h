/* drivers/debug_exit.h - QEMU's isa-debug-exit device at port 0xf4: how a test run ends.
 * Writing v makes QEMU exit with status (v << 1) | 1.
 */
#ifndef DRIVERS_DEBUG_EXIT_H
#define DRIVERS_DEBUG_EXIT_H

#include "lib/compiler.h"

#define DEBUG_EXIT_PORT    0xf4
#define DEBUG_EXIT_SUCCESS 0x10 /* QEMU exits with 33 */
#define DEBUG_EXIT_FAILURE 0x11 /* QEMU exits with 35 */

/* Asks QEMU to exit with the given code. Without the device the write is ignored and this
 * halts the CPU instead; it never returns. (0 is never used: QEMU's exit status would be 1,
 * the same as a QEMU start-up error.) */
__noreturn void debug_exit(unsigned char code);

/* Makes the device the kernel's exit hook (kernel/power.h): power_exit(true) leaves QEMU
 * with status 33, power_exit(false) with 35. Boot. */
void debug_exit_init(void);

#endif
