/* lib/errno.h - the error codes every subsystem returns, negated (-ENOMEM), as in Linux.
 * Expected failures are reported with these; broken invariants are reported loudly instead.
 */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#define EPERM     1   /* operation not permitted (e.g. not the owner) */
#define ENOENT    2   /* no such entry */
#define EIO       5   /* input/output error */
#define E2BIG     7   /* argument too long */
#define ENOMEM    12  /* out of memory */
#define EFAULT    14  /* bad address: the access faulted */
#define EBUSY     16  /* resource busy (e.g. already mapped) */
#define EEXIST    17  /* already exists */
#define EINVAL    22  /* invalid argument */
#define ENODEV    19  /* no such device */
#define ENOSPC    28  /* no space left */
#define ERANGE    34  /* value out of range */
#define EDEADLK   35  /* the call would deadlock (e.g. a mutex taken twice) */
#define ETIMEDOUT 110 /* a wait ran out of time */

/* Returns a short name for an error code, with or without its minus sign ("ENOMEM"). */
const char *errno_name(int error);

#endif
