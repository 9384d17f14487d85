package dev.timens.engine;

import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.linux.Prctl;
import dev.timens.linux.Ptrace;
import dev.timens.linux.SeccompNotify;
import dev.timens.linux.Sockets;
import dev.timens.linux.Spawn;
import dev.timens.linux.SyscallNumbers;
import dev.timens.linux.Unistd;
import dev.timens.linux.Wait;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Engine v2 (experimental): runs a command under a {@link Tool} without
 * tracing it. Every call the tool subscribes to goes to the seccomp listener
 * ({@link SyscallSet#asNotifications}); the tool answers what it can there, and
 * the supervisor attaches to a thread only for as long as it must change its
 * registers or prepare a new program: at an exec, at a call the tool handles
 * at a stop, at an interrupt the tool asks for. Forks, threads and signals
 * never involve it, and a program inside may trace another (debuggers,
 * strace, user-mode Linux). See docs/engine-v2.md.
 *
 * <p>Each such visit is one of these sequences, all on the tracer thread:
 * <ul>
 *   <li>an exec: PTRACE_SEIZE and PTRACE_INTERRUPT while the call waits for
 *       its answer (the notification becomes invalid); PTRACE_SYSCALL to the
 *       restart's entry stop, PTRACE_SYSCALL again, and the call notifies anew,
 *       answered CONTINUE; then PTRACE_EVENT_EXEC (the tool prepares the
 *       program) or the exit stop of a failed exec; then PTRACE_DETACH;</li>
 *   <li>a call the tool handles at a stop: seize and interrupt as above; the
 *       interrupt stop is the tool's {@link SyscallStop}. A result skips the
 *       call. Without an exit handler, the arguments the tool changed (if any)
 *       are set there and the thread is let go at once: its restart, which
 *       notifies again, is let through (a {@link Pass}), and it waits untraced.
 *       An exit handler restarts it through the entry stop and a CONTINUE, and
 *       the exit stop ends the visit;</li>
 *   <li>an interrupt the tool asks for: seize, interrupt, the tool's handler, detach.</li>
 * </ul>
 *
 * <p>Not yet: an exec by a thread another program traces is refused (EPERM,
 * with a line on the diagnostics), never run on host time; code started at a
 * new program's entry that fails kills the program (it is no longer attached);
 * the tool is told of new tasks and of exits only for the processes the
 * supervisor reaps.
 */
public final class OnDemandSupervisor {
    private static final int SIGKILL = 9;
    private static final int SIGURG = 23;
    private static final int SYSCALL_STOP = Ptracer.SIGTRAP | 0x80;
    private static final long ERESTARTSYS = -512;
    private static final long ERESTARTNOINTR = -513;
    private static final int SEIZE_OPTIONS = Ptrace.O_TRACESYSGOOD | Ptrace.O_TRACEEXEC | Ptrace.O_EXITKILL;

    /** execve and execveat in syscall_32.tbl, and their x32 numbers (syscall_64.tbl, without __X32_SYSCALL_BIT). */
    private static final int I386_EXECVE = 11;
    private static final int I386_EXECVEAT = 358;
    private static final int X32_EXECVE = 520;
    private static final int X32_EXECVEAT = 545;

    /**
     * What the engine needs to see whatever the tool: every exec, and every
     * attempt to attach to a thread, which must wait while the engine is
     * attached to it (a thread has one tracer): a program that starts another
     * and attaches to it at once would otherwise meet EPERM when its exec
     * happens to be visited.
     */
    private static final SyscallSet OWN_SYSCALLS = SyscallSet.builder()
            .notify(SyscallNumbers.EXECVE).notify(SyscallNumbers.EXECVEAT)
            .notify(EntryCode.FAILED_SYSCALL)
            // The same through the i386 (int $0x80) and x32 tables, which the filter
            // cannot hand to the listener as x86_64 calls: refused, or the new
            // program would start unprepared, on host time (engine v1 sees every
            // exec whatever its table, as a ptrace event).
            .refuseI386(I386_EXECVE, I386_EXECVEAT)
            .refuseX32(X32_EXECVE, X32_EXECVEAT)
            .notifyWhen(SyscallNumbers.PTRACE, ArgCondition.equalTo(0, Ptrace.ATTACH))
            .notifyWhen(SyscallNumbers.PTRACE, ArgCondition.equalTo(0, Ptrace.SEIZE))
            .build();

    /** Where a visited thread stands. */
    private enum Phase {
        /** Interrupted while its exec waited for an answer. */
        EXEC_INTERRUPTED,
        /** At (or on its way to) the restarted exec's entry stop. */
        EXEC_ENTRY,
        /** The exec runs: its PTRACE_EVENT_EXEC, or the exit stop of a failure, comes next. */
        EXEC_RUNNING,
        /** Interrupted while a call the tool handles at a stop waited for an answer. */
        CALL_INTERRUPTED,
        /** At (or on its way to) the restarted call's entry stop. */
        CALL_ENTRY,
        /** The call runs; its exit stop ends the visit. */
        CALL_RUNNING,
        /** Interrupted for the tool ({@link TraceControl#interrupt}). */
        INTERRUPTED,
        /** Code started at a new program's entry reported a failure (ENTRY_FAILED_SYSCALL). */
        ENTRY_FAILED,
        /**
         * Another program's tracer thread, held (interrupted) so that it cannot
         * restart its tracees while the engine prepares the programs they exec.
         */
        HOLDING_TRACER
    }

    /** An exec by a thread another program traces: its tracer is held until the new program is prepared. */
    private record ForeignExec(int tid, int tgid, long id, int listener, byte[] auxvBefore) {}

    private static final class Visit {
        Phase phase;
        final int nr;
        SyscallExit.Handler exit;
        InterruptStop.Handler interrupt;
        final PendingSignals pending = new PendingSignals();
        /** For a held tracer: the execs of its tracees to finish. */
        final List<ForeignExec> foreignExecs = new ArrayList<>();
        /** Interrupted to end the visit early: the processes are being let go ({@link Adopted#release}). */
        boolean endingForRelease;
        /** The listener its call came from, or -1 (a visit the tool asked for). */
        int listener = -1;

        Visit(Phase phase, int nr) {
            this.phase = phase;
            this.nr = nr;
        }
    }

    /** A call handed over by the notification thread; {@code target}: ptrace's pid argument. */
    private record Handover(long id, int tid, int nr, int listener, int target, long[] args, long ip) {}

    private final Tool tool;
    private final PrintWriter diagnostics;
    private final TraceStats stats;
    /** Code started at the entry of each program prepared, until it reports a failure or the thread goes. */
    private final Map<Integer, EntryCode> entryCodes = new HashMap<>();
    private final Map<Integer, Visit> visits = new HashMap<>() {
        // Mirrored in visiting, which the notification thread reads.
        @Override
        public Visit put(Integer tid, Visit visit) {
            visiting.add(tid);
            attached.add(tid);
            return super.put(tid, visit);
        }

        @Override
        public Visit remove(Object tid) {
            Visit gone = super.remove(tid);
            visiting.remove(tid);
            attached.remove(tid);
            claimed.remove(tid);
            if (gone != null) releaseAttaches((Integer) tid);
            return gone;
        }
    };
    private final java.util.Set<Integer> visiting = ConcurrentHashMap.newKeySet();
    /** Threads the engine is attached to, until the detach is done: attaches to them wait. */
    private final java.util.Set<Integer> attached = ConcurrentHashMap.newKeySet();
    /**
     * Threads with a call handed to the tracer thread and not yet taken: an
     * attach to one waits too (the engine is about to attach to it).
     */
    private final java.util.Set<Integer> claimed = ConcurrentHashMap.newKeySet();
    /** Attempts to attach to a thread being visited, answered when the visit ends. */
    private final Map<Integer, List<Handover>> waitingAttaches = new HashMap<>();
    private final ConcurrentLinkedQueue<Handover> handovers = new ConcurrentLinkedQueue<>();
    /**
     * Threads let go in a call the tool handled at a stop, and how they were let
     * go: the restart of that call, the thread's next notification, is let
     * through. Any other next call drops the mark (the thread left the call:
     * a signal's handler, say), so a later call is never waved through unseen.
     */
    private final Map<Integer, Pass> passing = new ConcurrentHashMap<>();
    /** Restarts whose copies were overwritten, by thread: their arguments go back to the program's at the stop. */
    private final Map<Integer, Pass> clobbered = new ConcurrentHashMap<>();

    /**
     * A call let go at its interrupt stop, to be let through when it restarts:
     * with no change ({@code args} null), or with the arguments the tool gave it
     * and the copies they point to, which must come back unchanged and intact
     * (a handler of a signal delivered before the restart puts its frame on the
     * stack where the copies lie: the tool then sees the call again).
     */
    private record Pass(int nr, long[] args, List<SyscallStop.Copy> copies, long[] original) {
        /** Whether {@code call} is the restart with these arguments (its copies aside). */
        boolean sameCall(Notification call) {
            if (call.number() != nr) return false;
            if (args == null) return true;
            for (int i = 0; i < args.length; i++) if (call.arg(i) != args[i]) return false;
            return true;
        }

        /** Whether the copies the arguments point to are as the tool wrote them (read from the caller). */
        boolean copiesIntact(Notification call) {
            for (SyscallStop.Copy copy : copies) {
                try {
                    if (!java.util.Arrays.equals(call.memory().read(copy.at(), copy.bytes().length), copy.bytes())) {
                        return false;
                    }
                } catch (TraceeFault | TraceeGone e) {
                    return false; // unreadable, or the thread is gone: the tool sees what comes
                }
            }
            return true;
        }
    }
    private volatile int park;
    /** The filter's program, which a process taken into the running namespace gets too ({@link Joining}). */
    private List<BpfInstruction> program;
    /** Its {@link Continuer#digest}. */
    private String programDigest;
    /** Processes taken into the running namespace ({@link Joining#join}), each with a filter of its own, by pid. */
    private final Map<Integer, Joined> joined = new ConcurrentHashMap<>();
    /** Joins and leaves asked for by other threads, for the tracer thread. */
    private final ConcurrentLinkedQueue<JoinRequest> joinRequests = new ConcurrentLinkedQueue<>();
    /** The run has ended: requests are answered at once. */
    private volatile boolean ended;
    /** The process {@link #adopt} took in (it runs already; not a child of ours), or 0. */
    private int adopted;
    /** Its start time, so that its pid, once reused, is not taken for it. */
    private long adoptedStart;
    /** Its filter's listener (the notification thread's), and the helper, for {@link Adopted#release}. */
    private int adoptedListener = -1;
    /** timens-exec, which the doorbell and the helpers that answer let-go filters run. */
    private Path helper;
    /** When the process got its filter (clock ticks since boot, with its threads held). */
    private long filteredSince;
    private volatile boolean releaseAsked;
    /** Let go: the notification thread takes no more calls. */
    private volatile boolean released;
    private Thread notifications;
    /** No process of an adopted namespace is left (its filter's listener says so). */
    private volatile boolean everyAdoptedProcessGone;
    /** The tool asked for {@link Tool#onWakeup()} ({@link TraceControl#wakeup()}); the doorbell rang for it. */
    private volatile boolean wakeupAsked;
    private final int self = Unistd.getpid();
    private MemorySegment stackBuffer;
    private MemorySegment answerScratch;
    private Registers leaveRegisters;
    private Registers leaveWork;
    private MemorySegment leaveScratch;

    private OnDemandSupervisor(Tool tool, PrintWriter diagnostics, TraceStats stats) {
        this.tool = tool;
        this.diagnostics = diagnostics;
        this.stats = stats;
    }

    /** As {@link Supervisor#run(Launch, Tool, PrintWriter, java.util.function.Consumer, TraceStats)}. */
    public static ExitStatus run(Launch launch, Tool tool, PrintWriter diagnostics,
                                 java.util.function.Consumer<ProcessTree> started, TraceStats stats)
            throws SupervisorException {
        return run(launch, tool, diagnostics, started, stats, joining -> { });
    }

    /**
     * As {@link #run(Launch, Tool, PrintWriter, java.util.function.Consumer, TraceStats)};
     * {@code joining} gets, as the command starts, what takes running processes
     * into the namespace.
     */
    public static ExitStatus run(Launch launch, Tool tool, PrintWriter diagnostics,
                                 java.util.function.Consumer<ProcessTree> started, TraceStats stats,
                                 java.util.function.Consumer<Joining> joining) throws SupervisorException {
        List<BpfInstruction> program = SeccompFilter.compile(tool.syscalls().asNotifications().union(OWN_SYSCALLS));
        return Launching.onTracerThread(() -> {
            OnDemandSupervisor supervisor = new OnDemandSupervisor(tool, diagnostics, stats);
            supervisor.keep(program);
            return supervisor.supervise(launch, SeccompFilter.toBytes(program), tree -> {
                started.accept(tree);
                joining.accept(supervisor.joining());
            });
        });
    }

    private void keep(List<BpfInstruction> filter) {
        program = filter;
        programDigest = Continuer.digest(SeccompFilter.toBytes(filter));
    }

    /**
     * Takes in process {@code pid}, which runs already and which timens did not
     * start, with all its threads: each is seized and interrupted, the filter
     * is installed in the process from one of them (NO_NEW_PRIVS first, unless
     * the process has CAP_SYS_ADMIN; SECCOMP_FILTER_FLAG_TSYNC puts it on every
     * thread, and TSYNC_ESRCH lets it have a listener), its listener is taken
     * with pidfd_getfd and closed in the process, and every thread is let go.
     * From then on the process and everything it starts are served as a
     * command {@link #run} started would be. Returns, with status 0, once no
     * process using the filter is left (the adopted process is not a child of
     * ours: its own status goes to its parent).
     *
     * @param helper the timens-exec helper, for the doorbell
     * @throws SupervisorException when the process cannot be traced (another
     *                             program traces it, another user's, Yama) or
     *                             the filter cannot be installed; it then runs on as before
     */
    public static ExitStatus adopt(int pid, Path helper, Tool tool, PrintWriter diagnostics,
                                   java.util.function.Consumer<Adopted> started) throws SupervisorException {
        return adopt(pid, helper, tool, diagnostics, started, new TraceStats());
    }

    /** As {@link #adopt(int, Path, Tool, PrintWriter, java.util.function.Consumer)}, counting into {@code stats}. */
    public static ExitStatus adopt(int pid, Path helper, Tool tool, PrintWriter diagnostics,
                                   java.util.function.Consumer<Adopted> started, TraceStats stats)
            throws SupervisorException {
        List<BpfInstruction> program = SeccompFilter.compile(tool.syscalls().asNotifications().union(OWN_SYSCALLS));
        return Launching.onTracerThread(() -> new OnDemandSupervisor(tool, diagnostics, stats)
                .adoptAndServe(pid, helper, program, started));
    }

    private ExitStatus adoptAndServe(int pid, Path helper, List<BpfInstruction> program,
                                     java.util.function.Consumer<Adopted> started) throws SupervisorException {
        if (pid == self) throw new SupervisorException("timens cannot take itself in");
        try (Arena arena = Arena.ofConfined()) {
            Workspace w = allocate(arena);
            Ptracer ptracer = w.ptracer();
            park = Launching.startPark(helper);
            adopted = pid;
            adoptedStart = dev.timens.linux.ProcStatus.startTime(pid);
            keep(program);
            this.helper = helper;
            TakenIn taken;
            try {
                taken = takeIn(pid, w);
            } catch (SupervisorException | RuntimeException e) {
                stopPark(ptracer);
                throw e;
            }
            filteredSince = taken.since();
            adoptedListener = taken.listener();
            notifications = Notifications.serve(taken.listener(), tool, diagnostics, stats, new Router(), () -> {
                everyAdoptedProcessGone = true;
                ring();
            }, () -> released, runsUnderAFilter() ? this::ownCall : null);
            for (Adoption a : taken.held()) a.prepare();
            for (Adoption a : taken.held()) a.letGo();
            ProcessTree tree = new ProcessTree(pid, this::descendants, this::threads);
            started.accept(new Adopted() {
                @Override
                public ProcessTree processes() {
                    return tree;
                }

                @Override
                public Joining joining() {
                    return OnDemandSupervisor.this.joining();
                }

                @Override
                public void release() {
                    releaseAsked = true;
                    ring();
                }
            });
            tool.onStart(control(tree));
            ExitStatus status = loop(pid, new LiveThreads(), tree, ptracer, w.saved(), w.work(), w.scratch());
            return status != null ? status : ExitStatus.exited(0);
        }
    }

    /** The process {@link #adopt} takes in, while its threads are held. */
    private final class Adoption {
        private final int pid;
        private final Ptracer ptracer;
        private final Registers saved;
        private final Registers work;
        private final MemorySegment scratch;
        /** The threads seized, in the order seized, each with the signals that came while it was held. */
        private final Map<Integer, PendingSignals> held = new java.util.LinkedHashMap<>();

        /** Taken in (true), or held to be let go ({@link Adopted#release}). */
        private final boolean takingIn;

        Adoption(int pid, Ptracer ptracer, Registers saved, Registers work, MemorySegment scratch, boolean takingIn) {
            this.takingIn = takingIn;
            this.pid = pid;
            this.ptracer = ptracer;
            this.saved = saved;
            this.work = work;
            this.scratch = scratch;
        }

        /**
         * Seizes and interrupts every thread, again until a listing of
         * /proc/PID/task shows none new (a held thread creates no other, but
         * one not yet held may).
         */
        void seizeEveryThread() throws SupervisorException {
            int tgid = dev.timens.linux.ProcStatus.field(pid, "Tgid:");
            if (tgid < 0) throw new SupervisorException("no process " + pid);
            if (tgid != pid) throw new SupervisorException(pid + " is a thread of process " + tgid + ": give " + tgid);
            for (;;) {
                List<Integer> found = new ArrayList<>();
                try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                    for (Path task : (Iterable<Path>) tasks::iterator) found.add(Integer.parseInt(task.getFileName().toString()));
                } catch (IOException | java.io.UncheckedIOException e) {
                    throw new SupervisorException("no process " + pid);
                }
                boolean fresh = false;
                for (int tid : found) {
                    if (held.containsKey(tid) || waitingForVfork.contains(tid) || zombie(pid, tid)) continue; // a zombie leader cannot be seized
                    // Let go, a thread waiting for its vfork child stops only once the child
                    // execs, whose exec may wait for the supervisor, busy here: not held. It
                    // runs no code of its own meanwhile, and its process's memory is put back
                    // through another thread (or reads host time through the clock page).
                    if (!takingIn && inVforkWait(pid, tid)) {
                        waitingForVfork.add(tid);
                        continue;
                    }
                    fresh = true;
                    long seized = Ptrace.request(Ptrace.SEIZE, tid, 0, Ptrace.O_TRACESYSGOOD);
                    if (seized == -Errno.ESRCH) continue; // it ended meanwhile
                    if (seized < 0) {
                        String why = seized == -Errno.EPERM ? " (" + Launching.whySeizeIsRefused(tid, "it") + ")" : "";
                        throw new SupervisorException("cannot trace process " + pid + ": ptrace(PTRACE_SEIZE): "
                                + Errno.describe((int) -seized) + why,
                                new LinuxException("ptrace(PTRACE_SEIZE)", (int) -seized));
                    }
                    held.put(tid, new PendingSignals());
                    long interrupted = Ptrace.request(Ptrace.INTERRUPT, tid, 0, 0);
                    if (interrupted < 0 && interrupted != -Errno.ESRCH) {
                        throw new LinuxException("ptrace(INTERRUPT)", (int) -interrupted);
                    }
                    awaitInterruptStop(tid);
                }
                if (!fresh) return;
            }
        }

        /** Threads of the process left running while it is held: they wait for a vfork child. */
        private final java.util.Set<Integer> waitingForVfork = new java.util.HashSet<>();

        /** Whether thread {@code tid} waits in clone, clone3 or vfork, in the kernel's uninterruptible sleep. */
        private static boolean inVforkWait(int pid, int tid) {
            try {
                Path task = Path.of("/proc/" + pid + "/task/" + tid);
                String stat = Files.readString(task.resolve("stat"));
                if (stat.charAt(stat.lastIndexOf(')') + 2) != 'D') return false;
                String call = Files.readString(task.resolve("syscall")).split(" ", 2)[0].strip();
                return call.equals(Integer.toString(SyscallNumbers.CLONE)) || call.equals(Integer.toString(SyscallNumbers.CLONE3))
                        || call.equals(Integer.toString(SyscallNumbers.VFORK));
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        private static boolean zombie(int pid, int tid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/task/" + tid + "/stat"));
                return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
            } catch (IOException | RuntimeException e) {
                return true; // gone
            }
        }

        /** Waits for the interrupt's stop of {@code tid}; a signal that comes first is held for later. */
        private void awaitInterruptStop(int tid) throws SupervisorException {
            for (;;) {
                Wait.Status s;
                try {
                    s = Wait.waitpid(tid, Wait.WALL, ptracer.statusBuffer());
                } catch (LinuxException e) {
                    held.remove(tid);
                    return; // gone
                }
                if (!s.stopped()) {
                    held.remove(tid);
                    return;
                }
                if (s.event() == Ptrace.EVENT_STOP) {
                    if (Launching.isGroupStop(s.stopSignal())) {
                        throw new SupervisorException("process " + pid + " is stopped (SIGSTOP, Ctrl-Z): continue it"
                                + " first (kill -CONT " + pid + ")");
                    }
                    // Cut out of a wait that never restarts (epoll_wait...): it starts over
                    // instead of returning an EINTR nothing natively would have caused.
                    ptracer.getRegs(tid, saved);
                    // Taken in, an absolute futex wait starts over too, to meet the filter:
                    // its deadline is then read on the namespace's clock, as after a clock step.
                    if (InterruptStop.restartIfCutShortByInterrupt(tid, saved)
                            || takingIn && InterruptStop.restartAbsoluteFutexWait(saved)) {
                        ptracer.setRegs(tid, saved);
                    }
                    return;
                }
                if (s.event() == 0 && s.stopSignal() != SYSCALL_STOP) held.get(tid).add(s.stopSignal());
                ptracer.cont(tid, 0);
            }
        }

        /**
         * Installs the filter from one held thread (the leader, unless it has
         * ended) and returns the supervisor's own copy of its listener.
         */
        int installFilter(List<BpfInstruction> program) throws SupervisorException {
            int tid = held.containsKey(pid) ? pid : held.keySet().stream().findFirst()
                    .orElseThrow(() -> new SupervisorException("process " + pid + " has ended"));
            injector = tid;
            long kernelVdso = KernelVdso.addressIn(tid);
            if (kernelVdso == 0) throw new SupervisorException("process " + pid + " has no vDSO to run syscalls from");
            ptracer.getRegs(tid, saved);
            InterruptStop stop = new InterruptStop(tid, saved, new InterruptStop.Injection(ptracer, work, held.get(tid),
                    new ProcessMemory(tid, scratch)));
            long listener;
            try (InjectedSyscalls inject = stop.injectSyscalls(kernelVdso + KernelVdso.current().syscallGadget())) {
                RemotePtr instructions = stop.pushScratch(SeccompFilter.toBytes(program));
                // struct sock_fprog: unsigned short len, then the pointer at 8.
                byte[] fprog = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .putShort(0, (short) program.size()).putLong(8, instructions.address()).array();
                RemotePtr fprogAt = stop.pushScratch(fprog);
                boolean setNoNewPrivs = !hasCapability(tid, CAP_SYS_ADMIN)
                        && !"1".equals(first(dev.timens.linux.ProcStatus.values(Integer.toString(tid), "NoNewPrivs:")));
                if (setNoNewPrivs) {
                    long set = inject.call(SyscallNumbers.PRCTL, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                    if (set != 0) throw new SupervisorException("cannot set NO_NEW_PRIVS in process " + pid + ": "
                            + Errno.describe((int) -set));
                }
                long fd = inject.call(SyscallNumbers.SECCOMP, SECCOMP_SET_MODE_FILTER,
                        SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
                        fprogAt.address());
                if (fd < 0) {
                    throw new SupervisorException("cannot install the seccomp filter in process " + pid + ": "
                            + Errno.describe((int) -fd) + (fd == -Errno.EBUSY ? " (it has a seccomp listener already:"
                            + " it runs under timens or another supervisor)" : "")
                            + (setNoNewPrivs ? "; it keeps NO_NEW_PRIVS, which no process can drop" : ""),
                            new LinuxException("seccomp", (int) -fd));
                }
                int pidfd = dev.timens.linux.Descriptors.pidfdOpen(pid);
                if (pidfd < 0) throw new LinuxException("pidfd_open", -pidfd);
                try {
                    listener = dev.timens.linux.Descriptors.pidfdGetfd(pidfd, (int) fd);
                } finally {
                    Unistd.close(pidfd);
                }
                inject.call(SyscallNumbers.CLOSE, fd);
                if (listener < 0) throw new LinuxException("pidfd_getfd", (int) -listener);
            } catch (TraceeFault e) {
                throw new SupervisorException("cannot write the seccomp filter into process " + pid + ": "
                        + e.getMessage());
            }
            ptracer.setRegs(tid, saved);
            return (int) listener;
        }

        /** The thread the filter was installed from. */
        private int injector;

        /**
         * A process taken in again whose program was exec'd while it was in a
         * namespace before runs that namespace's clock code (its vDSO is not the
         * kernel's), which no longer moves and cannot be pointed elsewhere: refused.
         */
        void refuseForeignClockCode() throws SupervisorException {
            if (held.isEmpty()) return; // ended
            long used = vdsoOnStack();
            long kernels = KernelVdso.mappedIn(pid);
            if (used != 0 && kernels != 0 && used != kernels) {
                throw new SupervisorException("process " + pid + " runs a program exec'd while it was attached"
                        + " before, whose clock code is that namespace's: restart it to attach it again",
                        new LinuxException("seccomp", Errno.EBUSY));
            }
        }

        /**
         * AT_SYSINFO_EHDR as the program's own auxv says (on its stack, above
         * argv and envp, from /proc/PID/stat's startstack), where libc found its
         * vDSO; /proc/PID/auxv keeps the kernel's. 0 when it cannot be read.
         */
        private long vdsoOnStack() {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long start = Long.parseUnsignedLong(fields[28 - 3]); // startstack, field 28: argc
                if (start == 0) return 0;
                ProcessMemory memory = new ProcessMemory(pid, scratch);
                long argc = memory.readLong(new RemotePtr(start));
                if (argc < 0 || argc > 1 << 20) return 0;
                long at = start + 8 * (argc + 2); // argv and its NULL
                for (int env = 0; env < 1 << 20 && memory.readLong(new RemotePtr(at)) != 0; env++) at += 8;
                at += 8;
                for (int entry = 0; entry < 64; entry++, at += 16) {
                    long type = memory.readLong(new RemotePtr(at));
                    if (type == 0) return 0;
                    if (type == 33 /* AT_SYSINFO_EHDR */) return memory.readLong(new RemotePtr(at + 8));
                }
                return 0;
            } catch (IOException | RuntimeException | TraceeFault e) {
                return 0;
            }
        }

        /**
         * The tool prepares the program ({@link Tool#onAdopt}) at the thread the
         * filter was installed from, or else at the leader (or any held thread).
         */
        void prepare() {
            if (held.isEmpty()) return; // ended meanwhile
            if (injector == 0) injector = held.containsKey(pid) ? pid : held.keySet().iterator().next();
            ptracer.getRegs(injector, saved);
            InterruptStop stop = new InterruptStop(injector, saved, new InterruptStop.Injection(ptracer, work,
                    held.get(injector), new ProcessMemory(injector, scratch)));
            try {
                tool.onAdopt(new AdoptStop(stop, saved, held, ptracer, leaveRegisters));
            } catch (TraceeGone e) {
                return;
            } catch (RuntimeException e) {
                diagnostics.println("timens: process " + pid + " is served, but could not be prepared: "
                        + e.getMessage());
                diagnostics.flush();
            }
            if (stop.changed() || stop.injected()) ptracer.setRegs(injector, saved);
        }

        /**
         * The tool undoes its preparation at one held thread: {@link Tool#onLeave}
         * when the namespace runs on, else {@link Tool#onRelease}.
         */
        void unprepare(boolean leave) {
            injector = held.containsKey(pid) ? pid : held.keySet().iterator().next();
            ptracer.getRegs(injector, saved);
            InterruptStop stop = new InterruptStop(injector, saved, new InterruptStop.Injection(ptracer, work,
                    held.get(injector), new ProcessMemory(injector, scratch)));
            AdoptStop adoptStop = new AdoptStop(stop, saved, held, ptracer, leaveRegisters);
            if (leave) tool.onLeave(adoptStop);
            else tool.onRelease(adoptStop);
            if (stop.changed() || stop.injected()) ptracer.setRegs(injector, saved);
        }

        /** Lets every held thread go on, with the signals that came meanwhile. */
        void letGo() {
            for (Map.Entry<Integer, PendingSignals> thread : held.entrySet()) {
                int tid = thread.getKey();
                PendingSignals signals = thread.getValue();
                // Sent again rather than passed to the detach, which ignores a signal
                // at an interrupt stop: one that came while it was held is not lost.
                long result = Ptrace.request(Ptrace.DETACH, tid, 0, 0);
                if (result < 0 && result != -Errno.ESRCH) continue;
                for (int more = signals.poll(); more != 0; more = signals.poll()) Unistd.kill(tid, more);
            }
            held.clear();
        }
    }

    /**
     * {@link Adopted#release}: each process of the tree is held and put back
     * by the tool, then a helper takes over the listener, answering CONTINUE,
     * and the run ends. A process that cannot be held (stopped, gone) is left
     * as it is, and said so.
     */
    private void release(Ptracer ptracer, Registers saved, Registers work, MemorySegment scratch) {
        // Those joined later go first, each to a helper of its own (no visit runs now).
        letJoinedLeave(true, new Workspace(ptracer, saved, work, scratch));
        // Every thread is held before any is let go: a held thread makes no call, and one
        // that waited for an answer (the notification thread may have routed its call
        // here, where no visit will come now) gives up its call, to make it again once let go.
        List<Adoption> holding = new ArrayList<>();
        try {
            for (int pid : descendants()) {
                Adoption adoption = new Adoption(pid, ptracer, saved, work, scratch, false);
                holding.add(adoption);
                try {
                    adoption.seizeEveryThread();
                    if (!adoption.held.isEmpty()) adoption.unprepare(false);
                } catch (SupervisorException | RuntimeException e) {
                    if (Adoption.zombie(pid, pid)) continue; // it ended meanwhile: nothing to put back
                    diagnostics.println("timens: process " + pid + " could not be put back: " + e.getMessage());
                    diagnostics.flush();
                }
            }
            // The helper takes over, then the notification thread ends, having answered what
            // it received, and what it routed here is dropped (those calls are made again).
            // Every thread held, no call of theirs comes meanwhile: in that order, the exec of
            // the helper is answered even when this supervisor runs under the filter itself
            // (a process it took in started it).
            leaveFilterToHelper(adoptedListener, adopted, filteredSince);
            released = true;
            try {
                notifications.join(java.time.Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handovers.clear();
        } finally {
            for (Adoption adoption : holding) adoption.letGo();
        }
        everyAdoptedProcessGone = true;
    }

    /** A process taken in, its threads still held: its filter's listener, since when it has it, and who is held. */
    private record TakenIn(int listener, long since, List<Adoption> held) {}

    /**
     * Seizes every thread of process {@code pid} and gives it the filter, or,
     * taken in before and let go, takes its listener over from the helper left
     * answering it ({@link Continuer}), with the processes it started since,
     * which share that filter. Their threads stay held; on failure every one is
     * let go, and the process runs on untouched.
     */
    private TakenIn takeIn(int pid, Workspace w) throws SupervisorException {
        if (Continuer.isHelper(pid)) {
            // A namespace's watchdog, door, doorbell or filter helper: taken in, it would
            // depend on the supervisor it watches, or answer its own calls.
            throw new SupervisorException("process " + pid + " is one of timens's own helpers (timens-exec)",
                    new LinuxException("join", Errno.EBUSY));
        }
        Adoption adoption = new Adoption(pid, w.ptracer(), w.saved(), w.work(), w.scratch(), true);
        Continuer before = Continuer.leftFor(pid);
        List<Adoption> taking = new ArrayList<>(List.of(adoption));
        try {
            adoption.seizeEveryThread();
            if (before == null) {
                long since = ticksSinceBoot();
                return new TakenIn(adoption.installFilter(program), since, taking);
            }
            for (int child : treeOf(pid)) {
                if (child == pid || !sharesFilter(child, pid, before.since())) continue;
                Adoption more = new Adoption(child, w.ptracer(), w.saved(), w.work(), w.scratch(), true);
                try {
                    more.seizeEveryThread();
                    taking.add(more);
                } catch (SupervisorException e) {
                    more.letGo(); // it ended meanwhile
                }
            }
            for (Adoption a : taking) a.refuseForeignClockCode();
            return new TakenIn(before.takeOver(pid, programDigest), before.since(), taking);
        } catch (SupervisorException | RuntimeException e) {
            for (Adoption a : taking) a.letGo();
            throw e;
        }
    }

    /** A process {@link Joining#join} took in, with its own filter, and what it started since. */
    private static final class Joined {
        final int pid;
        final long start;
        /** The process the join was asked for: this one, or the one whose tree it was in. */
        final int group;
        final int listener;
        final long since;
        Thread notifications;
        /** Let go: its notification thread answers every call CONTINUE. */
        volatile boolean letGo;
        /** A helper answers its filter now: its notification thread ends. */
        volatile boolean handedOver;
        /** Asked to let it go ({@link Joining#leave}, or the namespace ends): answered here; null otherwise. */
        volatile java.util.concurrent.CompletableFuture<Void> leaving;
        /** Let go even where programs exec'd in the namespace run (the namespace ends: its clocks go to the host's). */
        boolean force;

        Joined(int pid, long start, int group, int listener, long since) {
            this.pid = pid;
            this.start = start;
            this.group = group;
            this.listener = listener;
            this.since = since;
        }
    }

    /** A join ({@code leave} false) or a leave; {@code descendants}: only the processes {@code pid} started before. */
    private record JoinRequest(int pid, boolean tree, boolean leave, boolean descendants,
                               java.util.concurrent.CompletableFuture<Void> answer) {}

    /** How long a join or leave may take on the tracer thread, busy with a stop at worst. */
    private static final int JOIN_LIMIT_SECONDS = 30;

    private Joining joining() {
        return new Joining() {
            @Override
            public void join(int pid, boolean tree) throws SupervisorException {
                ask(new JoinRequest(pid, tree, false, false, new java.util.concurrent.CompletableFuture<>()));
            }

            @Override
            public void joinDescendants(int pid) throws SupervisorException {
                ask(new JoinRequest(pid, true, false, true, new java.util.concurrent.CompletableFuture<>()));
            }

            @Override
            public void leave(int pid) throws SupervisorException {
                ask(new JoinRequest(pid, false, true, false, new java.util.concurrent.CompletableFuture<>()));
            }

            @Override
            public boolean joined(int pid) {
                Joined j = joined.get(pid);
                return j != null && dev.timens.linux.ProcStatus.startTime(pid) == j.start;
            }
        };
    }

    private void ask(JoinRequest request) throws SupervisorException {
        if (ended) throw new SupervisorException("the namespace has ended", new LinuxException("join", Errno.ESRCH));
        joinRequests.add(request);
        ring();
        try {
            request.answer().get(JOIN_LIMIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof SupervisorException s) throw s;
            throw new SupervisorException(String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new SupervisorException("the namespace did not answer within " + JOIN_LIMIT_SECONDS
                    + " s (it may still do it)", new LinuxException("join", Errno.ETIMEDOUT));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SupervisorException("interrupted");
        }
    }

    /** On the tracer thread: the joins and leaves asked for since it last looked. */
    private void serveJoinRequests(Workspace w) {
        for (JoinRequest r = joinRequests.poll(); r != null; r = joinRequests.poll()) {
            if (r.leave()) {
                askToLeave(r);
                continue;
            }
            try {
                join(r.pid(), r.tree(), r.descendants(), w);
                r.answer().complete(null);
            } catch (SupervisorException | RuntimeException e) {
                r.answer().completeExceptionally(e);
            }
        }
    }

    private void join(int pid, boolean tree, boolean onlyDescendants, Workspace w) throws SupervisorException {
        if (dev.timens.linux.ProcStatus.startTime(pid) <= 0) {
            throw new SupervisorException("no process " + pid, new LinuxException("join", Errno.ESRCH));
        }
        boolean in = pid == self || pid == park || descendants().contains(pid);
        if (in != onlyDescendants) {
            throw new SupervisorException("process " + pid + (in ? " is in the namespace already"
                    : " is not in the namespace"), new LinuxException("join", Errno.EBUSY));
        }
        List<Integer> processes = tree ? treeOf(pid) : List.of(pid);
        if (!onlyDescendants) joinOne(pid, pid, w);
        for (int p : processes) {
            if (p == pid || descendants().contains(p)) continue; // started since: it has the filter
            try {
                joinOne(p, pid, w);
            } catch (SupervisorException | RuntimeException e) {
                diagnostics.println("timens: process " + p + " (started by process " + pid + " before it was"
                        + " attached) stays on host time: " + e.getMessage());
                diagnostics.flush();
            }
        }
    }

    private void joinOne(int pid, int group, Workspace w) throws SupervisorException {
        TakenIn taken = takeIn(pid, w);
        Joined j = new Joined(pid, dev.timens.linux.ProcStatus.startTime(pid), group, taken.listener(), taken.since());
        joined.put(pid, j);
        boolean filtered = runsUnderAFilter();
        j.notifications = Notifications.serve(taken.listener(), tool, diagnostics, stats, new Router(), () -> {
            joined.remove(pid, j);
            java.util.concurrent.CompletableFuture<Void> asked = j.leaving;
            // Gone while asked to leave: once none of its group is left, that is done.
            if (asked != null && joined.values().stream().noneMatch(k -> k.leaving == asked)) asked.complete(null);
            ring();
        }, () -> j.handedOver, tid -> j.letGo || filtered && ownCall(tid));
        for (Adoption a : taken.held()) a.prepare();
        for (Adoption a : taken.held()) a.letGo();
    }

    private void askToLeave(JoinRequest r) {
        Joined own = joined.get(r.pid());
        // A process taken in with another's tree leaves with that tree, by its root's
        // detach; once that root has ended, any of the rest lets the rest go.
        boolean rootEnded = own != null && own.group != r.pid() && !running(own.group);
        int root = rootEnded ? own.group : r.pid();
        List<Joined> group = joined.values().stream().filter(j -> j.group == root && j.leaving == null).toList();
        if (group.isEmpty() || own == null || own.group != root
                || dev.timens.linux.ProcStatus.startTime(r.pid()) != own.start) {
            String why = own != null ? "process " + r.pid() + " was attached with process " + own.group
                    + "'s tree: detach " + own.group + " lets them all go"
                    : "process " + r.pid() + " was not attached to this namespace";
            r.answer().completeExceptionally(new SupervisorException(why, new LinuxException("leave", Errno.ESRCH)));
            return;
        }
        for (Joined j : group) j.leaving = r.answer();
    }

    /**
     * Whether process {@code root}, joined or the one {@link #adopt} took in,
     * still runs (its number not taken by another since).
     */
    private boolean running(int root) {
        Joined j = joined.get(root);
        long start = j != null ? j.start : root == adopted ? adoptedStart : -1;
        return start > 0 && dev.timens.linux.ProcStatus.startTime(root) == start;
    }

    /** Whether a call that came through {@code listener} is of processes being let go. */
    private boolean leaving(int listener) {
        for (Joined j : joined.values()) {
            if (j.listener == listener && j.leaving != null) return true;
        }
        return false;
    }

    /**
     * On the tracer thread: the joined processes asked to leave are let go once
     * no visit of theirs runs (those running with changed arguments are ended
     * early, as for {@link Adopted#release}); with {@code everyone}, every
     * joined process is asked to (the namespace ends, or is let go).
     */
    private void letJoinedLeave(boolean everyone, Workspace w) {
        boolean asking = everyone;
        for (Joined j : joined.values()) asking |= j.leaving != null;
        if (!asking) return; // the usual case, after every stop while a process is joined
        if (everyone) {
            for (Joined j : joined.values()) {
                if (j.leaving == null) j.leaving = new java.util.concurrent.CompletableFuture<>();
                j.force = true;
            }
        }
        Map<java.util.concurrent.CompletableFuture<Void>, List<Joined>> asked = new HashMap<>();
        for (Joined j : joined.values()) {
            if (j.leaving != null) asked.computeIfAbsent(j.leaving, k -> new ArrayList<>()).add(j);
        }
        for (Map.Entry<java.util.concurrent.CompletableFuture<Void>, List<Joined>> e : asked.entrySet()) {
            java.util.Set<Integer> listeners = new java.util.HashSet<>();
            java.util.Set<Integer> processes = new java.util.HashSet<>();
            for (Joined j : e.getValue()) {
                listeners.add(j.listener);
                processes.addAll(filteredTree(j.pid, j.start, j.since));
            }
            endRunningCalls(listeners::contains);
            // Visits the tool asked for (a clock change's) carry no listener: by process.
            boolean visited = visits.entrySet().stream().anyMatch(v -> listeners.contains(v.getValue().listener)
                    || processes.contains(tgidOf(v.getKey())));
            if (!visited) leaveGroup(e.getValue(), e.getKey(), w);
        }
    }

    /**
     * Holds every process of {@code group} (each joined one and what it
     * started since), puts each back ({@link Tool#onRelease}), leaves each
     * filter to a helper, and lets them go. Refused, nothing changed, when one
     * runs a program exec'd in the namespace, unless forced.
     */
    private void leaveGroup(List<Joined> group, java.util.concurrent.CompletableFuture<Void> answer, Workspace w) {
        List<Adoption> holding = new ArrayList<>();
        boolean force = group.stream().anyMatch(j -> j.force);
        String refusal = null;
        try {
            // Every thread of every process held first: a held thread gives up the call
            // it waited in (it makes it again), so no call of theirs is left unanswered.
            for (Joined j : group) {
                for (int pid : filteredTree(j.pid, j.start, j.since)) {
                    Adoption adoption = new Adoption(pid, w.ptracer(), w.saved(), w.work(), w.scratch(), false);
                    try {
                        adoption.seizeEveryThread();
                        holding.add(adoption);
                    } catch (SupervisorException | RuntimeException e) {
                        adoption.letGo(); // never put back half held: a thread left running may be inside
                        if (refusal == null) refusal = "process " + pid + " cannot be held: " + e.getMessage();
                    }
                }
            }
            for (Adoption a : holding) {
                try {
                    a.refuseForeignClockCode();
                } catch (SupervisorException e) {
                    if (refusal == null) refusal = "process " + a.pid + " runs a program exec'd in the namespace,"
                            + " whose clock code is the namespace's: end it first";
                }
            }
            if (refusal != null && !force) {
                for (Joined k : group) k.leaving = null;
                answerDropped(group);
                answer.completeExceptionally(new SupervisorException(refusal, new LinuxException("leave", Errno.EBUSY)));
                return;
            }
            for (Adoption a : holding) {
                try {
                    // Forced, the namespace ends: its clock page says host time then.
                    if (!a.held.isEmpty()) a.unprepare(!force);
                } catch (RuntimeException e) {
                    diagnostics.println("timens: process " + a.pid + " could not be put back: " + e.getMessage());
                    diagnostics.flush();
                }
            }
            for (Joined j : group) j.letGo = true; // every call of theirs goes on to the kernel from now on
            answerDropped(group);
            handOver(group);
            answer.complete(null);
        } catch (RuntimeException e) {
            for (Joined k : group) k.leaving = null;
            answer.completeExceptionally(new SupervisorException("the release failed: " + e.getMessage(), e));
        } finally {
            for (Adoption a : holding) a.letGo();
        }
    }

    /** Leaves each filter of {@code group} to a helper, and lets its notification thread end. */
    private void handOver(List<Joined> group) {
        for (Joined j : group) {
            leaveFilterToHelper(j.listener, j.pid, j.since);
            j.handedOver = true;
        }
        for (Joined j : group) {
            try {
                j.notifications.join(java.time.Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            joined.remove(j.pid, j);
        }
    }

    /** Calls of processes being let go, handed over and not visited: answered by {@link #answerDropped}. */
    private final List<Handover> dropped = new ArrayList<>();

    /**
     * The calls of {@code group}'s listeners handed over and dropped while it
     * was being let go go on to the kernel: a thread that was held gave its
     * call up already (the answer finds none), one that was not would wait for
     * its answer forever.
     */
    private void answerDropped(List<Joined> group) {
        java.util.Set<Integer> listeners = new java.util.HashSet<>();
        for (Joined j : group) listeners.add(j.listener);
        handovers.removeIf(h -> {
            if (!listeners.contains(h.listener()) || visits.containsKey(h.tid())) return false;
            dropped.add(h);
            return true;
        });
        for (java.util.Iterator<Handover> i = dropped.iterator(); i.hasNext(); ) {
            Handover h = i.next();
            if (!listeners.contains(h.listener())) continue;
            i.remove();
            SeccompNotify.answerContinue(h.listener(), answerScratch, h.id());
            if (h.nr() != SyscallNumbers.PTRACE && claimed.remove(h.tid())) releaseAttaches(h.tid());
        }
    }

    /**
     * Starts {@code timens-exec continue} with a copy of {@code listener}: it
     * answers every call of process {@code pid}'s filter CONTINUE from now on.
     */
    private void leaveFilterToHelper(int listener, int pid, long since) {
        int copy = Unistd.dup(listener);
        try {
            Spawn.spawn(helper.toString(), List.of("timens-exec", "continue", Integer.toString(copy),
                    Integer.toString(pid), programDigest, Long.toString(since)), copy);
        } catch (LinuxException e) {
            diagnostics.println("timens: nothing answers for the released processes now (" + e.getMessage()
                    + "): their calls timens handled fail with ENOSYS");
            diagnostics.flush();
        } finally {
            Unistd.close(copy);
        }
    }

    /** Process {@code root}, if it still runs, and what it started since {@code since}, which shares its filter. */
    private List<Integer> filteredTree(int root, long start, long since) {
        if (dev.timens.linux.ProcStatus.startTime(root) != start) return List.of();
        List<Integer> found = new ArrayList<>();
        for (int p : treeOf(root)) {
            if (p == root || sharesFilter(p, root, since)) found.add(p);
        }
        return found;
    }

    /** Now, in clock ticks since boot (the unit of /proc/PID/stat's start times). */
    private static long ticksSinceBoot() {
        try {
            String uptime = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
            return new java.math.BigDecimal(uptime).multiply(java.math.BigDecimal.valueOf(100)).longValue();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Whether process {@code child}, a descendant of {@code root}, has root's
     * filter: it and every process between them started after root got it
     * ({@code since}); one forked before has none, and neither has what it
     * started (a shell root started before it was taken in, say).
     */
    private static boolean sharesFilter(int child, int root, long since) {
        for (int p = child; p != root; p = dev.timens.linux.ProcStatus.field(p, "PPid:")) {
            if (p <= 1 || dev.timens.linux.ProcStatus.startTime(p) <= since) return false;
        }
        return true;
    }

    /** Whether this process runs under a seccomp filter (started by a process it may take in). */
    private static boolean runsUnderAFilter() {
        String[] mode = dev.timens.linux.ProcStatus.values("self", "Seccomp:");
        return mode != null && mode.length > 0 && !mode[0].equals("0");
    }

    /** Whether thread {@code tid} is this process's or a child's (the park, a helper being started). */
    private boolean ownCall(int tid) {
        int tgid = dev.timens.linux.ProcStatus.field(tid, "Tgid:");
        return tgid == self || dev.timens.linux.ProcStatus.field(tgid, "PPid:") == self;
    }

    private static final int CAP_SYS_ADMIN = 21;
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int SECCOMP_SET_MODE_FILTER = 1;
    private static final long SECCOMP_FILTER_FLAG_TSYNC = 1;
    private static final long SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
    /** Linux 5.7: a TSYNC failure reports ESRCH rather than a thread id, which is what lets TSYNC have a listener. */
    private static final long SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1 << 4;

    private static String first(String[] words) {
        return words == null || words.length == 0 ? null : words[0];
    }

    /** Whether thread {@code tid} has capability {@code cap} in its effective set (/proc/TID/status CapEff). */
    private static boolean hasCapability(int tid, int cap) {
        String[] effective = dev.timens.linux.ProcStatus.values(Integer.toString(tid), "CapEff:");
        if (effective == null || effective.length == 0) return false;
        try {
            return (Long.parseUnsignedLong(effective[0], 16) >>> cap & 1) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** What the tracer thread works with for the whole run. */
    private record Workspace(Ptracer ptracer, Registers saved, Registers work, MemorySegment scratch) {}

    private Workspace allocate(Arena arena) {
        stackBuffer = arena.allocate(ExecStop.STACK_BUFFER_SIZE, 16);
        answerScratch = arena.allocate(64, 8);
        leaveRegisters = new Registers(arena);
        leaveWork = new Registers(arena);
        leaveScratch = ProcessMemory.allocateScratch(arena);
        return new Workspace(new Ptracer(arena), new Registers(arena), new Registers(arena),
                ProcessMemory.allocateScratch(arena));
    }

    private ExitStatus supervise(Launch launch, byte[] filter, java.util.function.Consumer<ProcessTree> started)
            throws SupervisorException {
        try (Arena arena = Arena.ofConfined()) {
            Workspace w = allocate(arena);
            Ptracer ptracer = w.ptracer();
            Registers saved = w.saved();
            Registers work = w.work();
            MemorySegment scratch = w.scratch();
            // Orphans stay ours: reaped here, and descendants (Yama's ptrace_scope 1).
            Prctl.becomeChildSubreaper();
            helper = launch.helper();
            park = Launching.startPark(launch.helper());
            int[] channel = Sockets.streamPair();
            List<String> helperArgv = Launching.helperArgv(launch, channel[0]);
            int main;
            try {
                main = Spawn.spawn(launch.helper().toString(), helperArgv, Launching.helperFds(launch, channel[0]));
            } catch (LinuxException e) {
                Unistd.close(channel[0]);
                Unistd.close(channel[1]);
                stopPark(ptracer);
                throw new SupervisorException("cannot start " + launch.helper() + ": " + e.getMessage(), e);
            }
            Unistd.close(channel[0]);
            Launching.sendFilter(channel[1], filter);
            Notifications.start(channel[1], main, tool, diagnostics, stats, new Router());
            LiveThreads live = new LiveThreads();
            live.traced(main);
            ProcessTree tree = new ProcessTree(main, this::descendants, this::threads);
            started.accept(tree);
            tool.onStart(control(tree));
            return loop(main, live, tree, ptracer, saved, work, scratch);
        }
    }

    /** What the tool may ask of the engine (TraceControl), for a run whose processes are {@code tree}. */
    private TraceControl control(ProcessTree tree) {
        return new TraceControl() {
        @Override
        public void interrupt(int tid, InterruptStop.Handler atStop) {
            // Only ever called on the tracer thread (from the tool's callbacks).
            askInterrupt(tid, atStop);
        }

        @Override
        public List<Integer> threads() {
            return tree.threads();
        }

        @Override
        public void wakeup() {
            wakeupAsked = true;
            ring();
        }

        @Override
        public boolean tracesEveryThread() {
            return false;
        }
    };
    }

    /** The notification thread's side: execs and what the tool leaves are handed over. */
    private final class Router implements Notifications.Router {
        @Override
        public boolean take(Notification call) {
            Pass passed = passing.remove(call.tid());
            if (passed != null && passed.sameCall(call)) {
                if (passed.copiesIntact(call)) {
                    call.proceed(); // the restart of a call the tool has seen
                    return true;
                }
                // Its copies overwritten (a signal's frame): the tool sees the call again, with
                // the program's own arguments put back at the stop (clobbered).
                clobbered.put(call.tid(), passed);
            }
            boolean exec = call.number() == SyscallNumbers.EXECVE || call.number() == SyscallNumbers.EXECVEAT;
            if (visiting.contains(call.tid())) {
                // Its exec's restart, or one of the calls below (see unanswered).
                if (exec) call.proceed();
                return exec;
            }
            if (exec || call.number() == EntryCode.FAILED_SYSCALL) {
                if (exec) tool.beforeExec(call.tid());
                hand(call);
                return true;
            }
            if (call.number() == SyscallNumbers.PTRACE) {
                int target = (int) call.arg(1);
                if (attached.contains(target) || claimed.contains(target)) {
                    hand(call); // answered when the visit ends
                } else {
                    call.proceed();
                }
                return true;
            }
            return false;
        }

        @Override
        public void unanswered(Notification call) {
            // A thread the engine is attached to runs only to finish what the engine
            // started: the restart of a call it rewrote, or a syscall it injected
            // that the tool does not answer itself.
            if (visiting.contains(call.tid())) {
                call.proceed();
            } else {
                hand(call);
            }
        }

        private void hand(Notification call) {
            call.handedOver();
            if (call.number() != SyscallNumbers.PTRACE) claimed.add(call.tid());
            long[] args = new long[6];
            for (int i = 0; i < args.length; i++) args[i] = call.arg(i);
            handovers.add(new Handover(call.id(), call.tid(), call.number(), call.listener(), (int) call.arg(1), args,
                    call.instructionPointer()));
            ring();
        }
    }

    private void ring() {
        int doorbell = park;
        if (doorbell != 0) Unistd.kill(doorbell, SIGURG);
    }

    private void stopPark(Ptracer ptracer) {
        int doorbell = park;
        if (doorbell == 0) return;
        park = 0;
        Unistd.kill(doorbell, SIGKILL);
        try {
            Wait.waitpid(doorbell, Wait.WALL, ptracer.statusBuffer());
        } catch (LinuxException e) {
            if (e.errno() != Errno.ECHILD) throw e;
        }
    }

    private ExitStatus loop(int main, LiveThreads live, ProcessTree tree, Ptracer ptracer, Registers saved,
                            Registers work, MemorySegment scratch) {
        ExitStatus mainStatus = null;
        MemorySegment statusBuffer = ptracer.statusBuffer();
        for (;;) {
            // Done, but for the helpers answering let-go filters: this process is a
            // subreaper, so they came back to it; they outlive it.
            if (park == 0 && (adopted != 0 || mainStatus != null) && joined.isEmpty() && !hasChildrenBesidesPark()) {
                break;
            }
            Wait.Status s;
            try {
                s = Wait.waitpid(-1, Wait.WALL, statusBuffer);
            } catch (LinuxException e) {
                if (e.errno() == Errno.ECHILD) break;
                throw e;
            }
            int pid = s.pid();
            if (park != 0 && pid == park) {
                if (s.stopped()) {
                    ptracer.cont(pid, 0);
                    if (wakeupAsked) wakeUpTool();
                } else {
                    park = 0;
                }
            } else if (s.exited() || s.signaled()) {
                Visit gone = visits.remove(pid);
                entryCodes.remove(pid);
                passing.remove(pid);
                clobbered.remove(pid);
                if (gone != null || live.contains(pid)) tool.onTaskExited(pid);
                live.ended(pid);
                if (pid == main) {
                    tree.commandEnded();
                    mainStatus = s.exited() ? ExitStatus.exited(s.exitCode())
                            : ExitStatus.killed(s.termSignal(), s.coreDumped());
                }
            } else if (s.stopped()) {
                try {
                    stopped(s, ptracer, saved, work, scratch);
                } catch (TraceeGone e) {
                    visits.remove(e.tid);
                } catch (RuntimeException e) {
                    diagnostics.println("timens: internal error while handling pid " + pid + " (" + e
                            + "); killing it");
                    diagnostics.flush();
                    Unistd.kill(pid, SIGKILL);
                }
            }
            // Asked to let go, no new visit starts (a busy program, a JVM, always has calls
            // handed over): those calls are dropped, and their threads make them again once
            // the release holds and lets them go; visits under way go on to their end.
            takeHandovers(ptracer, releaseAsked);
            if (releaseAsked && !released) endRunningCalls(listener -> true);
            if (releaseAsked && !released && visits.isEmpty()) release(ptracer, saved, work, scratch);
            Workspace w = new Workspace(ptracer, saved, work, scratch);
            boolean over = adopted != 0 ? everyAdoptedProcessGone : mainStatus != null && !hasChildrenBesidesPark();
            if (!over && !releaseAsked) serveJoinRequests(w);
            // The namespace ends with what it started: what was joined goes back to host time.
            if (!joined.isEmpty()) letJoinedLeave(over, w);
            if (over && visits.isEmpty() && joined.isEmpty()) stopPark(ptracer);
        }
        ended = true;
        // Left over only if the loop ended early (the doorbell died): their filters must
        // not go unanswered; the namespace's end makes its clock page say host time.
        if (!joined.isEmpty()) handOver(new ArrayList<>(joined.values()));
        for (JoinRequest r = joinRequests.poll(); r != null; r = joinRequests.poll()) {
            r.answer().completeExceptionally(new SupervisorException("the namespace has ended",
                    new LinuxException("join", Errno.ESRCH)));
        }
        // An adopted process is not ours: its end is reported to its parent.
        if (mainStatus == null && adopted == 0) {
            throw new IllegalStateException("the command's exit status was never reported");
        }
        return mainStatus;
    }

    private void wakeUpTool() {
        wakeupAsked = false; // before: a wake-up asked for meanwhile rings again
        Launching.wakeUp(tool, diagnostics);
    }

    /** Every thread of every process {@link #descendants} lists, as /proc shows them now. Any thread may ask. */
    private List<Integer> threads() {
        List<Integer> threads = new ArrayList<>();
        for (int pid : descendants()) {
            try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) threads.add(Integer.parseInt(task.getFileName().toString()));
            } catch (IOException | java.io.UncheckedIOException e) {
                // the process ended
            }
        }
        return threads;
    }

    /**
     * Every process below this one but the doorbell, as /proc shows them now:
     * the command's tree, orphans included (they are reparented here); or the
     * adopted process's tree; and the processes joined since, with what they
     * started since. Any thread may ask.
     */
    private List<Integer> descendants() {
        List<Integer> found = new ArrayList<>();
        // An adopted process is not ours: the tree starts at it (its orphans go elsewhere).
        if (adopted != 0) {
            found.addAll(filteredTree(adopted, adoptedStart, filteredSince)); // its children from before have none
        } else {
            for (int p : treeOf(self)) if (p != self) found.add(p);
        }
        for (Joined j : joined.values()) {
            for (int p : filteredTree(j.pid, j.start, j.since)) if (!found.contains(p)) found.add(p);
        }
        return found;
    }

    /**
     * Process {@code root} and every process below it but the doorbell and
     * this one, as /proc shows them now, parents before their children.
     */
    private List<Integer> treeOf(int root) {
        List<Integer> found = new ArrayList<>(List.of(root));
        java.util.ArrayDeque<Integer> parents = new java.util.ArrayDeque<>(List.of(root));
        while (!parents.isEmpty()) {
            int parent = parents.poll();
            for (int child : childrenOf(parent)) {
                // Not the supervisor itself: a process taken in may have started it (timens-junit).
                if (child == park || child == self || found.contains(child)) continue;
                if (root == self && Continuer.is(child)) continue; // answers a let-go filter
                found.add(child);
                parents.add(child);
            }
        }
        return found;
    }

    /** The children of every thread of process {@code pid} (/proc/PID/task/TID/children). */
    private static List<Integer> childrenOf(int pid) {
        List<Integer> children = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String listed = Files.readString(task.resolve("children")).trim();
                    if (listed.isEmpty()) continue;
                    for (String child : listed.split("\\s+")) children.add(Integer.parseInt(child));
                } catch (IOException | NumberFormatException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        return children;
    }

    /** Whether this process still has a child (an orphan reparented to it included) other than the doorbell. */
    private boolean hasChildrenBesidesPark() {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String children;
                try {
                    children = Files.readString(task.resolve("children")).trim();
                } catch (IOException e) {
                    continue; // the thread ended
                }
                if (children.isEmpty()) continue;
                for (String child : children.split("\\s+")) {
                    int pid = Integer.parseInt(child);
                    if (pid != park && !Continuer.is(pid)) return true;
                }
            }
        } catch (IOException e) {
            return true;
        }
        return false;
    }

    private void takeHandovers(Ptracer ptracer, boolean releasing) {
        for (Handover h = handovers.poll(); h != null; h = handovers.poll()) {
            if ((releasing || leaving(h.listener())) && !visits.containsKey(h.tid())) {
                // A joined process's: answered once its processes are held (answerDropped).
                if (h.listener() != adoptedListener) dropped.add(h);
                continue;
            }
            try {
                takeHandover(h, ptracer);
            } catch (TraceeGone e) {
                visits.remove(h.tid());
            } finally {
                if (h.nr() != SyscallNumbers.PTRACE && !visits.containsKey(h.tid()) && claimed.remove(h.tid())) {
                    releaseAttaches(h.tid()); // taken without a visit (gone, refused, another's tracee)
                }
            }
        }
    }

    private void takeHandover(Handover h, Ptracer ptracer) {
        if (h.nr() == SyscallNumbers.PTRACE) {
            int target = h.target();
            if (visits.containsKey(target) || claimed.contains(target)) {
                waitingAttaches.computeIfAbsent(target, t -> new ArrayList<>()).add(h);
            } else {
                SeccompNotify.answerContinue(h.listener(), answerScratch, h.id());
            }
            return;
        }
        boolean exec = h.nr() == SyscallNumbers.EXECVE || h.nr() == SyscallNumbers.EXECVEAT;
        // No longer waiting for its answer: an interrupt or a signal took the thread
        // out of the call since it was handed over (it makes the call anew, if at all,
        // and that is handed over in turn). Visiting it now would stop it elsewhere.
        if (!SeccompNotify.isValid(h.listener(), answerScratch, h.id())) return;
        Visit visit = visits.get(h.tid());
        if (visit == null) {
            long seized = Ptrace.request(Ptrace.SEIZE, h.tid(), 0, SEIZE_OPTIONS);
            if (seized == -Errno.ESRCH) return;
            int tracer = seized == -Errno.EPERM ? tracerOf(h.tid()) : 0;
            if (tracer < 0) return; // gone
            if (tracer != 0 && tracer != self) {
                // Another program traces it (the usual reason for EPERM; asked only then).
                if (exec) holdTracer(tracer, h);
                else callInPlace(h, leaveScratch);
                return;
            }
            if (seized < 0) {
                diagnostics.println("timens: cannot attach to pid " + h.tid() + ": " + Errno.describe((int) -seized)
                        + "; killing it");
                diagnostics.flush();
                Unistd.kill(h.tid(), SIGKILL);
                return;
            }
        }
        Phase phase = exec ? Phase.EXEC_INTERRUPTED
                : h.nr() == EntryCode.FAILED_SYSCALL ? Phase.ENTRY_FAILED : Phase.CALL_INTERRUPTED;
        Visit started = new Visit(phase, h.nr());
        started.listener = h.listener();
        visits.put(h.tid(), started);
        // An exec of a thread seized now runs at once: seized, it stops at its
        // PTRACE_EVENT_EXEC if it succeeds. The interrupt that follows brings the
        // thread to a stop in any case: after that event (the detach drops it),
        // where a failed exec returns (the visit ends there), or where the exec is
        // to start over (cut short: it is then followed through its restart).
        if (exec && visit == null) SeccompNotify.answerContinue(h.listener(), answerScratch, h.id());
        long result = Ptrace.request(Ptrace.INTERRUPT, h.tid(), 0, 0);
        if (result == -Errno.ESRCH) visits.remove(h.tid());
    }

    /** The thread's tracer (TracerPid in /proc/TID/status): 0 for none, -1 when it is gone. */
    private static int tracerOf(int tid) {
        return Launching.statusField(tid, "TracerPid:");
    }

    /**
     * An exec by a thread that {@code tracer} (a thread of a debugger, strace,
     * user-mode Linux...) traces. The engine cannot attach to the thread, and
     * needs not: after the exec the kernel stops it for its tracer, and only
     * the tracer can let it go. So the tracer is held (attached and
     * interrupted), the exec let through; at the tracer's stop the new
     * program, waiting at its exec stop, is prepared through /proc/PID/mem,
     * and the tracer let go. See docs/engine-v2.md.
     */
    private void holdTracer(int tracer, Handover h) {
        byte[] auxv = readAuxv(tgidOf(h.tid()));
        if (auxv == null) return; // gone
        ForeignExec exec = new ForeignExec(h.tid(), tgidOf(h.tid()), h.id(), h.listener(), auxv);
        Visit held = visits.get(tracer);
        if (held != null && held.phase == Phase.HOLDING_TRACER) {
            if (SeccompNotify.answerContinue(h.listener(), answerScratch, h.id()) == 0) {
                held.foreignExecs.add(exec); // its stop is still to come
            }
            return;
        }
        if (held == null) {
            long seized = Ptrace.request(Ptrace.SEIZE, tracer, 0, Ptrace.O_TRACESYSGOOD);
            if (seized < 0) {
                refuseForeignExec(h, "its tracer, pid " + tracer + ", cannot be held (" + Errno.describe((int) -seized)
                        + ")");
                return;
            }
            held = new Visit(Phase.HOLDING_TRACER, -1);
            visits.put(tracer, held);
        } else {
            held.phase = Phase.HOLDING_TRACER; // already attached for something else
        }
        long result = Ptrace.request(Ptrace.INTERRUPT, tracer, 0, 0);
        if (result < 0) {
            visits.remove(tracer);
            refuseForeignExec(h, "its tracer, pid " + tracer + ", cannot be held");
            return;
        }
        // The exec goes on now: the tracer stops before it can restart its tracee,
        // and it may well be waiting for this very exec (vfork) before it can stop.
        if (SeccompNotify.answerContinue(h.listener(), answerScratch, h.id()) == 0) held.foreignExecs.add(exec);
    }

    private void refuseForeignExec(Handover h, String why) {
        diagnostics.println("timens: pid " + h.tid() + " (" + Launching.comm(h.tid()) + ") cannot exec while another program"
                + " traces it: " + why + "; the exec fails with EPERM");
        diagnostics.flush();
        SeccompNotify.answerWithError(h.listener(), answerScratch, h.id(), Errno.EPERM);
    }

    /** The held tracer has stopped: each exec let through meanwhile gets its new program prepared. */
    private void finishForeignExecs(int tracer, Visit held, Ptracer ptracer, Registers saved, Registers work,
                                    MemorySegment scratch) {
        for (ForeignExec exec : held.foreignExecs) {
            long[] spAndPc = awaitExecStop(exec);
            if (spAndPc == null) continue; // the exec failed, or the thread is gone
            stats.execs++;
            ExecStop stop = ExecStop.foreign(exec.tgid(), exec.tid(), new ProcessMemory(exec.tgid(), scratch), saved,
                    work, stackBuffer, spAndPc[1], spAndPc[0]);
            try {
                tool.onExec(stop);
            } catch (RuntimeException e) {
                diagnostics.println("timens: killing pid " + exec.tgid() + " (" + Launching.comm(exec.tgid()) + "): "
                        + e.getMessage());
                diagnostics.flush();
                Unistd.kill(exec.tgid(), SIGKILL);
            }
        }
        held.foreignExecs.clear();
        leave(tracer, held, ptracer);
    }

    /** How long an exec may take to reach its tracer's stop before the engine gives up on it. */
    private static final long EXEC_WAIT_NANOS = 5_000_000_000L;

    /**
     * Waits for {@code exec} to complete: the process's auxv changes and it
     * stops for its tracer. Returns its stack pointer and entry point there,
     * or null when the exec failed (the thread left execve with the old
     * program) or the thread is gone. A thread still running the new program
     * unprepared (its tracer let go of it meanwhile) is killed.
     */
    private long[] awaitExecStop(ForeignExec exec) {
        long deadline = System.nanoTime() + EXEC_WAIT_NANOS;
        while (System.nanoTime() < deadline) {
            byte[] auxv = readAuxv(exec.tgid());
            if (auxv == null) return null;
            if (!java.util.Arrays.equals(auxv, exec.auxvBefore())) {
                char state = stateOf(exec.tgid());
                if (state == 't') return stackAndEntry(exec.tgid());
                if (state != 'R' && state != 'D') {
                    // Runs the new program, untraced and unprepared: never on host time.
                    diagnostics.println("timens: killing pid " + exec.tgid() + " (" + Launching.comm(exec.tgid())
                            + "): its tracer let it go before its new program could be prepared");
                    diagnostics.flush();
                    Unistd.kill(exec.tgid(), SIGKILL);
                    return null;
                }
            } else if (!inExec(exec.tid())) {
                return null; // execve returned: it failed, the old program goes on
            }
            Thread.onSpinWait();
        }
        diagnostics.println("timens: killing pid " + exec.tgid() + ": its exec did not finish");
        diagnostics.flush();
        Unistd.kill(exec.tgid(), SIGKILL);
        return null;
    }

    private static byte[] readAuxv(int pid) {
        try {
            return Files.readAllBytes(Path.of("/proc/" + pid + "/auxv"));
        } catch (IOException e) {
            return null;
        }
    }

    /** The state letter of /proc/PID/stat ('t': stopped by its tracer), or '?' when it is gone. */
    private static char stateOf(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() ? '?' : stat.charAt(end + 2);
        } catch (IOException e) {
            return '?';
        }
    }

    /** Whether thread {@code tid} is still in execve or execveat (/proc/TID/syscall), or gone with its exec. */
    private static boolean inExec(int tid) {
        try {
            String call = Files.readString(Path.of("/proc/" + tid + "/syscall")).trim();
            return call.startsWith(SyscallNumbers.EXECVE + " ") || call.startsWith(SyscallNumbers.EXECVEAT + " ")
                    || call.equals("running");
        } catch (IOException e) {
            return true; // the thread went away: a non-leader's exec completes so
        }
    }

    /**
     * The stack pointer and instruction pointer of a stopped thread, from the
     * last two fields of /proc/PID/syscall ("NR ARGS... SP PC", or "-1 SP PC"
     * when its tracer has cleared orig_rax), or null.
     */
    private static long[] stackAndEntry(int pid) {
        try {
            String[] fields = Files.readString(Path.of("/proc/" + pid + "/syscall")).trim().split("\\s+");
            if (fields.length < 3) return null;
            return new long[] {Long.decode(fields[fields.length - 2]), Long.decode(fields[fields.length - 1])};
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /**
     * A call of a thread another program traces, which the tool handles at a
     * stop: no register of the thread can change (its tracer's are the only
     * ptrace requests it takes), so the tool sees it as a {@link SyscallStop}
     * in place, whose translated copies are written over the memory its
     * arguments point to. The call then runs, and the program's own bytes go
     * back as soon as the kernel has read them (the thread sleeps in the call,
     * or has left it). What cannot be done so fails with ENOSYS, never on host
     * time.
     */
    private void callInPlace(Handover h, MemorySegment scratch) {
        Registers regs = leaveRegisters;
        regs.fromArray(new long[regs.toArray().length]);
        regs.origRax(h.nr());
        regs.rip(h.ip());
        for (int i = 0; i < 6; i++) regs.arg(i, h.args()[i]);
        int tid = h.tid();
        ProcessMemory memory = new ProcessMemory(tid, scratch);
        SyscallStop stop = SyscallStop.inPlace(tid, tgidOf(tid), regs, memory);
        SyscallOutcome outcome;
        try {
            outcome = tool.onSyscall(stop);
        } catch (RuntimeException e) {
            diagnostics.println("timens: internal error in syscall " + h.nr() + " of pid " + tid + " (" + e + ")");
            diagnostics.flush();
            outcome = SyscallOutcome.error(Errno.ENOSYS);
        }
        stats.syscalls++;
        if (outcome instanceof SyscallOutcome.Return(long value)) {
            if (value < 0 && value >= -4095) {
                SeccompNotify.answerWithError(h.listener(), answerScratch, h.id(), (int) -value);
            } else {
                SeccompNotify.answerWithValue(h.listener(), answerScratch, h.id(), value);
            }
            return;
        }
        Map<Integer, byte[]> writes = stop.inPlaceWrites();
        if (writes == null) {
            refuseForeign(h);
            return;
        }
        List<RemotePtr> places = new ArrayList<>();
        List<byte[]> originals = new ArrayList<>();
        try {
            for (Map.Entry<Integer, byte[]> w : writes.entrySet()) {
                RemotePtr at = new RemotePtr(h.args()[w.getKey()]);
                originals.add(memory.read(at, w.getValue().length));
                places.add(at);
                memory.write(at, w.getValue());
            }
        } catch (TraceeFault e) {
            putBack(memory, places, originals);
            SeccompNotify.answerWithError(h.listener(), answerScratch, h.id(), Errno.EFAULT);
            return;
        }
        if (SeccompNotify.answerContinue(h.listener(), answerScratch, h.id()) == 0 && !places.isEmpty()) {
            awaitReadByKernel(tid, h.nr());
        }
        putBack(memory, places, originals);
    }

    private static void putBack(ProcessMemory memory, List<RemotePtr> places, List<byte[]> originals) {
        for (int i = 0; i < places.size(); i++) {
            try {
                memory.write(places.get(i), originals.get(i));
            } catch (TraceeFault e) {
                // unmapped meanwhile: nothing to put back
            }
        }
    }

    /** How long a call may take to start before the program's own bytes go back anyway. */
    private static final long READ_WAIT_NANOS = 20_000_000L;

    /**
     * Waits until the kernel has read the arguments of call {@code nr} of
     * thread {@code tid}: the thread sleeps in it, or has left it.
     */
    private static void awaitReadByKernel(int tid, int nr) {
        long deadline = System.nanoTime() + READ_WAIT_NANOS;
        while (System.nanoTime() < deadline) {
            String call;
            try {
                call = Files.readString(Path.of("/proc/" + tid + "/syscall")).trim();
            } catch (IOException e) {
                return; // gone
            }
            if (call.equals("running")) {
                Thread.onSpinWait(); // on a CPU: maybe still on its way into the call
                continue;
            }
            if (!call.startsWith(nr + " ")) return; // left the call (or never in it again)
            char state = stateOf(tid);
            // Asleep in the call itself, not still in the seccomp wait for the answer: read.
            if ((state == 'S' || state == 'D' || state == 't' || state == 'T') && !waitsForAnswer(tid)) return;
            Thread.onSpinWait();
        }
    }

    /** Whether thread {@code tid} still sleeps in the seccomp listener's wait (/proc/TID/wchan). */
    private static boolean waitsForAnswer(int tid) {
        try {
            return Files.readString(Path.of("/proc/" + tid + "/wchan")).contains("seccomp");
        } catch (IOException e) {
            return false;
        }
    }

    private void refuseForeign(Handover h) {
        diagnostics.println("timens: pid " + h.tid() + " (" + Launching.comm(h.tid()) + ") made syscall " + h.nr()
                + " while another program traces it, which timens cannot handle yet: it fails with ENOSYS");
        diagnostics.flush();
        SeccompNotify.answerWithError(h.listener(), answerScratch, h.id(), Errno.ENOSYS);
    }

    /** Asked by the tool: seize the thread if need be, and interrupt it. */
    private void askInterrupt(int tid, InterruptStop.Handler atStop) {
        Visit visit = visits.get(tid);
        if (visit == null) {
            int tracer = tracerOf(tid);
            if (tracer != 0 && tracer != self) return; // gone, or another program's: left alone
            long seized = Ptrace.request(Ptrace.SEIZE, tid, 0, SEIZE_OPTIONS);
            if (seized < 0) return;
            visit = new Visit(Phase.INTERRUPTED, -1);
            visits.put(tid, visit);
        }
        InterruptStop.Handler first = visit.interrupt;
        visit.interrupt = first == null ? atStop : stop -> {
            first.onStop(stop);
            atStop.onStop(stop);
        };
        long result = Ptrace.request(Ptrace.INTERRUPT, tid, 0, 0);
        if (result == -Errno.ESRCH) visits.remove(tid);
    }

    private void stopped(Wait.Status s, Ptracer ptracer, Registers saved, Registers work, MemorySegment scratch) {
        int tid = s.pid();
        int signal = s.stopSignal();
        if (s.event() == Ptrace.EVENT_EXEC) {
            execed(tid, ptracer, saved, work, scratch);
            return;
        }
        Visit visit = visits.get(tid);
        if (visit == null) {
            // Not ours any more (a stop reported after a detach cannot come): let it go.
            ptracer.detach(tid, s.event() == 0 && signal != SYSCALL_STOP ? signal : 0);
            return;
        }
        if (s.event() == Ptrace.EVENT_STOP) {
            if (Launching.isGroupStop(signal)) {
                ptracer.listen(tid); // stays stopped until SIGCONT, as without us
                return;
            }
            interruptStop(tid, visit, ptracer, saved, work, scratch);
            return;
        }
        if (s.event() != 0) {
            ptracer.cont(tid, 0);
            return;
        }
        if (signal == SYSCALL_STOP) {
            syscallStop(tid, visit, ptracer, saved, scratch);
            return;
        }
        // A signal arrived meanwhile: delivered as it came, and the visit goes on.
        stats.signals++;
        if (visit.phase == Phase.CALL_RUNNING || visit.phase == Phase.EXEC_RUNNING
                || visit.phase == Phase.CALL_ENTRY || visit.phase == Phase.EXEC_ENTRY) {
            ptracer.syscall(tid, signal);
        } else {
            ptracer.cont(tid, signal);
        }
    }

    /**
     * Asked to let go, the visits of calls that wait with arguments the tool
     * changed (a translated deadline: a JVM's threads always have some, for as
     * long as they wait) are ended early: each thread is interrupted, its call's
     * arguments put back ({@link #interruptStop}), and the kernel restarts it,
     * to meet the filter once the processes are held.
     */
    private void endRunningCalls(java.util.function.IntPredicate ofListener) {
        for (Map.Entry<Integer, Visit> e : visits.entrySet()) {
            Visit visit = e.getValue();
            if (visit.phase != Phase.CALL_RUNNING || visit.endingForRelease || !ofListener.test(visit.listener)) continue;
            visit.endingForRelease = true;
            Ptrace.request(Ptrace.INTERRUPT, e.getKey(), 0, 0); // ESRCH: gone, its exit comes
        }
    }

    private void interruptStop(int tid, Visit visit, Ptracer ptracer, Registers saved, Registers work,
                               MemorySegment scratch) {
        if (visit.endingForRelease && visit.phase == Phase.CALL_RUNNING) {
            // Its arguments back as the program gave them, for the kernel's restart.
            if (visit.exit != null) SyscallExit.run(visit.exit, tid, ptracer, saved, new ProcessMemory(tid, scratch));
            leave(tid, visit, ptracer);
            return;
        }
        ptracer.getRegs(tid, saved);
        if (visit.phase == Phase.HOLDING_TRACER) {
            // Cut out of its wait for its tracees: it restarts it when let go.
            if (InterruptStop.restartIfCutShortByInterrupt(tid, saved)) ptracer.setRegs(tid, saved);
            finishForeignExecs(tid, visit, ptracer, saved, work, scratch);
            return;
        }
        InterruptStop.Handler asked = visit.interrupt;
        visit.interrupt = null;
        if (asked != null) {
            stats.other++;
            // Cut out of a wait that never restarts (epoll_wait...), with no signal
            // to blame: the interrupt's doing, so the call starts over instead.
            boolean spuriousEintr = InterruptStop.restartIfCutShortByInterrupt(tid, saved);
            InterruptStop stop = new InterruptStop(tid, saved, new InterruptStop.Injection(ptracer, work,
                    visit.pending, new ProcessMemory(tid, scratch)));
            asked.onStop(stop);
            if (spuriousEintr || stop.changed() || stop.injected()) ptracer.setRegs(tid, saved);
            if (visit.phase == Phase.INTERRUPTED) {
                leave(tid, visit, ptracer);
                return;
            }
        }
        boolean inCall = saved.origRax() == visit.nr && (saved.rax() == ERESTARTSYS || saved.rax() == ERESTARTNOINTR);
        switch (visit.phase) {
            case EXEC_INTERRUPTED -> {
                if (!inCall) {
                    leave(tid, visit, ptracer); // it left the call meanwhile (a signal): it will call again
                    return;
                }
                visit.phase = Phase.EXEC_ENTRY;
                ptracer.syscall(tid, 0);
            }
            case ENTRY_FAILED -> {
                if (!inCall) {
                    leave(tid, visit, ptracer);
                    return;
                }
                entryCodeFailed(tid, visit, ptracer, saved, work, scratch);
            }
            case CALL_INTERRUPTED, CALL_RUNNING -> {
                // Interrupted in the call (again, for a call already running: the tool
                // wants it translated anew, after a clock step say).
                if (!inCall) {
                    leave(tid, visit, ptracer);
                    return;
                }
                callAtStop(tid, visit, ptracer, saved, scratch);
            }
            default -> ptracer.syscall(tid, 0);
        }
    }

    /**
     * Code started at a new program's entry gave up (entry-frame.h's failure
     * convention: the result in r15 across the call, the step in rbx, the
     * frame in r12, a detail in r14): the program is put back as exec left it,
     * and the tool finishes the job another way or kills it, as with engine v1.
     */
    private void entryCodeFailed(int tid, Visit visit, Ptracer ptracer, Registers regs, Registers work,
                                 MemorySegment scratch) {
        EntryCode code = entryCodes.remove(tid);
        if (code == null || !code.reportedIn(regs)) {
            // Not our code's report: the call is what it is natively.
            regs.origRax(-1);
            regs.rax(-Errno.ENOSYS);
            ptracer.setRegs(tid, regs);
            leave(tid, visit, ptracer);
            return;
        }
        stats.other++;
        long result = regs.toArray()[Registers.index("r15")]; // the result, kept across the call
        code.recover(tid, result, regs, work, ptracer, new ProcessMemory(tid, scratch), visit.pending, diagnostics);
        leave(tid, visit, ptracer);
    }

    /** The tool handles the call the thread was interrupted in, as at a seccomp stop. */
    private void callAtStop(int tid, Visit visit, Ptracer ptracer, Registers saved, MemorySegment scratch) {
        stats.syscalls++;
        int tgid = tgidOf(tid);
        long interruptedRax = saved.rax();
        Pass overwritten = clobbered.remove(tid);
        if (overwritten != null && saved.origRax() == overwritten.nr()
                && java.util.Arrays.equals(argsOf(saved), overwritten.args())) {
            for (int i = 0; i < 6; i++) saved.arg(i, overwritten.original()[i]);
            ptracer.setRegs(tid, saved); // also if the tool now leaves the call as the program made it
        }
        long[] original = argsOf(saved);
        SyscallStop stop = new SyscallStop(tid, tgid, saved, new ProcessMemory(tid, scratch),
                () -> tool.scratchArea(tid, tgid));
        SyscallOutcome outcome;
        try {
            outcome = tool.onSyscall(stop);
        } catch (RuntimeException e) {
            diagnostics.println("timens: internal error in syscall " + visit.nr + " of pid " + tid + " (" + e
                    + "); killing it");
            diagnostics.flush();
            Unistd.kill(tid, SIGKILL);
            leave(tid, visit, ptracer);
            return;
        }
        if (outcome instanceof SyscallOutcome.Return(long value)) {
            // No restart: the call returns this at once.
            saved.origRax(-1);
            saved.rax(value);
            ptracer.setRegs(tid, saved);
            leave(tid, visit, ptracer);
            return;
        }
        saved.rax(interruptedRax); // the kernel restarts the call from these registers
        if (stop.exitHandler() == null) {
            // Nothing to do at its end: the thread is let go at once, with the
            // arguments the tool gave it, and the restart is let through as it
            // notifies (it runs untraced however long it waits: a debugger may
            // attach meanwhile, and a signal it ignores never wakes it). As under
            // engine v1, an argument the tool pointed at a copy still points there
            // after the call; a program that passes that register again makes a
            // call the tool knows by that address (DeadlineSyscalls).
            if (stop.argsChanged()) {
                ptracer.setRegs(tid, saved);
                passing.put(tid, new Pass((int) saved.origRax(), argsOf(saved), stop.copies(), original));
            } else {
                passing.put(tid, new Pass(visit.nr, null, List.of(), null));
            }
            leave(tid, visit, ptracer);
            return;
        }
        if (stop.argsChanged()) ptracer.setRegs(tid, saved);
        visit.exit = stop.exitHandler();
        // The restart meets the filter again: a visited thread's calls are answered CONTINUE.
        visit.phase = Phase.CALL_ENTRY;
        ptracer.syscall(tid, 0);
    }

    private void syscallStop(int tid, Visit visit, Ptracer ptracer, Registers saved, MemorySegment scratch) {
        switch (visit.phase) {
            case EXEC_ENTRY -> {
                visit.phase = Phase.EXEC_RUNNING;
                ptracer.syscall(tid, 0);
            }
            case CALL_ENTRY -> {
                visit.phase = Phase.CALL_RUNNING;
                ptracer.syscall(tid, 0);
            }
            case EXEC_RUNNING -> leave(tid, visit, ptracer); // the exit of an exec that failed
            case CALL_RUNNING -> {
                SyscallExit.Handler atExit = visit.exit;
                if (atExit != null) {
                    stats.syscalls++;
                    SyscallExit.run(atExit, tid, ptracer, saved, new ProcessMemory(tid, scratch));
                }
                // Traced while it waited, the thread was woken by a signal it ignores,
                // which natively would never have reached it.
                ptracer.getRegs(tid, saved);
                if (InterruptStop.restartIfCutShortByIgnoredSignal(tid, 0, saved)) ptracer.setRegs(tid, saved);
                leave(tid, visit, ptracer);
            }
            default -> ptracer.syscall(tid, 0);
        }
    }

    private void execed(int tid, Ptracer ptracer, Registers saved, Registers work, MemorySegment scratch) {
        int former = (int) ptracer.eventMessage(tid);
        Visit visit = visits.get(former);
        if (visit == null) visit = new Visit(Phase.EXEC_RUNNING, SyscallNumbers.EXECVE);
        if (former != tid) {
            // A thread that was not the leader exec'd: it is tid now, and the old
            // leader is gone with the old program. Never out of the table meanwhile,
            // or an attach to it would be let through while the engine is attached.
            visits.put(tid, visit);
            visits.remove(former);
        } else {
            visits.put(tid, visit);
        }
        stats.execs++;
        entryCodes.remove(former);
        ExecStop stop = new ExecStop(tid, former, ptracer, new ProcessMemory(tid, scratch), saved, work,
                visit.pending, stackBuffer, code -> entryCodes.put(tid, code));
        try {
            tool.onExec(stop);
        } catch (TraceeGone e) {
            throw e;
        } catch (RuntimeException e) {
            diagnostics.println("timens: killing pid " + tid + " (" + Launching.comm(tid) + "): " + e.getMessage());
            diagnostics.flush();
            Unistd.kill(tid, SIGKILL);
        }
        leave(tid, visit, ptracer);
    }

    /** The engine let go of {@code tid}: whoever waited to attach to it may now. */
    private void releaseAttaches(int tid) {
        List<Handover> waiting = waitingAttaches.remove(tid);
        if (waiting == null) return;
        for (Handover h : waiting) SeccompNotify.answerContinue(h.listener(), answerScratch, h.id());
    }

    /** Ends a visit: the thread goes on untraced, with any signal held back for it. */
    private void leave(int tid, Visit visit, Ptracer ptracer) {
        InterruptStop.Handler asked = visit.interrupt;
        if (asked != null) {
            // Asked for while the thread was stopped here (by the very call handled
            // at this stop, say): its interrupt stop would come after the detach, so
            // the handler runs at this stop instead.
            visit.interrupt = null;
            ptracer.getRegs(tid, leaveRegisters);
            // At the exit stop of a call the interrupt cut short (it comes before the
            // interrupt's own stop): one that never restarts returns EINTR, which the
            // program could not have seen natively, so it starts over instead.
            boolean spuriousEintr = InterruptStop.restartIfCutShortByInterrupt(tid, leaveRegisters);
            InterruptStop stop = new InterruptStop(tid, leaveRegisters, new InterruptStop.Injection(ptracer,
                    leaveWork, visit.pending, new ProcessMemory(tid, leaveScratch)));
            asked.onStop(stop);
            if (spuriousEintr || stop.changed() || stop.injected()) ptracer.setRegs(tid, leaveRegisters);
        }
        // Its calls after the detach are its own again (the entry code's first one, say), not ours to let through.
        visiting.remove(tid);
        // Signals held back meanwhile (during injected calls) are sent again rather than
        // passed to the detach, which ignores one outside a signal-delivery-stop (here, an
        // interrupt, exec or syscall stop): as Adoption.letGo does.
        ptracer.detach(tid, 0);
        visits.remove(tid); // only now may another program attach
        for (int more = visit.pending.poll(); more != 0; more = visit.pending.poll()) Unistd.kill(tid, more);
    }

    /** The six syscall argument registers of {@code regs}. */
    private static long[] argsOf(Registers regs) {
        long[] args = new long[6];
        for (int i = 0; i < args.length; i++) args[i] = regs.arg(i);
        return args;
    }

    /** The thread group of {@code tid}; {@code tid} itself when it cannot be read. */
    private static int tgidOf(int tid) {
        int tgid = Launching.statusField(tid, "Tgid:");
        return tgid > 0 ? tgid : tid;
    }

}
