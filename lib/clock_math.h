/* lib/clock_math.h - turning a count of one clock's ticks into a count of another's (TSC
 * cycles into nanoseconds and back) with one multiply and one shift, accurate at any pair of
 * rates: the multiplier always keeps 64 significant bits, whatever the ratio. Pure C, built
 * into the kernel and into the host-side tests. */
#ifndef LIB_CLOCK_MATH_H
#define LIB_CLOCK_MATH_H

#include <stdint.h>

/* count * to_hz / from_hz, computed as (count * mult) >> shift with mult in [2^63, 2^64) (or 0:
 * a scale that turns everything into 0). A zeroed struct is that zero scale. */
struct clock_scale {
    uint64_t mult;
    uint32_t shift; /* 0 ... 127 */
};

/* Sets *scale to convert counts at from_hz into counts at to_hz. When either rate is 0 (a
 * clock not calibrated) the scale converts everything to 0. Any context, never waits; it
 * loops up to 127 times, so compute a scale once and apply it often. */
void clock_scale_init(struct clock_scale *scale, uint64_t from_hz, uint64_t to_hz);

/* count * to_hz / from_hz, the exact quotient rounded down or at most 2 less (at most 1 less
 * while the result is under 2^63), at any rates; UINT64_MAX when the result does not fit in
 * 64 bits. Any context, never waits: one 64x64-bit multiply and one 128-bit shift. */
static inline uint64_t clock_scale_apply(const struct clock_scale *scale, uint64_t count)
{
    unsigned __int128 result = ((unsigned __int128)count * scale->mult) >> scale->shift;
    return result >> 64 ? UINT64_MAX : (uint64_t)result;
}

#endif
