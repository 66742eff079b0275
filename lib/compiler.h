/* lib/compiler.h - attributes and small helpers the compiler gives us, named for what
 * they mean. Nothing here knows about the kernel.
 */
#ifndef LIB_COMPILER_H
#define LIB_COMPILER_H

#define __section(name) __attribute__((section(name)))
#define __used          __attribute__((used))
#define __noreturn      __attribute__((noreturn))
#define __printf(f, a)  __attribute__((format(printf, f, a)))
#define __aligned(n)    __attribute__((aligned(n)))
#define __packed        __attribute__((packed))
/* The caller must use the result (gcc warns even through a (void) cast; warnings are errors). */
#define __must_check    __attribute__((warn_unused_result))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

/* Stops the compiler from moving memory accesses across this point. */
#define barrier() __asm__ volatile("" : : : "memory")

/* A load or store done exactly once, as written: for data that an interrupt handler changes
 * under our feet. Each use says which write it pairs with. */
#define READ_ONCE(x)         (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, value) (*(volatile __typeof__(x) *)&(x) = (value))

#define ALIGN_UP(x, a)   (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
