package dev.timens.cli;

import dev.timens.clock.ClockSettings;
import dev.timens.ctl.ControlClient;
import dev.timens.ctl.ControlDirectory;
import dev.timens.ctl.ControlException;
import dev.timens.ctl.Protocol;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code timensctl list}, {@code timensctl set NAME|PID CHANGE} and
 * {@code timensctl exec NAME|PID COMMAND}: the running namespaces of this user,
 * seen, changed and joined from outside through their control sockets
 * ({@link ControlClient}).
 *
 * <p>A separate program from {@code timens} (whose first word is the command
 * to run, so that {@code timens ls} runs ls), declared with picocli's
 * programmatic API as {@link TimensCommand} is.
 */
public final class TimensctlCommand {
    static final int USAGE = 2;
    static final int NO_SUCH_NAMESPACE = 3;
    static final int PERMISSION_DENIED = 4;
    static final int REFUSED = 5;
    static final int FAILED = 125;

    static final String[] FOOTER = {
        "",
        "Exit status: 0 when done; 2 for a usage error; 3 if no running namespace of",
        "this user has that name or process (attach: no such process); 4 if permission",
        "is denied (the control directory is not yours alone, the namespace or the",
        "process belongs to another user, ptrace is refused); 5 if the namespace refused",
        "the change, the attach or the detach (nothing changed); 125",
        "for other failures.",
        "exec exits with its command's status (128+N when signal N ended it), or 126",
        "(not executable) or 127 (not found) when it could not start it.",
    };

    /**
     * The signals {@code exec} passes on to its command: those a terminal or a
     * user sends to end, interrupt or poke a program. The command is not in
     * timensctl's process group, so Ctrl-C and Ctrl-\ reach it only this way.
     */
    static final long EXEC_FORWARDED = SignalForwarding.mask(SignalForwarding.SIGHUP, SignalForwarding.SIGINT,
            SignalForwarding.SIGQUIT, SignalForwarding.SIGTERM, 10 /* SIGUSR1 */, 14 /* SIGALRM */);

    /** The changes {@code set} takes, exactly one at a time. */
    private static final String[] CHANGES = {"--at", "--offset", "--rate", "--freeze", "--unfreeze", "--monotonic",
        "--boottime"};

    private TimensctlCommand() {}

    /** A change as it goes over the control socket ({@link Protocol#SET}). */
    record Change(String what, String argument) {}

    /**
     * The command line as picocli models it: what parses it and prints
     * {@code --help}, and what the man page and shell completions are generated
     * from at build time (src/main/packaging/GenerateDocs.java).
     */
    public static CommandSpec commandSpec() {
        return spec();
    }

    private static CommandSpec spec() {
        CommandSpec top = CommandSpec.create().name("timensctl").mixinStandardHelpOptions(true)
                .versionProvider(BuildInfo::versionLines);
        top.usageMessage().description("See and change the running time namespaces of this user.").footer(FOOTER);

        CommandSpec list = CommandSpec.create().name("list").mixinStandardHelpOptions(true);
        list.usageMessage().description("One line per running namespace: name (or -), pid of timens, pid of its"
                + " command, processes, REALTIME (UTC), MONOTONIC and BOOTTIME (seconds), rate, command; under it, one"
                + " line per namespace nested in it (a timens run inside), named +-, its number and its --name.")
                .footer(FOOTER);
        list.addOption(OptionSpec.builder("--json").arity("0").type(boolean.class)
                .description("A JSON array of objects instead.").build());
        list.addOption(OptionSpec.builder("--spec").arity("0").type(boolean.class)
                .description("Instead, per namespace: its name (or -), the pid of timens, and the timens options that"
                        + " give its CLOCK_REALTIME on any machine whose clock is right (--offset, or --at, --anchor"
                        + " and --rate).").build());
        top.addSubcommand("list", list);

        CommandSpec set = CommandSpec.create().name("set").mixinStandardHelpOptions(true);
        set.usageMessage().description("Change the clocks of the namespace named NAME, or of the one that process"
                + " PID (or timens PID) is in; one change at a time.").footer(FOOTER);
        set.addPositional(PositionalParamSpec.builder().paramLabel("NAME|PID").arity("1").required(true).type(String.class)
                .description(TARGET).build());
        option(set, "--at", "DATE", "CLOCK_REALTIME reads DATE now (a clock step: absolute REALTIME waits and"
                + " timers follow, cancel-on-set timerfds are cancelled).");
        option(set, "--offset", "DUR", "CLOCK_REALTIME is the host's (a nested namespace: its parent's) shifted by DUR"
                + " from now on (a clock step).");
        option(set, "--rate", "R", "Every clock runs at R from now on, with the sleeps, timeouts and timers"
                + " already running scaled anew: any R for a namespace started with --name and --rate (--rate 1"
                + " too), or with --realtime-only (CLOCK_REALTIME alone); otherwise only 1 and frozen.");
        flag(set, "--freeze", "Every clock stands still where it is (sleeps and timeouts then take the real time"
                + " they name).");
        flag(set, "--unfreeze", "Every clock ticks again at rate 1 from where it stands.");
        option(set, "--monotonic", "+DUR", "CLOCK_MONOTONIC jumps forward by DUR (never back).");
        option(set, "--boottime", "+DUR", "CLOCK_BOOTTIME jumps forward by DUR (never back).");
        top.addSubcommand("set", set);

        CommandSpec exec = CommandSpec.create().name("exec").mixinStandardHelpOptions(true);
        exec.parser().stopAtPositional(true);
        exec.usageMessage().description("Run COMMAND in the namespace named NAME, or in the one that process PID (or"
                + " timens PID) is in, as nsenter does for a kernel namespace: it and what it starts share the"
                + " namespace's clocks, and it has timensctl's standard input, output and error, working directory"
                + " and environment. SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1 and SIGALRM sent to timensctl are"
                + " passed on to it, and it gets SIGHUP if timensctl dies.").footer(FOOTER);
        exec.addPositional(PositionalParamSpec.builder().index("0").paramLabel("NAME|PID").arity("1").required(true)
                .type(String.class).description(TARGET).build());
        exec.addPositional(PositionalParamSpec.builder().index("1..*").paramLabel("COMMAND").arity("1..*")
                .required(true).type(String[].class).description("The program to run, and its arguments.").build());
        top.addSubcommand("exec", exec);

        CommandSpec attach = CommandSpec.create().name("attach").mixinStandardHelpOptions(true);
        attach.usageMessage().description("Take the running process PID, all its threads and what it starts from"
                + " then on, into a new namespace (or, with --name of a running one, into that one), without"
                + " restarting it: its clock reads (the kernel vDSO calls its"
                + " libc resolved long ago included), time(), raw clock syscalls, sleeps and timers follow the"
                + " namespace's clocks from now on. A supervisor serves it in the background until timensctl detach"
                + " PID, until the supervisor gets SIGTERM, SIGINT or SIGHUP (the process goes back to host time),"
                + " or until it and what it started have ended. Should the supervisor be killed, its watchdog kills"
                + " them: nothing goes on unnoticed on host time. Needs ptrace rights over PID: the same user, or root;"
                + " under kernel.yama.ptrace_scope 1 also CAP_SYS_PTRACE, or the process allowing it with"
                + " prctl(PR_SET_PTRACER).").footer(FOOTER);
        attach.addPositional(PositionalParamSpec.builder().paramLabel("PID").arity("1").required(true)
                .type(String.class).description("The process to attach (its threads come with it).").build());
        option(attach, "--at", "DATE", "CLOCK_REALTIME reads DATE now, and ticks on.");
        option(attach, "--offset", "DUR", "CLOCK_REALTIME is the host's shifted by DUR.");
        option(attach, "--monotonic", "+DUR", "CLOCK_MONOTONIC jumps forward by DUR (never back: the process has"
                + " read it).");
        option(attach, "--boottime", "+DUR", "CLOCK_BOOTTIME jumps forward by DUR (never back).");
        option(attach, "--rate", "R", "Every clock runs at R from now on (sleeps and timeouts started from now on"
                + " are scaled; those already running are not). With --name (--rate 1 too), timensctl set --rate"
                + " can change it later.");
        flag(attach, "--freeze", "Every clock stands still where it is.");
        flag(attach, "--realtime-only", "--rate and --freeze apply to CLOCK_REALTIME alone.");
        option(attach, "--name", "NAME", "Name the new namespace, for timensctl set and list (1 to 64 of A-Z a-z"
                + " 0-9 . _ -); or, when a running namespace of this user has that name, take the process into it"
                + " (give no clock options then: it takes that namespace's clocks). Needs a namespace started with"
                + " --engine v2 or by timensctl attach.");
        flag(attach, "--file-times", "stat and the other stat calls report file times through the namespace's"
                + " CLOCK_REALTIME, and explicit times given to utimensat and the like go through its inverse, as"
                + " timens --file-times.");
        flag(attach, "--proc", "/proc's uptime, boot time and process start times follow the namespace, as timens"
                + " --proc (every open costs a round trip to the supervisor).");
        flag(attach, "--tree", "Take in the processes PID started before too (its descendants), each the same way;"
                + " without it only what PID starts from now on comes with it.");
        flag(attach, "--foreground", "Serve the process from this timensctl, until the process is let go (Ctrl-C"
                + " lets it go) or has ended, instead of in the background.");
        attach.addOption(OptionSpec.builder("--serve").arity("0").type(boolean.class).hidden(true)
                .description("The supervisor timensctl attach starts in the background.").build());
        top.addSubcommand("attach", attach);

        CommandSpec detach = CommandSpec.create().name("detach").mixinStandardHelpOptions(true);
        detach.usageMessage().description("Let the process PID that timensctl attach took in, and what it started"
                + " since, go back to host time; they keep running. Returns once they read the host's clocks. A"
                + " namespace attach made ends; a running namespace it was taken into runs on. If the namespace's"
                + " MONOTONIC or BOOTTIME ran ahead of the host's (--monotonic, a --rate above 1), they go back to"
                + " the host's.").footer(FOOTER);
        detach.addPositional(PositionalParamSpec.builder().paramLabel("PID").arity("1").required(true)
                .type(String.class).description("The process timensctl attach took in.").build());
        top.addSubcommand("detach", detach);
        return top;
    }

    private static void option(CommandSpec spec, String name, String label, String description) {
        spec.addOption(OptionSpec.builder(name).paramLabel(label).type(String.class).description(description).build());
    }

    private static void flag(CommandSpec spec, String name, String description) {
        spec.addOption(OptionSpec.builder(name).arity("0").type(boolean.class).description(description).build());
    }

    /** Parses {@code args}, does what they say, and returns the exit status. */
    public static int run(PrintWriter out, PrintWriter err, Map<String, String> env, String... args) {
        CommandLine cli = new CommandLine(spec());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, ignored) -> {
            err.println("timensctl: " + TimensCommand.firstLine(e.getMessage()) + " (see timensctl --help)");
            err.flush();
            return USAGE;
        });
        cli.setExecutionStrategy(parsed -> {
            Integer help = CommandLine.executeHelpRequest(parsed);
            if (help != null) return help;
            if (!parsed.hasSubcommand()) {
                return usage(err, "missing a command: list, set, exec, attach or detach (see timensctl --help)");
            }
            CommandLine.ParseResult sub = parsed.subcommand();
            try {
                return switch (sub.commandSpec().name()) {
                    case "list" -> {
                        if (sub.hasMatchedOption("--json") && sub.hasMatchedOption("--spec")) {
                            throw new IllegalArgumentException("--json and --spec exclude each other (--json has the spec)");
                        }
                        yield list(out, directory(env), sub.hasMatchedOption("--json"), sub.hasMatchedOption("--spec"));
                    }
                    case "set" -> {
                        Change change = change(sub, LocalZone.fromEnvironment());
                        String target = target(sub);
                        ControlClient.set(find(env, target), change.what(), change.argument());
                        yield 0;
                    }
                    case "exec" -> {
                        String target = target(sub);
                        String[] command = command(sub);
                        yield exec(err, env, find(env, target), command);
                    }
                    case "attach" -> attach(err, env, sub, args);
                    case "detach" -> {
                        int pid = AttachCommand.pid(sub.matchedPositionalValue(0, ""));
                        ControlClient.release(find(env, Integer.toString(pid)), pid);
                        yield 0;
                    }
                    default -> throw new AssertionError(sub.commandSpec().name());
                };
            } catch (IllegalArgumentException e) {
                return usage(err, e.getMessage());
            } catch (ControlException e) {
                err.println("timensctl: " + TimensCommand.firstLine(e.getMessage()));
                return status(e.kind());
            }
        });
        int status = cli.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /**
     * {@code attach}: checked here, then served from this process
     * (--foreground, and the supervisor started for the background), or from
     * one started in the background ({@link AttachCommand}).
     */
    private static int attach(PrintWriter err, Map<String, String> env, CommandLine.ParseResult sub, String[] args)
            throws ControlException {
        AttachCommand.Request request = attachRequest(sub);
        ControlClient.Found running = request.serve() || request.name() == null ? null : running(env, request.name());
        if (running != null) {
            // Into the running namespace of that name, whose supervisor takes it in.
            for (String option : List.of("--at", "--offset", "--monotonic", "--boottime", "--rate", "--freeze",
                    "--realtime-only", "--file-times", "--proc", "--foreground")) {
                if (sub.hasMatchedOption(option)) {
                    throw new IllegalArgumentException(option + " with --name " + request.name() + ", a running"
                            + " namespace: the process takes its clocks (change them with timensctl set "
                            + request.name() + "), and its supervisor serves it");
                }
            }
            if (running.nested() != 0) {
                throw new ControlException(ControlException.Kind.REFUSED, "namespace " + request.name()
                        + " is nested in another: attaching into a nested namespace is not supported");
            }
            ControlException refused = AttachCommand.refusal(request.pid());
            if (refused != null) throw refused;
            ControlClient.join(running, request.pid(), request.tree());
            return 0;
        }
        if (request.foreground() || request.serve()) return AttachCommand.serve(err, env, request);
        ControlException refused = AttachCommand.refusal(request.pid());
        if (refused != null) throw refused;
        return AttachCommand.background(err, args);
    }

    /** attach's options, checked; IllegalArgumentException (a usage error) for what it cannot do. */
    static AttachCommand.Request attachRequest(CommandLine.ParseResult sub) {
        int pid = AttachCommand.pid(sub.matchedPositionalValue(0, ""));
        for (String clock : List.of("--monotonic", "--boottime")) {
            String value = sub.matchedOptionValue(clock, null);
            if (value != null && value.strip().startsWith("-")) {
                throw new IllegalArgumentException("invalid " + clock + " value '" + value + "': a running process"
                        + " has read that clock already, so it only moves forward (+DUR)");
            }
        }
        ClockSettings settings = TimensCommand.clockSettings(sub);
        String name = sub.matchedOptionValue("--name", null);
        if (name != null) dev.timens.ctl.NamespaceName.check(name);
        return new AttachCommand.Request(pid, settings, name, sub.hasMatchedOption("--foreground"),
                sub.hasMatchedOption("--serve"), sub.hasMatchedOption("--tree"), sub.hasMatchedOption("--file-times"),
                sub.hasMatchedOption("--proc"), sub.hasMatchedOption("--rate"));
    }

    /** The running namespace named {@code name}, or null when none of this user's has that name. */
    private static ControlClient.Found running(Map<String, String> env, String name) throws ControlException {
        Optional<Path> dir = directory(env);
        if (dir.isEmpty()) return null;
        try {
            return ControlClient.find(dir.get(), name);
        } catch (ControlException e) {
            if (e.kind() == ControlException.Kind.NO_SUCH_NAMESPACE) return null;
            throw e;
        }
    }

    /** attach's request as {@code timensctl attach} parses it, for tests: {@code args} after {@code attach}. */
    static AttachCommand.Request attachRequest(String... args) {
        List<String> argv = new ArrayList<>(List.of("attach"));
        argv.addAll(List.of(args));
        return attachRequest(new CommandLine(spec()).parseArgs(argv.toArray(String[]::new)).subcommand());
    }

    /** What NAME|PID of set and exec may be. */
    private static final String TARGET = "The namespace's --name, or the pid of any process in it (nested namespaces"
            + " included) or of the timens that made it; NAME/N or PID/N: the namespace numbered N nested in that"
            + " one's tree (timensctl list).";

    /** NAME|PID[/N] as given, checked; IllegalArgumentException (a usage error) when it can be none. */
    private static String target(CommandLine.ParseResult sub) {
        String target = sub.matchedPositionalValue(0, "");
        int slash = target.indexOf('/');
        String base = slash < 0 ? target : target.substring(0, slash);
        boolean valid = (base.matches("[0-9]{1,10}") || dev.timens.ctl.NamespaceName.isValid(base))
                && (slash < 0 || target.substring(slash + 1).matches("[1-9][0-9]{0,8}"));
        if (!valid) {
            throw new IllegalArgumentException("invalid NAME|PID '" + target + "': a namespace's --name or a pid,"
                    + " optionally followed by /N, the number of a namespace nested in it");
        }
        return target;
    }

    /**
     * exec's COMMAND: what follows NAME|PID, but a {@code --} right after it
     * (picocli takes every word after the first positional as positional, that
     * one too, so that the command's own options are never timensctl's).
     */
    static String[] command(CommandLine.ParseResult exec) {
        String[] command = exec.matchedPositionalValue(1, new String[0]);
        if (command.length > 0 && command[0].equals("--")) command = java.util.Arrays.copyOfRange(command, 1, command.length);
        if (command.length == 0) throw new IllegalArgumentException("exec needs a command to run");
        return command;
    }

    private static ControlClient.Found find(Map<String, String> env, String target) throws ControlException {
        Optional<Path> dir = directory(env);
        if (dir.isEmpty()) throw noSuch(target);
        return ControlClient.find(dir.get(), target);
    }

    /**
     * {@code exec}: starts {@code command} in {@code namespace}, passes signals on
     * to it, and returns its exit status as a shell reports it.
     */
    private static int exec(PrintWriter err, Map<String, String> env, ControlClient.Found namespace, String[] command)
            throws ControlException {
        Path executable;
        try {
            executable = CommandResolver.resolve(command[0], env.get("PATH"));
        } catch (CommandResolver.Unrunnable e) {
            err.println("timensctl: " + e.getMessage());
            return e.status;
        }
        return join(err, "timensctl", env, namespace, Protocol.EXEC, signals -> execRequest(executable, command, signals, env));
    }

    /**
     * Starts a command in {@code namespace} with a {@code verb} request
     * ({@link Protocol#EXEC}, {@link Protocol#NEST}) whose payload {@code request}
     * makes from the signal state this process started with; passes signals on
     * to it, and returns its exit status as a shell reports it. {@code program}
     * starts the error line when it cannot start.
     */
    static int join(PrintWriter err, String program, Map<String, String> env, ControlClient.Found namespace, String verb,
                    java.util.function.Function<dev.timens.engine.Launch.Signals, byte[]> request)
            throws ControlException {
        dev.timens.engine.Launch.Signals signals = TimensCommand.commandSignals();
        long jvmOwn = SignalForwarding.jvmOwn(env.get("_JAVA_SR_SIGNUM"));
        long inheritedIgnored = signals == null ? 0 : signals.ignored();
        dev.timens.linux.CaughtSignals caught = dev.timens.linux.CaughtSignals.install(NativeFiles.signalLibrary(),
                SignalForwarding.caught(inheritedIgnored, jvmOwn) & EXEC_FORWARDED, jvmOwn);
        try (TerminalRelay terminal = TerminalRelay.forInteractive()) {
            ControlClient.Joined joined;
            try {
                joined = terminal == null ? ControlClient.exec(namespace, verb, request.apply(signals))
                        : ControlClient.exec(namespace, verb, request.apply(signals), terminal.stdio());
            } catch (ControlClient.NotStarted e) {
                err.println(program + ": " + e.getMessage());
                return e.status();
            }
            if (terminal != null) terminal.start();
            Thread.ofPlatform().daemon().name("timensctl-signals").start(() -> {
                while (joined.signal(caught.next().signal())) {
                    // passed on; the command's end ends the loop
                }
            });
            return joined.awaitEnd();
        }
    }

    /** The {@link Protocol#EXEC} payload: PATH, working directory, signal state, ARGC, arguments, environment. */
    static byte[] execRequest(Path executable, String[] command, dev.timens.engine.Launch.Signals signals,
                              Map<String, String> env) {
        List<String> fields = new ArrayList<>();
        fields.add(executable.toString());
        fields.add(System.getProperty("user.dir"));
        fields.add(signals == null ? "0:0" : signals.argument());
        fields.add(Integer.toString(command.length));
        fields.addAll(List.of(command));
        env.forEach((k, v) -> fields.add(k + "=" + v));
        var bytes = new java.io.ByteArrayOutputStream();
        for (String field : fields) {
            if (field.indexOf('\0') >= 0) throw new IllegalArgumentException("a NUL character in '" + field + "'");
            bytes.writeBytes(field.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            bytes.write(0);
        }
        if (bytes.size() > Protocol.MAX_EXEC_REQUEST) {
            throw new IllegalArgumentException("arguments and environment too long (" + bytes.size() + " bytes)");
        }
        return bytes.toByteArray();
    }

    private static ControlException noSuch(String target) {
        return new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "no running namespace of this user "
                + (target.matches("[0-9]+") ? "has process " + target : "is named '" + target + "'"));
    }

    /** The control directory of this user, checked; empty when there is none (nothing runs). */
    private static Optional<Path> directory(Map<String, String> env) throws ControlException {
        int uid = dev.timens.linux.Unistd.geteuid();
        return ControlDirectory.existing(ControlDirectory.locate(env, uid), uid);
    }

    static int status(ControlException.Kind kind) {
        return switch (kind) {
            case NO_SUCH_NAMESPACE -> NO_SUCH_NAMESPACE;
            case PERMISSION_DENIED -> PERMISSION_DENIED;
            case REFUSED -> REFUSED;
            case NAME_IN_USE, FAILED -> FAILED;
        };
    }

    /**
     * The one change {@code set} asks for, in the control protocol's terms; an
     * IllegalArgumentException (a usage error) for none, several, or a value
     * TimeSpecs refuses. A MONOTONIC or BOOTTIME move back is passed on: the
     * namespace refuses it (exit status 5).
     */
    static Change change(CommandLine.ParseResult set, LocalZone zone) {
        List<String> given = new ArrayList<>();
        for (String option : CHANGES) if (set.hasMatchedOption(option)) given.add(option);
        if (given.isEmpty()) {
            throw new IllegalArgumentException("set needs a change: --at, --offset, --rate, --freeze, --unfreeze,"
                    + " --monotonic or --boottime");
        }
        if (given.size() > 1) throw new IllegalArgumentException("one change at a time: " + String.join(" and ", given));
        String option = given.getFirst();
        boolean flag = option.equals("--freeze") || option.equals("--unfreeze");
        String value = flag ? "-" : set.matchedOptionValue(option, "");
        return switch (option) {
            case "--at" -> new Change("at", Long.toString(nanos(parse(option, () -> TimeSpecs.parseInstant(value, zone)))));
            case "--offset" -> new Change("offset", Long.toString(nanos(option, parse(option, () -> TimeSpecs.parseDuration(value)))));
            case "--monotonic" -> new Change("monotonic", Long.toString(nanos(option, parse(option, () -> TimeSpecs.parseDuration(value)))));
            case "--boottime" -> new Change("boottime", Long.toString(nanos(option, parse(option, () -> TimeSpecs.parseDuration(value)))));
            case "--rate" -> new Change("rate", TimensCommand.parseRate(value).toPlainString());
            case "--freeze" -> new Change("freeze", "-");
            case "--unfreeze" -> new Change("unfreeze", "-");
            default -> throw new AssertionError(option);
        };
    }

    /** Changes as {@code timensctl set} parses them, for tests: {@code args} after {@code set NAME}. */
    static Change change(LocalZone zone, String... args) {
        List<String> argv = new ArrayList<>(List.of("set", "x"));
        argv.addAll(List.of(args));
        CommandLine.ParseResult parsed = new CommandLine(spec()).parseArgs(argv.toArray(String[]::new));
        return change(parsed.subcommand(), zone);
    }

    private static <T> T parse(String option, java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (SpecException e) {
            throw e.forOption(option);
        }
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano(); // within range: TimeSpecs.MAX_INSTANT
    }

    private static long nanos(String option, Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("invalid " + option + " value: beyond 292 years");
        }
    }

    private static int list(PrintWriter out, Optional<Path> dir, boolean json, boolean spec) throws ControlException {
        List<ControlClient.Found> found = dir.isEmpty() ? List.of() : ControlClient.list(dir.get());
        if (json) {
            out.println(json(found));
            return 0;
        }
        if (spec) {
            for (ControlClient.Found f : found) {
                Protocol.Info i = f.info();
                out.println(String.format(Locale.ROOT, "%-16s %7d %s", i.name() == null ? "-" : i.name(),
                        i.timensPid(), i.spec()));
            }
            return 0;
        }
        out.println(String.format(Locale.ROOT, "%-16s %7s %7s %5s %-24s %14s %14s %6s %s", "NAME", "PID", "LEADER",
                "PROCS", "REALTIME", "MONOTONIC", "BOOTTIME", "RATE", "COMMAND"));
        for (ControlClient.Found f : found) {
            Protocol.Info i = f.info();
            out.println(String.format(Locale.ROOT, "%-16s %7d %7d %5d %-24s %14s %14s %6s %s",
                    i.name() == null ? "-" : i.name(), i.timensPid(), i.leader(), i.pids().size(), iso(i.realtime()),
                    seconds(i.monotonic()), seconds(i.boottime()), rate(i.rate()), i.command()));
            // Nested namespaces under it, indented by depth: NAME is "+-", their number and --name.
            for (Protocol.Nested n : i.nested()) {
                String name = "  ".repeat(depth(n, i.nested())) + "+- " + n.id()
                        + (n.name() == null ? "" : " " + n.name());
                out.println(String.format(Locale.ROOT, "%-16s %7d %7d %5d %-24s %14s %14s %6s %s", name,
                        n.timensPid(), n.leader(), n.pids().size(), iso(n.realtime()), seconds(n.monotonic()),
                        seconds(n.boottime()), rate(n.rate()), n.command()));
            }
        }
        return 0;
    }

    /** How deep {@code n} is nested: 1 in the outermost namespace. */
    private static int depth(Protocol.Nested n, List<Protocol.Nested> all) {
        int depth = 1;
        for (int parent = n.parent(); parent != 0 && depth < 64; depth++) {
            int p = parent;
            parent = all.stream().filter(o -> o.id() == p).mapToInt(Protocol.Nested::parent).findFirst().orElse(0);
        }
        return depth;
    }

    static String iso(long nanos) {
        return Instant.ofEpochSecond(0, nanos).truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%d.%03d", nanos / 1_000_000_000L, nanos % 1_000_000_000L / 1_000_000L);
    }

    static String rate(BigDecimal rate) {
        return rate.signum() == 0 ? "frozen" : ClockSettings.compact(rate);
    }

    /** A namespace's clocks as JSON members, each after a comma. */
    private static void clocks(StringBuilder b, long realtime, long monotonic, long boottime, java.math.BigDecimal rate) {
        b.append(",\"realtime\":").append(quote(Instant.ofEpochSecond(0, realtime).toString()))
                .append(",\"realtime_ns\":").append(realtime)
                .append(",\"monotonic_ns\":").append(monotonic)
                .append(",\"boottime_ns\":").append(boottime)
                .append(",\"rate\":").append(rate.toPlainString());
    }

    private static String json(List<ControlClient.Found> found) {
        StringBuilder b = new StringBuilder("[");
        for (ControlClient.Found f : found) {
            Protocol.Info i = f.info();
            if (b.length() > 1) b.append(',');
            b.append("{\"name\":").append(i.name() == null ? "null" : quote(i.name()))
                    .append(",\"pid\":").append(i.timensPid())
                    .append(",\"leader\":").append(i.leader())
                    .append(",\"pids\":").append(i.pids());
            clocks(b, i.realtime(), i.monotonic(), i.boottime(), i.rate());
            b.append(",\"frozen\":").append(i.rate().signum() == 0)
                    .append(",\"spec\":").append(quote(i.spec()))
                    .append(",\"command\":").append(quote(i.command()))
                    .append(",\"nested\":[");
            for (int k = 0; k < i.nested().size(); k++) {
                Protocol.Nested n = i.nested().get(k);
                if (k > 0) b.append(',');
                b.append("{\"id\":").append(n.id()).append(",\"parent\":").append(n.parent())
                        .append(",\"name\":").append(n.name() == null ? "null" : quote(n.name()))
                        .append(",\"pid\":").append(n.timensPid()).append(",\"leader\":").append(n.leader())
                        .append(",\"pids\":").append(n.pids());
                clocks(b, n.realtime(), n.monotonic(), n.boottime(), n.rate());
                b.append(",\"command\":").append(quote(n.command())).append('}');
            }
            b.append("]}");
        }
        return b.append(']').toString();
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    private static int usage(PrintWriter err, String message) {
        err.println("timensctl: " + TimensCommand.firstLine(message));
        err.flush();
        return USAGE;
    }
}
