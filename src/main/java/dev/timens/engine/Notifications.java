package dev.timens.engine;

import dev.timens.linux.Descriptors;
import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.linux.SeccompNotify;
import dev.timens.linux.Signals;
import dev.timens.linux.Unistd;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The supervisor's second thread: it takes the seccomp listener from
 * timens-exec, then answers every notified call (SECCOMP_RET_USER_NOTIF) with
 * the tool's {@link Tool#onNotification}, until no process of the namespace is
 * left. It never touches ptrace, so a call is answered even while the tracer
 * thread is busy, or is itself waiting for that very call (a syscall it
 * injected).
 */
final class Notifications implements Runnable {
    private final int socket;
    /** What {@link #socket} was when handed over ("socket:[INODE]"), to tell it apart from a reused number. */
    private final String socketIdentity;
    private final int helper;
    private final Tool tool;
    private final PrintWriter diagnostics;
    private final TraceStats stats;
    private final Router router;

    /**
     * What an engine that traces nothing permanently (engine v2) does with
     * calls: some it takes before the tool sees them, and those the tool leaves
     * unanswered go to its tracer thread, to be handled at a stop.
     */
    interface Router {
        /** Whether the engine took {@code call} (answered it, or will handle it on its tracer thread). */
        boolean take(Notification call);

        /** The tool did not answer {@code call}: the engine must handle it at a stop. */
        void unanswered(Notification call);
    }

    /** A listener given from the start (an adopted process's), or -1: it comes through {@link #socket}. */
    private final int given;
    /** Run once no process of the namespace is left, or null. */
    private final Runnable everyProcessGone;

    private Notifications(int socket, int helper, Tool tool, PrintWriter diagnostics, TraceStats stats,
                          Router router) {
        this(socket, helper, -1, tool, diagnostics, stats, router, null);
    }

    private Notifications(int socket, int helper, int given, Tool tool, PrintWriter diagnostics, TraceStats stats,
                          Router router, Runnable everyProcessGone) {
        this.given = given;
        this.everyProcessGone = everyProcessGone;
        this.socket = socket;
        this.socketIdentity = socket < 0 ? "none" : identity(socket);
        this.helper = helper;
        this.tool = tool;
        this.diagnostics = diagnostics;
        this.stats = stats;
        this.router = router;
    }

    /**
     * Starts the thread; it owns {@code socket} (where timens-exec, process
     * {@code helper}, tells the listener's number) from now on.
     */
    static void start(int socket, int helper, Tool tool, PrintWriter diagnostics, TraceStats stats) {
        start(socket, helper, tool, diagnostics, stats, null);
    }

    /** As above, with {@code router} (null: calls the tool leaves unanswered fail with ENOSYS). */
    static void start(int socket, int helper, Tool tool, PrintWriter diagnostics, TraceStats stats, Router router) {
        Thread.ofPlatform().name("timens-notify").daemon(true)
                .start(new Notifications(socket, helper, tool, diagnostics, stats, router));
    }

    /**
     * Starts the thread on {@code listener}, which it owns from now on (the
     * listener of a filter installed in a process that was running already);
     * {@code everyProcessGone} runs once no process using the filter is left.
     */
    static Thread serve(int listener, Tool tool, PrintWriter diagnostics, TraceStats stats, Router router,
                        Runnable everyProcessGone, java.util.function.BooleanSupplier stop,
                        java.util.function.IntPredicate ownCall) {
        Notifications thread = new Notifications(-1, 0, listener, tool, diagnostics, stats, router, everyProcessGone);
        thread.stop = stop;
        thread.ownCall = ownCall;
        return Thread.ofPlatform().name("timens-notify").daemon(true).start(thread);
    }

    /**
     * Once true, the thread takes no more calls and ends (the processes were
     * let go, and another takes the listener over), or null. Checked at least
     * every 100 ms, and never with a call received and not answered.
     */
    private java.util.function.BooleanSupplier stop;

    /**
     * Whether a call (by thread id) is the supervisor's own, or its helpers',
     * let through untouched: a supervisor started by the process it took in
     * runs under that process's filter, and would answer itself. Null: none is.
     */
    private java.util.function.IntPredicate ownCall;

    /**
     * Whether the helper has ended (a zombie, or reaped already), waiting up to
     * 100 ms for one that is still on its way out (its files are closed before
     * it becomes a zombie).
     */
    private boolean helperGone() {
        for (int i = 0; i < 100; i++) {
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + helper + "/stat"));
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') return true;
            } catch (java.io.IOException | RuntimeException e) {
                return true;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static String identity(int fd) {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
        } catch (java.io.IOException e) {
            return "closed";
        }
    }

    /**
     * The helper writes its listener's number and waits: a copy of it taken
     * with pidfd_getfd, then one byte back. Until then the helper holds the
     * listener, so it is never without an owner (a descriptor in flight in a
     * socket would be). Returns the copy, or -1 when the helper wrote nothing.
     */
    private int takeListener() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment number = arena.allocate(ValueLayout.JAVA_INT);
            if (!Unistd.readFully(socket, number)) return -1;
            int pidfd = Descriptors.pidfdOpen(helper);
            if (pidfd < 0) throw new LinuxException("pidfd_open", -pidfd);
            int listener;
            try {
                listener = Descriptors.pidfdGetfd(pidfd, number.get(ValueLayout.JAVA_INT, 0));
            } finally {
                Unistd.close(pidfd);
            }
            if (listener < 0) throw new LinuxException("pidfd_getfd", -listener);
            Unistd.writeFully(socket, arena.allocate(1));
            return listener;
        }
    }

    @Override
    public void run() {
        // A signal must not interrupt the ioctls: an interrupted
        // SECCOMP_IOCTL_NOTIF_ADDFD that was to answer the call leaves the
        // call answered with 0 and no descriptor.
        Signals.blockAsynchronousInThisThread();
        int listener = given;
        if (listener < 0) listener = listenerFromHelper();
        if (listener < 0) return;
        serve(listener);
    }

    /** The helper's listener, or -1 when there is none (its exit status or a line on the diagnostics says why). */
    private int listenerFromHelper() {
        int listener;
        try {
            listener = takeListener();
        } catch (RuntimeException e) {
            // The helper was killed on the way (a SIGTERM forwarded during the start-up,
            // at whichever step: ECONNRESET, ESRCH): nothing runs, and the run ends
            // with its status. Only a failure while it lives is timens's own.
            if (helperGone()) return -1;
            String now = identity(socket);
            diagnostics.println("timens: cannot take the seccomp listener: " + e.getMessage()
                    + (now.equals(socketIdentity) ? "" : " (descriptor " + socket + " was " + socketIdentity
                    + ", is " + now + ")"));
            diagnostics.flush();
            return -1;
        } finally {
            Unistd.close(socket); // timens-exec reads the end of file if it was not answered
        }
        return listener; // -1: timens-exec failed before installing the filter
    }

    private void serve(int listener) {
        boolean orphaned = false;
        SeccompNotify.wakeUpSynchronously(listener); // only faster where the kernel has it
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment notif = arena.allocate(SeccompNotify.NOTIF_SIZE, 8);
            MemorySegment scratch = arena.allocate(64, 8);
            MemorySegment memoryScratch = ProcessMemory.allocateScratch(arena);
            while (true) {
                // Straight into the receive, with no poll first: one syscall fewer on
                // every call, a tenth of a round trip here; but a thread that may be
                // asked to stop must not wait where nothing could end its wait.
                if (stop != null && (!SeccompNotify.await(listener, scratch, 100) || stop.getAsBoolean())) {
                    if (stop.getAsBoolean()) break;
                    continue;
                }
                if (SeccompNotify.receive(listener, notif) != 0) {
                    if (SeccompNotify.orphaned(listener, scratch)) { // every process is gone
                        orphaned = true;
                        break;
                    }
                    continue; // the caller went away
                }
                Notification call = new Notification(listener, notif, scratch, memoryScratch);
                stats.notified.incrementAndGet();
                if (ownCall != null && ownCall.test(call.tid())) {
                    call.proceed();
                    continue;
                }
                try {
                    if (router != null && router.take(call)) continue;
                    tool.onNotification(call);
                } catch (RuntimeException e) {
                    diagnostics.println("timens: answering syscall " + call.number() + " of pid " + call.tid()
                            + " failed: " + e);
                    diagnostics.flush();
                }
                if (!call.answered() && router != null) router.unanswered(call);
                if (!call.answered()) call.answerWithError(Errno.ENOSYS);
            }
        } catch (LinuxException e) {
            diagnostics.println("timens: the seccomp listener failed: " + e.getMessage());
            diagnostics.flush();
        } finally {
            Unistd.close(listener);
            // Only then: a listener that failed leaves the processes running, unserved.
            if (orphaned && everyProcessGone != null) everyProcessGone.run();
        }
    }
}
