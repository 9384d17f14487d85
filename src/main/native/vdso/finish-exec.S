/*
 * timens_finish_exec: the second half of map-image.S, run from the mapped
 * image (the entry point it came from is about to be restored, so it cannot
 * run there).
 *
 * Where it runs: inside a traced program, once per exec, before the program's
 * first instruction; never called through the vDSO's symbols. Why assembly: it
 * ends by loading every register the program starts with and jumping to its
 * entry point, which no C function can do.
 *
 * Through /proc/self/mem, which writes even into read-only private mappings as
 * ptrace's POKEDATA does (each write makes the page the process's own copy), it
 * stores the kernel vDSO's address into the image's process page and puts the
 * program's original bytes back over map-image.S. Then it points
 * AT_SYSINFO_EHDR at the image (the stack is writable) and starts the program
 * with the registers and flags the kernel gave it.
 *
 * In:  r12 = the entry frame (entry-frame.h), r14 = the image's address
 * Out: never returns; on failure ENTRY_FAIL, by entry-frame.h's convention
 *      (step 3: open /proc/self/mem, 4: write the process page, 5: restore
 *      the entry point; r14 = the image's address)
 */
#include "image-data.h"

	.text
	.globl timens_finish_exec
	.type timens_finish_exec, @function
timens_finish_exec:
	/* The first code of the program: nothing to unwind to. */
	.cfi_startproc
	.cfi_undefined rip
	movabs	$ENTRY_FAILED | 3, %rbx
	mov	$-100, %rdi			/* AT_FDCWD */
	lea	.Lself_mem(%rip), %rsi
	mov	$0x80002, %edx			/* O_RDWR | O_CLOEXEC (treeprobe deny-rdwr refuses exactly this, to test the failure path) */
	xor	%r10d, %r10d
	mov	$257, %eax			/* openat */
	syscall
	test	%rax, %rax
	js	.Lfail
	mov	%rax, %r13

	inc	%rbx				/* step 4 */
	mov	%r13, %rdi
	lea	IMAGE_KERNEL(%r12), %rsi
	mov	$8, %edx
	mov	IMAGE_PROCESS(%r12), %r10
	add	%r14, %r10
	mov	$18, %eax			/* pwrite64 */
	syscall
	cmp	$8, %rax
	jne	.Lfail_close

	inc	%rbx				/* step 5 */
	mov	%r13, %rdi
	mov	ENTRY_ORIGINAL(%r12), %rsi
	mov	ENTRY_LENGTH(%r12), %rdx
	mov	ENTRY_START(%r12), %r10
	mov	$18, %eax			/* pwrite64 */
	syscall
	cmp	ENTRY_LENGTH(%r12), %rax
	jne	.Lfail_close

	mov	%r13, %rdi
	mov	$3, %eax			/* close */
	syscall
	mov	IMAGE_AUXV(%r12), %rax
	mov	%r14, (%rax)

	/* Start the program as the kernel left it. Below the stack pointer lies
	 * only stack nobody uses yet, and no signal handler can run on it: exec
	 * reset them all. */
	pushq	ENTRY_RFLAGS(%r12)
	popfq
	mov	ENTRY_START(%r12), %rax
	mov	%rax, -8(%rsp)
	mov	ENTRY_RAX(%r12), %rax
	mov	ENTRY_RBX(%r12), %rbx
	mov	ENTRY_RCX(%r12), %rcx
	mov	ENTRY_RDX(%r12), %rdx
	mov	ENTRY_RSI(%r12), %rsi
	mov	ENTRY_RDI(%r12), %rdi
	mov	ENTRY_RBP(%r12), %rbp
	mov	ENTRY_R8(%r12), %r8
	mov	ENTRY_R9(%r12), %r9
	mov	ENTRY_R10(%r12), %r10
	mov	ENTRY_R11(%r12), %r11
	mov	ENTRY_R13(%r12), %r13
	mov	ENTRY_R14(%r12), %r14
	mov	ENTRY_R15(%r12), %r15
	mov	ENTRY_R12(%r12), %r12
	jmp	*-8(%rsp)

.Lfail_close:
	mov	%rax, %r15
	mov	%r13, %rdi
	mov	$3, %eax			/* close */
	syscall
	mov	%r15, %rax
	test	%rax, %rax
	js	.Lfail
	mov	$-5, %rax			/* a short write: EIO */
.Lfail:
	ENTRY_FAIL
	.cfi_endproc
	.size timens_finish_exec, . - timens_finish_exec

.Lself_mem:
	.asciz	"/proc/self/mem"

	.section .note.GNU-stack,"",@progbits
