package dev.timens.clock;

import dev.timens.linux.SyscallNumbers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a traced thread is doing right now, as {@code --warp} sees it: waiting
 * for something inside the namespace or for time (the clocks may jump), or
 * active (running, stopped, or waiting for the world outside: the clocks must
 * keep real time). Read from /proc/TID/stat (the scheduler state) and
 * /proc/TID/syscall (the syscall a blocked thread is in, with its arguments),
 * which the kernel shows to the thread's tracer.
 */
final class TaskActivity {
    /** One thread, at one instant. */
    sealed interface State permits Gone, Active, Waiting {}

    /** Exited, or a thread whose end holds nothing up: it waits for nothing. */
    record Gone() implements State {}

    /** Running, runnable, stopped, in a ptrace stop, or in I/O with the outside. */
    record Active() implements State {}

    /** Blocked in syscall {@code args[0]} with arguments {@code args[1..6]}, for the namespace or for time. */
    record Waiting(long[] args) implements State {
        int number() {
            return (int) args[0];
        }

        long arg(int index) {
            return args[1 + index];
        }
    }

    static final State GONE = new Gone();
    static final State ACTIVE = new Active();

    /**
     * Syscalls that wait for another process or thread of the namespace, for a
     * signal, or for time: a thread blocked in one holds no clock back.
     */
    private static final Set<Integer> INSIDE_WAITS = Set.of(SyscallNumbers.FUTEX, SyscallNumbers.FUTEX_WAITV,
            SyscallNumbers.WAIT4, SyscallNumbers.WAITID, SyscallNumbers.PAUSE, SyscallNumbers.RT_SIGSUSPEND,
            SyscallNumbers.RT_SIGTIMEDWAIT, SyscallNumbers.NANOSLEEP, SyscallNumbers.CLOCK_NANOSLEEP,
            SyscallNumbers.RESTART_SYSCALL, SyscallNumbers.SEMOP, SyscallNumbers.SEMTIMEDOP, SyscallNumbers.MSGSND,
            SyscallNumbers.MSGRCV, SyscallNumbers.MQ_TIMEDSEND, SyscallNumbers.MQ_TIMEDRECEIVE, SyscallNumbers.FLOCK,
            SyscallNumbers.FCNTL);
    /** A vfork parent sleeps (uninterruptibly) until its child execs or exits. */
    private static final Set<Integer> VFORK_WAITS = Set.of(SyscallNumbers.VFORK, SyscallNumbers.CLONE,
            SyscallNumbers.CLONE3);
    /** Reads and writes: waiting inside the namespace when on a pipe of its own. */
    private static final Set<Integer> PIPE_IO = Set.of(SyscallNumbers.READ, SyscallNumbers.READV,
            SyscallNumbers.WRITE, SyscallNumbers.WRITEV);

    /** Untimed waits on a set of descriptors: waiting inside when every descriptor is inside. */
    private static final Set<Integer> DESCRIPTOR_WAITS = Set.of(SyscallNumbers.POLL, SyscallNumbers.PPOLL,
            SyscallNumbers.SELECT, SyscallNumbers.PSELECT6, SyscallNumbers.EPOLL_WAIT, SyscallNumbers.EPOLL_PWAIT,
            SyscallNumbers.EPOLL_PWAIT2);
    /** Descriptors whose events come from the namespace or from time: timers, signals, counters, process exits. */
    private static final Set<String> INSIDE_KINDS = Set.of("anon_inode:[timerfd]", "anon_inode:[eventfd]",
            "anon_inode:[signalfd]", "anon_inode:[pidfd]");
    /** More descriptors than this in one wait: not looked at (the wait holds the clocks). */
    private static final int MAX_DESCRIPTORS = 256;

    /** What the descriptors of a thread are, and what its memory holds, from /proc. */
    @FunctionalInterface
    interface Descriptors {
        /** The link's target ("pipe:[1234]", "socket:[..]", "/dev/pts/0"), or null when it is gone. */
        String target(int tid, int fd);

        /** The descriptors epoll instance {@code epfd} of the thread watches ("tfd:" lines of its fdinfo), or null. */
        default int[] watchedBy(int tid, int epfd) {
            List<Integer> fds = new ArrayList<>();
            String info = read(Path.of("/proc/" + tid + "/fdinfo/" + epfd));
            if (info == null) return null;
            for (String line : info.split("\n")) {
                if (!line.startsWith("tfd:")) continue;
                String[] f = line.substring(4).trim().split("\\s+");
                try {
                    fds.add(Integer.parseInt(f[0]));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return fds.stream().mapToInt(Integer::intValue).toArray();
        }

        /** {@code length} bytes of the thread's memory at {@code address}, or null. */
        default byte[] memory(int tid, long address, int length) {
            try (FileChannel mem = FileChannel.open(Path.of("/proc/" + tid + "/mem"), StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.allocate(length);
                while (b.hasRemaining()) {
                    if (mem.read(b, address + b.position()) <= 0) return null;
                }
                return b.array();
            } catch (IOException | IllegalArgumentException e) {
                return null;
            }
        }
    }

    private final Set<String> outsidePipes;
    private final Descriptors descriptors;
    /**
     * Whether the waits it looks at may be notifications still waiting for the
     * supervisor's answer (engine v2 hands them to the seccomp listener): such
     * a thread is being handled, not waiting, until it is answered.
     */
    private volatile boolean notified;
    /**
     * How many /proc files (and descriptor links, and reads of a thread's memory)
     * it has read: what watching the namespace costs (--stats).
     */
    private final java.util.concurrent.atomic.LongAdder reads = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param outsidePipes pipes that lead out of the namespace ("pipe:[N]" links:
     *                     the supervisor's own stdin, stdout, stderr and the
     *                     descriptors it passed on), so waiting on them is
     *                     waiting for the outside
     */
    TaskActivity(Set<String> outsidePipes, Descriptors descriptors) {
        this.outsidePipes = Set.copyOf(outsidePipes);
        this.descriptors = descriptors;
    }

    /** Reads it from /proc, with the pipes the supervisor holds as the way out. */
    static TaskActivity fromProc(Set<Integer> passedFds) {
        java.util.Set<String> pipes = new java.util.HashSet<>();
        java.util.Set<Integer> fds = new java.util.HashSet<>(passedFds);
        fds.addAll(Set.of(0, 1, 2));
        for (int fd : fds) {
            String target = link(Path.of("/proc/self/fd/" + fd));
            if (target != null && target.startsWith("pipe:")) pipes.add(target);
        }
        return new TaskActivity(pipes, (tid, fd) -> link(Path.of("/proc/" + tid + "/fd/" + fd)));
    }

    /**
     * From now on, a thread blocked in a wait is first asked whether it is in
     * fact in the seccomp listener's wait (/proc/TID/wchan): one more file for
     * each waiting thread looked at.
     */
    void seeNotifiedWaits() {
        notified = true;
    }

    /** How many /proc files it has read so far. */
    long reads() {
        return reads.sum();
    }

    /**
     * Whether thread {@code tid} is running, runnable or stopped now, from its
     * scheduler state alone (one file): a thread {@link #of} would call active
     * without looking further. False when it sleeps, or cannot be read.
     */
    boolean running(int tid) {
        reads.increment();
        String stat = read(Path.of("/proc/" + tid + "/stat"));
        if (stat == null || stat.isEmpty()) return false;
        char scheduler = schedulerState(stat);
        return scheduler != 'S' && scheduler != 'D' && scheduler != 'Z' && scheduler != 'X' && scheduler != 'x'
                && scheduler != '?';
    }

    /** The state of thread {@code tid} now. */
    State of(int tid) {
        reads.increment();
        String stat = read(Path.of("/proc/" + tid + "/stat"));
        if (stat == null) return GONE;
        reads.increment();
        String syscall = read(Path.of("/proc/" + tid + "/syscall"));
        if (syscall == null) return GONE;
        if (stat.isEmpty() || syscall.isEmpty()) return ACTIVE; // unreadable: hold the clocks to real time
        char scheduler = schedulerState(stat);
        if (scheduler == 'Z') return zombieProcess(stat) ? ACTIVE : GONE;
        // The namespace's door and its monitors wait for timensctl (see timens-exec.c),
        // which is none of the namespace's business: they hold nothing up.
        if (scheduler == 'S' && isDoor(stat)) return GONE;
        State state = classify(tid, scheduler, syscall);
        if (notified && state instanceof Waiting && waitsForSupervisor(tid)) return ACTIVE;
        return state;
    }

    /** Whether /proc/TID/stat's command name is the door's. */
    static boolean isDoor(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        return open >= 0 && close > open && stat.substring(open + 1, close).equals(dev.timens.engine.Launch.DOOR_COMM);
    }

    /** Whether thread {@code tid} sleeps in the seccomp listener's wait for the supervisor's answer. */
    private boolean waitsForSupervisor(int tid) {
        reads.increment();
        String wchan = read(Path.of("/proc/" + tid + "/wchan"));
        return wchan != null && wchan.contains("seccomp");
    }

    /**
     * Whether a zombie is a whole process that has ended: a traced process's end
     * is reported to its tracer first, and its parent, maybe blocked in wait4,
     * learns of it only once the supervisor has taken that report. Until then,
     * the parent is about to wake up. A zombie thread group leader whose other
     * threads still run (num_threads above 1) holds nothing up.
     */
    static boolean zombieProcess(String stat) {
        int close = stat.lastIndexOf(')');
        String[] fields = stat.substring(close + 2).split(" ");
        try {
            return fields.length > 17 && Integer.parseInt(fields[17]) <= 1;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /** The state from the two files' contents. */
    State classify(int tid, char scheduler, String syscall) {
        if (scheduler == 'Z' || scheduler == 'X' || scheduler == 'x') return GONE;
        if (scheduler != 'S' && scheduler != 'D') return ACTIVE;
        long[] args = syscallArgs(syscall);
        if (args == null) return ACTIVE; // running after all, or blocked outside a syscall (a page fault)
        int nr = (int) args[0];
        if (scheduler == 'D') return VFORK_WAITS.contains(nr) ? new Waiting(args) : ACTIVE;
        TimedWait timed = TimedWait.of(nr, i -> args[1 + i]);
        if (timed != null || INSIDE_WAITS.contains(nr)) return new Waiting(args);
        if (PIPE_IO.contains(nr) && inside(tid, (int) args[1])) return new Waiting(args);
        if (DESCRIPTOR_WAITS.contains(nr) && allInside(tid, nr, args)) return new Waiting(args);
        return ACTIVE; // sockets, terminals, files: the outside world
    }

    /** Whether descriptor {@code fd} of the thread brings events only from inside: its own pipes, timers, signals. */
    private boolean inside(int tid, int fd) {
        reads.increment();
        String target = descriptors.target(tid, fd);
        if (target == null) return false;
        if (target.startsWith("pipe:")) return !outsidePipes.contains(target);
        return INSIDE_KINDS.contains(target);
    }

    /** Whether every descriptor an untimed poll, select or epoll wait watches is {@link #inside}. */
    private boolean allInside(int tid, int nr, long[] args) {
        if (nr == SyscallNumbers.EPOLL_WAIT || nr == SyscallNumbers.EPOLL_PWAIT || nr == SyscallNumbers.EPOLL_PWAIT2) {
            reads.increment();
            int[] fds = descriptors.watchedBy(tid, (int) args[1]);
            if (fds == null || fds.length == 0 || fds.length > MAX_DESCRIPTORS) return false;
            for (int fd : fds) if (!inside(tid, fd)) return false;
            return true;
        }
        if (nr == SyscallNumbers.POLL || nr == SyscallNumbers.PPOLL) {
            long count = args[2];
            if (count <= 0 || count > MAX_DESCRIPTORS) return false;
            reads.increment();
            byte[] pollfds = descriptors.memory(tid, args[1], (int) count * 8);
            if (pollfds == null) return false;
            ByteBuffer b = ByteBuffer.wrap(pollfds).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                int fd = b.getInt(i * 8);
                if (fd >= 0 && !inside(tid, fd)) return false; // a negative fd is ignored by poll
            }
            return true;
        }
        // select, pselect6: up to three fd_set bitmaps of nfds bits.
        long nfds = args[1];
        if (nfds <= 0 || nfds > MAX_DESCRIPTORS * 4L) return false;
        boolean any = false;
        for (int set = 2; set <= 4; set++) {
            if (args[set] == 0) continue;
            reads.increment();
            byte[] bits = descriptors.memory(tid, args[set], (int) ((nfds + 63) / 64 * 8));
            if (bits == null) return false;
            for (int fd = 0; fd < nfds; fd++) {
                if ((bits[fd / 8] & (1 << (fd % 8))) == 0) continue;
                if (!inside(tid, fd)) return false;
                any = true;
            }
        }
        return any;
    }

    /**
     * How often the threads have been scheduled in, summed (the third field of
     * /proc/TID/schedstat): a change means one of them ran in between.
     */
    long runs(List<Integer> tids) {
        long sum = 0;
        for (int tid : tids) sum += runs(tid);
        return sum;
    }

    /** How often thread {@code tid} has been scheduled in; 0 when it is gone or unreadable. */
    long runs(int tid) {
        reads.increment();
        String schedstat = read(Path.of("/proc/" + tid + "/schedstat"));
        if (schedstat == null || schedstat.isEmpty()) return 0;
        String[] fields = schedstat.trim().split(" ");
        try {
            return fields.length >= 3 ? Long.parseLong(fields[2]) : 0;
        } catch (NumberFormatException e) {
            return 0; // not a count
        }
    }

    /** The syscall thread {@code tid} is blocked in, as {@link #syscallArgs} gives it; null when none or gone. */
    static long[] currentSyscall(int tid) {
        String syscall = read(Path.of("/proc/" + tid + "/syscall"));
        return syscall == null ? null : syscallArgs(syscall);
    }

    /** The scheduler state of thread {@code tid} ('Z' for a zombie), or '?' when it is gone or unreadable. */
    static char schedulerState(int tid) {
        String stat = read(Path.of("/proc/" + tid + "/stat"));
        return stat == null ? '?' : schedulerState(stat);
    }

    /** The state letter of /proc/TID/stat: the first field after the command name in parentheses. */
    static char schedulerState(String stat) {
        int close = stat.lastIndexOf(')');
        return close < 0 || close + 2 >= stat.length() ? '?' : stat.charAt(close + 2);
    }

    /**
     * The syscall number and six arguments of /proc/TID/syscall ("NR ARG1 .. ARG6
     * SP PC", hexadecimal arguments), or null for "running" and "-1 SP PC".
     */
    static long[] syscallArgs(String syscall) {
        String[] fields = syscall.trim().split(" ");
        if (fields.length < 9) return null;
        try {
            long[] args = new long[7];
            args[0] = Long.parseLong(fields[0]);
            if (args[0] < 0) return null;
            for (int i = 1; i <= 6; i++) {
                String f = fields[i];
                args[i] = Long.parseUnsignedLong(f.startsWith("0x") ? f.substring(2) : f, 16);
            }
            return args;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Room for the files read here (stat, syscall, schedstat: a few hundred bytes), one per thread reading them. */
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(4096));

    /**
     * The file's contents; null when the thread is gone, empty when it cannot be
     * read. Read into a buffer kept for the next read: --warp reads these files
     * at every timed wait, and a buffer sized for any file per read filled the
     * supervisor's heap with garbage.
     */
    private static String read(Path file) {
        ByteBuffer b = BUFFER.get().clear();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining() && channel.read(b) > 0) {
                // /proc generates the file at the first read; a later one continues it
            }
            return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return ""; // EACCES, or ESRCH while it exits: not known to wait
        }
    }

    private static String link(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
