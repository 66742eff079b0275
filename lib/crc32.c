/* lib/crc32.c - CRC-32, four bits at a time from a 16-entry table: a sixteenth of the usual
 * 1 KiB table, at twice its steps, which is plenty for datagrams. */
#include "lib/crc32.h"

/* TABLE[n] is the CRC register after shifting the 4 bits n through it (reflected
 * polynomial 0xedb88320). */
static const uint32_t TABLE[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t length)
{
    crc = ~crc;
    for (size_t i = 0; i < length; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ TABLE[crc & 0x0f]; /* low nibble first: the CRC is bit-reversed */
        crc = (crc >> 4) ^ TABLE[crc & 0x0f];
    }
    return ~crc;
}

uint32_t crc32(const uint8_t *data, size_t length)
{
    return crc32_update(0, data, length);
}
