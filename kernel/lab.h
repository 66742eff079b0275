/* kernel/lab.h - what the placeholders of a lab call. `make lab LAB=<name>` writes a student
 * tree in which each solution region (between LAB <name>: begin and end markers) becomes a
 * comment saying what to write and a LAB_UNWRITTEN line: the tree builds and boots, and says
 * once per placeholder, on the console, which part is still to be written (labs/<name>.md).
 * Nothing in the full tree calls it.
 */
#ifndef KERNEL_LAB_H
#define KERNEL_LAB_H

#include <stdbool.h>

#include "kernel/printk.h"

/* A region's code may be the only user of a static helper, a variable or a parameter of its
 * file: cut out, it would leave them unused, and warnings are errors. In the files a lab cut
 * (the only ones that include this header) those warnings are off, so the tree builds. */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"

/* Says "lab <lab>: <part> is not written yet (labs/<lab>.md)" the first time this line runs.
 * Any context (printk); the flag is per call site and not locked: at worst said twice. */
#define LAB_UNWRITTEN(lab, part)                                                                   \
    do {                                                                                           \
        static bool lab_said_;                                                                     \
        if (!lab_said_) {                                                                          \
            lab_said_ = true;                                                                      \
            printk("lab %s: %s is not written yet (labs/%s.md)\n", lab, part, lab);                \
        }                                                                                          \
    } while (0)

#endif
