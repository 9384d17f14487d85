package dev.timens.engine;

import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.linux.Ptrace;
import dev.timens.linux.Sockets;
import dev.timens.linux.Spawn;
import dev.timens.linux.SyscallNumbers;
import dev.timens.linux.Unistd;
import dev.timens.linux.Wait;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a command and every process it starts under one tracer, and lets a
 * {@link Tool} handle the syscalls it subscribed to and every exec.
 *
 * <p>The whole tracer runs on one dedicated platform thread: ptrace requests
 * must come from the thread that attached the tracee. It returns when no
 * traced process is left (like {@code strace -f}), with the command's status.
 */
public final class Supervisor {
    private static final int SIGKILL = 9;
    private static final int SIGURG = 23;
    /** Wait only for this thread's children and tracees, never the JDK's own children. */
    private static final int WNOTHREAD = 0x20000000;

    private static final long CLONE_UNTRACED = 0x00800000;


    /**
     * What the engine itself must see, whatever the tool: ways of creating a
     * process that tracing would not follow. clone(CLONE_UNTRACED) makes a child
     * no tracer is attached to (its clock syscalls would fail with ENOSYS and its
     * execs would keep the kernel's vDSO); clone3 carries its flags in memory,
     * where the filter cannot look, so it is refused with ENOSYS and libc falls
     * back to clone, as on kernels before 5.3. The same calls through the other
     * syscall tables a 64-bit process can reach (i386 by {@code int $0x80}, x32)
     * are refused outright: the filter sees only their numbers there, and an
     * i386 clone(CLONE_UNTRACED) made a child that ran its execs on host time.
     * And the ptrace requests that make a
     * tracer: a traced process cannot get a second one, so when the kernel refuses
     * them the engine says why (strace and gdb only report EPERM).
     */
    private static final SyscallSet OWN_SYSCALLS = SyscallSet.builder()
            .when(SyscallNumbers.CLONE, ArgCondition.bitsSet(0, CLONE_UNTRACED))
            .always(SyscallNumbers.CLONE3)
            .when(SyscallNumbers.PTRACE, ArgCondition.equalTo(0, Ptrace.TRACEME))
            .when(SyscallNumbers.PTRACE, ArgCondition.equalTo(0, Ptrace.ATTACH))
            .when(SyscallNumbers.PTRACE, ArgCondition.equalTo(0, Ptrace.SEIZE))
            .refuseI386(SyscallNumbers.I386_CLONE, SyscallNumbers.I386_CLONE3)
            .refuseX32(SyscallNumbers.CLONE, SyscallNumbers.CLONE3)
            .build();

    /**
     * The engine's own rules, applied before the tool sees the call, whatever the
     * tool subscribes to: a tool's subscription to the same syscall adds to
     * OWN_SYSCALLS and never switches a rule off (a tool subscribing to clone3
     * once let clone3(CLONE_UNTRACED) make an untraced child). clone3 fails with
     * ENOSYS and the tool never sees it; clone loses CLONE_UNTRACED before the
     * tool sees it; a ptrace request that makes a tracer is followed to its exit,
     * where EPERM is explained. Returns the engine's answer, or null when the call
     * goes on (to the tool, if its subscription covers the call).
     */
    private SyscallOutcome ownSyscall(SyscallStop stop) {
        switch (stop.number()) {
            case SyscallNumbers.PTRACE -> {
                long request = stop.arg(0);
                if (request == Ptrace.TRACEME || request == Ptrace.ATTACH || request == Ptrace.SEIZE) {
                    int tgid = stop.tgid();
                    stop.atExit(exit -> {
                        if (exit.result() == -Errno.EPERM && refusedTracers.add(tgid)) {
                            diagnostics.println("timens: pid " + tgid + " (" + Launching.comm(tgid) + ") cannot trace: ptrace("
                                    + (request == Ptrace.TRACEME ? "PTRACE_TRACEME" : request == Ptrace.ATTACH
                                    ? "PTRACE_ATTACH" : "PTRACE_SEIZE") + ") fails with EPERM, because timens traces"
                                    + " every process of the command and a process has only one tracer: debuggers and"
                                    + " strace cannot work inside timens");
                            diagnostics.flush();
                        }
                    });
                }
            }
            case SyscallNumbers.CLONE3 -> {
                return SyscallOutcome.error(Errno.ENOSYS);
            }
            case SyscallNumbers.CLONE -> {
                if ((stop.arg(0) & CLONE_UNTRACED) != 0) {
                    stop.setArg(0, stop.arg(0) & ~CLONE_UNTRACED); // the child is traced like any other
                }
            }
            default -> { }
        }
        return null;
    }

    /**
     * The tool's part of a stop: it sees the call if its subscription covers
     * it (a stop of one of the engine's own numbers may be the engine's alone),
     * and what it does to the call cannot undo the engine's rules: a call it
     * turns into clone3 still fails with ENOSYS, a CLONE_UNTRACED it sets is
     * cleared again.
     */
    private SyscallOutcome toolSyscall(SyscallStop stop, Tool tool) {
        boolean engineOnly = OWN_SYSCALLS.traces(stop.number()) && !tool.syscalls().traces(stop);
        SyscallOutcome outcome = engineOnly ? SyscallOutcome.proceed() : tool.onSyscall(stop);
        if (outcome instanceof SyscallOutcome.Return) return outcome;
        if (stop.number() == SyscallNumbers.CLONE3) return SyscallOutcome.error(Errno.ENOSYS);
        if (stop.number() == SyscallNumbers.CLONE && (stop.arg(0) & CLONE_UNTRACED) != 0) {
            stop.setArg(0, stop.arg(0) & ~CLONE_UNTRACED);
        }
        return outcome;
    }

    /**
     * Whether this exec event is timens-exec's own exec, not the command's.
     * posix_spawn returns once the child has let go of the parent's memory,
     * which is early in its execve, so the seize can come before that execve
     * has finished and report it. timens-exec has no filter yet then (it waits
     * for it), and must run as it is. Asked only until the first exec of the
     * command itself.
     */
    private boolean helperExec(int tid) {
        if (commandExecd || tid != helperPid) return false;
        try {
            if (java.nio.file.Files.isSameFile(java.nio.file.Path.of("/proc/" + tid + "/exe"), helperPath)) return true;
        } catch (java.io.IOException e) {
            // unreadable: not the helper, which runs as we do
        }
        commandExecd = true;
        return false;
    }



    /** A process's command name, from /proc/PID/comm. */

    /** The stop signal of a syscall-entry or -exit stop under PTRACE_O_TRACESYSGOOD. */
    private static final int SYSCALL_STOP = Ptracer.SIGTRAP | 0x80;

    private static final int OPTIONS = Ptrace.O_TRACESYSGOOD | Ptrace.O_TRACEFORK | Ptrace.O_TRACEVFORK | Ptrace.O_TRACECLONE
            | Ptrace.O_TRACEEXEC | Ptrace.O_TRACESECCOMP | Ptrace.O_EXITKILL;

    private final Tool tool;
    private final PrintWriter diagnostics;
    /** timens-exec: its own exec may be reported, and is not the command's (see helperExec). */
    private java.nio.file.Path helperPath;
    private int helperPid;
    private boolean commandExecd;
    private final Map<Integer, PendingSignals> pending = new HashMap<>();
    /** Processes told why they cannot trace (once each). */
    private final java.util.Set<Integer> refusedTracers = new java.util.HashSet<>();
    /** Threads interrupted by {@link TraceControl#interrupt}, with what to do at their interrupt stop. */
    private final Map<Integer, InterruptStop.Handler> interrupts = new HashMap<>();
    /** Threads resumed to the exit of a syscall a tool follows, with what to do there. */
    private final Map<Integer, SyscallExit.Handler> exits = new HashMap<>();
    /** Code started at a program's entry point, until the thread execs again or exits. */
    private final Map<Integer, EntryCode> entryCodes = new HashMap<>();
    /** The start of a new program's stack (argc, argv, envp, auxv), read once per exec. */
    private MemorySegment stackBuffer;
    /**
     * The doorbell for {@link TraceControl#wakeup()} (timens-exec park), traced so
     * that a signal to it ends the tracer's wait; 0 when the tool wants no wake-ups.
     */
    private volatile int park;
    /**
     * Every traced thread of the command's tree. With a doorbell, its end is the
     * end of the run: the doorbell is traced too, so "no tracee left" (ECHILD)
     * cannot end it.
     */
    private final LiveThreads live = new LiveThreads();
    /** The view of {@link #live} given to the caller of run; null until the command exists. */
    private ProcessTree tree;

    private final TraceStats stats;

    private Supervisor(Tool tool, PrintWriter diagnostics, TraceStats stats) {
        this.tool = tool;
        this.stats = stats;
        this.diagnostics = diagnostics;
    }

    /**
     * Runs {@code launch} under {@code tool} and waits for the whole traced tree.
     *
     * @param diagnostics where the supervisor reports what it had to do to a
     *                    traced process (e.g. kill one it could not virtualize)
     */
    public static ExitStatus run(Launch launch, Tool tool, PrintWriter diagnostics) throws SupervisorException {
        return run(launch, tool, diagnostics, tree -> {}, new TraceStats());
    }

    /**
     * As {@link #run(Launch, Tool, PrintWriter)}; {@code started} gets the
     * command's tree as soon as the command exists (to forward signals to it,
     * say; from any thread), and {@code stats} counts the stops.
     */
    public static ExitStatus run(Launch launch, Tool tool, PrintWriter diagnostics,
                                 java.util.function.Consumer<ProcessTree> started, TraceStats stats)
            throws SupervisorException {
        byte[] filter = SeccompFilter.toBytes(SeccompFilter.compile(tool.syscalls().union(OWN_SYSCALLS)));
        return Launching.onTracerThread(() -> new Supervisor(tool, diagnostics, stats).trace(launch, filter, started));
    }

    private ExitStatus trace(Launch launch, byte[] filter, java.util.function.Consumer<ProcessTree> started)
            throws SupervisorException {
        try (Arena arena = Arena.ofConfined()) {
            Ptracer ptracer = new Ptracer(arena);
            Registers saved = new Registers(arena);
            Registers work = new Registers(arena);
            MemorySegment scratch = ProcessMemory.allocateScratch(arena);
            stackBuffer = arena.allocate(ExecStop.STACK_BUFFER_SIZE, 16);

            // The doorbell first: if it cannot start, neither does the command.
            if (tool.wantsWakeups()) park = Launching.startPark(launch.helper());
            // One socket pair: the filter goes down, the seccomp listener's number comes back.
            int[] channel = Sockets.streamPair();
            List<String> helperArgv = Launching.helperArgv(launch, channel[0]);
            int main;
            helperPath = launch.helper();
            try {
                main = Spawn.spawn(launch.helper().toString(), helperArgv, Launching.helperFds(launch, channel[0]));
            } catch (LinuxException e) {
                Unistd.close(channel[0]);
                Unistd.close(channel[1]);
                if (park != 0) closePark(ptracer);
                throw new SupervisorException("cannot start " + launch.helper() + ": " + e.getMessage(), e);
            } finally {
                // The child holds its own copy now (or never started).
            }
            Unistd.close(channel[0]);
            helperPid = main;
            long seized = Ptrace.request(Ptrace.SEIZE, main, 0, OPTIONS);
            if (seized < 0) {
                // Asked while the helper still waits for its filter: its tracer, if any, shows.
                String why = seized == -Errno.EPERM ? " (" + Launching.whySeizeIsRefused(main, "the command") + ")" : "";
                Unistd.close(channel[1]); // the helper reads EOF and exits without running anything
                Wait.waitpid(main, 0, ptracer.statusBuffer());
                if (park != 0) closePark(ptracer);
                throw new SupervisorException("cannot trace the command: ptrace(PTRACE_SEIZE): "
                        + Errno.describe((int) -seized) + why);
            }
            Launching.sendFilter(channel[1], filter);
            Notifications.start(channel[1], main, tool, diagnostics, stats);
            live.traced(main);
            // Only now: a signal forwarded before the seize would kill the helper
            // untraced, and timens would fail to start rather than report it.
            tree = new ProcessTree(main, live);
            started.accept(tree);
            tool.onStart(new TraceControl() {
                @Override
                public void interrupt(int tid, InterruptStop.Handler atStop) {
                    long result = Ptrace.request(Ptrace.INTERRUPT, tid, 0, 0);
                    if (result == -Errno.ESRCH) return;
                    if (result < 0) throw new LinuxException("ptrace(INTERRUPT)", (int) -result);
                    interrupts.merge(tid, atStop, (first, then) -> stop -> {
                        first.onStop(stop);
                        then.onStop(stop);
                    });
                }

                @Override
                public java.util.List<Integer> threads() {
                    return live.threads();
                }

                @Override
                public void wakeup() {
                    int doorbell = park;
                    if (doorbell != 0) Unistd.kill(doorbell, SIGURG); // 0: the run is over, or the tool wanted none
                }
            });
            return loop(main, ptracer, saved, work, scratch, arena);
        }
    }

    /** A stop or the end of the doorbell: rung (a signal), it wakes the tool; the signal is dropped. */
    private void parkEvent(Wait.Status s, Ptracer ptracer) {
        if (s.exited() || s.signaled()) {
            park = 0; // killed from outside: wake-ups stop, the run goes on
            return;
        }
        if (s.stopped()) {
            ptracer.cont(s.pid(), 0);
            if (s.event() == 0) Launching.wakeUp(tool, diagnostics);
        }
    }

    /** With a doorbell: the last traced thread is gone; the doorbell goes too, which ends the wait loop. */
    private void closePark(Ptracer ptracer) {
        int doorbell = park;
        park = 0;
        Unistd.kill(doorbell, SIGKILL);
        try {
            Wait.waitpid(doorbell, Wait.WALL | WNOTHREAD, ptracer.statusBuffer());
        } catch (LinuxException e) {
            if (e.errno() != Errno.ECHILD) throw e;
        }
    }

    private ExitStatus loop(int main, Ptracer ptracer, Registers saved, Registers work, MemorySegment scratch,
                            Arena arena) {
        ExitStatus mainStatus = null;
        MemorySegment statusBuffer = ptracer.statusBuffer();
        for (;;) {
            Wait.Status s;
            try {
                s = Wait.waitpid(-1, Wait.WALL | WNOTHREAD, statusBuffer);
            } catch (LinuxException e) {
                if (e.errno() == Errno.ECHILD) break; // nothing traced is left
                throw e;
            }
            Wait.Status next = s;
            while (next != null) {
                Wait.Status current = next;
                next = null;
                if (park != 0 && current.pid() == park) {
                    parkEvent(current, ptracer);
                    continue;
                }
                try {
                    ExitStatus ended = handle(current, main, ptracer, saved, work, scratch, arena);
                    if (ended != null) mainStatus = ended;
                } catch (TraceeGone gone) {
                    // Died while we handled it; its status may already have been taken.
                    next = gone.status;
                } catch (RuntimeException e) {
                    // A failure of ours must neither stop the supervisor (every other
                    // process would hang or die with it) nor leave this thread stopped
                    // forever, nor let it run unvirtualized: it is killed, and says why.
                    diagnostics.println("timens: internal error while handling pid " + current.pid() + " ("
                            + e + "); killing it");
                    diagnostics.flush();
                    Unistd.kill(current.pid(), SIGKILL);
                }
            }
            if (park != 0 && live.none()) closePark(ptracer);
        }
        if (mainStatus == null) throw new IllegalStateException("the command's exit status was never reported");
        return mainStatus;
    }

    /** Drops what the engine and the tool keep about thread {@code tid}, which is gone. */
    private void forget(int tid) {
        pending.remove(tid);
        refusedTracers.remove(tid);
        exits.remove(tid);
        entryCodes.remove(tid);
        interrupts.remove(tid);
        tool.onTaskExited(tid);
    }

    /** Handles one wait status; returns the command's exit status when this was its end. */
    private ExitStatus handle(Wait.Status s, int main, Ptracer ptracer, Registers saved, Registers work,
                              MemorySegment scratch, Arena arena) {
        int tid = s.pid();
        if (s.exited() || s.signaled()) {
            forget(tid);
            for (int unreported : live.ended(tid)) forget(unreported);
            if (tid != main) return null;
            tree.commandEnded();
            return s.exited() ? ExitStatus.exited(s.exitCode()) : ExitStatus.killed(s.termSignal(), s.coreDumped());
        }
        if (!s.stopped()) return null;
        live.stopped(tid);
        int signal = s.stopSignal();
        switch (s.event()) {
            case Ptrace.EVENT_SECCOMP -> {
                stats.syscalls++;
                ptracer.getRegs(tid, saved);
                int tgid = live.leaderOf(tid);
                SyscallStop stop = new SyscallStop(tid, tgid, saved, new ProcessMemory(tid, scratch),
                        () -> tool.scratchArea(tid, tgid));
                SyscallOutcome outcome = ownSyscall(stop);
                if (outcome == null) outcome = toolSyscall(stop, tool);
                if (outcome instanceof SyscallOutcome.Return(long value)) {
                    // Skip the syscall (orig_rax = -1) and set its result; no exit stop needed.
                    saved.origRax(-1);
                    saved.rax(value);
                    ptracer.setRegs(tid, saved);
                } else if (stop.argsChanged()) {
                    ptracer.setRegs(tid, saved); // the kernel reads the arguments after this stop
                }
                keepInterrupt(tid);
                if (stop.exitHandler() != null && !(outcome instanceof SyscallOutcome.Return)) {
                    exits.put(tid, stop.exitHandler());
                    PendingSignals held = pending.get(tid);
                    ptracer.syscall(tid, held == null ? 0 : held.poll());
                } else {
                    resume(ptracer, tid);
                }
            }
            case Ptrace.EVENT_EXEC -> {
                if (helperExec(tid)) {
                    stats.other++;
                    resume(ptracer, tid);
                    return null;
                }
                stats.execs++;
                int former = (int) ptracer.eventMessage(tid);
                entryCodes.remove(tid);
                live.execed(tid, former); // it leads its thread group now
                if (former != tid) forget(former); // it became tid: no exit is reported for it
                interrupts.remove(tid); // what it was interrupted in is gone with the old program
                PendingSignals held = pending.computeIfAbsent(tid, t -> new PendingSignals());
                ExecStop stop = new ExecStop(tid, former, ptracer, new ProcessMemory(tid, scratch), saved, work,
                        held, stackBuffer, code -> entryCodes.put(tid, code));
                try {
                    tool.onExec(stop);
                } catch (TraceeGone e) {
                    throw e;
                } catch (RuntimeException e) {
                    // A program we could not prepare must not run unvirtualized.
                    diagnostics.println("timens: killing pid " + tid + " (" + Launching.comm(tid) + "): " + e.getMessage());
                    diagnostics.flush();
                    Unistd.kill(tid, SIGKILL);
                }
                resume(ptracer, tid);
            }
            case Ptrace.EVENT_FORK, Ptrace.EVENT_VFORK, Ptrace.EVENT_CLONE -> {
                stats.newTasks++;
                int child = (int) ptracer.eventMessage(tid);
                boolean thread = s.event() == Ptrace.EVENT_CLONE && createsThread(ptracer, tid, saved, scratch);
                // A child whose end was reported before this event is not created again.
                if (live.created(tid, child, thread)) tool.onTaskCreated(tid, child, thread);
                resume(ptracer, tid);
            }
            case Ptrace.EVENT_STOP -> {
                stats.other++;
                // An interrupt may end in a group-stop (the thread was stopping anyway):
                // either way the registers are the ones the kernel restarts from.
                boolean groupStop = Launching.isGroupStop(signal);
                InterruptStop.Handler atStop = interrupts.remove(tid);
                if (atStop != null) {
                    InterruptStop.Injection injection = groupStop ? null : new InterruptStop.Injection(ptracer, work,
                            pending.computeIfAbsent(tid, t -> new PendingSignals()), new ProcessMemory(tid, scratch));
                    interrupted(ptracer, tid, saved, atStop, injection);
                }
                if (groupStop) {
                    ptracer.listen(tid); // group-stop: stay stopped until SIGCONT, as without us
                } else {
                    resume(ptracer, tid); // the initial stop of a new task, or an interrupt
                }
            }
            case 0 -> {
                SyscallExit.Handler atExit = signal == SYSCALL_STOP ? exits.remove(tid) : null;
                if (atExit != null) {
                    stats.syscalls++;
                    SyscallExit.run(atExit, tid, ptracer, saved, new ProcessMemory(tid, scratch));
                    keepInterrupt(tid);
                    resume(ptracer, tid);
                } else if (signal == SYSCALL_STOP) {
                    resume(ptracer, tid); // a syscall stop nobody asked for (cannot happen: CONT never makes one)
                } else if (entryCodeFailed(tid, signal, ptracer, saved, work, scratch)) {
                    resume(ptracer, tid);
                } else { // signal-delivery-stop: deliver it unchanged
                    stats.signals++;
                    keepInterrupt(tid);
                    ptracer.getRegs(tid, saved);
                    boolean dropped = InterruptStop.restartIfCutShortByIgnoredSignal(tid, signal, saved);
                    if (dropped) ptracer.setRegs(tid, saved);
                    ptracer.cont(tid, dropped ? 0 : signal);
                }
            }
            default -> {
                stats.other++;
                ptracer.cont(tid, 0);
            }
        }
        return null;
    }

    /**
     * Whether this signal is code started at the entry point reporting that it
     * failed (a trap or fault with the frame in r12 and EntryCode.FAILED in
     * rbx); if so, the program is put back as exec left it and the tool is told.
     */
    private boolean entryCodeFailed(int tid, int signal, Ptracer ptracer, Registers regs, Registers work,
                                    MemorySegment scratch) {
        EntryCode code = entryCodes.get(tid);
        if (code == null || (signal != Ptracer.SIGTRAP && !Ptracer.synchronousFault(signal))) return false;
        ptracer.getRegs(tid, regs);
        if (!code.reportedIn(regs)) return false;
        if (signal == Ptracer.SIGTRAP && !ptracer.trapFromCpu(tid)) return false;
        entryCodes.remove(tid);
        stats.other++;
        long result = Ptracer.synchronousFault(signal) ? -Errno.EFAULT : regs.rax();
        code.recover(tid, result, regs, work, ptracer, new ProcessMemory(tid, scratch),
                pending.computeIfAbsent(tid, t -> new PendingSignals()), diagnostics);
        return true;
    }

    /**
     * A thread a tool interrupted, and which is in another ptrace-stop first (a
     * seccomp stop, a syscall-exit-stop, a signal-delivery-stop): that stop took
     * the interrupt ("any trap clears pending STOP trap", kernel/signal.c,
     * ptrace_stop), so its PTRACE_EVENT_STOP would never come and the tool's
     * handler never run. Asked again while the thread is stopped, the interrupt
     * is taken on its way out of this stop: after the syscall's result, before
     * the kernel decides about restarting it, where the tool expects it.
     */
    private void keepInterrupt(int tid) {
        if (!interrupts.containsKey(tid)) return;
        long result = Ptrace.request(Ptrace.INTERRUPT, tid, 0, 0);
        if (result < 0 && result != -Errno.ESRCH) throw new LinuxException("ptrace(INTERRUPT)", (int) -result);
    }

    private void resume(Ptracer ptracer, int tid) {
        PendingSignals held = pending.get(tid);
        int signal = held == null ? 0 : held.poll();
        ptracer.cont(tid, signal);
        if (held != null) {
            for (int more = held.poll(); more != 0; more = held.poll()) Unistd.kill(tid, more);
        }
    }

    /**
     * The stop a tool's interrupt asked for, before the kernel decides how to
     * restart the syscall the thread was in (arch_do_signal_or_restart runs
     * after this stop, with the registers as the tool leaves them).
     */
    private void interrupted(Ptracer ptracer, int tid, Registers regs, InterruptStop.Handler atStop,
                             InterruptStop.Injection injection) {
        ptracer.getRegs(tid, regs);
        boolean spuriousEintr = InterruptStop.restartIfCutShortByInterrupt(tid, regs);
        InterruptStop stop = new InterruptStop(tid, regs, injection);
        atStop.onStop(stop);
        if (spuriousEintr || stop.changed() || stop.injected()) ptracer.setRegs(tid, regs);
    }

    /** -ERESTARTNOINTR: the kernel restarts the syscall whatever happens (include/linux/errno.h). */
    private static final long ERESTARTNOINTR = -513;

    private static final long CLONE_THREAD = 0x10000;
    private static final int NR_CLONE3 = 435;

    /**
     * Whether the clone the parent is stopped in creates a thread: its flags are
     * the first argument of clone(2), or the first field of clone3's struct clone_args.
     */
    private static boolean createsThread(Ptracer ptracer, int parent, Registers regs, MemorySegment scratch) {
        ptracer.getRegs(parent, regs);
        long flags = regs.arg(0);
        if (regs.origRax() == NR_CLONE3) {
            try {
                flags = new ProcessMemory(parent, scratch).readLong(new RemotePtr(regs.arg(0)));
            } catch (TraceeFault e) {
                return false;
            }
        }
        return (flags & CLONE_THREAD) != 0;
    }
}
