package dev.timens.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code timens-faketime [switches] SPEC COMMAND [ARGS...]}: the command line of
 * libfaketime's {@code faketime} wrapper (src/faketime.c, 0.9.10), run in a time
 * namespace instead of under LD_PRELOAD. Also
 * {@code timens-faketime [switches] -- COMMAND [ARGS...]}, which takes the time from the
 * environment and files as {@code LD_PRELOAD=libfaketime.so.1 COMMAND} would.
 *
 * <p>Like {@code faketime}: SPEC is handed to {@code date -d SPEC +%s} and the clock
 * starts at that date ({@code faketime} turns it into a whole-second offset from now);
 * with {@code -f} it is a FAKETIME string, read as {@link TimeSpecs#parseFaketime} reads
 * it. Switches are recognised only before SPEC, each exactly as spelled.
 *
 * <p>libfaketime's environment variables that would change what the command sees are
 * honoured where timens can mean the same, and otherwise refused with one line and
 * status 2 before anything starts: never silently ignored.
 */
public final class FaketimeCommand {
    static final int USAGE = TimensCommand.USAGE;

    /**
     * Variables that make libfaketime fake differently, which timens cannot do the same
     * way, each with the reason given when it is set.
     */
    private static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry("FAKETIME_START_AFTER_SECONDS", "the namespace's clocks are faked from the start"),
            Map.entry("FAKETIME_STOP_AFTER_SECONDS", "the namespace's clocks are faked until the end"),
            Map.entry("FAKETIME_START_AFTER_NUMCALLS", "the namespace's clocks are faked from the start"),
            Map.entry("FAKETIME_STOP_AFTER_NUMCALLS", "the namespace's clocks are faked until the end"),
            Map.entry("FAKETIME_SPAWN_TARGET", "timens starts no program on a clock read"),
            Map.entry("FAKETIME_SAVE_FILE", "timens records no timestamps"),
            Map.entry("FAKETIME_LOAD_FILE", "timens replays no timestamps"),
            Map.entry("FAKETIME_XRESET", "timens keeps the speed a namespace started with"),
            Map.entry("FAKETIME_FOLLOW_ABSOLUTE", "the clock ticks on between changes of FAKETIME_FOLLOW_FILE"),
            Map.entry("FAKETIME_FAKEPID", "timens fakes clocks, not process ids"),
            Map.entry("FAKERANDOM_SEED", "timens fakes clocks, not getrandom()"));


    /** What {@code --help} prints, line by line: also the body of the timens-faketime(1) man page. */
    public static List<String> usageText() {
        return List.of(USAGE_TEXT);
    }

    private static final String[] USAGE_TEXT = {
        "Usage: timens-faketime [switches] <timestamp> <program with arguments>",
        "       timens-faketime [switches] -- <program with arguments>",
        "",
        "Runs the program, and every program it starts, in a time namespace whose clock starts",
        "at 'timestamp' and ticks on: faketime's command line on timens, for every program",
        "(static, Go, setuid) and without LD_PRELOAD.",
        "",
        "The timestamp is read by date -d (as faketime does), or with -f as a FAKETIME",
        "string, read as libfaketime reads it: '+2d', '-1,5h' (minus one hour: the number",
        "ends at the comma), '@2020-12-24 20:30:00' (start there), '2020-12-24 20:30:00'",
        "(stand still there), '+0 x10' (ten times as fast). With --, the time comes from",
        "FAKETIME, else from the first line of the file FAKETIME_TIMESTAMP_FILE, ~/.faketimerc",
        "or /etc/faketimerc, re-read while the program runs. FAKETIME_SKIP_CMDS and",
        "FAKETIME_ONLY_CMDS put programs on host time by name (timens --skip-cmds, --only-cmds).",
        "File times follow the faked clock, as under libfaketime (timens --file-times), unless",
        "NO_FAKE_STAT is set.",
        "",
        "Switches:",
        "  -f                  : the timestamp is a FAKETIME string",
        "  -m                  : accepted for compatibility (timens has one variant)",
        "  --exclude-monotonic : CLOCK_MONOTONIC is not faked: a speed or a frozen date",
        "                        applies to CLOCK_REALTIME alone (timens --realtime-only)",
        "  --date-prog PROG    : the GNU-compatible date(1) that reads the timestamp",
        "  -h, --help          : this text",
        "  -v, --version       : the version",
        "",
        "Examples:",
        "  timens-faketime 'last friday 5 pm' date",
        "  timens-faketime '2008-12-24 08:15:42' date",
        "  timens-faketime -f '+2,5y x10,0' bash -c 'date; while true; do echo $SECONDS; sleep 1; done'",
        "  FAKETIME=-15d timens-faketime -- date",
        "",
        "Exit status: the program's own; 2 for a usage error or a libfaketime feature timens",
        "cannot give the same meaning (one line on stderr, nothing started); as timens otherwise.",
    };

    private final PrintWriter out;
    private final PrintWriter err;
    private final Map<String, String> env;

    private FaketimeCommand(PrintWriter out, PrintWriter err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    /**
     * Parses {@code args} as {@code faketime} does, runs the command in a namespace, and
     * returns the exit status.
     *
     * @param env the environment timens-faketime was started with (the command gets it unchanged)
     */
    public static int run(PrintWriter out, PrintWriter err, Map<String, String> env, String... args) {
        int status;
        try {
            status = new FaketimeCommand(out, err, env).call(args);
        } catch (Refusal e) {
            err.println("timens-faketime: " + e.getMessage());
            status = USAGE;
        }
        out.flush();
        err.flush();
        return status;
    }

    private int call(String[] args) {
        boolean direct = false;
        boolean excludeMonotonic = false;
        String dateProgram = "date";
        int next = 0;
        options:
        while (next < args.length) {
            switch (args[next]) {
                case "-m", "--disable-shm" -> next++;
                case "-f" -> {
                    direct = true;
                    next++;
                }
                case "--exclude-monotonic" -> {
                    excludeMonotonic = true;
                    next++;
                }
                case "--date-prog" -> {
                    if (next + 1 >= args.length) throw new Refusal("--date-prog needs a program, e.g. --date-prog gdate");
                    dateProgram = args[next + 1];
                    next += 2;
                }
                case "-p" -> throw new Refusal("-p (a faked process id) is not supported: timens fakes clocks, not"
                        + " process ids");
                case "-v", "--version" -> {
                    out.println(BuildInfo.versionLines()[0] + " (faketime's command line)");
                    return 0;
                }
                case "-h", "-?", "--help" -> {
                    for (String line : USAGE_TEXT) out.println(line);
                    return 0;
                }
                default -> {
                    break options;
                }
            }
        }
        refuseUnsupportedVariables();
        FaketimeReader.Format format = env.containsKey("FAKETIME_FMT")
                ? FaketimeReader.Format.of(env.get("FAKETIME_FMT")) : FaketimeReader.Format.DATE_TIME;
        List<String> timensArgs = new ArrayList<>();
        List<String> command;
        Optional<String> spec;
        SpecFiles specFiles = null;
        if (next < args.length && args[next].equals("--")) {
            command = List.of(args).subList(next + 1, args.length);
            if (command.isEmpty()) throw new Refusal("missing program after '--' (see timens-faketime --help)");
            String fromEnvironment = env.get("FAKETIME");
            if (fromEnvironment != null) {
                spec = Optional.of(fromEnvironment);
            } else {
                specFiles = specFiles();
                spec = specFiles.line();
            }
        } else {
            if (args.length - next < 2) {
                throw new Refusal("a timestamp and a program are needed (usage: timens-faketime [switches]"
                        + " <timestamp> <program with arguments>; see --help)");
            }
            spec = Optional.of(direct ? args[next] : offsetFromDate(dateProgram, args[next]));
            command = List.of(args).subList(next + 1, args.length);
        }
        boolean dontFakeMonotonic = excludeMonotonic || "1".equals(env.containsKey("FAKETIME_DONT_FAKE_MONOTONIC")
                ? env.get("FAKETIME_DONT_FAKE_MONOTONIC") : env.get("DONT_FAKE_MONOTONIC"));
        if (spec.isPresent()) {
            timensArgs.add("--faketime=" + spec.get());
        }
        // A speed or a frozen date then moves CLOCK_REALTIME alone, as under libfaketime.
        if (dontFakeMonotonic) timensArgs.add("--realtime-only");
        if (env.containsKey("FAKETIME_ONLY_CMDS")) timensArgs.add("--only-cmds=" + env.get("FAKETIME_ONLY_CMDS"));
        if (env.containsKey("FAKETIME_SKIP_CMDS")) timensArgs.add("--skip-cmds=" + env.get("FAKETIME_SKIP_CMDS"));
        // libfaketime shifts what stat reports unless NO_FAKE_STAT is set: so does this.
        if (!env.containsKey("NO_FAKE_STAT")) timensArgs.add("--file-times");
        timensArgs.add("--");
        timensArgs.addAll(command);
        return TimensCommand.run(out, err, specFiles, format, timensArgs.toArray(String[]::new));
    }

    /** A libfaketime variable timens would otherwise ignore, changing what the command sees: refused. */
    private void refuseUnsupportedVariables() {
        for (Map.Entry<String, String> unsupported : new java.util.TreeMap<>(UNSUPPORTED).entrySet()) {
            if (env.containsKey(unsupported.getKey())) {
                throw new Refusal(unsupported.getKey() + " is not supported: " + unsupported.getValue()
                        + " (unset it to run)");
            }
        }
        String format = env.get("FAKETIME_FMT");
        if (format != null && FaketimeReader.Format.of(format) == null) {
            throw new Refusal("FAKETIME_FMT " + SpecException.quote(format) + " is not supported: timens reads"
                    + " FAKETIME dates as '" + FaketimeReader.Format.DATE_TIME + "' (the default) or '"
                    + FaketimeReader.Format.EPOCH_SECONDS + "'");
        }
        if (env.containsKey("FAKETIME_ONLY_CMDS") && env.containsKey("FAKETIME_SKIP_CMDS")) {
            throw new Refusal("FAKETIME_ONLY_CMDS and FAKETIME_SKIP_CMDS exclude each other: set one");
        }
        if ("1".equals(env.get("FAKETIME_UPDATE_TIMESTAMP_FILE"))) {
            throw new Refusal("FAKETIME_UPDATE_TIMESTAMP_FILE is not supported: a time set inside moves the"
                    + " namespace's clock for all its processes, but is not written to the file");
        }
    }

    /**
     * faketime's reading of a timestamp without -f: {@code date -d SPEC +%s}, then the
     * difference from now in whole seconds, as a FAKETIME offset.
     */
    private String offsetFromDate(String dateProgram, String timestamp) {
        Process date;
        try {
            date = new ProcessBuilder(dateProgram, "-d", timestamp, "+%s")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new Refusal("cannot run " + SpecException.quote(dateProgram) + " to read the timestamp: "
                    + TimensCommand.firstLine(e.getMessage()));
        }
        String printed;
        String complaint;
        int status;
        try {
            date.getOutputStream().close();
            printed = new String(date.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            complaint = new String(date.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            status = date.waitFor();
        } catch (IOException e) {
            throw new Refusal("cannot read what " + SpecException.quote(dateProgram) + " printed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal("interrupted while " + SpecException.quote(dateProgram) + " read the timestamp");
        }
        if (status != 0 || !printed.matches("-?[0-9]{1,19}")) {
            String why = complaint.isEmpty() ? "it printed " + SpecException.quote(printed)
                    : SpecException.quote(TimensCommand.firstLine(complaint));
            throw new Refusal("timestamp " + SpecException.quote(timestamp) + " not recognized by "
                    + dateProgram + " -d (" + why + "); -f reads FAKETIME strings such as '+2d'");
        }
        // faketime: offset = atol(buf) - time(NULL), printed with a '+' when not negative.
        long offset = Long.parseLong(printed) - Instant.now().getEpochSecond();
        return (offset >= 0 ? "+" : "") + offset;
    }

    /** The files libfaketime reads FAKETIME from when the variable is unset. */
    private SpecFiles specFiles() {
        List<Path> candidates = new ArrayList<>();
        String custom = env.get("FAKETIME_TIMESTAMP_FILE");
        if (custom != null && !custom.isEmpty()) candidates.add(Path.of(custom));
        String home = env.get("HOME");
        if (home != null) candidates.add(Path.of(home, ".faketimerc"));
        candidates.add(Path.of("/etc/faketimerc"));
        return new SpecFiles(List.copyOf(candidates));
    }

    /**
     * Where libfaketime's read_config_file looks for FAKETIME, each time it reads it: the
     * first of these files that can be opened (FAKETIME_TIMESTAMP_FILE, ~/.faketimerc,
     * /etc/faketimerc), so a file that appears later counts from then on.
     */
    record SpecFiles(List<Path> candidates) {
        /** The spec line of the first readable candidate; empty when none has one. */
        Optional<String> line() {
            for (Path file : candidates) {
                if (Files.isRegularFile(file) && Files.isReadable(file)) return firstSpecLine(file);
            }
            return Optional.empty();
        }

        @Override
        public String toString() {
            return candidates.getFirst().toString();
        }
    }

    /**
     * The spec in a FAKETIME file as libfaketime's read_config_file takes it: the first
     * line that is longer than one character (with its newline) and starts with none of
     * ' ', '#', ';', without its trailing CRs and LFs. Empty when there is none, or the
     * file cannot be read: libfaketime then fakes nothing.
     */
    static Optional<String> firstSpecLine(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return Optional.empty();
        }
        int start = 0;
        while (start < content.length()) {
            int newline = content.indexOf('\n', start);
            int end = newline < 0 ? content.length() : newline + 1;
            String line = content.substring(start, end);
            start = end;
            if (line.length() > 1 && line.charAt(0) != ' ' && line.charAt(0) != '#' && line.charAt(0) != ';') {
                return Optional.of(line.replaceFirst("[\r\n]+$", ""));
            }
        }
        return Optional.empty();
    }

    /** A command line or environment timens-faketime will not run: one line, status 2. */
    private static final class Refusal extends RuntimeException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        Refusal(String message) {
            super(message, null, false, false);
        }
    }
}
