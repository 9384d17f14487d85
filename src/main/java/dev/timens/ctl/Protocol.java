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
 * <li>to a peer that is neither the same user nor root, whatever it asked:
 *     {@code denied REASON}.
 * </ul>
 */
public final class Protocol {
    public static final String INFO = "info";
    public static final String SET = "set";
    public static final String EXEC = "exec";
    /** The longest {@code exec} payload: arguments and environment as the kernel's ARG_MAX allows, with room. */
    public static final int MAX_EXEC_REQUEST = 8 << 20;
    public static final String OK = "ok";
    public static final String REFUSED = "refused";
    public static final String DENIED = "denied";
    public static final String ERROR = "error";
    /** The name link's suffix in the control directory. */
    public static final String NAME_SUFFIX = ".name";
    public static final String SOCKET_SUFFIX = ".sock";

    private Protocol() {}

    /** The server's answer to {@code request}. */
    static List<String> answer(String request, ControlServer.Handler handler) {
        if (request.equals(INFO)) return handler.info();
        String[] words = request.split(" ", 3);
        if (words.length == 3 && words[0].equals(SET)) {
            String refusal = handler.set(words[1], words[2]);
            return List.of(refusal == null ? OK : REFUSED + " " + refusal.replace('\n', ' '));
        }
        return List.of(ERROR + " unknown request");
    }

    /** A namespace as its {@code info} answer describes it. */
    public record Info(String name, int timensPid, int leader, List<Integer> pids, long realtime, long monotonic,
                       long boottime, java.math.BigDecimal rate, String spec, String command) {
        /** The {@code key value} lines of this. */
        public List<String> lines() {
            return List.of("name " + (name == null ? "-" : name), "timens " + timensPid, "leader " + leader,
                    "pids " + String.join(" ", pids.stream().map(String::valueOf).toList()),
                    "realtime " + realtime, "monotonic " + monotonic, "boottime " + boottime,
                    "rate " + rate.toPlainString(), "spec " + spec, "command " + command.replace('\n', ' '));
        }

        /** Parses {@link #lines()}; IllegalArgumentException when a line is missing or malformed. */
        public static Info parse(List<String> lines) {
            java.util.Map<String, String> m = new java.util.HashMap<>();
            for (String line : lines) {
                int space = line.indexOf(' ');
                if (space > 0) m.put(line.substring(0, space), line.substring(space + 1));
                else m.put(line, "");
            }
            if (!m.containsKey("spec") || !m.containsKey("command")) {
                throw new IllegalArgumentException("malformed namespace info: " + lines);
            }
            try {
                String name = m.get("name");
                List<Integer> pids = m.get("pids").isBlank() ? List.of()
                        : java.util.Arrays.stream(m.get("pids").trim().split(" ")).map(Integer::valueOf).toList();
                return new Info(name.equals("-") ? null : name, Integer.parseInt(m.get("timens")),
                        Integer.parseInt(m.get("leader")), pids, Long.parseLong(m.get("realtime")),
                        Long.parseLong(m.get("monotonic")), Long.parseLong(m.get("boottime")),
                        new java.math.BigDecimal(m.get("rate")), m.get("spec"), m.get("command"));
            } catch (NullPointerException | NumberFormatException e) {
                throw new IllegalArgumentException("malformed namespace info: " + lines);
            }
        }
    }
}
