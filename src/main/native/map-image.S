/*
 * map-image: maps the namespace's vDSO image into a program that has just been
 * exec'd, in one go.
 *
 * Where it runs: inside the traced program, once per exec, before the program's
 * first instruction. The supervisor saves the bytes at the program's entry
 * point, writes this code there with PTRACE_POKEDATA, lets the program run into
 * it, and puts everything back when the int3 at the end stops it. Why it is not
 * Java: it is the program itself that must open and map the image. One stop per
 * exec instead of one single-step per injected syscall.
 *
 * In:  rdi = the image's length; the image's path (/proc/<supervisor>/fd/<memfd>,
 *      NUL-terminated) is written right after the int3, so nothing goes on the
 *      program's stack (which may have no room below the stack pointer at exec)
 * Out: rax = address of the mapping, or -errno of the failed openat or mmap
 * The registers it uses are all restored by the supervisor afterwards.
 */
	.text
	.globl timens_map_image
timens_map_image:
	mov	%rdi, %r12		/* length */
	lea	.Lpath(%rip), %rsi	/* path: a local label, so the assembler resolves it */
	mov	$-100, %rdi		/* AT_FDCWD */
	mov	$0x80000, %edx		/* O_RDONLY | O_CLOEXEC */
	xor	%r10d, %r10d
	mov	$257, %eax		/* openat */
	syscall
	test	%rax, %rax
	js	1f
	mov	%rax, %r13		/* fd */
	xor	%edi, %edi		/* any address */
	mov	%r12, %rsi		/* length */
	mov	$5, %edx		/* PROT_READ | PROT_EXEC */
	mov	$2, %r10d		/* MAP_PRIVATE */
	mov	%r13, %r8		/* fd */
	xor	%r9d, %r9d		/* offset 0 */
	mov	$9, %eax		/* mmap */
	syscall
	mov	%rax, %r12
	mov	%r13, %rdi
	mov	$3, %eax		/* close: the mapping keeps the file */
	syscall
	mov	%r12, %rax
1:	int3
.Lpath:					/* the supervisor appends the path here */

	.section .note.GNU-stack,"",@progbits
