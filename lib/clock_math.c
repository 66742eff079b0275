/* lib/clock_math.c - choosing the multiplier and shift of a clock_scale: the ratio of two
 * rates by long division, one bit at a time, until the quotient fills 64 bits. Only 64-bit
 * arithmetic, so the kernel needs no 128-bit division from a runtime library. */
#include "lib/clock_math.h"

#include <stdbool.h>

#define TOP_BIT (1ull << 63)

/* One step of binary long division: doubles *remainder (< divisor) and returns the next
 * quotient bit. Twice the remainder may not fit in 64 bits; subtracting the divisor once
 * brings it back under the divisor, and unsigned wrap-around gives the right value. */
static uint64_t next_quotient_bit(uint64_t *remainder, uint64_t divisor)
{
    bool carry = *remainder & TOP_BIT;
    *remainder <<= 1;
    if (carry || *remainder >= divisor) {
        *remainder -= divisor;
        return 1;
    }
    return 0;
}

void clock_scale_init(struct clock_scale *scale, uint64_t from_hz, uint64_t to_hz)
{
    *scale = (struct clock_scale){0};
    if (!from_hz || !to_hz)
        return;
    /* mult = floor(to_hz * 2^shift / from_hz), with shift as large as keeps it in 64 bits:
     * its top bit set, so truncating it loses at most one part in 2^63. */
    uint64_t mult = to_hz / from_hz, remainder = to_hz % from_hz;
    uint32_t shift = 0;
    while (!(mult & TOP_BIT) && shift < 127) {
        mult = mult << 1 | next_quotient_bit(&remainder, from_hz);
        shift++;
    }
    scale->mult = mult;
    scale->shift = shift;
}
