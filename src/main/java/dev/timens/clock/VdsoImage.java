package dev.timens.clock;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The replacement vDSO that every traced program is given: a byte-identical
 * copy of the kernel's vDSO (so its hash, version and dynamic tables stay
 * valid, and glibc, musl, Go and the JVM accept it) whose dynamic symbols are
 * re-pointed at the clock code appended after it (clock_gettime, gettimeofday,
 * time) or at forwarding stubs into the process's own kernel vDSO (everything
 * else: getcpu, clock_getres, getrandom...).
 *
 * <p>Layout, from the address that AT_SYSINFO_EHDR will hold:
 * <pre>
 *   0                 kernel vDSO copy, padded to a page
 *   codeOffset        clock code, stubs and timens_finish_exec (vdso-wrapper.bin)
 *   processPageOffset process page: kernel vDSO address (per process), offsets
 *   clockPageOffset   clock page: the namespace's transforms under a seqlock
 * </pre>
 * Symbol values are offsets from the first PT_LOAD, which in a vDSO starts at
 * file offset 0 and address 0; the image refuses any other layout rather than
 * guessing.
 *
 * <p>For unwinders and profilers the image is one object, like the kernel's
 * vDSO: its PT_LOAD is extended over the clock code, and its PT_GNU_EH_FRAME
 * (and {@code .eh_frame_hdr} section header) points at the clock code's unwind
 * tables (built by the linker, src/main/native/vdso/vdso.lds). The clock code
 * keeps frame pointers, so frame-pointer unwinders (perf -g, async-profiler)
 * get through it and through the kernel function it calls.
 */
public final class VdsoImage {
    static final int PAGE = 4096;
    private static final int SHT_DYNSYM = 11;
    private static final int STT_FUNC = 2;
    private static final int PT_LOAD = 1;
    private static final int PT_GNU_EH_FRAME = 0x6474e550;
    private static final int FORWARDS = 16;

    /** Process page field offsets (struct timens_process_page in clock.h). */
    static final int PP_KERNEL_VDSO = 0;
    /**
     * Where the second half of the process page starts: per-thread room for the
     * supervisor's copies when a thread's stack has none (TimeNamespace.scratchArea),
     * after struct timens_process_page (clock.h), which is far smaller.
     */
    static final int PP_SCRATCH = 2048;
    static final int PP_OFF_CLOCK_GETTIME = 8;
    static final int PP_OFF_GETTIMEOFDAY = 16;
    static final int PP_FORWARD = 24;
    static final int PP_KERNEL_TIME_DATA = PP_FORWARD + 8 * FORWARDS;
    static final int PP_CLOCK_PAGE_OFFSET = PP_KERNEL_TIME_DATA + 8;
    static final int PP_FORK_CHECK = PP_CLOCK_PAGE_OFFSET + 8;
    static final int PP_CHILDREN_TOKEN = PP_FORK_CHECK + 8;
    /** Fork page field offsets (struct timens_fork_page in clock.h); its word "entered" is at 0. */
    static final int FP_ENTRY_TOKEN = 8;

    private final byte[] bytes;
    private final int processPageOffset;
    private final int clockPageOffset;
    private final long kernelClockGettime;
    private final int finishExecOffset;
    private final java.util.List<Redirect> redirects;

    /**
     * A kernel vDSO function the image replaces, for a program that resolved
     * the kernel's own long ago (one taken in while running): where it lies in
     * the kernel vDSO and how long it is, and where its replacement lies in the
     * image, both as offsets.
     */
    record Redirect(String name, long kernelOffset, long kernelSize, long imageOffset) {}

    private VdsoImage(byte[] bytes, int processPageOffset, int clockPageOffset, long kernelClockGettime,
                      int finishExecOffset, java.util.List<Redirect> redirects) {
        this.redirects = java.util.List.copyOf(redirects);
        this.bytes = bytes;
        this.finishExecOffset = finishExecOffset;
        this.processPageOffset = processPageOffset;
        this.clockPageOffset = clockPageOffset;
        this.kernelClockGettime = kernelClockGettime;
    }

    /** The clock code as built by src/main/native: its bytes and symbol offsets. */
    public record ClockCode(byte[] text, Map<String, Long> symbols) {
        long symbol(String name) {
            Long value = symbols.get(name);
            if (value == null) throw new IllegalStateException("vdso-wrapper has no symbol " + name);
            return value;
        }

        /** Loads vdso-wrapper.bin and vdso-wrapper.sym from the class path. */
        public static ClockCode load() {
            try (InputStream bin = resource("vdso-wrapper.bin"); InputStream sym = resource("vdso-wrapper.sym")) {
                Map<String, Long> symbols = new HashMap<>();
                for (String line : new String(sym.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                    String[] parts = line.trim().split(" ");
                    if (parts.length == 2) symbols.put(parts[0], Long.parseUnsignedLong(parts[1], 16));
                }
                return new ClockCode(bin.readAllBytes(), symbols);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The bytes of one of the native resources built from src/main/native. */
        public static byte[] resourceBytes(String name) {
            try (InputStream in = resource(name)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static InputStream resource(String name) {
            InputStream in = VdsoImage.class.getResourceAsStream("/dev/timens/native/" + name);
            if (in == null) {
                throw new IllegalStateException("resource /dev/timens/native/" + name
                        + " is missing: the native part of the build did not run");
            }
            return in;
        }
    }

    /**
     * Builds the image from the kernel's vDSO bytes and the clock code; the
     * clock code reads the kernel's time data directly when {@code timeData}
     * allows it.
     */
    public static VdsoImage build(byte[] kernelVdso, ClockCode code, KernelTimeData timeData) {
        ByteBuffer elf = ByteBuffer.wrap(kernelVdso.clone()).order(ByteOrder.LITTLE_ENDIAN);
        checkHeader(elf);
        int copyPages = (kernelVdso.length + PAGE - 1) / PAGE;
        long codeOffset = (long) copyPages * PAGE;
        long processPage = codeOffset + code.symbol("timens_process_page");
        long clockPage = codeOffset + code.symbol("timens_clock_page");
        long end = codeOffset + code.symbol("timens_image_end");
        if (code.text().length > code.symbol("timens_process_page")) {
            throw new IllegalStateException("clock code overlaps its process page");
        }
        if (code.symbol("timens_fork_page") != code.symbol("timens_clock_page") + PAGE) {
            throw new IllegalStateException("the fork page does not follow the clock page (vdso.lds)");
        }

        Map<String, Long> replaced = Map.of(
                "clock_gettime", code.symbol("timens_clock_gettime"),
                "gettimeofday", code.symbol("timens_gettimeofday"),
                "time", code.symbol("timens_time"));
        Map<String, Long> kernelOffsets = new HashMap<>();
        Map<String, Redirect> redirects = new java.util.TreeMap<>();
        Map<Long, Integer> forwards = new LinkedHashMap<>();

        int shoff = (int) elf.getLong(40);
        int shentsize = Short.toUnsignedInt(elf.getShort(58));
        int shnum = Short.toUnsignedInt(elf.getShort(60));
        boolean sawDynsym = false;
        for (int i = 0; i < shnum; i++) {
            int sh = shoff + i * shentsize;
            if (elf.getInt(sh + 4) != SHT_DYNSYM) continue;
            sawDynsym = true;
            int symOffset = (int) elf.getLong(sh + 24);
            int symSize = (int) elf.getLong(sh + 32);
            int entsize = (int) elf.getLong(sh + 56);
            int strtab = (int) elf.getLong(shoff + elf.getInt(sh + 40) * shentsize + 24);
            for (int sym = symOffset; sym + entsize <= symOffset + symSize; sym += entsize) {
                int type = elf.get(sym + 4) & 0xf;
                int shndx = Short.toUnsignedInt(elf.getShort(sym + 6));
                long value = elf.getLong(sym + 8);
                if (type != STT_FUNC || shndx == 0 || value == 0) continue;
                String name = cString(kernelVdso, strtab + elf.getInt(sym));
                String plain = name.startsWith("__vdso_") ? name.substring("__vdso_".length()) : name;
                long target;
                if (replaced.containsKey(plain)) {
                    kernelOffsets.put(plain, value);
                    target = replaced.get(plain);
                    redirects.put(plain, new Redirect(plain, value, elf.getLong(sym + 16), codeOffset + target));
                } else {
                    Integer index = forwards.get(value);
                    if (index == null) {
                        index = forwards.size();
                        if (index >= FORWARDS) throw new IllegalStateException("the kernel vDSO has more than "
                                + FORWARDS + " functions to forward");
                        forwards.put(value, index);
                    }
                    target = code.symbol("timens_forward_" + index);
                }
                elf.putLong(sym + 8, codeOffset + target);
            }
        }
        if (!sawDynsym) throw new IllegalStateException("the kernel vDSO has no .dynsym");
        Long clockGettime = kernelOffsets.get("clock_gettime");
        Long gettimeofday = kernelOffsets.get("gettimeofday");
        if (clockGettime == null || gettimeofday == null) {
            throw new IllegalStateException("the kernel vDSO lacks clock_gettime or gettimeofday");
        }

        ByteBuffer image = ByteBuffer.allocate((int) end).order(ByteOrder.LITTLE_ENDIAN);
        image.put(0, elf.array());
        image.put((int) codeOffset, code.text());
        image.putLong((int) processPage + PP_OFF_CLOCK_GETTIME, clockGettime);
        image.putLong((int) processPage + PP_OFF_GETTIMEOFDAY, gettimeofday);
        image.putLong((int) processPage + PP_KERNEL_TIME_DATA, timeData.offsetFromVdso());
        image.putLong((int) processPage + PP_CLOCK_PAGE_OFFSET, clockPage);
        for (Map.Entry<Long, Integer> f : forwards.entrySet()) {
            image.putLong((int) processPage + PP_FORWARD + 8 * f.getValue(), f.getKey());
        }
        ClockPage.initialize(image.slice((int) clockPage, PAGE).order(ByteOrder.LITTLE_ENDIAN));
        coverClockCode(image, (int) codeOffset, code);
        return new VdsoImage(image.array(), (int) processPage, (int) clockPage, clockGettime,
                (int) (codeOffset + code.symbol("timens_finish_exec")), java.util.List.copyOf(redirects.values()));
    }

    /**
     * Makes the clock code part of the vDSO object for unwinders: the first
     * PT_LOAD grows over it, and PT_GNU_EH_FRAME (and the {@code .eh_frame_hdr}
     * and {@code .eh_frame} section headers, for tools that read sections)
     * point at its unwind tables. The kernel's own tables go:
     * it describes the copy's code, which never runs (every symbol leads to the
     * clock code), while the kernel functions the clock code calls lie in the
     * kernel's mapping, outside this object whatever its table says.
     */
    private static void coverClockCode(ByteBuffer image, int codeOffset, ClockCode code) {
        int phoff = (int) image.getLong(32);
        int phentsize = Short.toUnsignedInt(image.getShort(54));
        int phnum = Short.toUnsignedInt(image.getShort(56));
        int load = -1;
        int ehFrame = -1;
        for (int i = 0; i < phnum; i++) {
            int ph = phoff + i * phentsize;
            int type = image.getInt(ph);
            if (type == PT_LOAD) {
                if (load >= 0) throw new IllegalStateException("unexpected vDSO layout: more than one PT_LOAD");
                load = ph;
            }
            if (type == PT_GNU_EH_FRAME) ehFrame = ph;
        }
        if (load < 0 || ehFrame < 0) {
            throw new IllegalStateException("unexpected vDSO layout: no PT_LOAD or no PT_GNU_EH_FRAME");
        }
        if (image.getLong(load + 40) > codeOffset) {
            throw new IllegalStateException("unexpected vDSO layout: its PT_LOAD reaches past the kernel image");
        }
        long table = codeOffset + code.symbol("timens_eh_frame_hdr");
        long tableSize = code.symbol("timens_eh_frame") - code.symbol("timens_eh_frame_hdr");
        long end = codeOffset + code.symbol("timens_text_end");
        image.putLong(load + 32, end); // p_filesz
        image.putLong(load + 40, end); // p_memsz
        image.putLong(ehFrame + 8, table).putLong(ehFrame + 16, table).putLong(ehFrame + 24, table);
        image.putLong(ehFrame + 32, tableSize).putLong(ehFrame + 40, tableSize);
        pointSection(image, ".eh_frame_hdr", table, tableSize);
        long frames = codeOffset + code.symbol("timens_eh_frame");
        pointSection(image, ".eh_frame", frames, codeOffset + code.symbol("timens_text_end") - frames);
    }

    /** Sets the address, offset and size of the section {@code name}, if the image has one. */
    private static void pointSection(ByteBuffer image, String name, long at, long size) {
        int section = sectionNamed(image, name);
        if (section >= 0) image.putLong(section + 16, at).putLong(section + 24, at).putLong(section + 32, size);
    }

    /** The offset of the header of the section called {@code name}, or -1. */
    private static int sectionNamed(ByteBuffer elf, String name) {
        int shoff = (int) elf.getLong(40);
        int shentsize = Short.toUnsignedInt(elf.getShort(58));
        int shnum = Short.toUnsignedInt(elf.getShort(60));
        int shstrndx = Short.toUnsignedInt(elf.getShort(62));
        if (shoff == 0 || shstrndx >= shnum) return -1;
        int names = (int) elf.getLong(shoff + shstrndx * shentsize + 24);
        for (int i = 0; i < shnum; i++) {
            int sh = shoff + i * shentsize;
            if (cString(elf.array(), names + elf.getInt(sh)).equals(name)) return sh;
        }
        return -1;
    }

    /** The values of the image's dynamic function symbols, by name (as a libc would resolve them). */
    Map<String, Long> dynamicSymbols() {
        ByteBuffer elf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Long> result = new HashMap<>();
        int shoff = (int) elf.getLong(40);
        int shentsize = Short.toUnsignedInt(elf.getShort(58));
        int shnum = Short.toUnsignedInt(elf.getShort(60));
        for (int i = 0; i < shnum; i++) {
            int sh = shoff + i * shentsize;
            if (elf.getInt(sh + 4) != SHT_DYNSYM) continue;
            int symOffset = (int) elf.getLong(sh + 24);
            int symSize = (int) elf.getLong(sh + 32);
            int entsize = (int) elf.getLong(sh + 56);
            int strtab = (int) elf.getLong(shoff + elf.getInt(sh + 40) * shentsize + 24);
            for (int sym = symOffset; sym + entsize <= symOffset + symSize; sym += entsize) {
                if ((elf.get(sym + 4) & 0xf) == STT_FUNC) {
                    result.put(cString(bytes, strtab + elf.getInt(sym)), elf.getLong(sym + 8));
                }
            }
        }
        return result;
    }

    private static void checkHeader(ByteBuffer elf) {
        if (elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
            throw new IllegalStateException("the kernel vDSO is not a little-endian ELF64 image");
        }
        int phoff = (int) elf.getLong(32);
        int phentsize = Short.toUnsignedInt(elf.getShort(54));
        int phnum = Short.toUnsignedInt(elf.getShort(56));
        for (int i = 0; i < phnum; i++) {
            int ph = phoff + i * phentsize;
            if (elf.getInt(ph) == PT_LOAD) {
                if (elf.getLong(ph + 8) != 0 || elf.getLong(ph + 16) != 0) {
                    throw new IllegalStateException("unexpected vDSO layout: first PT_LOAD is not at offset and address 0");
                }
                return;
            }
        }
        throw new IllegalStateException("the kernel vDSO has no PT_LOAD segment");
    }

    private static String cString(byte[] bytes, int at) {
        int end = at;
        while (end < bytes.length && bytes[end] != 0) end++;
        return new String(bytes, at, end - at, StandardCharsets.US_ASCII);
    }

    /** The whole image, ready to be copied into the shared memory file. */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int size() {
        return bytes.length;
    }

    /** Offset of the process page, where each process's kernel vDSO address goes. */
    /** The kernel vDSO functions the image replaces (clock_gettime, gettimeofday, time), by name. */
    java.util.List<Redirect> redirects() {
        return redirects;
    }

    public int processPageOffset() {
        return processPageOffset;
    }

    /** Offset of timens_finish_exec (src/main/native/vdso/finish-exec.S), where map-image.S jumps. */
    public int finishExecOffset() {
        return finishExecOffset;
    }

    /** Offset of the namespace's clock page. */
    public int clockPageOffset() {
        return clockPageOffset;
    }

    /**
     * Offset of the fork page, right after the clock page: zeros in the image,
     * replaced by a page of the process's own in one that made a namespace for
     * its children (clock.h, fork_check).
     */
    int forkPageOffset() {
        return clockPageOffset + PAGE;
    }

    /** Offset of clock_gettime in the kernel's vDSO. */
    public long kernelClockGettime() {
        return kernelClockGettime;
    }
}
