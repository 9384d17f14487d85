package dev.timens.cli;

import dev.timens.clock.ClockSettings;
import dev.timens.clock.NamespaceTree;
import dev.timens.clock.TimeNamespace;
import dev.timens.ctl.ControlDirectory;
import dev.timens.ctl.ControlException;
import dev.timens.ctl.ControlServer;
import dev.timens.ctl.LiveNamespace;
import dev.timens.ctl.NamespaceName;
import dev.timens.engine.ExitStatus;
import dev.timens.engine.Launch;
import dev.timens.engine.Supervisor;
import dev.timens.engine.SupervisorException;
import dev.timens.engine.OnDemandSupervisor;
import dev.timens.engine.TraceStats;
import dev.timens.linux.Prctl;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code timens [OPTIONS] [--] COMMAND [ARGS...]}: runs COMMAND, and every
 * process it starts, in a time namespace of its own.
 *
 * <p>The command line is declared with picocli's programmatic API rather than
 * annotations: reading annotations costs reflection and dynamic proxies at
 * every start, and start-up is part of every {@code timens -- command}.
 */
public final class TimensCommand implements Callable<Integer> {
    static final int USAGE = 2;
    /** The control directory is not the user's alone (or cannot be made). */
    static final int CONTROL_DIRECTORY = 122;
    /** --name is taken by a running namespace of the same user. */
    static final int NAME_IN_USE = 123;
    static final int FAILED = 125;

    private static final String[] DESCRIPTION = {
        "Run COMMAND, and every process it starts, with its own clocks: CLOCK_REALTIME,",
        "MONOTONIC and BOOTTIME are shifted for the whole process tree, while the rest of",
        "the machine keeps real time. Inside, settimeofday and `date -s` work without",
        "privilege and move only the namespace's clock.",
    };
    /** The man page's NAME line, and the first line of --help. */
    private static final String HEADER = "Run a command with clocks of its own: a time namespace, without root.";
    /** A format string for picocli: a literal percent sign is written %%. */
    static final String[] FOOTER = {
        "DATE  2038-01-19T03:14:07Z, 2038-01-19T05:14:07+02:00, 2038-01-19,",
        "      '2038-01-19 03:14[:07[.5]]' (local zone), or @2147483647, @1700000000.25",
        "      (seconds since the epoch).",
        "DUR   [+|-] seconds (3600, -0.5) or unit terms: 1y 3d 2w 1h30m 90min 15s",
        "      500ms 10us 7ns.",
        "SPEC  a FAKETIME string, read exactly as libfaketime reads it: '+2d', '-120',",
        "      '+1,5h' (one hour: the number ends at the comma), '@2020-12-24 20:30:00'",
        "      (start there), '2020-12-24 20:30:00' (frozen there), '%%' (start at the",
        "      time of FAKETIME_FOLLOW_FILE), with a speed such as '+2d x10'.",
    };

    /** Exit statuses, in --help and in the man page's EXIT STATUS section. */
    private static java.util.Map<String, String> exitStatuses() {
        java.util.Map<String, String> statuses = new java.util.LinkedHashMap<>();
        statuses.put("N", "COMMAND's own exit status.");
        statuses.put("128+N", "COMMAND was killed by signal N.");
        statuses.put("2", "A usage error (one line on stderr; nothing was started).");
        statuses.put("122", "The control directory (timensctl) is unsafe or cannot be made.");
        statuses.put("123", "The --name is in use by another running timens.");
        statuses.put("125", "timens itself failed.");
        statuses.put("126", "COMMAND is not executable.");
        statuses.put("127", "COMMAND was not found.");
        return statuses;
    }

    private final PrintWriter err;
    String at;
    String offset;
    String faketime;
    String monotonic;
    String boottime;
    String rate;
    boolean freeze;
    boolean warp;
    boolean debug;
    boolean stats;
    String engine;
    String name;
    String onlyCmds;
    String skipCmds;
    /** --realtime-only: the rate is CLOCK_REALTIME's alone. */
    boolean realtimeOnly;
    /** --anchor: the host instant --at's date holds at. */
    String anchor;
    /** --file-times: file timestamps on the namespace's CLOCK_REALTIME. */
    boolean fileTimes;
    boolean procTimes;
    /** libfaketime's FAKETIME file that --faketime came from, re-read while the command runs (timens-faketime). */
    FaketimeCommand.SpecFiles faketimeFile;
    /** How --faketime dates are written (libfaketime's FAKETIME_FMT, from timens-faketime). */
    FaketimeReader.Format faketimeFormat = FaketimeReader.Format.DATE_TIME;
    List<String> command = new ArrayList<>();

    private TimensCommand(PrintWriter err) {
        this.err = err;
    }

    /**
     * The command line as picocli models it: what parses it and prints
     * {@code --help}, and what the man page and shell completions are generated
     * from at build time (src/main/packaging/GenerateDocs.java).
     */
    public static CommandSpec commandSpec() {
        return spec();
    }

    private static CommandSpec spec() {
        // The version is read only when --version asks for it: one resource less at every start.
        CommandSpec spec = CommandSpec.create().name("timens").versionProvider(BuildInfo::versionLines);
        spec.usageMessage().header(HEADER).description(DESCRIPTION).sortOptions(false).autoWidth(true)
                .exitCodeListHeading("%nExit status:%n").exitCodeList(exitStatuses())
                .footerHeading("%nDATE, DUR and SPEC:%n").footer(FOOTER);
        // What mixinStandardHelpOptions(true) declares, declared directly: the mixin
        // is read from annotations, ~15 ms of reflection and proxies at every start.
        spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        spec.addOption(CommandLine.Model.OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        option(spec, "--at", "DATE", "CLOCK_REALTIME starts at DATE and ticks on.");
        option(spec, "--offset", "DUR", "CLOCK_REALTIME is shifted by DUR (e.g. -3d, +1h30m).");
        option(spec, "--faketime", "SPEC", "A FAKETIME string, read as libfaketime reads it: an offset, an @start date, a frozen date.");
        option(spec, "--anchor", "DATE", "With --at (or --offset and --rate): the host time at which CLOCK_REALTIME"
                + " reads that date and from which it runs at the rate, instead of timens's start; the same options"
                + " then give the same clock on every machine (timensctl list --spec prints them).");
        option(spec, "--monotonic", "DUR", "CLOCK_MONOTONIC (and _COARSE, _RAW) is shifted by DUR.");
        option(spec, "--boottime", "DUR", "CLOCK_BOOTTIME (and BOOTTIME_ALARM) is shifted by DUR.");
        option(spec, "--rate", "R", "Every clock advances R virtual seconds per real second (e.g. 10, 0.5);"
                + " sleeps and timeouts are scaled to match. With --name (--rate 1 too), timensctl set --rate"
                + " can change it while the command runs.");
        flag(spec, "--freeze", "The clocks stand still at their start values (sleeps still take their real time).");
        flag(spec, "--realtime-only", "--rate, --freeze and a --faketime speed or frozen date apply to"
                + " CLOCK_REALTIME alone: MONOTONIC and BOOTTIME tick with the host's, relative sleeps and timeouts"
                + " take their real time (libfaketime's FAKETIME_DONT_FAKE_MONOTONIC).");
        flag(spec, "--warp", "When every process waits and one waits with a timeout, the clocks jump to the"
                + " earliest timeout and that wait ends at once (sleeping an hour takes milliseconds).");
        flag(spec, "--file-times", "stat and its kin report file times on the namespace's CLOCK_REALTIME, and times"
                + " given to touch, tar (utimensat and its kin) are taken on it; files keep host times on disk."
                + " Costs a stop per call.");
        flag(spec, "--proc", "/proc/uptime, /proc/stat's btime and the process start times in /proc/PID/stat"
                + " follow the namespace (uptime, ps -o lstart, top). Costs a round trip to timens per open.");
        option(spec, "--only-cmds", "NAMES", "Only programs exec'd under one of these comma-separated names"
                + " (argv[0] without its directory) get the namespace's clocks; every other runs on host time.");
        option(spec, "--skip-cmds", "NAMES", "Programs exec'd under one of these comma-separated names run on host"
                + " time; the others get the namespace's clocks.");
        option(spec, "--name", "NAME", "Name the namespace, for timensctl (1 to 64 of A-Z a-z 0-9 . _ -)."
                + " Its MONOTONIC and BOOTTIME can then be moved and its clocks stopped while it runs.");
        flag(spec, "--debug", "Print stack traces of timens's own failures.");
        flag(spec, "--stats", "At the end, print on stderr how often the supervisor stopped the tree.");
        option(spec, "--engine", "ENGINE", "v1 (the default: timens traces every process) or v2 (experimental:"
                + " timens attaches to a process only when it must, so debuggers, strace and user-mode Linux"
                + " run inside; not with --warp yet).");
        spec.addPositional(CommandLine.Model.PositionalParamSpec.builder().paramLabel("COMMAND").arity("0..*")
                .type(List.class).auxiliaryTypes(String.class)
                .description("The command to run, and its arguments.").build());
        return spec;
    }

    private static void option(CommandSpec spec, String name, String label, String description) {
        spec.addOption(CommandLine.Model.OptionSpec.builder(name).paramLabel(label).type(String.class)
                .description(description).build());
    }

    private static void flag(CommandSpec spec, String name, String description) {
        spec.addOption(CommandLine.Model.OptionSpec.builder(name).arity("0").type(boolean.class)
                .description(description).build());
    }

    /** Parses {@code args}, runs the command, and returns timens's exit status. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(out, err, null, FaketimeReader.Format.DATE_TIME, args);
    }

    /**
     * As {@link #run(PrintWriter, PrintWriter, String...)}, where the --faketime value
     * came from the FAKETIME files {@code faketimeFile} (null: none), which are re-read while the
     * command runs and moves the namespace's clock when it changes ({@link FaketimeFile}),
     * and whose dates are written in {@code format}.
     */
    static int run(PrintWriter out, PrintWriter err, FaketimeCommand.SpecFiles faketimeFile,
                   FaketimeReader.Format format, String... args) {
        CommandLine cli = new CommandLine(spec());
        cli.setOut(out);
        cli.setErr(err);
        // Everything from COMMAND on is COMMAND's: `timens date -u` works without `--`.
        cli.setStopAtPositional(true);
        cli.setParameterExceptionHandler((e, ignored) -> {
            err.println("timens: " + firstLine(e.getMessage()) + " (see timens --help)");
            err.flush();
            return USAGE;
        });
        cli.setExecutionStrategy(parsed -> {
            Integer help = CommandLine.executeHelpRequest(parsed);
            if (help != null) return help;
            TimensCommand c = new TimensCommand(err);
            c.readClockOptions(parsed);
            c.anchor = parsed.matchedOptionValue("--anchor", null);
            c.faketime = parsed.matchedOptionValue("--faketime", null);
            c.warp = parsed.hasMatchedOption("--warp");
            c.fileTimes = parsed.hasMatchedOption("--file-times");
            c.procTimes = parsed.hasMatchedOption("--proc");
            c.debug = parsed.hasMatchedOption("--debug");
            c.stats = parsed.hasMatchedOption("--stats");
            c.name = parsed.matchedOptionValue("--name", null);
            c.onlyCmds = parsed.matchedOptionValue("--only-cmds", null);
            c.skipCmds = parsed.matchedOptionValue("--skip-cmds", null);
            String engine = System.getenv("TIMENS_ENGINE");
            c.engine = parsed.matchedOptionValue("--engine", engine == null || engine.isEmpty() ? "v1" : engine);
            c.command = parsed.matchedPositionalValue(0, new ArrayList<String>());
            c.faketimeFile = faketimeFile;
            c.faketimeFormat = format;
            return c.call();
        });
        int status = cli.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    @Override
    public Integer call() {
        ClockSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        if (command.isEmpty()) return usage(err, "missing COMMAND (usage: timens [OPTIONS] [--] COMMAND [ARGS...])");
        if (name != null) {
            try {
                NamespaceName.check(name);
            } catch (IllegalArgumentException e) {
                return usage(err, e.getMessage());
            }
        }
        if (!engine.equals("v1") && !engine.equals("v2")) return usage(err, "invalid --engine '" + engine + "': v1 or v2");
        boolean onDemand = engine.equals("v2");
        java.util.function.Predicate<String> onHostTime = null;
        if (onlyCmds != null || skipCmds != null) {
            if (onlyCmds != null && skipCmds != null) return usage(err, "--only-cmds and --skip-cmds exclude each other");
            if (settings.warp()) {
                return usage(err, "--only-cmds and --skip-cmds do not work with --warp (a program on host time would"
                        + " wait on host time while the others jump)");
            }
            java.util.Set<String> names = programNames(onlyCmds != null ? onlyCmds : skipCmds);
            onHostTime = onlyCmds != null ? name -> !names.contains(name) : names::contains;
        }
        Path executable;
        try {
            executable = CommandResolver.resolve(command.get(0), System.getenv("PATH"));
        } catch (CommandResolver.Unrunnable e) {
            err.println("timens: " + e.getMessage());
            return e.status;
        }
        // Inside a namespace already: the outer timens makes the nested one.
        long outer = dev.timens.linux.Unistd.syscall(NamespaceTree.PROBE_SYSCALL, 0);
        if (outer > 0) return nest((int) outer, settings, executable);
        String sysTime = SupervisorPrivileges.sysTimeHolder();
        if (sysTime != null) {
            err.println("timens: refusing to supervise with CAP_SYS_TIME (" + sysTime + "): start timens with"
                    + " bin/timens, which drops it, or without that capability");
            return FAILED;
        }
        java.util.Set<Integer> passedFds = inheritedFds();
        boolean readKernelTimeData;
        try {
            readKernelTimeData = readKernelTimeData(System.getenv("TIMENS_CLOCK_READS"));
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        // Read before timens changes any of its own.
        Launch.Signals commandSignals = commandSignals();
        SignalForwarding forwarding;
        try {
            forwarding = SignalForwarding.install(NativeFiles.signalLibrary(),
                    commandSignals == null ? 0 : commandSignals.ignored(), err);
        } catch (RuntimeException e) {
            err.println("timens: cannot catch signals: " + firstLine(e.getMessage()));
            if (debug) e.printStackTrace(err);
            return FAILED;
        }
        // Every namespace is served on a control socket (timensctl), in a directory
        // that must be the user's alone: checked before anything starts.
        java.nio.file.Path controlDirectory;
        try {
            int uid = dev.timens.linux.Unistd.geteuid();
            controlDirectory = ControlDirectory.prepare(ControlDirectory.locate(System.getenv(), uid), uid);
        } catch (ControlException e) {
            err.println("timens: " + e.getMessage());
            return CONTROL_DIRECTORY;
        }
        Instant hostStart = Instant.now();
        // --rate given with --name, even 1: the rate may change later (timensctl set --rate); and
        // a FAKETIME file, re-read while the command runs, may ask for another speed at any time.
        boolean rateMayChange = rate != null && name != null || faketimeFile != null;
        try (TimeNamespace namespace = TimeNamespace.create(settings, passedFds, readKernelTimeData,
                name != null || faketimeFile != null, rateMayChange)) {
            namespace.acceptChanges();
            if (fileTimes) namespace.reportFileTimes();
            if (procTimes) namespace.reportProcTimes();
            NamespaceTree namespaces = new NamespaceTree(namespace, dev.timens.linux.Unistd.getpid());
            dev.timens.ctl.Door door = dev.timens.ctl.Door.create();
            LiveNamespace live = new LiveNamespace(name, dev.timens.linux.Unistd.getpid(), namespaces, command, door);
            ControlServer control;
            try {
                control = ControlServer.start(controlDirectory, dev.timens.linux.Unistd.getpid(), name, live);
            } catch (ControlException e) {
                err.println("timens: " + e.getMessage());
                return e.kind() == ControlException.Kind.NAME_IN_USE ? NAME_IN_USE : FAILED;
            }
            live.servedBy(control);
            // The server stops first: no request may reach the door once it is closed.
            try (door; control) {
                return supervise(namespaces, live, door, settings, executable, passedFds, commandSignals, forwarding,
                        onHostTime, onDemand, hostStart);
            }
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        } catch (SupervisorException | RuntimeException e) {
            err.println("timens: " + firstLine(e.getMessage()));
            if (debug) e.printStackTrace(err);
            return FAILED;
        }
    }

    private int supervise(NamespaceTree namespaces, LiveNamespace live, dev.timens.ctl.Door door, ClockSettings settings,
                          Path executable, java.util.Set<Integer> passedFds, Launch.Signals commandSignals,
                          SignalForwarding forwarding,
                          java.util.function.Predicate<String> onHostTime, boolean onDemand, Instant hostStart)
            throws SupervisorException {
        TimeNamespace namespace = namespaces.root();
        if (onHostTime != null) namespace.runOnHostTime(onHostTime);
        // libfaketime re-reads its file, and re-stats FAKETIME_FOLLOW_FILE for '%'.
        if (faketimeFile != null || (faketime != null && faketime.startsWith("%"))) {
            namespace.followRealtime(new FaketimeFile(faketimeFile, faketime, faketimeFormat, LocalZone.fromEnvironment(),
                    System.getenv("FAKETIME_FOLLOW_FILE"), System.getenv("FAKETIME_DONT_RESET") != null,
                    settings.rate(), settings.realtimeOnly() || faketimeFile != null, hostStart, err));
        }
        // Nothing inside may open the supervisor's files or memory, or trace
        // it, unless it has CAP_SYS_PTRACE: from here on the supervisor needs
        // nothing of its own /proc that dumpability closes.
        Prctl.makeNonDumpable();
        TraceStats counts = new TraceStats();
        // Engine v2 traces nothing between visits: the kernel would not end the
        // namespace with timens, so the watchdog does. As the init of a PID
        // namespace (a container's entrypoint), timens needs none: the kernel
        // kills the namespace's processes when its init ends. And there the
        // watchdog, an orphan, would be timens's child, which it waits for.
        if (onDemand && dev.timens.linux.Unistd.getpid() != 1) {
            Watchdog.start(NativeFiles.helper(), namespace.clockPage().fd());
            namespaces.watchImages(Watchdog::watch);
        }
        Launch launch = new Launch(executable, command, NativeFiles.helper(), passedFds, commandSignals,
                door.childEnd());
        java.util.function.Consumer<dev.timens.engine.ProcessTree> started = tree -> {
            live.started(tree);
            forwarding.started(tree);
        };
        ExitStatus status = onDemand ? OnDemandSupervisor.run(launch, namespaces, err, started, counts, live::joining)
                : Supervisor.run(launch, namespaces, err, started, counts);
        if (live.joinedAny()) {
            // Processes taken in were let go as the namespace ended; a program one of them
            // exec'd meanwhile reads the clock page, which now says host time.
            namespace.backToHost();
            Watchdog.standDown();
        }
        if (stats) {
            err.println("timens: " + counts);
            err.println("timens: clock reads: " + namespace.clockReads());
            if (namespace.warpStats() != null) err.println("timens: warp: " + namespace.warpStats());
            err.println("timens: supervisor: " + supervisorUsage());
        }
        return status.shellStatus();
    }

    /**
     * {@code timens} inside a namespace whose supervisor is {@code outerPid}: the
     * outer timens makes a namespace nested in the one this process is in and
     * starts the command there (the kernel gives a process one seccomp listener:
     * this timens could not supervise a tree of its own). This process stays as
     * the command's stand-in: it passes signals on and exits with its status.
     */
    private int nest(int outerPid, ClockSettings settings, Path executable) {
        String unsupported = fileTimes ? "--file-times" : procTimes ? "--proc" : stats ? "--stats"
                : onlyCmds != null ? "--only-cmds" : skipCmds != null ? "--skip-cmds"
                : settings.warp() ? "--warp" : settings.realtimeAnchor().isPresent() ? "--anchor"
                : faketimeFile != null || (faketime != null && faketime.startsWith("%")) ? "a FAKETIME file" : null;
        if (unsupported != null) {
            err.println("timens: " + unsupported + " does not work in a nested namespace (this timens runs inside the"
                    + " namespace of timens pid " + outerPid + ")");
            return FAILED;
        }
        java.util.Map<String, String> env = System.getenv();
        int uid = dev.timens.linux.Unistd.geteuid();
        Path socket;
        try {
            Optional<Path> dir = ControlDirectory.existing(ControlDirectory.locate(env, uid), uid);
            socket = dir.map(d -> d.resolve(outerPid + dev.timens.ctl.Protocol.SOCKET_SUFFIX)).orElse(null);
        } catch (ControlException e) {
            err.println("timens: " + e.getMessage());
            return CONTROL_DIRECTORY;
        }
        if (socket == null || !java.nio.file.Files.exists(socket)) {
            err.println("timens: cannot nest in the namespace of timens pid " + outerPid + ": its control socket is not in"
                    + " this user's directory (a nested timens must run as the user that started the outer one)");
            return FAILED;
        }
        try {
            return TimensctlCommand.join(err, "timens", env, new dev.timens.ctl.ControlClient.Found(socket, null),
                    dev.timens.ctl.Protocol.NEST, signals -> new dev.timens.ctl.Protocol.Nest(settings, name,
                            TimensctlCommand.execRequest(executable, command.toArray(String[]::new), signals, env)).bytes());
        } catch (ControlException e) {
            err.println("timens: " + e.getMessage());
            return e.kind() == ControlException.Kind.NAME_IN_USE ? NAME_IN_USE : FAILED;
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        } catch (ArithmeticException e) {
            return usage(err, "a clock option is past what Linux can represent (2262)");
        }
    }

    /**
     * TIMENS_CLOCK_READS: {@code direct} (the default: the clock code reads the
     * kernel's time data itself where timens finds it usable) or {@code kernel}
     * (it always calls the kernel's vDSO function).
     */
    static boolean readKernelTimeData(String setting) {
        if (setting == null || setting.isEmpty() || setting.equals("direct")) return true;
        if (setting.equals("kernel")) return false;
        throw new IllegalArgumentException("invalid TIMENS_CLOCK_READS value '" + setting + "': direct or kernel");
    }

    /** The supervisor's own CPU time and peak resident memory (the JVM's, not the command's). */
    private static String supervisorUsage() {
        String cpu = ProcessHandle.current().info().totalCpuDuration()
                .map(d -> String.format(java.util.Locale.ROOT, "%.2f s", d.toNanos() / 1e9)).orElse("?");
        String peak = "?";
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) peak = (Long.parseLong(line.replaceAll("\\D", "")) / 1024) + " MB";
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // stays "?"
        }
        return "cpu=" + cpu + " peak-memory=" + peak;
    }

    private ClockSettings settings() {
        int realtimeOptions = (at != null ? 1 : 0) + (offset != null ? 1 : 0) + (faketime != null ? 1 : 0);
        if (realtimeOptions > 1) throw new IllegalArgumentException("--at, --offset and --faketime exclude each other");
        // Only dates need the local zone; reading it costs ~6 ms of start-up.
        LocalZone zone = at != null || faketime != null || anchor != null ? LocalZone.fromEnvironment() : null;
        Optional<Instant> start = Optional.empty();
        Duration realtimeOffset = Duration.ZERO;
        if (at != null) start = Optional.of(TimeSpecs.parseInstant(at, zone));
        if (offset != null) realtimeOffset = duration("--offset", offset);
        BigDecimal faketimeRate = null;
        if (faketime != null) {
            FaketimeSpec spec = TimeSpecs.parseFaketime(faketime, zone, faketimeFormat);
            if (spec instanceof FaketimeSpec.Speed(FaketimeSpec clock, BigDecimal speed)) {
                faketimeRate = speed;
                spec = clock;
            }
            switch (spec) {
                case FaketimeSpec.StartAt(Instant instant) -> start = Optional.of(instant);
                case FaketimeSpec.FollowFile() -> start = Optional.of(followFileTime(System.getenv("FAKETIME_FOLLOW_FILE")));
                case FaketimeSpec.Offset(Duration d) -> realtimeOffset = d;
                case FaketimeSpec.Frozen(Instant instant) -> {
                    start = Optional.of(instant);
                    faketimeRate = BigDecimal.ZERO;
                }
                case FaketimeSpec.Speed s -> throw new AssertionError(s); // unwrapped above
            }
        }
        Duration mono = duration("--monotonic", monotonic);
        Duration boot = duration("--boottime", boottime);
        if ((freeze ? 1 : 0) + (rate != null ? 1 : 0) + (faketimeRate != null ? 1 : 0) > 1) {
            throw new IllegalArgumentException("--rate, --freeze and a --faketime speed or frozen date exclude each other");
        }
        BigDecimal r = faketimeRate != null ? faketimeRate : BigDecimal.ONE;
        if (freeze) r = BigDecimal.ZERO;
        if (rate != null) r = parseRate(rate);
        Optional<Instant> anchorInstant = anchor == null ? Optional.empty()
                : Optional.of(anchorInstant(anchor, zone));
        return new ClockSettings(start, realtimeOffset, mono, boot, r, warp, anchorInstant, realtimeOnly);
    }

    /**
     * The clocks asked for by the options {@code timensctl attach} shares with
     * timens (--at, --offset, --monotonic, --boottime, --rate, --freeze,
     * --realtime-only), read as timens reads them; IllegalArgumentException (a
     * usage error) for what timens would refuse.
     */
    static ClockSettings clockSettings(CommandLine.ParseResult parsed) {
        TimensCommand c = new TimensCommand(new PrintWriter(java.io.Writer.nullWriter()));
        c.readClockOptions(parsed);
        return c.settings();
    }

    /** The clock options timens shares with timensctl attach, as given. */
    private void readClockOptions(CommandLine.ParseResult parsed) {
        at = parsed.matchedOptionValue("--at", null);
        offset = parsed.matchedOptionValue("--offset", null);
        monotonic = parsed.matchedOptionValue("--monotonic", null);
        boottime = parsed.matchedOptionValue("--boottime", null);
        rate = parsed.matchedOptionValue("--rate", null);
        freeze = parsed.hasMatchedOption("--freeze");
        realtimeOnly = parsed.hasMatchedOption("--realtime-only");
    }

    /** A --rate value (timens's and timensctl set's): above 0, within ClockSettings' range; else one message. */
    static BigDecimal parseRate(String text) {
        BigDecimal r;
        try {
            r = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid --rate value '" + text + "': a positive number such as 10 or 0.5");
        }
        if (r.signum() <= 0) {
            throw new IllegalArgumentException("invalid --rate value '" + text + "': it must be above 0 (use --freeze to stop the clocks)");
        }
        if (r.compareTo(ClockSettings.MIN_RATE) < 0 || r.compareTo(ClockSettings.MAX_RATE) >= 0) {
            throw new IllegalArgumentException("invalid --rate value '" + text + "': out of range, "
                    + ClockSettings.RATE_RANGE.replace("0 (frozen) or ", "")
                    + (r.compareTo(BigDecimal.ONE) < 0 ? "; use --freeze to stop the clocks" : ""));
        }
        return r;
    }

    /**
     * The names of --only-cmds and --skip-cmds: separated by commas, empty ones
     * dropped, as libfaketime splits FAKETIME_ONLY_CMDS and FAKETIME_SKIP_CMDS
     * (strtok_r on ",").
     */
    static java.util.Set<String> programNames(String list) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String name : list.split(",")) {
            if (!name.isEmpty()) names.add(name);
        }
        return names;
    }

    /**
     * libfaketime's {@code %}: the modification time of the file FAKETIME_FOLLOW_FILE
     * names (following links, as its stat(2) does), in whole seconds as libfaketime
     * takes it. Read once, when the command starts.
     */
    static Instant followFileTime(String file) {
        if (file == null) {
            throw new IllegalArgumentException("--faketime '%' needs FAKETIME_FOLLOW_FILE set to the file whose"
                    + " modification time the clock starts at");
        }
        try {
            long seconds = java.nio.file.Files.getLastModifiedTime(Path.of(file)).toInstant().getEpochSecond();
            Instant instant = Instant.ofEpochSecond(seconds);
            if (instant.isBefore(TimeSpecs.MIN_INSTANT) || instant.isAfter(TimeSpecs.MAX_INSTANT)) {
                throw new IllegalArgumentException("FAKETIME_FOLLOW_FILE " + SpecException.quote(file)
                        + " has a modification time before 1970, which the clock cannot start at");
            }
            return instant;
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : firstLine(e.getMessage());
            throw new IllegalArgumentException("cannot read the modification time of FAKETIME_FOLLOW_FILE "
                    + SpecException.quote(file) + ": " + why);
        }
    }

    /**
     * The signal state timens itself was started with, which the command gets:
     * as the launcher read it before starting the JVM
     * (-Dtimens.signals=SIGIGN:SIGBLK, the hexadecimal masks of its
     * /proc/PID/status), or else the JVM's own as it is now, before timens
     * changes any.
     */
    static Launch.Signals commandSignals() {
        String given = System.getProperty("timens.signals", "");
        if (given.matches("[0-9a-fA-F]{1,16}:[0-9a-fA-F]{1,16}")) {
            String[] masks = given.split(":");
            return new Launch.Signals(Long.parseUnsignedLong(masks[0], 16), Long.parseUnsignedLong(masks[1], 16));
        }
        long[] own = dev.timens.linux.Signals.ownIgnoredAndBlocked();
        return own == null ? null : new Launch.Signals(own[0], own[1]);
    }

    /**
     * The descriptors above 2 that timens itself was given, as the launcher
     * listed them before starting the JVM (-Dtimens.inheritedFds); the command
     * gets those and no other.
     */
    private static java.util.Set<Integer> inheritedFds() {
        String list = System.getProperty("timens.inheritedFds", "");
        java.util.Set<Integer> fds = new java.util.HashSet<>();
        for (String fd : list.split(",")) {
            if (fd.matches("[0-9]+") && Integer.parseInt(fd) > 2) fds.add(Integer.parseInt(fd));
        }
        return fds;
    }

    /** Parses --anchor's date; the error names the option. */
    private static Instant anchorInstant(String text, LocalZone zone) {
        try {
            return TimeSpecs.parseInstant(text, zone);
        } catch (SpecException e) {
            throw e.forOption("--anchor");
        }
    }

    /** Parses a duration option; the error names the option. */
    private static Duration duration(String option, String text) {
        if (text == null) return Duration.ZERO;
        try {
            return TimeSpecs.parseDuration(text);
        } catch (SpecException e) {
            throw e.forOption(option);
        }
    }

    private static int usage(PrintWriter err, String message) {
        err.println("timens: " + firstLine(message));
        err.flush();
        return USAGE;
    }

    static String firstLine(String message) {
        if (message == null) return "unexpected error";
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
