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
 * {@code timensctl list} and {@code timensctl set NAME|PID CHANGE}: the running
 * namespaces of this user, seen and changed from outside through their control
 * sockets ({@link ControlClient}).
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
        "this user has that name or process; 4 if permission is denied (the control",
        "directory is not yours alone, or the namespace belongs to another user); 5 if",
        "the namespace refused the change (nothing changed); 125 for other failures.",
    };

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
                + " command, processes, REALTIME (UTC), MONOTONIC and BOOTTIME (seconds), rate, command.")
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
                .description("The namespace's --name, or the pid of any process in it.").build());
        option(set, "--at", "DATE", "CLOCK_REALTIME reads DATE now (a clock step: absolute REALTIME waits and"
                + " timers follow, cancel-on-set timerfds are cancelled).");
        option(set, "--offset", "DUR", "CLOCK_REALTIME is the host's shifted by DUR from now on (a clock step).");
        option(set, "--rate", "R", "Every clock runs at R from now on: any R for a namespace started with"
                + " --realtime-only (CLOCK_REALTIME alone); otherwise only 1 from frozen (as --unfreeze), or the"
                + " rate it runs at already.");
        flag(set, "--freeze", "Every clock stands still where it is (a namespace running at rate 1).");
        flag(set, "--unfreeze", "Every clock ticks again at rate 1 from where it stands.");
        option(set, "--monotonic", "+DUR", "CLOCK_MONOTONIC jumps forward by DUR (never back).");
        option(set, "--boottime", "+DUR", "CLOCK_BOOTTIME jumps forward by DUR (never back).");
        top.addSubcommand("set", set);
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
            if (!parsed.hasSubcommand()) return usage(err, "missing a command: list or set (see timensctl --help)");
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
                        String target = sub.matchedPositionalValue(0, "");
                        if (!target.matches("[0-9]{1,10}") && !dev.timens.ctl.NamespaceName.isValid(target)) {
                            throw new IllegalArgumentException("invalid NAME|PID '" + target + "': a namespace's --name"
                                    + " or a pid");
                        }
                        Optional<Path> dir = directory(env);
                        if (dir.isEmpty()) throw noSuch(target);
                        ControlClient.set(ControlClient.find(dir.get(), target), change.what(), change.argument());
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
        }
        return 0;
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

    private static String json(List<ControlClient.Found> found) {
        StringBuilder b = new StringBuilder("[");
        for (ControlClient.Found f : found) {
            Protocol.Info i = f.info();
            if (b.length() > 1) b.append(',');
            b.append("{\"name\":").append(i.name() == null ? "null" : quote(i.name()))
                    .append(",\"pid\":").append(i.timensPid())
                    .append(",\"leader\":").append(i.leader())
                    .append(",\"pids\":").append(i.pids())
                    .append(",\"realtime\":").append(quote(Instant.ofEpochSecond(0, i.realtime()).toString()))
                    .append(",\"realtime_ns\":").append(i.realtime())
                    .append(",\"monotonic_ns\":").append(i.monotonic())
                    .append(",\"boottime_ns\":").append(i.boottime())
                    .append(",\"rate\":").append(i.rate().toPlainString())
                    .append(",\"frozen\":").append(i.rate().signum() == 0)
                    .append(",\"spec\":").append(quote(i.spec()))
                    .append(",\"command\":").append(quote(i.command())).append('}');
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
