/*
 * i386probe: a 32-bit (i386) static executable with no libc: writes
 * "RAN abi=i386" and exits 0. Natively it runs where the kernel has IA32
 * emulation; timens refuses it at exec with one line that says why
 * (it virtualizes x86_64 programs only).
 */
	.text
	.globl _start
_start:
	movl $4, %eax		/* write(1, msg, len) */
	movl $1, %ebx
	movl $msg, %ecx
	movl $len, %edx
	int $0x80
	movl $1, %eax		/* exit(0) */
	xorl %ebx, %ebx
	int $0x80

	.data
msg:	.ascii "RAN abi=i386\n"
	len = . - msg
	.section .note.GNU-stack, "", @progbits
