/* lib/crc32.h - CRC-32 as Ethernet, zip and PNG use it (IEEE 802.3: polynomial 0x04c11db7
 * bit-reversed to 0xedb88320, initial value and final xor 0xffffffff), so a Python test
 * checks it with zlib.crc32. Catches every burst error up to 32 bits long, which a 16-bit
 * Internet checksum does not.
 */
#ifndef LIB_CRC32_H
#define LIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of data[0 .. length). crc32("123456789") is 0xcbf43926. */
uint32_t crc32(const uint8_t *data, size_t length);

/* The same in pieces: crc32_update(crc32_update(0, a, n), b, m) == crc32 of a then b. */
uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t length);

#endif
