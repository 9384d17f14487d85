package dev.timens.ctl;

import dev.timens.clock.ClockChange;
import dev.timens.clock.ClockGroup;
import dev.timens.clock.NamespaceTree;
import dev.timens.clock.TimeNamespace;
import dev.timens.engine.Adopted;
import dev.timens.engine.Joining;
import dev.timens.engine.SupervisorException;
import dev.timens.linux.Errno;
import dev.timens.linux.LinuxException;
import dev.timens.engine.ProcessTree;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running namespace as its control socket serves it: what {@code timensctl list}
 * shows, {@code timensctl set} changes, made by {@link TimeNamespace#change} on
 * the tracer thread as a clock change inside is, and the commands
 * {@code timensctl exec} starts in it, through its {@link Door}. A namespace
 * {@code timensctl attach} made has no door; {@code timensctl detach} lets its
 * process go.
 */
public final class LiveNamespace implements ControlServer.Handler {
    /** How long a change may wait for the tracer thread (busy with a stop, at worst). */
    private static final long CHANGE_LIMIT_SECONDS = 10;

    private final String name;
    private final int timensPid;
    private final TimeNamespace namespace;
    private final NamespaceTree namespaces;
    private final String command;
    /** Null for a namespace timensctl attach made: it takes no new processes. */
    private final Door door;
    /** The process timensctl attach took in; null for a namespace timens started. */
    private volatile Adopted adopted;
    /** Completes once the attached processes run on host time again ({@link #released}). */
    private final java.util.concurrent.CompletableFuture<Void> backOnHostTime = new java.util.concurrent.CompletableFuture<>();
    /** Null until the command exists. */
    private volatile ProcessTree tree;
    /** Where the names of nested namespaces are claimed; null until it serves. */
    private volatile ControlServer server;
    /** What takes running processes in (engine v2); null under engine v1, which takes none. */
    private volatile Joining joining;
    /** A running process was taken in at some point ({@link #join}). */
    private volatile boolean joinedAny;
    /** The names nested namespaces hold (claimed, not yet given back). */
    private final java.util.Set<String> claimed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public LiveNamespace(String name, int timensPid, NamespaceTree namespaces, List<String> command, Door door) {
        this.name = name;
        this.timensPid = timensPid;
        this.namespaces = namespaces;
        this.namespace = namespaces.root();
        this.command = String.join(" ", command);
        this.door = door;
    }

    /** The server that serves this namespace, which holds the names nested namespaces take. */
    public void servedBy(ControlServer server) {
        this.server = server;
    }

    /** Nested namespaces no process is in any more are closed, and their names given back. */
    private void retireEnded(ProcessTree t) {
        for (String n : namespaces.retireEnded(t.processes())) release(n);
    }

    private void release(String nestedName) {
        claimed.remove(nestedName);
        ControlServer s = server;
        if (s != null) s.releaseName(nestedName);
    }

    /** The command's tree, once it exists (its first process holds the door's other end). */
    public void started(ProcessTree tree) {
        door.started();
        this.tree = tree;
    }

    /** The process timensctl attach took in, once it is served (the namespace has no door). */
    public void attached(Adopted process) {
        this.adopted = process;
        this.tree = process.processes();
        this.joining = process.joining();
    }

    /** What takes running processes into the namespace, once it runs (engine v2). */
    public void joining(Joining joining) {
        this.joining = joining;
    }

    /**
     * Whether a running process was ever taken in ({@link #join}): programs it
     * exec'd may outlive the namespace, reading its clock page.
     */
    public boolean joinedAny() {
        return joinedAny;
    }

    @Override
    public ControlException join(int pid, boolean tree) {
        Joining j = joining;
        if (j == null) {
            return new ControlException(ControlException.Kind.REFUSED, this.tree != null
                    ? "the namespace runs engine v1, which takes no running process: start it with --engine v2"
                    : "the namespace is still starting");
        }
        if (pid == timensPid) {
            return new ControlException(ControlException.Kind.REFUSED, "process " + pid
                    + " is the namespace's supervisor");
        }
        joinedAny = true;
        try {
            j.join(pid, tree);
            return null;
        } catch (SupervisorException e) {
            return refusal(e);
        }
    }

    /** A failed join or leave as the control protocol reports it: ESRCH no process, EPERM ptrace, else refused. */
    private static ControlException refusal(SupervisorException e) {
        int errno = e.getCause() instanceof LinuxException l ? l.errno() : 0;
        ControlException.Kind kind = errno == Errno.ESRCH ? ControlException.Kind.NO_SUCH_NAMESPACE
                : errno == Errno.EPERM ? ControlException.Kind.PERMISSION_DENIED
                : errno == Errno.ETIMEDOUT ? ControlException.Kind.FAILED : ControlException.Kind.REFUSED;
        return new ControlException(kind, e.getMessage().lines().findFirst().orElse("refused"));
    }

    /** The attached processes run on host time again: a {@link #release} waiting is answered. */
    public void released() {
        backOnHostTime.complete(null);
    }

    @Override
    public String release(int pid) {
        Joining j = joining;
        if (j != null && j.joined(pid)) {
            try {
                j.leave(pid);
                return null;
            } catch (SupervisorException e) {
                return e.getMessage().lines().findFirst().orElse("refused");
            }
        }
        Adopted a = adopted;
        if (a == null) {
            return "process " + pid + " was started in the namespace, not attached: only a process timensctl attach"
                    + " took in can be detached (end it, or the namespace's command)";
        }
        int leader = a.processes().command();
        if (pid == timensPid) return "process " + pid + " is the namespace's supervisor: timensctl detach " + leader;
        if (pid != leader) {
            return "process " + pid + " is in the namespace as a child of process " + leader + ", which was attached:"
                    + " timensctl detach " + leader + " lets them all go";
        }
        a.release();
        try {
            backOnHostTime.get(CHANGE_LIMIT_SECONDS, TimeUnit.SECONDS);
            return null;
        } catch (TimeoutException e) {
            return "the namespace did not let process " + pid + " go within " + CHANGE_LIMIT_SECONDS
                    + " s (it may still do)";
        } catch (ExecutionException e) {
            return "the release failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Why a namespace timensctl attach made takes no command. */
    private static final String NO_DOOR = "the namespace was made by timensctl attach: it takes no new processes"
            + " (start one from the attached process, or use a namespace timens --name started)";

    @Override
    public String exec(int nested, int connection, int[] stdio, byte[] request) {
        if (door == null) return NO_DOOR;
        ProcessTree t = tree;
        if (t == null) return "the namespace is still starting";
        if (!t.commandRunning()) return "the namespace's command has ended: it takes no new processes";
        if (nested == 0) return door.enter(connection, stdio, request, 0);
        TimeNamespace inner = running(t, nested);
        if (inner == null) return ended(nested);
        long token = namespaces.admit(inner);
        if (token < 0) return ended(nested);
        String sent = door.enter(connection, stdio, request, token);
        if (sent != null) namespaces.forget(token);
        return sent;
    }

    /** The nested namespace numbered {@code id} while it has processes, else null. */
    private TimeNamespace running(ProcessTree t, int id) {
        boolean alive = namespaces.nested(usersOwn(t.processes()), new ArrayList<>()).stream()
                .anyMatch(r -> r.id() == id);
        return alive ? namespaces.nested(id) : null;
    }

    private static String ended(int nested) {
        return "nested namespace " + nested + " has no processes left (or never had one)";
    }

    /**
     * {@code timens} run inside: a namespace nested in the one the inner timens
     * (process {@code peerPid}) is in, and the command started in it.
     */
    @Override
    public String nest(int connection, int peerPid, int[] stdio, byte[] request) {
        if (door == null) return NO_DOOR;
        ProcessTree t = tree;
        if (t == null) return "the namespace is still starting";
        if (!t.commandRunning()) return "the namespace's command has ended: it takes no new processes";
        // The namespaces nested before and ended since go first, and their names.
        retireEnded(t);
        TimeNamespace parent = namespaces.namespaceOf(peerPid);
        if (!namespaces.beginNest(parent)) return "the namespace this timens runs in has ended";
        try {
            return nestIn(parent, connection, peerPid, stdio, request);
        } finally {
            namespaces.endNest(parent);
        }
    }

    /** {@link #nest} once {@code parent} is kept from being retired meanwhile. */
    private String nestIn(TimeNamespace parent, int connection, int peerPid, int[] stdio, byte[] request) {
        Protocol.Nest nest;
        TimeNamespace child;
        try {
            nest = Protocol.Nest.parse(request);
            child = parent.nest(nest.settings());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        String nestedName = nest.name();
        if (nestedName != null) {
            String taken = claim(nestedName);
            if (taken != null) {
                child.close();
                return Protocol.NAME_TAKEN + " " + taken;
            }
        }
        var adoption = parent.adopt(child);
        String refusal = await(adoption);
        // Not made in time: given up, unless the tracer thread took it meanwhile.
        if (refusal != null && !adoption.isDone() && !child.abandon()) refusal = null;
        if (refusal != null) {
            if (adoption.isDone()) child.close(); // refused: nothing holds it (abandoned, the tracer closes it)
            if (nestedName != null) release(nestedName);
            return refusal;
        }
        long token = namespaces.expect(child, parent, peerPid, nestedName, Protocol.command(nest.exec()));
        String sent = door.enter(connection, stdio, nest.exec(), token);
        if (sent != null) namespaces.forget(token);
        return sent;
    }

    /**
     * Takes {@code nestedName} for a nested namespace: null once taken, or why
     * not (this namespace's name, a nested one's, another timens's).
     */
    private String claim(String nestedName) {
        ControlServer s = server;
        if (s == null) return "the namespace is still starting";
        // Two nest requests with one name at once: the set decides, before either touches the link.
        if (nestedName.equals(name) || !claimed.add(nestedName)) {
            return "the name '" + nestedName + "' is in use by a running namespace (timens pid " + timensPid + ")";
        }
        try {
            s.claimName(nestedName);
            return null;
        } catch (ControlException e) {
            claimed.remove(nestedName);
            return e.getMessage();
        }
    }

    /** The namespace's processes but its door, which is timens's, not the user's. */
    private static List<Integer> usersOwn(List<Integer> pids) {
        return pids.stream().filter(pid -> !isDoor(pid)).sorted().toList();
    }

    private static boolean isDoor(int pid) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/comm")).strip()
                    .equals(Door.COMM);
        } catch (java.io.IOException e) {
            return false; // gone
        }
    }

    @Override
    public List<String> info() {
        ProcessTree t = tree;
        TimeNamespace.Clocks now = namespace.now();
        List<Integer> all = t == null ? List.of() : usersOwn(t.processes());
        List<Integer> pids = new ArrayList<>();
        NamespaceTree.Survey survey = namespaces.survey(all, pids); // retires the ended ones on the way
        for (String n : survey.retired()) release(n);
        List<Protocol.Nested> nested = survey.rows().stream().map(r -> new Protocol.Nested(r.id(),
                r.parent(), r.timensPid(), r.leader(), r.pids(), r.clocks().realtime(), r.clocks().monotonic(),
                r.clocks().boottime(), r.clocks().rate(), r.name(), r.command())).toList();
        return new Protocol.Info(name, timensPid, t == null ? 0 : t.command(), pids, now.realtime(), now.monotonic(),
                now.boottime(), now.rate(), String.join(" ", namespace.realtimeSpec()), command, nested).lines();
    }

    @Override
    public String set(int nested, String what, String argument) {
        TimeNamespace target = namespace;
        if (nested != 0) {
            ProcessTree t = tree;
            target = t == null ? null : running(t, nested);
            if (target == null) return ended(nested);
        }
        ClockChange change;
        try {
            change = switch (what) {
                case "at" -> new ClockChange.SetRealtime(Long.parseLong(argument));
                case "offset" -> new ClockChange.OffsetRealtime(Long.parseLong(argument));
                case "monotonic" -> new ClockChange.Forward(ClockGroup.MONOTONIC, Long.parseLong(argument));
                case "boottime" -> new ClockChange.Forward(ClockGroup.BOOTTIME, Long.parseLong(argument));
                case "rate" -> new ClockChange.Rate(new BigDecimal(argument));
                case "freeze" -> new ClockChange.Freeze();
                case "unfreeze" -> new ClockChange.Unfreeze();
                default -> null;
            };
        } catch (NumberFormatException e) {
            return "malformed value '" + argument + "' for " + what;
        }
        if (change == null) return "unknown change '" + what + "'";
        return await(target.change(change));
    }

    /** What a change made on the tracer thread came to: null, or the one line saying why not. */
    private static String await(java.util.concurrent.CompletableFuture<String> change) {
        try {
            return change.get(CHANGE_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return "the namespace did not get to the change within " + CHANGE_LIMIT_SECONDS + " s (it may still make it)";
        } catch (ExecutionException e) {
            return "the change failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
