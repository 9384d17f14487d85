/*
 * The time namespace's part of the entry frame (entry-frame.h, from
 * ENTRY_DATA on): what map-image.S needs to map the clock image and
 * finish-exec.S to make it the program's vDSO. Written by
 * dev.timens.clock.TimeNamespace; the engine only carries it. Included by
 * assembly (offsets only) and by C (the struct, for the layout test).
 */
#ifndef TIMENS_IMAGE_DATA_H
#define TIMENS_IMAGE_DATA_H

#include "../entry-frame.h"

#define IMAGE_SIZE     (ENTRY_DATA + 0)  /* bytes to map */
#define IMAGE_FINISH   (ENTRY_DATA + 8)  /* offset of timens_finish_exec in the image */
#define IMAGE_PROCESS  (ENTRY_DATA + 16) /* offset of the process page in the image */
#define IMAGE_KERNEL   (ENTRY_DATA + 24) /* the kernel vDSO's address, for the process page */
#define IMAGE_AUXV     (ENTRY_DATA + 32) /* address of AT_SYSINFO_EHDR's value in the auxv */
#define IMAGE_DATA_END (ENTRY_DATA + 40)

/*
 * The syscall that asks the supervisor for a descriptor of the image: a number
 * no Linux table uses (natively ENOSYS), which the namespace's seccomp filter
 * hands to the supervisor's listener (SECCOMP_RET_USER_NOTIF). The supervisor
 * answers with a new read-only, close-on-exec descriptor of the sealed memory
 * file (SECCOMP_IOCTL_NOTIF_ADDFD); the call returns it, or -errno. Below
 * __X32_SYSCALL_BIT, so the filter sees an x86_64 number.
 */
#define IMAGE_SYSCALL  0x3e000001

#ifndef __ASSEMBLER__
#include <stdint.h>

struct timens_image_data {
	uint64_t image_size, image_finish, image_process, image_kernel, image_auxv;
};

#define TIMENS_IMAGE_AT(field, offset) \
	_Static_assert(ENTRY_DATA + __builtin_offsetof(struct timens_image_data, field) == (offset), #offset)
TIMENS_IMAGE_AT(image_size, IMAGE_SIZE);
TIMENS_IMAGE_AT(image_finish, IMAGE_FINISH);
TIMENS_IMAGE_AT(image_process, IMAGE_PROCESS);
TIMENS_IMAGE_AT(image_kernel, IMAGE_KERNEL);
TIMENS_IMAGE_AT(image_auxv, IMAGE_AUXV);
#undef TIMENS_IMAGE_AT
_Static_assert(ENTRY_DATA + sizeof(struct timens_image_data) == IMAGE_DATA_END, "IMAGE_DATA_END");
#endif

#endif
