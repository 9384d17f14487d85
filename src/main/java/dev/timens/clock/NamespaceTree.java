package dev.timens.clock;

import dev.timens.engine.ExecStop;
import dev.timens.engine.Notification;
import dev.timens.engine.SyscallOutcome;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.Tool;
import dev.timens.engine.TraceControl;
import dev.timens.linux.Errno;
import dev.timens.linux.Unistd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * The tool a supervisor runs: a namespace, and the namespaces nested in it by
 * {@code timens} run inside ({@link TimeNamespace#nest}). One seccomp listener
 * serves them all, since the kernel gives a process one at most: each call goes
 * to the namespace of the process that makes it.
 *
 * <p>Which namespace a process is in: the one it joined ({@link #JOIN_SYSCALL},
 * made by the first process of a nested namespace before its exec), else the one
 * whose clock image it maps (/proc/PID/maps: a fork maps its parent's), else its
 * parent's, else the outermost. Kept per thread with its start time
 * ({@link ThreadAnswers}); looked up only once something is nested.
 */
public final class NamespaceTree implements Tool {
    /**
     * {@code syscall(PROBE_SYSCALL)}: the pid of the timens that supervises the
     * caller, whose control socket takes the request for a nested namespace; no
     * kernel has the number, so outside timens it fails with ENOSYS.
     */
    public static final int PROBE_SYSCALL = 0x3e00_0003;
    /**
     * {@code syscall(JOIN_SYSCALL, token)}: the caller's process enters the nested
     * namespace {@link #expect} gave {@code token} for; EINVAL for an unknown token.
     */
    public static final int JOIN_SYSCALL = 0x3e00_0004;
    /**
     * {@code syscall(FORKED_SYSCALL, token)}, from the clock code of a process
     * forked by one that made a namespace for its children, at its first clock
     * read: a descriptor of the image of the namespace it enters (clock.h).
     */
    public static final int FORKED_SYSCALL = 0x3e00_0005;

    private final TimeNamespace root;
    private final SyscallSet syscalls;
    private final int supervisorPid;
    /** Nested namespaces waiting for their first process, by token. */
    private final Map<Long, Expected> expected = new ConcurrentHashMap<>();

    /** A token given and not used yet: for which namespace, since when ({@link System#nanoTime}). */
    private record Expected(TimeNamespace namespace, long since) {}

    /**
     * How long a token may wait for its process: the door's child joins first
     * thing after its fork, so one older than this was never going to be used
     * (the fork failed), and must not keep its namespace from being retired.
     */
    private static final long TOKEN_LIFETIME_NANOS = 60_000_000_000L;

    /** The namespaces a nest request is making a namespace in right now, and how many. */
    private final Map<TimeNamespace, Integer> nesting = new java.util.IdentityHashMap<>();
    private final AtomicLong tokens = new AtomicLong(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE);
    private final ThreadAnswers<TimeNamespace> members = new ThreadAnswers<>();
    /** Every nested namespace, by the inode of its clock image. */
    private final Map<Long, TimeNamespace> byImage = new ConcurrentHashMap<>();

    /** unshare(CLONE_NEWTIME) and /proc/PID/timens_offsets, for the programs inside. */
    private final KernelTimeNamespaces kernelApi = new KernelTimeNamespaces(System.err);

    public NamespaceTree(TimeNamespace root, int supervisorPid) {
        this.root = root;
        this.supervisorPid = supervisorPid;
        this.syscalls = root.syscalls().union(SyscallSet.builder().notify(PROBE_SYSCALL).notify(JOIN_SYSCALL)
                .notify(FORKED_SYSCALL).build())
                .union(KernelTimeNamespaces.syscalls());
    }

    /**
     * Makes {@code nested} (adopted by its parent already) the namespace of the
     * process that joins with the returned token.
     */
    public synchronized long expect(TimeNamespace nested, TimeNamespace parent, int timensPid, String name,
                                    String command) {
        describe(nested, parent, timensPid, name, command);
        return admit(nested);
    }

    /** {@code nested} becomes one of the tree's: found by its image, numbered, listed. */
    private synchronized void describe(TimeNamespace nested, TimeNamespace parent, int timensPid, String name,
                                       String command) {
        long inode = Unistd.inode(nested.clockPage().fd());
        byImage.put(inode, nested);
        imageWatcher.accept(nested.clockPage().fd());
        Nested parentEntry = described.get(parent);
        described.put(nested, new Nested(ids.incrementAndGet(), parentEntry == null ? 0 : parentEntry.id, timensPid,
                name, command, inode));
    }

    /**
     * A token with which one process joins {@code nested}, a namespace made by
     * {@link #expect} ({@code timensctl exec} into it); -1 when it was retired
     * meanwhile ({@link #retireEnded}).
     */
    public synchronized long admit(TimeNamespace nested) {
        if (!described.containsKey(nested)) return -1;
        long token = tokens.incrementAndGet() & Long.MAX_VALUE;
        expected.put(token, new Expected(nested, System.nanoTime()));
        return token;
    }

    /**
     * A nest request makes a namespace in {@code parent}: it is not retired until
     * {@link #endNest}. False when it was retired already (its last process gone).
     */
    public synchronized boolean beginNest(TimeNamespace parent) {
        if (parent != root && !described.containsKey(parent)) return false;
        nesting.merge(parent, 1, Integer::sum);
        return true;
    }

    /** The nest request {@link #beginNest} began has ended, one way or the other. */
    public synchronized void endNest(TimeNamespace parent) {
        nesting.computeIfPresent(parent, (p, n) -> n == 1 ? null : n - 1);
    }

    /**
     * Retires the nested namespaces that no process among {@code pids} (the
     * outermost namespace's tree, from /proc) is in, none is on its way into
     * (a token not used yet), and nothing still running is nested in: each is
     * forgotten here, and closed by its parent on the tracer thread, so that a
     * long run that nests many times does not keep an image and a descriptor for
     * every one. Nothing can enter a retired namespace: its image is no longer
     * handed out, and no process maps it. Returns the names the retired ones had.
     */
    public List<String> retireEnded(List<Integer> pids) {
        if (described.isEmpty()) return List.of();
        // Looked up before the lock (a /proc read each, which joins must not wait
        // for); a process that joined since is a member by then, checked below.
        List<TimeNamespace> found = new ArrayList<>();
        for (int pid : pids) found.add(namespaceOf(pid));
        return retire(found);
    }

    private synchronized List<String> retire(List<TimeNamespace> found) {
        List<String> names = new ArrayList<>();
        java.util.Set<TimeNamespace> live = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<TimeNamespace> alive = new ArrayList<>(found);
        long now = System.nanoTime();
        expected.values().removeIf(e -> now - e.since() > TOKEN_LIFETIME_NANOS);
        for (Expected e : expected.values()) alive.add(e.namespace()); // on its way in
        alive.addAll(nesting.keySet()); // something is being nested in it
        alive.addAll(members.liveValues(ns -> ns != root)); // joined since the processes were listed
        alive.addAll(kernelApi.held()); // a process's children enter it at their exec
        for (TimeNamespace ns : alive) {
            for (TimeNamespace n = ns; n != null && live.add(n); n = n.parent()) {
                // it and every namespace it is nested in
            }
        }
        for (Map.Entry<TimeNamespace, Nested> e : List.copyOf(described.entrySet())) {
            TimeNamespace ns = e.getKey();
            if (live.contains(ns)) continue;
            described.remove(ns);
            byImage.remove(e.getValue().inode);
            members.forget(ns);
            kernelApi.forget(ns);
            ns.parent().retire(ns);
            if (e.getValue().name != null) names.add(e.getValue().name);
        }
        return names;
    }

    /** The nested namespace {@code timensctl list} numbers {@code id}, or null. */
    public TimeNamespace nested(int id) {
        for (Map.Entry<TimeNamespace, Nested> e : described.entrySet()) {
            if (e.getValue().id == id) return e.getKey();
        }
        return null;
    }

    /** What {@code timensctl list} shows of a nested namespace; its leader is known once it joined. */
    private static final class Nested {
        final int id;
        final int parent;
        final int timensPid;
        final String name;
        final String command;
        final long inode;
        volatile int leader;

        Nested(int id, int parent, int timensPid, String name, String command, long inode) {
            this.id = id;
            this.parent = parent;
            this.timensPid = timensPid;
            this.name = name;
            this.command = command;
            this.inode = inode;
        }
    }

    private final java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger();

    private final Map<TimeNamespace, Nested> described = new ConcurrentHashMap<>();

    /**
     * A nested namespace as {@code timensctl list} shows it: its number, its
     * parent's (0: the outermost), the inner timens that asked for it, its first
     * process, its processes, its clocks now.
     */
    public record Row(int id, int parent, int timensPid, int leader, List<Integer> pids, TimeNamespace.Clocks clocks,
                      String name, String command) {}

    /**
     * The nested namespaces that still have processes among {@code pids} (the
     * namespace's, from /proc) or a first process alive, in the order they were
     * made; {@code outer} gets the pids of the outermost namespace itself.
     */
    public List<Row> nested(List<Integer> pids, List<Integer> outer) {
        return rows(byNamespace(pids, outer));
    }

    /** {@link #nested}'s rows, and the names of the namespaces {@link #retireEnded} retired on the way. */
    public record Survey(List<Row> rows, List<String> retired) {}

    /**
     * {@link #retireEnded} and then {@link #nested}, with one lookup of each
     * process's namespace for both ({@code timensctl list}).
     */
    public Survey survey(List<Integer> pids, List<Integer> outer) {
        Map<TimeNamespace, List<Integer>> members = byNamespace(pids, outer);
        List<String> retired = described.isEmpty() ? List.of() : retire(new ArrayList<>(members.keySet()));
        return new Survey(rows(members), retired);
    }

    /** {@code pids} by the nested namespace each is in; the outermost's go to {@code outer}. */
    private Map<TimeNamespace, List<Integer>> byNamespace(List<Integer> pids, List<Integer> outer) {
        Map<TimeNamespace, List<Integer>> members = new HashMap<>();
        for (int pid : pids) {
            TimeNamespace ns = namespaceOf(pid);
            if (ns == root) outer.add(pid);
            else members.computeIfAbsent(ns, n -> new ArrayList<>()).add(pid);
        }
        return members;
    }

    private List<Row> rows(Map<TimeNamespace, List<Integer>> members) {
        List<Row> rows = new ArrayList<>();
        described.forEach((ns, d) -> {
            List<Integer> own = members.getOrDefault(ns, List.of());
            if (own.isEmpty()) return; // ended (or not started yet)
            rows.add(new Row(d.id, d.parent, d.timensPid, d.leader, own, ns.now(), d.name, d.command));
        });
        rows.sort(Comparator.comparingInt(Row::id));
        return rows;
    }

    /** The namespace a token was given for and nobody joined yet is no longer expected. */
    public void forget(long token) {
        expected.remove(token);
    }

    private volatile IntConsumer imageWatcher = fd -> {};

    /** Gets the descriptor of each nested namespace's clock image as it is made (engine v2's watchdog). */
    public void watchImages(IntConsumer watcher) {
        imageWatcher = watcher;
    }

    /** The outermost namespace: the one timens was started with. */
    public TimeNamespace root() {
        return root;
    }

    /** The namespace thread {@code tid} is in. */
    public TimeNamespace namespaceOf(int tid) {
        boolean forksEnter = kernelApi.anyUnshared();
        if (byImage.isEmpty() && !forksEnter) return root;
        TimeNamespace known = members.known(tid);
        if (known != null) return known;
        if (forksEnter) {
            TimeNamespace entered = forkedInto(tid);
            if (entered != null) return entered;
            if (byImage.isEmpty()) {
                // Not a forked child on its way in: it stays where it is until it execs,
                // and its next calls need no look at its memory.
                members.put(tid, root);
                return root;
            }
        }
        TimeNamespace mapped = byMappedImage(tid);
        if (mapped != null) {
            members.put(tid, mapped);
            return mapped;
        }
        return members.of(tid, root);
    }

    /**
     * The namespace thread {@code tid}'s process entered by its fork, when it
     * has not read a clock since (its clock code enters it then): its fork
     * page cleared while its process page asks for the check (clock.h). Made
     * now if it has to be, so that a raw clock call or a deadline it passes
     * first is answered in it too. Null for any other process.
     */
    private TimeNamespace forkedInto(int tid) {
        long base = TimeNamespace.imageIn(tid);
        if (base == 0) return null;
        long processPage = base + root.processPageOffset();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment check = arena.allocate(16);
            java.lang.foreign.MemorySegment fork = arena.allocate(16);
            if (dev.timens.linux.Uio.read(tid, processPage + VdsoImage.PP_FORK_CHECK, check) != 16) return null;
            if (check.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) == 0) return null;
            if (dev.timens.linux.Uio.read(tid, base + root.forkPageOffset(), fork) != 16) return null;
            if (fork.get(java.lang.foreign.ValueLayout.JAVA_INT, 0) != 0) return null;
            // As the clock code picks it (wrapper.c, enter_namespace_after_fork).
            long token = fork.get(java.lang.foreign.ValueLayout.JAVA_LONG, VdsoImage.FP_ENTRY_TOKEN);
            if (token == 0) {
                token = check.get(java.lang.foreign.ValueLayout.JAVA_LONG,
                        VdsoImage.PP_CHILDREN_TOKEN - VdsoImage.PP_FORK_CHECK);
            }
            TimeNamespace entered = kernelApi.forked(token, tid, made -> describe(made, made.parent(), tid, null,
                    programName(tid)));
            if (entered != null) {
                members.put(tid, entered);
                int process = dev.timens.linux.ProcStatus.field(tid, "Tgid:");
                if (process > 0) members.put(process, entered);
            }
            return entered;
        }
    }

    /** The namespace whose clock image thread {@code tid}'s process maps; null for none nested (or gone). */
    private TimeNamespace byMappedImage(int tid) {
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + tid + "/maps"));
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return null;
        }
        // The clock page the process reads decides: a forked child that entered
        // another namespace maps that one's clock page over its parent's image.
        TimeNamespace any = null;
        for (String line : lines) {
            if (!line.contains(TimeNamespace.IMAGE_MAPPING)) continue;
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 6) continue;
            try {
                TimeNamespace nested = byImage.get(Long.parseLong(fields[4]));
                if (nested == null) {
                    if (Long.parseLong(fields[2], 16) == root.clockPageOffset()) return root;
                    continue;
                }
                if (Long.parseLong(fields[2], 16) == root.clockPageOffset()) return nested;
                if (any == null) any = nested;
            } catch (NumberFormatException e) {
                // not a mapping line timens wrote
            }
        }
        return any;
    }

    @Override
    public SyscallSet syscalls() {
        return syscalls;
    }

    @Override
    public void onStart(TraceControl control) {
        root.onStart(control);
    }

    @Override
    public SyscallOutcome onSyscall(SyscallStop stop) {
        TimeNamespace ns = namespaceOf(stop.tid());
        if (stop.number() == dev.timens.linux.SyscallNumbers.UNSHARE) return kernelApi.unshare(stop, ns);
        if (stop.number() == dev.timens.linux.SyscallNumbers.SETNS) {
            return kernelApi.setns(stop, ns, this::namespaceOf, byImage.isEmpty() && ns == root);
        }
        return ns.onSyscall(stop);
    }

    @Override
    public void onExec(ExecStop stop) {
        TimeNamespace current = namespaceOf(stop.tid());
        TimeNamespace next = kernelApi.atExec(stop.tid(), current, made -> describe(made, current, stop.tid(), null,
                programName(stop.tid())));
        if (next != null) members.put(stop.tid(), next);
        (next != null ? next : current).onExec(stop);
    }

    private static String programName(int tid) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + tid + "/comm")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    @Override
    public void onNotification(Notification call) {
        switch (call.number()) {
            case PROBE_SYSCALL -> call.answer(supervisorPid);
            case JOIN_SYSCALL -> {
                TimeNamespace nested;
                synchronized (this) { // not retired between the token and the member
                    Expected e = expected.remove(call.arg(0));
                    nested = e == null ? null : e.namespace();
                    if (nested != null) members.put(call.tid(), nested);
                }
                if (nested == null) {
                    call.answerWithError(Errno.EINVAL);
                } else {
                    Nested d = described.get(nested);
                    if (d != null && d.leader == 0) d.leader = call.tid(); // later ones are timensctl exec's
                    call.answer(0);
                }
            }
            case FORKED_SYSCALL -> {
                TimeNamespace next = kernelApi.forked(call.arg(0), call.tid(),
                        made -> describe(made, made.parent(), call.tid(), null, programName(call.tid())));
                if (next == null) {
                    call.answerWithError(Errno.EINVAL); // it stays where it is
                    return;
                }
                int process = dev.timens.linux.ProcStatus.field(call.tid(), "Tgid:");
                members.put(call.tid(), next);
                if (process > 0) members.put(process, next);
                next.answerWithImage(call);
            }
            case dev.timens.linux.SyscallNumbers.OPEN, dev.timens.linux.SyscallNumbers.OPENAT,
                 dev.timens.linux.SyscallNumbers.OPENAT2 -> {
                if (kernelApi.open(call, this::namespaceOf)) return;
                TimeNamespace ns = namespaceOf(call.tid());
                if (ns.servesOpens()) ns.onNotification(call);
                else call.proceed(); // sent for its flags, not a file timens serves
            }
            default -> {
                if (KernelTimeNamespaces.isWrite(call.number())) {
                    if (!kernelApi.write(call, this::namespaceOf)) call.proceed();
                    return;
                }
                namespaceOf(call.tid()).onNotification(call);
            }
        }
    }

    @Override
    public void beforeExec(int tid) {
        // Found now, while the process still maps its namespace's image, and kept;
        // for its process id too: an exec from another thread leaves the process
        // that number (and the leader's start time).
        TimeNamespace ns = namespaceOf(tid);
        int process = dev.timens.linux.ProcStatus.field(tid, "Tgid:");
        if (ns != root && process > 0 && process != tid) members.put(process, ns);
    }

    /** A process taken in while running belongs to the outermost namespace (nesting starts at an exec). */
    @Override
    public void onAdopt(dev.timens.engine.AdoptStop stop) {
        root.onAdopt(stop);
    }

    @Override
    public void onRelease(dev.timens.engine.AdoptStop stop) {
        root.onRelease(stop);
    }

    @Override
    public void onLeave(dev.timens.engine.AdoptStop stop) {
        root.onLeave(stop);
    }

    @Override
    public void onTaskCreated(int parent, int child, boolean thread) {
        TimeNamespace ns = namespaceOf(parent);
        if (ns != root) members.put(child, ns);
        kernelApi.taskCreated(parent, child, thread);
        ns.onTaskCreated(parent, child, thread);
    }

    @Override
    public void onTaskExited(int tid) {
        // Gone already (its start time and maps with it): each namespace forgets
        // what it kept of it, the others know nothing of it.
        root.onTaskExited(tid);
        kernelApi.taskExited(tid);
        if (byImage.isEmpty()) return;
        for (TimeNamespace nested : root.nestedNamespaces()) nested.onTaskExited(tid);
        members.remove(tid);
    }

    @Override
    public boolean wantsWakeups() {
        return root.wantsWakeups();
    }

    @Override
    public void onWakeup() {
        root.onWakeup();
        for (TimeNamespace nested : root.nestedNamespaces()) nested.onWakeup();
    }

    @Override
    public long scratchArea(int tid, int tgid) {
        return namespaceOf(tid).scratchArea(tid, tgid);
    }
}
