package dev.timens.clock;

import dev.timens.engine.ArgCondition;
import dev.timens.engine.Notification;
import dev.timens.engine.RemotePtr;
import dev.timens.engine.SyscallOutcome;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.TraceeFault;
import dev.timens.linux.Descriptors;
import dev.timens.linux.Errno;
import dev.timens.linux.Mman;
import dev.timens.linux.ProcStatus;
import dev.timens.linux.SyscallNumbers;
import dev.timens.linux.Unistd;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's own time-namespace interface, for the programs inside, as any
 * user: {@code unshare(CLONE_NEWTIME)} makes a namespace for the caller's
 * children, whose CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets the caller sets
 * by writing /proc/self/timens_offsets until a process enters it; a process
 * enters it at its next exec (the caller's own exec, as with Linux 6.x, or
 * that of a child forked after the unshare). It is a namespace nested in the
 * caller's ({@link TimeNamespace#nest}), so it follows that one's clocks.
 *
 * <p>The file's offsets are from the clocks of the namespace timens made (the
 * "host" of the programs inside), as the kernel's are from the host's: a new
 * namespace starts with those of the caller's namespace for children, and the
 * kernel's errors are kept (EINVAL for what does not parse, ERANGE for a clock
 * that would leave its range, EACCES once a process is in, EPERM where no
 * {@code unshare} made the namespace).
 *
 * <p>How the file is reached: the filter sends every open or openat for
 * writing without O_CREAT (all opens under {@code --proc}); an open of
 * /proc/PID/timens_offsets is answered with a memfd holding the file's text at
 * one of descriptors {@link Timers#CANCELLABLE_FDS}, where the filter sends
 * its writes here. Reads need nothing: the memfd holds the text. The memfd's
 * name says whose file it is, after a tag of this supervisor's, so a write
 * is matched by what the descriptor is (a duplicate taken with pidfd_getfd),
 * never by a number or a path the program could change meanwhile, and
 * nothing is kept here per file.
 */
final class KernelTimeNamespaces {
    static final long CLONE_NEWTIME = 0x80;
    private static final long O_ACCMODE = 3;
    private static final long O_WRONLY = 1;
    private static final long O_RDWR = 2;
    private static final long O_CREAT = 0x40;
    /** O_DIRECTORY, O_PATH (and O_TMPFILE's directory bit): not an open of the file's contents. */
    private static final long NOT_CONTENTS = 0x10000 | 0x200000;
    private static final int MFD_CLOEXEC = 1;
    private static final Pattern OFFSETS_FILE = Pattern.compile("/proc/(self|[0-9]{1,10})/timens_offsets");

    /**
     * A namespace a process made with unshare(CLONE_NEWTIME) for its children.
     * Its offsets may change until {@link #entered} is set, under its lock.
     */
    static final class Unshared {
        final TimeNamespace parent;
        /** The parent's offsets as the file shows them (0 for a namespace timens made). */
        final long parentMonotonic;
        final long parentBoottime;
        /** The effective uid of the process that made it: the one whose writes are granted. */
        final int owner;
        long monotonic;
        long boottime;
        TimeNamespace entered;
        /** A child was forked into it (it may not have read a clock yet): its offsets are fixed. */
        boolean forkedInto;
        /** What stands for it in the process page of a process whose children enter it (clock.h). */
        final long token = TOKENS.nextLong() | 1;

        Unshared(TimeNamespace parent, long parentMonotonic, long parentBoottime, int owner) {
            this.parent = parent;
            this.parentMonotonic = parentMonotonic;
            this.parentBoottime = parentBoottime;
            this.owner = owner;
            this.monotonic = parentMonotonic;
            this.boottime = parentBoottime;
        }

        /** The nested namespace's settings: its offsets from the parent's clocks. */
        ClockSettings settings(long monotonic, long boottime) {
            return new ClockSettings(Optional.empty(), Duration.ZERO, Duration.ofNanos(monotonic - parentMonotonic),
                    Duration.ofNanos(boottime - parentBoottime));
        }
    }

    private static final java.security.SecureRandom TOKENS = new java.security.SecureRandom();
    /** The answer for a process whose namespace for children is the one it is in. */
    private static final Unshared NONE = new Unshared(null, 0, 0, -1);
    /** The namespaces made for children that a process was told to put forked children in, by token. */
    private final Map<Long, Unshared> byToken = new ConcurrentHashMap<>();

    /** Per process: the namespace its children enter (inherited by its children, kept across exec). */
    private final ForChildren forChildren = new ForChildren();
    /** The namespaces made here that a process entered, with what made them. */
    private final Map<TimeNamespace, Unshared> entered = new ConcurrentHashMap<>();
    /** Per namespace, whether one can be nested in it with MONOTONIC, BOOTTIME moved (index bits 0, 1): null, or why not. */
    private final Map<TimeNamespace, Optional<String>[]> nestable = new ConcurrentHashMap<>();
    /** What the names of the memfds given out as timens_offsets files start with. */
    private final String filePrefix = "timens_offsets:" + Long.toHexString(new java.security.SecureRandom().nextLong()) + ":";
    private volatile boolean unshared;
    private volatile boolean filesGiven;

    /**
     * Per process (with its start time, against pid reuse): the namespace its
     * children enter, where it is not the one it is in. A process without an
     * entry has its nearest ancestor's. Entries of gone processes are dropped
     * as the store grows.
     */
    private static final class ForChildren {
        private record Held(long started, Unshared value) {}

        private static final int PRUNE_ABOVE = 4096;
        private final Map<Integer, Held> held = new ConcurrentHashMap<>();

        void put(int pid, Unshared value) {
            if (held.size() > PRUNE_ABOVE) held.entrySet().removeIf(e -> e.getValue().started() != ProcStatus.startTime(e.getKey()));
            held.put(pid, new Held(ProcStatus.startTime(pid), value));
        }

        /** The entry of process {@code pid} itself, if it has one. */
        Unshared own(int pid) {
            Held h = held.get(pid);
            return h != null && h.started() == ProcStatus.startTime(pid) ? h.value() : null;
        }

        /** Thread {@code tid}'s process's, or its nearest ancestor's; NONE when none has one. */
        Unshared of(int tid) {
            int pid = ProcStatus.field(tid, "Tgid:");
            if (pid <= 0) pid = tid;
            for (int depth = 0; depth < 64 && pid > 1; depth++) {
                Unshared u = own(pid);
                if (u != null) return u;
                pid = ProcStatus.field(pid, "PPid:");
            }
            return NONE;
        }

        void remove(int pid) {
            held.remove(pid);
        }

        List<Unshared> live() {
            List<Unshared> live = new java.util.ArrayList<>();
            held.forEach((pid, h) -> {
                if (h.started() == ProcStatus.startTime(pid)) live.add(h.value());
            });
            return live;
        }
    }
    private final java.io.PrintStream diagnostics;

    KernelTimeNamespaces(java.io.PrintStream diagnostics) {
        this.diagnostics = diagnostics;
    }

    /** Whether any process made a namespace for its children: forked ones may have entered one. */
    boolean anyUnshared() {
        return unshared;
    }

    /** unshare with CLONE_NEWTIME; opens for writing; writes at the descriptors the files are given. */
    static SyscallSet syscalls() {
        SyscallSet.Builder b = SyscallSet.builder();
        b.when(SyscallNumbers.UNSHARE, ArgCondition.bitsSet(0, CLONE_NEWTIME));
        b.when(SyscallNumbers.SETNS, ArgCondition.bitsSet(1, CLONE_NEWTIME));
        b.when(SyscallNumbers.SETNS, ArgCondition.equalToInt(1, 0));
        for (long mode : new long[] {O_WRONLY, O_RDWR}) {
            b.notifyWhen(SyscallNumbers.OPENAT, ArgCondition.maskedEquals(2, O_ACCMODE | O_CREAT, mode));
            b.notifyWhen(SyscallNumbers.OPEN, ArgCondition.maskedEquals(1, O_ACCMODE | O_CREAT, mode));
        }
        ArgCondition atFiles = ArgCondition.maskedEquals(0, 0xFFFF_FFFFL & -Timers.CANCELLABLE_COUNT,
                Timers.CANCELLABLE_FDS);
        for (int nr : WRITES) b.notifyWhen(nr, atFiles);
        return b.build();
    }

    private static final int[] WRITES = {SyscallNumbers.WRITE, SyscallNumbers.PWRITE64, SyscallNumbers.WRITEV,
            SyscallNumbers.PWRITEV, SyscallNumbers.PWRITEV2};

    static boolean isWrite(int nr) {
        for (int w : WRITES) if (w == nr) return true;
        return false;
    }

    /**
     * unshare(CLONE_NEWTIME) by a process in {@code current}: a namespace for
     * its children from now on. Other namespaces asked for in the same call
     * are the kernel's to make (the flag is taken out of the call, and put back
     * after it).
     */
    SyscallOutcome unshare(SyscallStop stop, TimeNamespace current) {
        int tgid = stop.tgid();
        long[] base = shown(tgid, current);
        String refusal = nestable(new Unshared(current, base[0], base[1], -1), base[0], base[1]);
        if (refusal != null) {
            diagnostics.println("timens: unshare(CLONE_NEWTIME) in pid " + tgid + " refused (EPERM): " + refusal);
            return SyscallOutcome.error(Errno.EPERM);
        }
        return forChildrenOnSuccess(stop, 0, new Unshared(current, base[0], base[1], euid(stop.tid())), current);
    }

    /**
     * The namespace for the children of {@code stop}'s process becomes
     * {@code u} once the call succeeds: at once when CLONE_NEWTIME (in argument
     * {@code flagsArg}) is all it asks for, else after the kernel did the rest
     * (the flag taken out for it, and put back after).
     */
    private SyscallOutcome forChildrenOnSuccess(SyscallStop stop, int flagsArg, Unshared u, TimeNamespace current) {
        long flags = stop.arg(flagsArg);
        int tgid = stop.tgid();
        int tid = stop.tid();
        if (flags == CLONE_NEWTIME) {
            madeBy(tgid, u, tid, current);
            return SyscallOutcome.returning(0);
        }
        stop.setArg(flagsArg, flags & ~CLONE_NEWTIME);
        stop.atExit(exit -> {
            exit.setArg(flagsArg, flags);
            if (exit.result() == 0) madeBy(tgid, u, tid, current);
        });
        return SyscallOutcome.proceed();
    }

    /**
     * setns with CLONE_NEWTIME (or 0, any kind): into the namespace of the
     * process a pidfd names, from its next exec on (its children's too); the
     * rest of a pidfd's namespaces are the kernel's to join. A descriptor of
     * /proc/PID/ns/time cannot say which of timens's namespaces it stands for
     * (every process inside is in the host's kernel namespace): it joins the
     * outermost where nothing is nested, and is refused (EPERM) otherwise.
     */
    SyscallOutcome setns(SyscallStop stop, TimeNamespace current, IntFunction<TimeNamespace> namespaceOf,
                         boolean nothingNested) {
        int fd = (int) stop.arg(0);
        long flags = stop.arg(1);
        String link;
        try {
            link = Files.readSymbolicLink(Path.of("/proc/" + stop.tid() + "/fd/" + fd)).toString();
        } catch (IOException e) {
            return SyscallOutcome.proceed(); // no such descriptor: the kernel says EBADF
        }
        int tgid = stop.tgid();
        if (link.startsWith("time:[") || link.startsWith("time_for_children:[")) {
            if (flags != 0 && flags != CLONE_NEWTIME) return SyscallOutcome.proceed(); // EINVAL, the kernel's
            if (nothingNested) return SyscallOutcome.returning(0); // the only namespace there is, the caller's own
            diagnostics.println("timens: setns of pid " + tgid + " on " + link + " refused (EPERM): timens cannot tell"
                    + " which of its namespaces that descriptor stands for; a pidfd of a process in it can");
            return SyscallOutcome.error(Errno.EPERM);
        }
        if (!link.equals("anon_inode:[pidfd]") || (flags & CLONE_NEWTIME) == 0) return SyscallOutcome.proceed();
        if (ProcStatus.field(stop.tid(), "Threads:") > 1) return SyscallOutcome.error(Errno.EUSERS);
        int target = pidOfPidfd(stop.tid(), fd);
        if (target <= 0) return SyscallOutcome.error(Errno.ESRCH);
        int euid = euid(stop.tid());
        if (euid != 0 && euid != euid(target)) return SyscallOutcome.error(Errno.EPERM);
        TimeNamespace into = namespaceOf.apply(target);
        Unshared joined = entered.get(into);
        if (joined == null) {
            joined = new Unshared(into.parent(), 0, 0, euid);
            joined.entered = into;
        }
        return forChildrenOnSuccess(stop, 1, joined, current);
    }

    /** The process pidfd {@code fd} of thread {@code tid} names (fdinfo's Pid:), or -1 once it has ended. */
    private static int pidOfPidfd(int tid, int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + tid + "/fdinfo/" + fd))) {
                if (line.startsWith("Pid:")) return Integer.parseInt(line.substring(4).trim());
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * {@code made} is the namespace for the children of {@code tgid} from now
     * on; not of those it has already. Those it forks enter it at their first
     * clock read ({@link TimeNamespace#armForkCheck}), those it starts at their exec.
     */
    private void madeBy(int tgid, Unshared made, int tid, TimeNamespace current) {
        unshared = true;
        for (int child : children(tgid)) {
            if (forChildren.own(child) == null) forChildren.put(child, forChildren.of(child)); // kept as they are
        }
        forChildren.put(tgid, made);
        byToken.put(made.token, made);
        current.armForkCheck(tid, tgid, made.token);
    }

    /**
     * FORKED_SYSCALL: thread {@code tid}, of a process forked by one whose
     * children enter the namespace {@code token} stands for, reads a clock for
     * the first time: the namespace it is in from now on (made on first
     * entry), or null to stay where it is (an unknown token, or one that
     * cannot be made, which is said).
     */
    TimeNamespace forked(long token, int tid, java.util.function.Consumer<TimeNamespace> made) {
        Unshared u = byToken.get(token);
        if (u == null) return null;
        TimeNamespace ns = enter(u, tid, made);
        int process = ProcStatus.field(tid, "Tgid:");
        // In it now, its children too, wherever it is moved.
        if (ns != null && process > 0 && forChildren.own(process) == null) forChildren.put(process, u);
        return ns;
    }

    /** The offsets /proc/PID/timens_offsets of process {@code tgid}, in {@code current}, shows now. */
    private long[] shown(int tgid, TimeNamespace current) {
        Unshared u = unshared ? forChildren.of(tgid) : NONE;
        if (u == NONE) u = entered.getOrDefault(current, NONE);
        synchronized (u) {
            return new long[] {u.monotonic, u.boottime};
        }
    }

    /**
     * Null when {@code u}'s parent can have a namespace nested with these
     * offsets; else why not. Found once per parent and set of moved clocks (a
     * trial nesting builds a clock image): it depends on nothing that changes.
     */
    @SuppressWarnings("unchecked")
    private String nestable(Unshared u, long monotonic, long boottime) {
        int moved = (monotonic != u.parentMonotonic ? 1 : 0) | (boottime != u.parentBoottime ? 2 : 0);
        Optional<String>[] known = nestable.computeIfAbsent(u.parent, p -> new Optional[4]);
        synchronized (known) {
            if (known[moved] == null) {
                String why;
                try {
                    u.parent.nest(u.settings(u.parentMonotonic + (moved & 1), u.parentBoottime + (moved >> 1))).close();
                    why = null;
                } catch (RuntimeException e) {
                    why = e.getMessage();
                }
                known[moved] = Optional.ofNullable(why);
            }
            return known[moved].orElse(null);
        }
    }

    /** {@code ns} was retired: nothing enters it any more. */
    void forget(TimeNamespace ns) {
        entered.remove(ns);
        byToken.values().removeIf(u -> u.entered == ns);
        nestable.remove(ns);
    }

    /**
     * The namespace thread {@code tid}, about to run its new program, enters
     * (the namespace for its children, made on first entry), or null to stay in
     * {@code current}. On the tracer thread.
     */
    TimeNamespace atExec(int tid, TimeNamespace current, java.util.function.Consumer<TimeNamespace> made) {
        if (!unshared) return null;
        Unshared u = forChildren.of(tid);
        if (u == NONE) return null;
        TimeNamespace ns = enter(u, tid, made);
        if (ns == null) {
            forChildren.put(tid, NONE);
            return null;
        }
        if (ns != current) forChildren.put(tid, u); // in it now, its children too, wherever they are moved
        return ns == current ? null : ns;
    }

    /** The namespace {@code u} stands for, made on first entry (by thread {@code tid}); null when it cannot be made. */
    private TimeNamespace enter(Unshared u, int tid, java.util.function.Consumer<TimeNamespace> made) {
        synchronized (u) {
            if (u.entered == null) {
                try {
                    TimeNamespace child = u.parent.nest(u.settings(u.monotonic, u.boottime));
                    String refusal = u.parent.adoptNow(child);
                    if (refusal != null) {
                        child.close();
                        throw new IllegalArgumentException(refusal);
                    }
                    u.entered = child;
                } catch (RuntimeException e) {
                    diagnostics.println("timens: pid " + tid + " stays in its namespace: the one it unshared cannot be"
                            + " made (" + e.getMessage() + ")");
                    return null;
                }
                entered.put(u.entered, u);
                made.accept(u.entered);
            }
            return u.entered;
        }
    }

    /** The namespaces a process would enter at its exec: not to be retired while it runs. */
    List<TimeNamespace> held() {
        if (!unshared) return List.of();
        return forChildren.live().stream().filter(u -> u != NONE && u.entered != null).map(u -> u.entered).toList();
    }

    /** A fork under engine v1, which reports them: the child's namespace for children is its parent's. */
    void taskCreated(int parent, int child, boolean thread) {
        if (!unshared || thread) return;
        Unshared u = forChildren.of(parent);
        if (u != NONE) forChildren.put(child, u); // kept if it is moved to another parent
    }

    void taskExited(int tid) {
        forChildren.remove(tid);
    }

    /**
     * An open that the filter sent for its flags: answered here when it opens
     * a timens_offsets file, else false (the caller lets it run).
     */
    boolean open(Notification call, IntFunction<TimeNamespace> namespaceOf) {
        try {
            long flags = ProcTimes.flags(call);
            if ((flags & NOT_CONTENTS) != 0) return false;
            String path = ProcTimes.absolutePath(call, "timens_offsets");
            if (path == null) return false;
            Matcher m = OFFSETS_FILE.matcher(path);
            if (!m.matches() || !ProcTimes.findsOurProcesses(call.tid())) return false;
            int caller = ProcStatus.field(call.tid(), "Tgid:");
            int target = m.group(1).equals("self") ? caller : Integer.parseInt(m.group(1));
            if (target <= 0 || ProcStatus.field(target, "Tgid:") != target) return false;
            int fsuid = ProcTimes.fsuid(call.tid());
            if (fsuid != 0 && ProcStatus.field(target, "Uid:") != fsuid) return false; // the kernel's to refuse
            long[] offsets = shown(target, namespaceOf.apply(target));
            byte[] text = TimensOffsets.show(offsets[0], offsets[1]).getBytes(StandardCharsets.US_ASCII);
            long mode = flags & O_ACCMODE;
            int slot = mode == 0 ? -1 : Timers.freeCancellableFd(call.tid());
            if (mode != 0 && (slot < 0 || slot >= openFileLimit(call.tid()))) {
                diagnostics.println("timens: pid " + caller + " opened " + path + " with descriptors "
                        + Timers.CANCELLABLE_FDS + "-" + (Timers.CANCELLABLE_FDS + Timers.CANCELLABLE_COUNT - 1)
                        + " all taken or beyond its limit: its writes go to the kernel, which refuses them");
                return false;
            }
            // Read-only for the program whatever it asked for: a write through a copy of it at
            // another number, which the filter does not send here, fails (EBADF), never lands in
            // the memfd unseen. What it asked for is in the name.
            int fd = file(filePrefix + target + ":" + ProcStatus.startTime(target) + ":" + (mode == 0 ? "r" : "w"),
                    text, 0);
            try {
                filesGiven = true;
                call.answerWithDescriptorAt(fd, slot, (flags & Unistd.O_CLOEXEC) != 0 ? Unistd.O_CLOEXEC : 0);
            } finally {
                Unistd.close(fd);
            }
            return true;
        } catch (TraceeFault | IOException | RuntimeException e) {
            return false; // a bad pointer, a process gone: the kernel says what it says
        }
    }

    /** RLIMIT_NOFILE's soft limit of thread {@code tid} (/proc/TID/limits); no descriptor may be placed at it or above. */
    private static long openFileLimit(int tid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + tid + "/limits"))) {
                if (!line.startsWith("Max open files")) continue;
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        } catch (IOException | RuntimeException e) {
            // gone: no limit matters
        }
        return Long.MAX_VALUE;
    }

    /** A descriptor opened {@code mode} (O_RDONLY, O_WRONLY, O_RDWR) of a new memfd {@code name} holding {@code text}. */
    private static int file(String name, byte[] text, int mode) {
        int memfd;
        try (Arena arena = Arena.ofConfined()) {
            memfd = Mman.memfdCreate(arena.allocateFrom(name), MFD_CLOEXEC);
            if (memfd < 0) throw new dev.timens.linux.LinuxException("memfd_create", -memfd);
            try {
                Unistd.pwriteFully(memfd, arena.allocateFrom(ValueLayout.JAVA_BYTE, text), 0);
                return Unistd.open("/proc/self/fd/" + memfd, mode | Unistd.O_CLOEXEC);
            } finally {
                Unistd.close(memfd);
            }
        }
    }

    /**
     * A write, pwrite64, writev, pwritev or pwritev2 at one of the descriptors
     * the files are given: answered here when it is one of those files, else
     * false (the caller lets it run).
     */
    boolean write(Notification call, IntFunction<TimeNamespace> namespaceOf) {
        if (!filesGiven) return false;
        int own = duplicate(call.tid(), (int) call.arg(0));
        if (own < 0) return false;
        try {
            OffsetsFile file = fileOf(own);
            if (file == null) return false;
            int target = file.target();
            long result;
            try {
                result = writeTo(call, own, file, namespaceOf);
                rewrite(own, target, namespaceOf); // before the answer: the program may read at once
            } catch (TimensOffsets.Refused r) {
                result = -r.errno;
            } catch (RuntimeException e) {
                result = -Errno.EBADF; // its process gone meanwhile
            }
            if (result < 0) call.answerWithError((int) -result);
            else call.answer(result);
            return true;
        } finally {
            Unistd.close(own);
        }
    }

    /** The kernel's answer to the write {@code call} makes to the file {@code own} is a duplicate of. */
    private long writeTo(Notification call, int own, OffsetsFile file, IntFunction<TimeNamespace> namespaceOf)
            throws TimensOffsets.Refused {
        int target = file.target();
        if (target < 0) throw new TimensOffsets.Refused(Errno.ESRCH);
        int nr = call.number();
        long position = call.arg(3);
        if (nr == SyscallNumbers.PWRITE64 || nr == SyscallNumbers.PWRITEV
                || (nr == SyscallNumbers.PWRITEV2 && position != -1)) {
            // The kernel's file cannot be written at a position (no FMODE_PWRITE).
            throw new TimensOffsets.Refused(position < 0 ? Errno.EINVAL : Errno.ESPIPE);
        }
        if (!file.writable()) throw new TimensOffsets.Refused(Errno.EBADF);
        long at = Unistd.position(own);
        if (nr == SyscallNumbers.WRITE) return writeOnce(call, target, at, call.pointerArg(1), call.arg(2), namespaceOf);
        return writeVector(call, target, at, namespaceOf);
    }

    /** This process's duplicate of descriptor {@code fd} of thread {@code tid}'s process, or -1. */
    private static int duplicate(int tid, int fd) {
        int pidfd = Descriptors.pidfdOpen(ProcStatus.field(tid, "Tgid:"));
        if (pidfd < 0) return -1;
        try {
            int own = Descriptors.pidfdGetfd(pidfd, fd);
            return own < 0 ? -1 : own;
        } finally {
            Unistd.close(pidfd);
        }
    }

    /** A timens_offsets file given out: whose (-1: a process gone since), and whether it was opened for writing. */
    private record OffsetsFile(int target, boolean writable) {}

    /**
     * The timens_offsets file {@code own} is, when it is one this supervisor
     * made (its memfd's name says so, and whose it is); null for any other.
     */
    private OffsetsFile fileOf(int own) {
        String name;
        try {
            name = Files.readSymbolicLink(Path.of("/proc/self/fd/" + own)).toString();
        } catch (IOException e) {
            return null;
        }
        String prefix = "/memfd:" + filePrefix;
        if (!name.startsWith(prefix)) return null;
        String[] whose = name.substring(prefix.length()).split("[: ]");
        try {
            int pid = Integer.parseInt(whose[0]);
            boolean alive = ProcStatus.startTime(pid) == Long.parseLong(whose[1]);
            return new OffsetsFile(alive ? pid : -1, whose[2].equals("w"));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** writev: each buffer is one write of its own, as the kernel runs them for a file with no vector write. */
    private long writeVector(Notification call, int target, long position, IntFunction<TimeNamespace> namespaceOf)
            throws TimensOffsets.Refused {
        long count = call.arg(2);
        if (count < 0 || count > 1024) throw new TimensOffsets.Refused(Errno.EINVAL); // UIO_MAXIOV
        ByteBuffer iov;
        try {
            iov = ByteBuffer.wrap(call.memory().read(call.pointerArg(1), (int) count * 16))
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (TraceeFault e) {
            throw new TimensOffsets.Refused(Errno.EFAULT);
        }
        for (int i = 0; i < count; i++) {
            if (iov.getLong(16 * i + 8) < 0) throw new TimensOffsets.Refused(Errno.EINVAL); // checked before any is written
        }
        long total = 0;
        for (int i = 0; i < count; i++) {
            long base = iov.getLong(16 * i);
            long length = iov.getLong(16 * i + 8);
            if (length == 0) continue;
            long n;
            try {
                n = writeOnce(call, target, position, new RemotePtr(base), length, namespaceOf);
            } catch (TimensOffsets.Refused r) {
                if (total == 0) throw r;
                break;
            }
            total += n;
            if (n < length) break;
        }
        return total;
    }

    private long writeOnce(Notification call, int target, long position, RemotePtr buffer, long count,
                           IntFunction<TimeNamespace> namespaceOf) throws TimensOffsets.Refused {
        if (position != 0 || Long.compareUnsigned(count, TimensOffsets.MAX_WRITE) >= 0) {
            throw new TimensOffsets.Refused(Errno.EINVAL);
        }
        byte[] bytes;
        try {
            bytes = call.memory().read(buffer, (int) count);
        } catch (TraceeFault e) {
            throw new TimensOffsets.Refused(Errno.EFAULT);
        }
        TimensOffsets written = TimensOffsets.parse(bytes);
        set(target, written.offsets(), call.tid(), namespaceOf);
        return written.written();
    }

    /** The kernel's proc_timens_set_offset, for the namespace for children of process {@code target}. */
    private void set(int target, List<TimensOffsets.Offset> offsets, int writer, IntFunction<TimeNamespace> namespaceOf)
            throws TimensOffsets.Refused {
        if (ProcStatus.startTime(target) <= 0) throw new TimensOffsets.Refused(Errno.ESRCH);
        Unshared u = unshared ? forChildren.of(target) : NONE;
        if (u == NONE) {
            // A namespace timens made (the kernel's: without CAP_SYS_TIME), or one entered already.
            u = entered.get(namespaceOf.apply(target));
            if (u == null) throw new TimensOffsets.Refused(Errno.EPERM);
        }
        int euid = euid(writer);
        if (euid != 0 && euid != u.owner) throw new TimensOffsets.Refused(Errno.EPERM);
        Map<ClockGroup, Long> nanos = new EnumMap<>(ClockGroup.class);
        for (TimensOffsets.Offset o : offsets) {
            if (o.seconds() > TimensOffsets.KTIME_SEC_MAX || o.seconds() < -TimensOffsets.KTIME_SEC_MAX) {
                throw new TimensOffsets.Refused(Errno.ERANGE);
            }
            long shownParent = o.clock() == ClockGroup.MONOTONIC ? u.parentMonotonic : u.parentBoottime;
            // The clock the file's offsets are from: the parent's, less its own offset (a namespace
            // joined with setns that timens made outermost has none: its own).
            TimeNamespace from = u.parent != null ? u.parent : u.entered;
            long base = from.clockPage().now(o.clock()) - shownParent;
            long offset;
            long clock;
            try {
                offset = Math.addExact(Math.multiplyExact(o.seconds(), 1_000_000_000L), o.nanos());
                clock = Math.addExact(base, offset);
            } catch (ArithmeticException e) {
                throw new TimensOffsets.Refused(Errno.ERANGE);
            }
            long seconds = Math.floorDiv(clock, 1_000_000_000L);
            if (seconds < 0 || seconds > TimensOffsets.KTIME_SEC_MAX / 2) throw new TimensOffsets.Refused(Errno.ERANGE);
            nanos.put(o.clock(), offset);
        }
        long monotonic;
        long boottime;
        if (!u.forkedInto && forkedInto(target, u)) u.forkedInto = true; // as the kernel's fork enters it
        synchronized (u) {
            if (u.entered != null || u.forkedInto) throw new TimensOffsets.Refused(Errno.EACCES);
            monotonic = nanos.getOrDefault(ClockGroup.MONOTONIC, u.monotonic);
            boottime = nanos.getOrDefault(ClockGroup.BOOTTIME, u.boottime);
        }
        String refusal = nestable(u, monotonic, boottime);
        if (refusal != null) {
            diagnostics.println("timens: pid " + writer + " cannot set those time namespace offsets (EPERM): "
                    + refusal);
            throw new TimensOffsets.Refused(Errno.EPERM);
        }
        synchronized (u) {
            if (u.entered != null || u.forkedInto) throw new TimensOffsets.Refused(Errno.EACCES);
            u.monotonic = monotonic;
            u.boottime = boottime;
        }
    }

    /** After a write: the file's text says what is set now, for a read from its start. */
    private void rewrite(int own, int target, IntFunction<TimeNamespace> namespaceOf) {
        long[] offsets = shown(target, namespaceOf.apply(target));
        byte[] text = TimensOffsets.show(offsets[0], offsets[1]).getBytes(StandardCharsets.US_ASCII);
        // A writable descriptor of our own duplicate's memfd (the program's is read-only).
        int writable = Unistd.open("/proc/self/fd/" + own, (int) O_RDWR | Unistd.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            Unistd.ftruncate(writable, 0);
            Unistd.pwriteFully(writable, arena.allocateFrom(ValueLayout.JAVA_BYTE, text), 0);
        } finally {
            Unistd.close(writable);
        }
    }

    /** The effective uid of thread {@code tid}, or -1 when it is gone. */
    private static int euid(int tid) {
        String[] uids = ProcStatus.values(Integer.toString(tid), "Uid:");
        try {
            return uids == null || uids.length < 2 ? -1 : Integer.parseInt(uids[1]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Whether process {@code tgid} has a child it forked into {@code u}: one
     * with no entry of its own (the children it had when it made {@code u}
     * got one, kept as they were), or with {@code u} (engine v1 sees forks).
     */
    private boolean forkedInto(int tgid, Unshared u) {
        for (int child : children(tgid)) {
            Unshared own = forChildren.own(child);
            if (own == null || own == u) return true;
        }
        return false;
    }

    /** The children process {@code tgid}'s threads have now. */
    private static List<Integer> children(int tgid) {
        List<Integer> children = new java.util.ArrayList<>();
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/" + tgid + "/task"))) {
            for (Path task : tasks) {
                String list = Files.readString(task.resolve("children")).trim();
                if (list.isEmpty()) continue;
                for (String pid : list.split(" ")) children.add(Integer.parseInt(pid));
            }
        } catch (IOException | RuntimeException e) {
            // gone, or no /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN): none known
        }
        return children;
    }
}
