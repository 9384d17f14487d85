package dev.timens.clock;

import dev.timens.engine.Notification;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.TraceeFault;
import dev.timens.linux.Mman;
import dev.timens.linux.SyscallNumbers;
import dev.timens.linux.Time;
import dev.timens.linux.Unistd;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --proc}: the times /proc reports follow the namespace, as they do in a
 * kernel time namespace: /proc/uptime reads its CLOCK_BOOTTIME, /proc/stat's
 * {@code btime} is its CLOCK_REALTIME minus its CLOCK_BOOTTIME now, and the start
 * time of /proc/PID/stat and /proc/PID/task/TID/stat (field 22, clock ticks
 * since boot) goes through its BOOTTIME transform. So {@code uptime},
 * {@code ps -o lstart}, {@code top} and Java's {@code ProcessHandle.Info.startInstant()}
 * agree with {@code date}.
 *
 * <p>The filter sends every {@code open}, {@code openat} and {@code openat2} to the
 * listener (a round trip each, which is why it is an option). For one of those
 * files opened for reading, the listener answers with a memfd holding the file
 * as the kernel wrote it for timens, rewritten; every other open goes on to the
 * kernel. timens reads those files as it sees them, so it serves them only to
 * a caller that sees the same /proc: the same pid, mount and user namespaces
 * and root directory (no sandbox or chroot of its own), and a path without
 * {@code ..} (resolved by the kernel, across magic links, as timens would not).
 * A /proc/PID/stat only to a caller with timens's own filesystem uid and at
 * least its effective capabilities: what the kernel shows of another process
 * there depends on who reads, and the caller must not see more than natively.
 */
final class ProcTimes {
    private static final int[] CALLS = {SyscallNumbers.OPEN, SyscallNumbers.OPENAT, SyscallNumbers.OPENAT2};
    private static final int AT_FDCWD = -100;
    private static final int PATH_MAX = 4096;
    private static final long O_ACCMODE = 3;
    /** O_CREAT, O_TRUNC, O_DIRECTORY, O_PATH, O_TMPFILE's directory bit: not a plain read of a file. */
    private static final long NOT_A_READ = 0x40 | 0x200 | 0x10000 | 0x200000;
    private static final long O_CLOEXEC = 0x80000;
    private static final int MFD_CLOEXEC = 1;
    /** USER_HZ: what /proc counts clock ticks in, 100 on x86_64 whatever the kernel's HZ. */
    private static final long TICKS_PER_SECOND = 100;
    private static final long NANOS_PER_TICK = Time.NANOS / TICKS_PER_SECOND;

    private static final Pattern PROCESS_STAT =
            Pattern.compile("/proc/(self|thread-self|[0-9]{1,10})(/task/([0-9]{1,10}))?/stat");
    private static final Pattern BTIME = Pattern.compile("(?m)^btime [0-9]+$");

    private final ClockPage page;
    private final int uid = Unistd.geteuid();
    /** timens's own effective capabilities (CapEff), and its namespaces and root: what a caller must match. */
    private final long capabilities;

    private static final String[] VIEW = {"ns/pid", "ns/mnt", "ns/user", "root"};

    ProcTimes(ClockPage page) {
        this.page = page;
        try {
            this.capabilities = capabilities("self");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static SyscallSet syscalls() {
        SyscallSet.Builder b = SyscallSet.builder();
        for (int nr : CALLS) b.notify(nr);
        return b.build();
    }

    static boolean handles(int nr) {
        return nr == SyscallNumbers.OPEN || nr == SyscallNumbers.OPENAT || nr == SyscallNumbers.OPENAT2;
    }

    /** An open: answered with the rewritten file, or let through to the kernel. */
    void open(Notification call) {
        byte[] content;
        long flags;
        try {
            flags = flags(call);
            String file = (flags & O_ACCMODE) == 0 && (flags & NOT_A_READ) == 0 ? file(call) : null;
            content = file == null ? null : content(file, call.tid());
        } catch (TraceeFault | IOException | RuntimeException e) {
            // A bad pointer, a process gone, a file that vanished: the kernel says what it says.
            content = null;
            flags = 0;
        }
        int memfd = -1;
        try {
            if (content != null) memfd = memfd(content);
        } catch (RuntimeException e) {
            // No memory for it: the kernel's own file is better than none.
        }
        if (memfd < 0) {
            call.proceed();
            return;
        }
        try {
            call.answerWithDescriptor(memfd, (flags & O_CLOEXEC) != 0 ? Unistd.O_CLOEXEC : 0);
        } finally {
            Unistd.close(memfd);
        }
    }

    static long flags(Notification call) throws TraceeFault {
        return switch (call.number()) {
            case SyscallNumbers.OPEN -> call.arg(1);
            case SyscallNumbers.OPENAT -> call.arg(2);
            default -> {
                // openat2: struct open_how {u64 flags, mode, resolve}. A RESOLVE_* rule
                // is the kernel's to apply: such an open reads as not a plain read.
                byte[] how = call.memory().read(call.pointerArg(2), 24);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(how).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                yield b.getLong(16) == 0 ? b.getLong(0) : NOT_A_READ;
            }
        };
    }

    /** The absolute path the call opens, if it may be one of the files rewritten here; else null. */
    private static String file(Notification call) throws TraceeFault {
        return absolutePath(call, "stat", "uptime");
    }

    /**
     * The absolute path under /proc that an open, openat or openat2 opens, if it
     * ends with one of {@code endings}; else null (also for a path with
     * {@code ..}, which the kernel resolves across magic links as this would not).
     */
    static String absolutePath(Notification call, String... endings) throws TraceeFault {
        boolean at = call.number() != SyscallNumbers.OPEN;
        byte[] bytes = call.memory().readCString(call.pointerArg(at ? 1 : 0), PATH_MAX);
        String path = new String(bytes, StandardCharsets.UTF_8);
        // Cheap first: most opens are of other files.
        boolean wanted = false;
        for (String ending : endings) wanted |= path.endsWith(ending);
        if (!wanted) return null;
        if (("/" + path + "/").contains("/../")) return null;
        if (!path.startsWith("/")) {
            int dirfd = at ? (int) call.arg(0) : AT_FDCWD;
            String base = link(call.tid(), dirfd == AT_FDCWD ? "cwd" : "fd/" + dirfd);
            if (base == null || !base.startsWith("/proc")) return null;
            path = base + "/" + path;
        }
        String normal = Path.of(path).normalize().toString();
        return normal.startsWith("/proc/") ? normal : null;
    }

    private static String link(int tid, String name) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + tid + "/" + name)).toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** What {@code file} reads in the namespace, for thread {@code tid}; null: the kernel's own is right. */
    private byte[] content(String file, int tid) throws IOException {
        boolean uptime = file.equals("/proc/uptime");
        boolean stat = file.equals("/proc/stat");
        Matcher m = PROCESS_STAT.matcher(file);
        if (!uptime && !stat && !m.matches()) return null;
        if (!seesOurProc(tid)) return null;
        if (uptime) return uptime();
        if (stat) return stat();
        // What it would see of another process may differ from what we see.
        if (fsuid(tid) != uid || (capabilities(Integer.toString(tid)) & capabilities) != capabilities) return null;
        String process = switch (m.group(1)) {
            case "self" -> Integer.toString(tgid(tid));
            case "thread-self" -> tgid(tid) + "/task/" + tid;
            default -> m.group(1);
        };
        String real = "/proc/" + process + (m.group(2) == null ? "" : m.group(2)) + "/stat";
        return processStat(Files.readString(Path.of(real), StandardCharsets.ISO_8859_1))
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private byte[] uptime() throws IOException {
        // "UPTIME IDLE\n": the namespace's BOOTTIME; idle time is the CPUs', left as it is.
        String[] host = Files.readString(Path.of("/proc/uptime")).trim().split(" ");
        long boottime = now(ClockGroup.BOOTTIME);
        long hundredths = Math.max(0, boottime) / (Time.NANOS / 100);
        String idle = host.length > 1 ? host[1] : "0.00";
        return String.format(java.util.Locale.ROOT, "%d.%02d %s%n", hundredths / 100, hundredths % 100, idle)
                .getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] stat() throws IOException {
        String host = Files.readString(Path.of("/proc/stat"), StandardCharsets.ISO_8859_1);
        long btime = Math.floorDiv(now(ClockGroup.REALTIME) - now(ClockGroup.BOOTTIME), Time.NANOS);
        return BTIME.matcher(host).replaceFirst("btime " + btime).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** /proc/PID/stat with its start time (field 22) on the namespace's BOOTTIME. */
    String processStat(String host) {
        int close = host.lastIndexOf(')');
        if (close < 0 || close + 2 > host.length()) return host;
        String[] fields = host.substring(close + 2).split(" ", -1);
        if (fields.length < 20) return host;
        long ticks = Long.parseLong(fields[19]);
        long started = page.transform(ClockGroup.BOOTTIME).apply(Math.multiplyExact(ticks, NANOS_PER_TICK));
        fields[19] = Long.toString(Math.max(0, started) / NANOS_PER_TICK);
        return host.substring(0, close + 2) + String.join(" ", fields);
    }

    private long now(ClockGroup group) {
        return page.now(group);
    }

    /** Whether thread {@code tid} sees the /proc timens sees: the same pid, mount and user namespaces and root. */
    static boolean seesOurProc(int tid) {
        return viewOf(Integer.toString(tid)).equals(OWN_VIEW);
    }

    /**
     * Whether thread {@code tid} finds the same processes under /proc as timens:
     * the same pid and mount namespaces and root (a user namespace of its own
     * changes what it may see, not which process a number is).
     */
    static boolean findsOurProcesses(int tid) {
        List<String> view = viewOf(Integer.toString(tid));
        return view.get(0) != null && view.get(0).equals(OWN_VIEW.get(0)) && view.get(1) != null
                && view.get(1).equals(OWN_VIEW.get(1)) && java.util.Objects.equals(view.get(3), OWN_VIEW.get(3));
    }

    private static final java.util.List<String> OWN_VIEW = viewOf("self");

    /** Where the namespaces and root of process {@code pid} ("self" for timens) lead; unreadable ones as null. */
    private static java.util.List<String> viewOf(String pid) {
        java.util.List<String> targets = new java.util.ArrayList<>();
        for (String link : VIEW) {
            try {
                targets.add(Files.readSymbolicLink(Path.of("/proc/" + pid + "/" + link)).toString());
            } catch (IOException e) {
                targets.add(null);
            }
        }
        return targets;
    }

    private static int tgid(int tid) throws IOException {
        return (int) number(Integer.toString(tid), "Tgid:", 0, 10);
    }

    /** The caller's filesystem uid, which the kernel checks /proc reads against. */
    static int fsuid(int tid) throws IOException {
        return (int) number(Integer.toString(tid), "Uid:", 3, 10);
    }

    /** The effective capabilities (CapEff) of {@code pid} ("self" for timens). */
    private static long capabilities(String pid) throws IOException {
        return number(pid, "CapEff:", 0, 16);
    }

    private static long number(String pid, String key, int index, int radix) throws IOException {
        String[] values = dev.timens.linux.ProcStatus.values(pid, key);
        if (values == null || values.length <= index) throw new IOException("no " + key + " in /proc/" + pid + "/status");
        return Long.parseUnsignedLong(values[index], radix);
    }

    /** A close-on-exec memfd holding {@code content}, its offset at 0. */
    private static int memfd(byte[] content) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Mman.memfdCreate(arena.allocateFrom("timens-proc"), MFD_CLOEXEC);
            if (fd < 0) throw new dev.timens.linux.LinuxException("memfd_create", -fd);
            try {
                // pwrite: the offset stays at 0 for the caller, who shares it.
                Unistd.pwriteFully(fd, arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, content), 0);
            } catch (RuntimeException e) {
                Unistd.close(fd);
                throw e;
            }
            return fd;
        }
    }
}
