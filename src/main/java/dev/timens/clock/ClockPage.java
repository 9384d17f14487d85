package dev.timens.clock;

import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.linux.Mman;
import dev.timens.linux.Unistd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;

/**
 * The namespace's shared memory file (a memfd holding the whole {@link VdsoImage})
 * and the writer side of its clock page (struct timens_clock_page in
 * src/main/native/vdso/clock.h). Every traced process maps the file read-only;
 * the supervisor is the only writer, and publishes transforms under a seqlock:
 * the sequence is odd while a write is in progress, and readers retry.
 */
public final class ClockPage implements AutoCloseable {
    static final int LAYOUT_VERSION = 2;
    static final int OFF_SEQ = 0;
    static final int OFF_VERSION = 4;
    static final int OFF_GROUPS = 16;
    static final int GROUP_SIZE = 48;
    static final int G_BASE_REAL = 0;
    static final int G_BASE_VIRT = 8;
    static final int G_MULT = 16;
    static final int G_SHIFT = 24;
    static final int G_MODE = 28;
    static final int G_OFFSET_SEC = 32;
    static final int G_OFFSET_NSEC = 40;
    static final int MODE_HOST = 0;
    static final int MODE_OFFSET = 1;
    static final int MODE_SCALED = 2;

    private final int fd;
    private final MemorySegment mapping;
    private final MemorySegment page;
    /** What the page holds, replaced whole at each publication: readable from any thread. */
    private volatile Map<ClockGroup, ClockTransform> transforms;

    private ClockPage(int fd, MemorySegment mapping, MemorySegment page) {
        this.fd = fd;
        this.mapping = mapping;
        this.page = page;
        Map<ClockGroup, ClockTransform> initial = new EnumMap<>(ClockGroup.class);
        for (ClockGroup g : ClockGroup.values()) initial.put(g, ClockTransform.IDENTITY);
        this.transforms = initial;
    }

    /** Writes the page's initial contents: layout version, every group inactive. */
    static void initialize(ByteBuffer page) {
        page.putInt(OFF_SEQ, 0);
        page.putInt(OFF_VERSION, LAYOUT_VERSION);
        for (ClockGroup g : ClockGroup.values()) write(page, g, ClockTransform.IDENTITY);
    }

    private static void write(ByteBuffer page, ClockGroup g, ClockTransform t) {
        MemorySegment segment = MemorySegment.ofBuffer(page);
        write(segment, g, t);
    }

    /**
     * Writes one group's fields; the offset form is what the clock code uses when
     * the rate is 1 (see struct timens_transform).
     */
    private static void write(MemorySegment page, ClockGroup g, ClockTransform t) {
        long at = OFF_GROUPS + (long) GROUP_SIZE * g.ordinal();
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, at + G_BASE_REAL, t.baseReal());
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, at + G_BASE_VIRT, t.baseVirtual());
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, at + G_MULT, t.mult());
        page.set(ValueLayout.JAVA_INT_UNALIGNED, at + G_SHIFT, t.shift());
        int mode = !t.active() ? MODE_HOST : t.isUnitRate() ? MODE_OFFSET : MODE_SCALED;
        page.set(ValueLayout.JAVA_INT_UNALIGNED, at + G_MODE, mode);
        long offset = mode == MODE_OFFSET ? t.baseVirtual() - t.baseReal() : 0;
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, at + G_OFFSET_SEC, Math.floorDiv(offset, 1_000_000_000L));
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, at + G_OFFSET_NSEC, Math.floorMod(offset, 1_000_000_000L));
    }

    /** What nobody may do to the memory file once the supervisor's mapping exists. */
    static final int SEALS = Mman.F_SEAL_SHRINK | Mman.F_SEAL_GROW | Mman.F_SEAL_FUTURE_WRITE | Mman.F_SEAL_SEAL;

    /**
     * Creates the memory file holding {@code image}, maps it here for writing,
     * then seals it: from then on this mapping is the only way to change it. A
     * process of the namespace that gets hold of the file (through /proc, as root
     * or as the same user, or the descriptor timens gives it) can neither write,
     * map it writable and shared, truncate, grow, punch holes in it, nor lift the
     * seals; its file mode does not matter.
     */
    public static ClockPage create(VdsoImage image) {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom("timens-vdso");
            int flags = Mman.MFD_CLOEXEC | Mman.MFD_ALLOW_SEALING;
            fd = Mman.memfdCreate(name, flags | Mman.MFD_EXEC);
            if (fd == -Errno.EINVAL) fd = Mman.memfdCreate(name, flags); // before Linux 6.3
            if (fd < 0) throw new LinuxException("memfd_create", -fd);
        }
        Unistd.ftruncate(fd, image.size());
        MemorySegment mapping = Mman.mmap(image.size(), Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED, fd, 0);
        mapping.copyFrom(MemorySegment.ofArray(image.bytes()));
        Mman.addSeals(fd, SEALS);
        return new ClockPage(fd, mapping, mapping.asSlice(image.clockPageOffset(), VdsoImage.PAGE));
    }

    /**
     * Makes the clock code of {@code image}, as stored in the memory file, call
     * the kernel's function for the host time instead of reading the kernel's
     * time data: for the programs that map the file from now on.
     */
    void disableKernelTimeData(VdsoImage image) {
        mapping.set(ValueLayout.JAVA_LONG, image.processPageOffset() + VdsoImage.PP_KERNEL_TIME_DATA, 0);
    }

    /** The process page's kernel_time_data of {@code image} as stored in the memory file. */
    long kernelTimeData(VdsoImage image) {
        return mapping.get(ValueLayout.JAVA_LONG, image.processPageOffset() + VdsoImage.PP_KERNEL_TIME_DATA);
    }

    /** The namespace's {@code group} clock now, in nanoseconds (from any thread). */
    public long now(ClockGroup group) {
        return transform(group).apply(dev.timens.linux.Time.clockGettimeNanos(group.referenceClock()));
    }

    /** The memory file's descriptor in the supervisor (for tracees to open through /proc). */
    public int fd() {
        return fd;
    }

    public ClockTransform transform(ClockGroup group) {
        return transforms.get(group);
    }

    /**
     * Publishes new transforms for some groups at once: every process sees all of
     * them or none of them. From the tracer thread, but for a nested namespace
     * made and adopted elsewhere (a forked child entering the namespace its
     * parent unshared, at its first clock read): one writer at a time.
     */
    public synchronized void publish(Map<ClockGroup, ClockTransform> updates) {
        Map<ClockGroup, ClockTransform> next = new EnumMap<>(transforms);
        int seq = page.get(ValueLayout.JAVA_INT, OFF_SEQ);
        page.set(ValueLayout.JAVA_INT, OFF_SEQ, seq + 1);
        // Readers must see the odd sequence before any new field: x86 keeps stores
        // in order, and the fence keeps the JIT from reordering them.
        VarHandle.fullFence();
        for (Map.Entry<ClockGroup, ClockTransform> e : updates.entrySet()) {
            write(page, e.getKey(), e.getValue());
            next.put(e.getKey(), e.getValue());
        }
        transforms = next;
        VarHandle.fullFence();
        page.set(ValueLayout.JAVA_INT, OFF_SEQ, seq + 2);
        VarHandle.fullFence();
        published.accept(updates.keySet());
    }

    /** Called after each {@link #publish}, with the groups it changed (on the publishing thread). */
    private java.util.function.Consumer<java.util.Set<ClockGroup>> published = groups -> {};

    /** Sets what {@link #publish} calls once the new transforms are in place (nested namespaces follow). */
    void onPublish(java.util.function.Consumer<java.util.Set<ClockGroup>> listener) {
        published = listener;
    }

    /** The transform fields as currently in the shared page (for tests). */
    ClockTransform readShared(ClockGroup g) {
        long at = OFF_GROUPS + (long) GROUP_SIZE * g.ordinal();
        return new ClockTransform(page.get(ValueLayout.JAVA_LONG, at + G_BASE_REAL),
                page.get(ValueLayout.JAVA_LONG, at + G_BASE_VIRT), page.get(ValueLayout.JAVA_LONG, at + G_MULT),
                page.get(ValueLayout.JAVA_INT, at + G_SHIFT), page.get(ValueLayout.JAVA_INT, at + G_MODE) != MODE_HOST);
    }

    @Override
    public void close() {
        Mman.munmap(mapping);
        Unistd.close(fd);
    }
}
