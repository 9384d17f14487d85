/*
 * The entry frame: what the supervisor hands to code it runs at a new
 * program's entry point (dev.timens.engine.ExecStop#startAtEntry), and what
 * that code needs to put the program back as the kernel left it and start it.
 *
 * The supervisor writes the frame on the program's unused stack, below the
 * initial stack pointer, and starts the code with rdi = its address. The
 * engine's part (entry point, original bytes, registers) comes first; the
 * tool's own data (ENTRY_DATA) follows. Included by assembly (offsets only)
 * and by C (the struct, for the layout test).
 *
 * Failure convention: code that cannot finish reports it with ENTRY_FAIL:
 * rax = the failing call's result, rbx = ENTRY_FAILED | step, r12 = the frame's
 * address and r14 = a detail of the tool's choosing. It makes the call
 * ENTRY_FAILED_SYSCALL (engine v2, which is no longer attached, takes the
 * thread there; elsewhere the kernel answers ENOSYS), then executes an int3
 * (engine v1, which traces the thread, takes it there), with rax as it was.
 * Either way the supervisor puts the original bytes and registers back itself
 * and lets the tool decide.
 */
#ifndef TIMENS_ENTRY_FRAME_H
#define TIMENS_ENTRY_FRAME_H

#define ENTRY_FAILED   0x74696d656e730000 /* "timens" in the upper six bytes */

#define ENTRY_START    0   /* where the program starts: the code was written there */
#define ENTRY_ORIGINAL 8   /* address of a copy of the bytes the code replaced */
#define ENTRY_LENGTH   16  /* how many bytes it replaced */
#define ENTRY_RFLAGS   24
#define ENTRY_RAX      32  /* the registers the program starts with, in this order */
#define ENTRY_RBX      40
#define ENTRY_RCX      48
#define ENTRY_RDX      56
#define ENTRY_RSI      64
#define ENTRY_RDI      72
#define ENTRY_RBP      80
#define ENTRY_R8       88
#define ENTRY_R9       96
#define ENTRY_R10      104
#define ENTRY_R11      112
#define ENTRY_R12      120
#define ENTRY_R13      128
#define ENTRY_R14      136
#define ENTRY_R15      144
#define ENTRY_DATA     152 /* the tool's data */

/* An unused syscall number (natively ENOSYS), below __X32_SYSCALL_BIT. */
#define ENTRY_FAILED_SYSCALL 0x3e000002

#ifdef __ASSEMBLER__
/* Reports a failure by the convention above; r15 is lost. */
#define ENTRY_FAIL \
	mov	%rax, %r15; \
	mov	$ENTRY_FAILED_SYSCALL, %eax; \
	syscall; \
	mov	%r15, %rax; \
	int3
#endif

#ifndef __ASSEMBLER__
#include <stdint.h>

struct timens_entry_frame {
	uint64_t start, original, length, rflags;
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
	/* the tool's data follows, at ENTRY_DATA */
};

_Static_assert(__builtin_offsetof(struct timens_entry_frame, r15) == ENTRY_R15, "ENTRY_R15");
_Static_assert(sizeof(struct timens_entry_frame) == ENTRY_DATA, "ENTRY_DATA");
#endif

#endif
