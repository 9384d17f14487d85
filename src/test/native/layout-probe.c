/*
 * layout-probe: prints the sizes and field offsets of the kernel and timens
 * structures that the Java side declares with MemoryLayout, one "name value"
 * per line, so that tests compare them with what the C compiler says.
 * Runs only in the test build; never inside a traced program.
 */
#include <stddef.h>
#include <stdio.h>
#include <sys/sysinfo.h>
#include <sys/timex.h>
#include <sys/user.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <time.h>
#include "../../main/native/vdso/clock.h"
#include "../../main/native/entry-frame.h"
#include "../../main/native/vdso/image-data.h"
#include "../../main/native/caught-signal.h"

#define P(name, value) printf("%s %ld\n", name, (long)(value))
#define OFF(type, field) P(#type "." #field, offsetof(struct type, field))
#define SIZE(type) P(#type, sizeof(struct type))

int main(void)
{
	SIZE(user_regs_struct);
	OFF(user_regs_struct, rax);
	OFF(user_regs_struct, orig_rax);
	OFF(user_regs_struct, rip);
	OFF(user_regs_struct, rsp);
	OFF(user_regs_struct, rdi);
	OFF(user_regs_struct, r10);
	OFF(user_regs_struct, r9);
	OFF(user_regs_struct, gs);
	SIZE(timex);
	OFF(timex, status);
	OFF(timex, time);
	OFF(timex, tick);
	OFF(timex, tai);
	SIZE(timespec);
	SIZE(sysinfo);
	OFF(sysinfo, uptime);
	OFF(sysinfo, procs);
	OFF(sysinfo, totalhigh);
	OFF(sysinfo, mem_unit);
	SIZE(seccomp_data);
	OFF(seccomp_data, arch);
	OFF(seccomp_data, instruction_pointer);
	OFF(seccomp_data, args);
	SIZE(sock_filter);
	SIZE(timens_clock_page);
	OFF(timens_clock_page, seq);
	OFF(timens_clock_page, version);
	OFF(timens_clock_page, group);
	SIZE(timens_transform);
	OFF(timens_transform, base_real);
	OFF(timens_transform, base_virt);
	OFF(timens_transform, mult);
	OFF(timens_transform, shift);
	OFF(timens_transform, mode);
	OFF(timens_transform, offset_sec);
	OFF(timens_transform, offset_nsec);
	OFF(timens_process_page, kernel_vdso);
	OFF(timens_process_page, off_clock_gettime);
	OFF(timens_process_page, off_gettimeofday);
	OFF(timens_process_page, forward);
	OFF(timens_process_page, kernel_time_data);
	OFF(timens_process_page, clock_page_offset);
	OFF(timens_process_page, fork_check);
	OFF(timens_process_page, children_token);
	OFF(timens_fork_page, entry_token);
	P("TIMENS_PROCESS_PAGE_SCRATCH", TIMENS_PROCESS_PAGE_SCRATCH);
	SIZE(kernel_vdso_clock);
	OFF(kernel_vdso_clock, seq);
	OFF(kernel_vdso_clock, clock_mode);
	OFF(kernel_vdso_clock, cycle_last);
	OFF(kernel_vdso_clock, max_cycles);
	OFF(kernel_vdso_clock, mask);
	OFF(kernel_vdso_clock, mult);
	OFF(kernel_vdso_clock, shift);
	OFF(kernel_vdso_clock, base);
	SIZE(kernel_clock_base);
	P("KERNEL_CLOCK_MODE_TSC", KERNEL_CLOCK_MODE_TSC);
	SIZE(timens_entry_frame);
	OFF(timens_entry_frame, start);
	OFF(timens_entry_frame, original);
	OFF(timens_entry_frame, length);
	OFF(timens_entry_frame, rflags);
	OFF(timens_entry_frame, rax);
	OFF(timens_entry_frame, rbx);
	OFF(timens_entry_frame, rcx);
	OFF(timens_entry_frame, rdx);
	OFF(timens_entry_frame, rsi);
	OFF(timens_entry_frame, rdi);
	OFF(timens_entry_frame, rbp);
	OFF(timens_entry_frame, r8);
	OFF(timens_entry_frame, r9);
	OFF(timens_entry_frame, r10);
	OFF(timens_entry_frame, r11);
	OFF(timens_entry_frame, r12);
	OFF(timens_entry_frame, r13);
	OFF(timens_entry_frame, r14);
	OFF(timens_entry_frame, r15);
	SIZE(timens_image_data);
	OFF(timens_image_data, image_size);
	OFF(timens_image_data, image_kernel);
	OFF(timens_image_data, image_auxv);
	P("ENTRY_DATA", ENTRY_DATA);
	P("ENTRY_FAILED", ENTRY_FAILED);
	P("IMAGE_DATA_END", IMAGE_DATA_END);
	P("IMAGE_SYSCALL", IMAGE_SYSCALL);
	P("TIMENS_FORKED_SYSCALL", TIMENS_FORKED_SYSCALL);
	P("TIMENS_LAYOUT_VERSION", TIMENS_LAYOUT_VERSION);
	P("TIMENS_MODE_OFFSET", TIMENS_MODE_OFFSET);
	P("TIMENS_MODE_SCALED", TIMENS_MODE_SCALED);
	SIZE(caught_signal);
	OFF(caught_signal, signo);
	OFF(caught_signal, code);
	OFF(caught_signal, pid);
	OFF(caught_signal, uid);
	return 0;
}
