/*
 * Forwarding stubs of timens's replacement vDSO.
 *
 * Where it runs: inside traced programs. Every kernel vDSO function that timens
 * does not replace (getcpu, clock_getres, getrandom, ...) is pointed at one of
 * these stubs, which jumps to the same function in the process's own kernel
 * vDSO: kernel_vdso + forward[i] from the process page. Why assembly: a tail
 * jump that leaves every argument register and the stack untouched; r11 is
 * clobbered by any syscall anyway, so no caller relies on it. Each stub has
 * unwind info (the frame at entry: return address at the stack pointer), so an
 * unwinder interrupted in one finds the caller.
 */
	.text
	.globl timens_forward_0
	.hidden timens_process_page

	.macro stub n
	.globl timens_forward_\n
	.type timens_forward_\n, @function
timens_forward_\n:
	.cfi_startproc
	movq timens_process_page(%rip), %r11
	addq timens_process_page + 24 + 8 * \n(%rip), %r11
	jmp *%r11
	.cfi_endproc
	.size timens_forward_\n, . - timens_forward_\n
	.endm

	stub 0
	stub 1
	stub 2
	stub 3
	stub 4
	stub 5
	stub 6
	stub 7
	stub 8
	stub 9
	stub 10
	stub 11
	stub 12
	stub 13
	stub 14
	stub 15

	.section .note.GNU-stack,"",@progbits
