/*
 * map-image: the first thing a newly exec'd program runs under timens. It maps
 * the namespace's vDSO image and jumps into it, where timens_finish_exec
 * (vdso/finish-exec.S) puts the program back as the kernel left it, installs
 * the image as the program's vDSO and starts the program.
 *
 * Where it runs: inside the traced program, once per exec, before the
 * program's first instruction. At the exec stop the supervisor writes this
 * code over the program's entry point (the page becomes the process's own
 * copy) and the entry frame (entry-frame.h) on the unused stack, and resumes
 * the program with rdi = the frame. No further stop: the supervisor is not
 * woken again unless something fails. Why it is not Java: it is the program
 * itself that must open and map the image, and the supervisor cannot make it
 * call mmap more cheaply than this.
 *
 * The image comes as a descriptor from the supervisor, through IMAGE_SYSCALL
 * (vdso/image-data.h): no path to open, so the supervisor can stay non-dumpable
 * (its /proc entries closed to the namespace) and the program may run as any
 * user.
 *
 * In:  rdi = the entry frame; rsp = the program's initial stack pointer, which
 *      nothing here moves
 * Out: jumps to timens_finish_exec with r12 = the frame and r14 = the image's
 *      address; on failure ENTRY_FAIL, by entry-frame.h's convention
 *      (step 1: IMAGE_SYSCALL, 2: mmap; r14 = 0)
 */
#include "vdso/image-data.h"

	.text
	.globl timens_map_image
timens_map_image:
	mov	%rdi, %r12
	xor	%r14d, %r14d
	movabs	$ENTRY_FAILED | 1, %rbx
	mov	$IMAGE_SYSCALL, %eax		/* a descriptor of the image, read-only */
	syscall
	test	%rax, %rax
	js	1f
	mov	%rax, %r13			/* fd */
	inc	%rbx				/* step 2 */
	xor	%edi, %edi			/* any address */
	mov	IMAGE_SIZE(%r12), %rsi
	mov	$5, %edx			/* PROT_READ | PROT_EXEC */
	mov	$2, %r10d			/* MAP_PRIVATE */
	mov	%r13, %r8
	xor	%r9d, %r9d
	mov	$9, %eax			/* mmap */
	syscall
	mov	%rax, %r15
	mov	%r13, %rdi
	mov	$3, %eax			/* close: the mapping keeps the file */
	syscall
	mov	%r15, %rax
	cmp	$-4096, %rax			/* -4095..-1 are -errno */
	ja	1f
	mov	%rax, %r14
	add	IMAGE_FINISH(%r12), %rax
	jmp	*%rax
1:	ENTRY_FAIL

	.section .note.GNU-stack,"",@progbits
