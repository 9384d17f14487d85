/*
 * ClockProbe: checks that the JVM (HotSpot reads the clocks through the vDSO via
 * glibc) sees the time namespace, and, with "spawn", that a child started with
 * ProcessBuilder (through jspawnhelper, posix_spawn) does too.
 *
 *   java -cp DIR ClockProbe                   prints PROBE lang=java realtime=S.NNNNNNNNN
 *                                             millis=S.mmm nanotime=S.NNNNNNNNN
 *   java -cp DIR ClockProbe spawn [PROGRAM]   prints its own PROBE line, then starts
 *                                             PROGRAM (default: this class again in a
 *                                             new JVM) and copies the child's PROBE
 *                                             line as "CHILD PROBE ..."
 *
 * realtime is Instant.now() (CLOCK_REALTIME), millis System.currentTimeMillis(),
 * nanotime System.nanoTime() (CLOCK_MONOTONIC on Linux). Exits 0 on success, 1 if
 * the child failed or printed no PROBE line.
 */
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

public final class ClockProbe {
    private ClockProbe() {}

    public static void main(String[] args) throws Exception {
        Instant now = Instant.now();
        long millis = System.currentTimeMillis();
        long nanos = System.nanoTime();
        System.out.println("PROBE lang=java realtime=" + fixed(now.getEpochSecond(), now.getNano(), 9)
                + " millis=" + fixed(Math.floorDiv(millis, 1000L), Math.floorMod(millis, 1000L), 3)
                + " nanotime=" + fixed(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L), 9));
        System.out.flush();
        if (args.length > 0 && args[0].equals("spawn")) {
            System.exit(spawn(args.length > 1 ? args[1] : null));
        }
    }

    /** Formats sec + frac/10^digits (0 <= frac < 10^digits) as a signed decimal. */
    static String fixed(long sec, long frac, int digits) {
        long unit = (long) Math.pow(10, digits);
        if (sec < 0 && frac != 0) {
            return "-" + (-(sec + 1)) + "." + pad(unit - frac, digits);
        }
        return (sec < 0 ? "-" + (-sec) : Long.toString(sec)) + "." + pad(frac, digits);
    }

    private static String pad(long value, int digits) {
        String s = Long.toString(value);
        return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    private static int spawn(String program) throws Exception {
        List<String> command = new ArrayList<>();
        if (program == null) {
            command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("ClockProbe");
        } else {
            command.add(program);
        }
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        child.getOutputStream().close();
        boolean sawProbe = false;
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("PROBE ")) {
                    System.out.println("CHILD " + line);
                    sawProbe = true;
                }
            }
        }
        int status = child.waitFor();
        if (status != 0 || !sawProbe) {
            System.err.println("ClockProbe: child " + command + " exited " + status
                    + (sawProbe ? "" : " without a PROBE line"));
            return 1;
        }
        return 0;
    }
}
