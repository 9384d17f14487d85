/*
 * TimerProbe: checks that the JVM's timed waits last as long as asked inside the
 * time namespace. HotSpot turns every relative timeout (Thread.sleep,
 * Object.wait, LockSupport.parkNanos, and so the java.util.concurrent queues)
 * into an ABSOLUTE CLOCK_MONOTONIC deadline for pthread_cond_timedwait (a
 * condition variable with pthread_condattr_setclock(MONOTONIC), see
 * os_posix.cpp, to_abstime), and LockSupport.parkUntil into an absolute
 * CLOCK_REALTIME one. So under --monotonic every relative wait depends on the
 * namespace translating absolute deadlines, and under --at, parkUntil does.
 *
 *   java -cp DIR TimerProbe MODE SECONDS
 *
 * waits once and prints
 *   TIMER mode=MODE clock=CLOCK requested=S.NNNNNNNNN elapsed=S.NNNNNNNNN result=OK lang=java
 *         [realtime_elapsed=S.mmm]
 * where elapsed is System.nanoTime (CLOCK_MONOTONIC) around the wait and CLOCK is
 * the clock the JVM's deadline is on. SECONDS is a decimal (1, 1.5). MODEs:
 *   sleep      Thread.sleep(Duration)                                clock=MONOTONIC
 *   wait       Object.wait(ms) on a monitor nobody notifies        clock=MONOTONIC
 *   scheduled  ScheduledExecutorService.schedule(ms), then get()   clock=MONOTONIC
 *   park       LockSupport.parkNanos(ns)                          clock=MONOTONIC
 *   parkUntil  LockSupport.parkUntil(currentTimeMillis() + ms)     clock=REALTIME
 *              (adds realtime_elapsed, System.currentTimeMillis around the wait)
 * Each calls the method once (no loop that would hide an early return). Exits 0
 * after printing the line, 1 if the wait threw, 2 on a usage error.
 */
import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

public final class TimerProbe {
    private TimerProbe() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            usage("MODE and SECONDS expected");
        }
        String mode = args[0];
        long nanos;
        try {
            nanos = new BigDecimal(args[1]).movePointRight(9).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            usage("bad SECONDS: " + args[1]);
            return;
        }
        if (nanos < 0) {
            usage("SECONDS must not be negative");
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(nanos);

        String clock = "MONOTONIC";
        String extra = "";
        long start = System.nanoTime();
        switch (mode) {
            case "sleep" -> Thread.sleep(Duration.ofNanos(nanos));
            case "wait" -> {
                Object monitor = new Object();
                synchronized (monitor) {
                    monitor.wait(millis);
                }
            }
            case "scheduled" -> {
                ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
                executor.schedule(() -> { }, nanos, TimeUnit.NANOSECONDS).get();
                executor.shutdown();
            }
            case "park" -> LockSupport.parkNanos(nanos);
            case "parkUntil" -> {
                clock = "REALTIME";
                long realStart = System.currentTimeMillis();
                LockSupport.parkUntil(realStart + millis);
                long realElapsed = System.currentTimeMillis() - realStart;
                extra = " realtime_elapsed=" + fixed(Math.floorDiv(realElapsed, 1000L), Math.floorMod(realElapsed, 1000L), 3);
            }
            default -> usage("unknown MODE " + mode);
        }
        long elapsed = System.nanoTime() - start;

        System.out.println("TIMER mode=" + mode + " clock=" + clock
                + " requested=" + fixed(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L), 9)
                + " elapsed=" + fixed(Math.floorDiv(elapsed, 1_000_000_000L), Math.floorMod(elapsed, 1_000_000_000L), 9)
                + " result=OK lang=java" + extra);
        System.out.flush();
    }

    private static void usage(String message) {
        System.err.println("TimerProbe: " + message
                + "\nusage: java TimerProbe sleep|wait|scheduled|park|parkUntil SECONDS");
        System.exit(2);
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
}
