/* lib/errno.c - names for error codes, so a log line says ENOMEM instead of -12. */
#include "lib/errno.h"

const char *errno_name(int error)
{
    if (error < 0)
        error = -error;
    switch (error) {
    case 0:
        return "OK";
    case EPERM:
        return "EPERM";
    case ENOENT:
        return "ENOENT";
    case EIO:
        return "EIO";
    case E2BIG:
        return "E2BIG";
    case ENOMEM:
        return "ENOMEM";
    case EFAULT:
        return "EFAULT";
    case EBUSY:
        return "EBUSY";
    case EEXIST:
        return "EEXIST";
    case EINVAL:
        return "EINVAL";
    case ENODEV:
        return "ENODEV";
    case ENOSPC:
        return "ENOSPC";
    case ERANGE:
        return "ERANGE";
    case EDEADLK:
        return "EDEADLK";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    default:
        return "E?";
    }
}
