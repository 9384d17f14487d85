package dev.timens.ctl;

import java.util.List;

/**
 * What goes over a control socket: one request line from timensctl, then the
 * namespace's answer, lines of UTF-8 text, and the end of the connection.
 *
 * <ul>
 * <li>{@code info}: {@code key value} lines ({@link Info}), among them {@code spec},
 *     the timens options that give its CLOCK_REALTIME anywhere.
 * <li>{@code set WHAT ARGUMENT}: {@code ok}, or {@code refused REASON} (nothing
 *     changed). WHAT is {@code at} or {@code offset} (nanoseconds since the epoch,
 *     or from the host's REALTIME), {@code monotonic} or {@code boottime}
 *     (nanoseconds forward), {@code rate} (a decimal), {@code freeze} or
 *     {@code unfreeze} (argument {@code -}).
 * <li>{@code exec LENGTH}, then LENGTH bytes of NUL-terminated strings (the
 *     command's PATH, its working directory, its signal state as timens-exec
 *     takes it, ARGC, ARGC arguments, then its environment), sent with three
 *     descriptors (SCM_RIGHTS): its standard input, output and error. The
 *     namespace's door answers (timens-exec.c): {@code pid PID}, then {@code
 *     exit CODE} or {@code killed SIGNAL [core]}, or {@code failed STATUS LINE};
 *     meanwhile timensctl may send {@code signal N} lines. Or {@code refused
 *     REASON} when the namespace cannot take a process.
 * <li>{@code nest LENGTH}: as {@code exec}, for {@code timens} run inside the
 *     namespace: the command starts in a namespace nested in this one. The
 *     payload starts with the nested clocks and name ({@link Nest}); a name in
 *     use is refused with {@code refused name-taken REASON}.
 * <li>{@code release PID}: lets process PID, which {@code timensctl attach} took
 *     in, and what it started go back to host time, and ends the namespace;
 *     {@code ok} once they run on host time, or {@code refused REASON}.
 * <li>{@code join PID} or {@code join PID tree}: takes running process PID (with
 *     {@code tree}, and the processes it started before) into the namespace
 *     ({@code timensctl attach PID --name NAME}); {@code ok} once it reads the
 *     namespace's clocks, or {@code refused REASON}, {@code forbidden REASON}
 *     (ptrace refused), {@code no-process REASON} or {@code failed REASON}
 *     (not done in time; it may still be).
 * <li>{@code in N } before {@code set} or {@code exec}: the request is for the
 *     namespace nested in this one that {@code info} numbers N.
 * <li>to a peer that is neither the same user nor root, whatever it asked:
 *     {@code denied REASON}.
 * </ul>
 */
public final class Protocol {
    public static final String INFO = "info";
    public static final String SET = "set";
    public static final String EXEC = "exec";
    public static final String NEST = "nest";
    public static final String RELEASE = "release";
    public static final String JOIN = "join";
    /**
     * The line the supervisor of {@code timensctl attach} started with
     * {@code --serve} prints on its standard output once the process is served
     * (then its output goes to its log): timensctl, and timens-junit, wait for it.
     */
    public static final String ATTACHED = "\u0001timensctl-attached";
    /** The longest {@code exec} payload: arguments and environment as the kernel's ARG_MAX allows, with room. */
    public static final int MAX_EXEC_REQUEST = 8 << 20;
    public static final String OK = "ok";
    public static final String REFUSED = "refused";
    /** Starts the reason of a refused nest request whose --name another running namespace holds. */
    public static final String NAME_TAKEN = "name-taken";
    public static final String DENIED = "denied";
    /** A join refused because ptrace was ({@code timensctl} status 4). */
    public static final String FORBIDDEN = "forbidden";
    /** A join of a process that does not exist ({@code timensctl} status 3). */
    public static final String NO_PROCESS = "no-process";
    /** A join that may or may not have been made (it did not finish in time: {@code timensctl} status 125). */
    public static final String FAILED = "failed";
    public static final String ERROR = "error";
    /** The name link's suffix in the control directory. */
    public static final String NAME_SUFFIX = ".name";
    public static final String SOCKET_SUFFIX = ".sock";

    private Protocol() {}

    /**
     * What starts a {@code set} or {@code exec} request for a namespace nested in
     * the one that serves the socket: {@code in N }, N its number in
     * {@code timensctl list}.
     */
    static final java.util.regex.Pattern IN_NESTED = java.util.regex.Pattern.compile("in ([1-9][0-9]{0,8}) ");

    /** The prefix of a request for the namespace numbered {@code nested} (0: the outermost, no prefix). */
    static String in(int nested) {
        return nested == 0 ? "" : "in " + nested + " ";
    }

    /** The server's answer to {@code request}, for the namespace numbered {@code nested} (0: its own). */
    static List<String> answer(int nested, String request, ControlServer.Handler handler) {
        if (request.equals(INFO) && nested == 0) return handler.info();
        String[] words = request.split(" ", 3);
        if (words.length == 2 && words[0].equals(RELEASE) && nested == 0 && words[1].matches("[1-9][0-9]{0,9}")) {
            long pid = Long.parseLong(words[1]);
            String refusal = pid > Integer.MAX_VALUE ? "no process " + pid : handler.release((int) pid);
            return List.of(refusal == null ? OK : REFUSED + " " + refusal.replace('\n', ' '));
        }
        if (words.length >= 2 && words[0].equals(JOIN) && nested == 0 && words[1].matches("[1-9][0-9]{0,9}")
                && (words.length == 2 || words[2].equals("tree"))) {
            long pid = Long.parseLong(words[1]);
            ControlException refusal = pid > Integer.MAX_VALUE
                    ? new ControlException(ControlException.Kind.NO_SUCH_NAMESPACE, "no process " + pid)
                    : handler.join((int) pid, words.length == 3);
            if (refusal == null) return List.of(OK);
            String word = switch (refusal.kind()) {
                case NO_SUCH_NAMESPACE -> NO_PROCESS;
                case PERMISSION_DENIED -> FORBIDDEN;
                case FAILED -> FAILED;
                default -> REFUSED;
            };
            return List.of(word + " " + refusal.getMessage().replace('\n', ' '));
        }
        if (words.length == 3 && words[0].equals(SET)) {
            String refusal = handler.set(nested, words[1], words[2]);
            return List.of(refusal == null ? OK : REFUSED + " " + refusal.replace('\n', ' '));
        }
        return List.of(ERROR + " unknown request");
    }

    /**
     * A namespace as its {@code info} answer describes it, with the namespaces
     * nested in it ({@code pids} then are the outermost namespace's own).
     */
    public record Info(String name, int timensPid, int leader, List<Integer> pids, long realtime, long monotonic,
                       long boottime, java.math.BigDecimal rate, String spec, String command, List<Nested> nested) {
        public Info(String name, int timensPid, int leader, List<Integer> pids, long realtime, long monotonic,
                    long boottime, java.math.BigDecimal rate, String spec, String command) {
            this(name, timensPid, leader, pids, realtime, monotonic, boottime, rate, spec, command, List.of());
        }

        /** The {@code key value} lines of this. */
        public List<String> lines() {
            List<String> lines = new java.util.ArrayList<>(List.of("name " + (name == null ? "-" : name),
                    "timens " + timensPid, "leader " + leader,
                    "pids " + String.join(" ", pids.stream().map(String::valueOf).toList()),
                    "realtime " + realtime, "monotonic " + monotonic, "boottime " + boottime,
                    "rate " + rate.toPlainString(), "spec " + spec, "command " + command.replace('\n', ' ')));
            for (Nested n : nested) lines.add(n.line());
            return lines;
        }

        /** Parses {@link #lines()}; IllegalArgumentException when a line is missing or malformed. */
        public static Info parse(List<String> lines) {
            java.util.Map<String, String> m = new java.util.HashMap<>();
            List<Nested> nested = new java.util.ArrayList<>();
            for (String line : lines) {
                int space = line.indexOf(' ');
                String key = space > 0 ? line.substring(0, space) : line;
                String value = space > 0 ? line.substring(space + 1) : "";
                if (key.equals(NESTED)) nested.add(Nested.parse(value, lines));
                else m.put(key, value);
            }
            if (!m.containsKey("spec") || !m.containsKey("command")) {
                throw new IllegalArgumentException("malformed namespace info: " + lines);
            }
            try {
                String name = m.get("name");
                return new Info(name.equals("-") ? null : name, Integer.parseInt(m.get("timens")),
                        Integer.parseInt(m.get("leader")), pids(m.get("pids"), " "), Long.parseLong(m.get("realtime")),
                        Long.parseLong(m.get("monotonic")), Long.parseLong(m.get("boottime")),
                        new java.math.BigDecimal(m.get("rate")), m.get("spec"), m.get("command"), nested);
            } catch (NullPointerException | NumberFormatException e) {
                throw new IllegalArgumentException("malformed namespace info: " + lines);
            }
        }

        private static List<Integer> pids(String text, String separator) {
            return text.isBlank() || text.equals("-") ? List.of()
                    : java.util.Arrays.stream(text.trim().split(separator)).map(Integer::valueOf).toList();
        }
    }

    private static final String NESTED = "nested";

    /**
     * A namespace nested in another ({@code timens} inside): its number and its
     * parent's (0: the outermost), the inner timens that asked for it, its first
     * process, its processes, its clocks, its --name (null: none).
     */
    public record Nested(int id, int parent, int timensPid, int leader, List<Integer> pids, long realtime,
                         long monotonic, long boottime, java.math.BigDecimal rate, String name, String command) {
        String line() {
            return NESTED + " " + id + " " + parent + " " + timensPid + " " + leader + " " + realtime + " " + monotonic
                    + " " + boottime + " " + rate.toPlainString() + " "
                    + (pids.isEmpty() ? "-" : String.join(",", pids.stream().map(String::valueOf).toList())) + " "
                    + (name == null ? "" : name) + " " + command.replace('\n', ' ');
        }

        static Nested parse(String value, List<String> lines) {
            String[] f = value.split(" ", 11);
            try {
                return new Nested(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        Integer.parseInt(f[3]), Info.pids(f[8], ","), Long.parseLong(f[4]), Long.parseLong(f[5]),
                        Long.parseLong(f[6]), new java.math.BigDecimal(f[7]), f[9].isEmpty() ? null : f[9],
                        f.length > 10 ? f[10] : "");
            } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
                throw new IllegalArgumentException("malformed namespace info: " + lines);
            }
        }
    }

    /** The command line of an {@link #EXEC} payload (its arguments, space-separated), for listings. */
    static String command(byte[] exec) {
        String[] fields = new String(exec, java.nio.charset.StandardCharsets.UTF_8).split("\0", -1);
        try {
            int argc = Integer.parseInt(fields[3]);
            return String.join(" ", java.util.Arrays.asList(fields).subList(4, 4 + argc));
        } catch (RuntimeException e) {
            return "?";
        }
    }

    /**
     * What a {@link #NEST} request carries: the nested namespace's clock settings
     * as six NUL-terminated fields (the REALTIME start in nanoseconds since the
     * epoch or {@code -}, the REALTIME, MONOTONIC and BOOTTIME offsets in
     * nanoseconds, the rate, {@code 1} for --realtime-only or {@code 0}), then an
     * {@link #EXEC} payload.
     */
    public record Nest(dev.timens.clock.ClockSettings settings, String name, byte[] exec) {
        private static final int FIELDS = 7;

        public Nest(dev.timens.clock.ClockSettings settings, byte[] exec) {
            this(settings, null, exec);
        }

        public byte[] bytes() {
            var out = new java.io.ByteArrayOutputStream();
            for (String field : List.of(
                    settings.realtimeStart().map(i -> Long.toString(nanos(i))).orElse("-"),
                    Long.toString(settings.realtimeOffset().toNanos()), Long.toString(settings.monotonicOffset().toNanos()),
                    Long.toString(settings.boottimeOffset().toNanos()), settings.rate().toPlainString(),
                    settings.realtimeOnly() ? "1" : "0", name == null ? "" : name)) {
                out.writeBytes(field.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.write(0);
            }
            out.writeBytes(exec);
            return out.toByteArray();
        }

        private static long nanos(java.time.Instant instant) {
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
        }

        /** Parses {@link #bytes()}; IllegalArgumentException with the one line saying what is wrong. */
        public static Nest parse(byte[] payload) {
            String[] fields = new String[FIELDS];
            int at = 0;
            for (int i = 0; i < FIELDS; i++) {
                int end = at;
                while (end < payload.length && payload[end] != 0) end++;
                if (end == payload.length) throw new IllegalArgumentException("malformed nest request");
                fields[i] = new String(payload, at, end - at, java.nio.charset.StandardCharsets.UTF_8);
                at = end + 1;
            }
            try {
                var start = fields[0].equals("-") ? java.util.Optional.<java.time.Instant>empty()
                        : java.util.Optional.of(java.time.Instant.ofEpochSecond(0, Long.parseLong(fields[0])));
                var settings = new dev.timens.clock.ClockSettings(start, java.time.Duration.ofNanos(Long.parseLong(fields[1])),
                        java.time.Duration.ofNanos(Long.parseLong(fields[2])),
                        java.time.Duration.ofNanos(Long.parseLong(fields[3])), new java.math.BigDecimal(fields[4]), false,
                        java.util.Optional.empty(), fields[5].equals("1"));
                String name = fields[6].isEmpty() ? null : fields[6];
                if (name != null && !NamespaceName.isValid(name)) throw new IllegalArgumentException("malformed nest request");
                return new Nest(settings, name, java.util.Arrays.copyOfRange(payload, at, payload.length));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("malformed nest request");
            }
        }
    }
}
