/* lib/string.c - memset, memcpy and friends for a freestanding kernel. The compiler
 * itself emits calls to the first four, so they must exist even if no C code calls them.
 */
#include "lib/string.h"

#include <stdint.h>

/* Whole 8-byte words first, then the odd bytes: rep stosq does an eighth of the iterations
 * of rep stosb, which matters where each iteration is emulated (QEMU without KVM). */
void *memset(void *dest, int value, size_t count)
{
    unsigned char *d = dest;
    uint64_t word = 0x0101010101010101ull * (unsigned char)value;
    size_t words = count / 8, bytes = count % 8;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(word) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(word) : "memory");
    return dest;
}

void *memcpy(void *restrict dest, const void *restrict src, size_t count)
{
    unsigned char *d = dest;
    const unsigned char *s = src;
    size_t words = count / 8, bytes = count % 8;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
    return dest;
}

void *memmove(void *dest, const void *src, size_t count)
{
    unsigned char *d = dest;
    const unsigned char *s = src;
    if (d <= s || d >= s + count)
        return memcpy(dest, src, count);
    /* Overlapping with the destination above the source: copy backwards, last byte first
     * (direction flag set for the one instruction; the ABI wants it clear everywhere else). */
    d += count - 1;
    s += count - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(count) : : "memory");
    return dest;
}

int memcmp(const void *a, const void *b, size_t count)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < count; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *strstr(const char *haystack, const char *needle)
{
    size_t length = strlen(needle);
    for (; *haystack; haystack++) {
        if (strncmp(haystack, needle, length) == 0)
            return (char *)haystack;
    }
    return length == 0 ? (char *)haystack : NULL;
}
