package dev.timens.engine;

import dev.timens.linux.Auxv;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's vDSO as mapped into this JVM. The kernel maps the same image
 * into every process (only its address differs, by ASLR), so what we read here
 * holds for every tracee: its bytes, and the offset of a {@code syscall}
 * instruction that the engine uses to inject syscalls without writing code
 * into the tracee.
 */
public final class KernelVdso {
    private static final int PT_LOAD = 1;
    private static final int PAGE = 4096;

    private final byte[] image;
    private final int syscallGadget;

    private KernelVdso(byte[] image) {
        this.image = image;
        this.syscallGadget = findSyscallGadget(image);
    }

    private static final class Holder {
        static final KernelVdso CURRENT = load();
    }

    /** Where the kernel's vDSO is mapped in thread {@code tid}'s process ("[vdso]" in /proc/TID/maps), or 0. */
    public static long mappedIn(int tid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(tid), "maps"))) {
                if (line.endsWith("[vdso]")) return Long.parseUnsignedLong(line.substring(0, line.indexOf('-')), 16);
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    /**
     * Where the kernel mapped its vDSO in the program thread {@code tid} runs:
     * AT_SYSINFO_EHDR of /proc/TID/auxv, the auxv as the kernel built it at exec
     * (a program may rewrite its own copy on the stack, and timens does). 0 when
     * the thread is gone or the kernel passed no vDSO.
     */
    public static long addressIn(int tid) {
        byte[] auxv;
        try {
            auxv = Files.readAllBytes(Path.of("/proc", Integer.toString(tid), "auxv"));
        } catch (IOException e) {
            return 0;
        }
        ByteBuffer entries = ByteBuffer.wrap(auxv).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 16 <= auxv.length; at += 16) {
            long type = entries.getLong(at);
            if (type == Auxv.AT_NULL) break;
            if (type == Auxv.AT_SYSINFO_EHDR) return entries.getLong(at + 8);
        }
        return 0;
    }

    /** The vDSO of the running kernel. */
    public static KernelVdso current() {
        return Holder.CURRENT;
    }

    private static KernelVdso load() {
        long base = Auxv.getauxval(Auxv.AT_SYSINFO_EHDR);
        if (base == 0) {
            throw new IllegalStateException("this kernel maps no vDSO (AT_SYSINFO_EHDR is absent): timens needs one");
        }
        // Safe: the kernel mapped the vDSO at base and never unmaps it; we first
        // read only the ELF header, then exactly the extent its headers declare,
        // which lies within the mapping (the kernel maps the whole image).
        MemorySegment header = MemorySegment.ofAddress(base).reinterpret(64);
        long phoff = header.get(ValueLayout.JAVA_LONG_UNALIGNED, 32);
        long shoff = header.get(ValueLayout.JAVA_LONG_UNALIGNED, 40);
        int phentsize = Short.toUnsignedInt(header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 54));
        int phnum = Short.toUnsignedInt(header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 56));
        int shentsize = Short.toUnsignedInt(header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 58));
        int shnum = Short.toUnsignedInt(header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 60));
        MemorySegment phdrs = MemorySegment.ofAddress(base + phoff).reinterpret((long) phentsize * phnum);
        long end = shoff + (long) shentsize * shnum;
        for (int i = 0; i < phnum; i++) {
            long at = (long) i * phentsize;
            if (phdrs.get(ValueLayout.JAVA_INT_UNALIGNED, at) == PT_LOAD) {
                long offset = phdrs.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 8);
                long filesz = phdrs.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 32);
                end = Math.max(end, offset + filesz);
            }
        }
        if (end <= 0 || end > 64L * PAGE) throw new IllegalStateException("unexpected vDSO size " + end);
        return new KernelVdso(MemorySegment.ofAddress(base).reinterpret(end).toArray(ValueLayout.JAVA_BYTE));
    }

    /** A copy of the vDSO's bytes, ELF header first. */
    public byte[] image() {
        return image.clone();
    }

    /** Offset of a {@code syscall} instruction in the vDSO. */
    public int syscallGadget() {
        return syscallGadget;
    }

    /**
     * The vDSO's own syscall fallbacks are {@code mov $nr, %eax; syscall}
     * (b8 imm32 0f 05); matching the whole pair, not just 0f 05, makes sure the
     * two bytes really start an instruction.
     */
    static int findSyscallGadget(byte[] image) {
        ByteBuffer bytes = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 7 <= image.length; i++) {
            if ((image[i] & 0xff) == 0xb8 && bytes.getShort(i + 3) == 0
                    && (image[i + 5] & 0xff) == 0x0f && (image[i + 6] & 0xff) == 0x05) {
                return i + 5;
            }
        }
        throw new IllegalStateException("no syscall instruction found in the kernel's vDSO");
    }
}
