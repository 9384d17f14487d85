package dev.timens.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DynamicTest;

/**
 * Runs many test programs that mostly wait (timed sleeps, timeouts) at the same
 * time, and reports each as its own {@link DynamicTest}.
 *
 * <p>The timer tests make over a hundred runs of a second or more each, and
 * while a feature is missing many of them hang until their time limit: one
 * after the other they would take many minutes. A waiting program costs no CPU,
 * so they can overlap; what must not overlap too much is their start (a JVM for
 * timens, another for a Java program), which would make the real time the tests
 * measure depend on how many started together, and on a busy 2-CPU machine
 * starts that pile up slow each other down without end. So starts are staggered:
 * each JVM start ({@link Case#starts()}) is given {@link #START_INTERVAL_MILLIS}
 * to itself, and the next waits until at least {@link #IDLE_CPUS} of the
 * machine's CPUs are idle (whatever else runs on it: another build, this test
 * JVM compiling itself), though never more than {@link #MAX_START_WAIT_MILLIS}.
 * Up to {@link #MAX_RUNNING} runs go at once.
 *
 * <p>All runs of a batch start as soon as {@link #tests} is called, heaviest
 * ({@link Case#startFirst()}) first, so that the runs that may hang for their
 * whole time limit overlap with the others; the dynamic tests come back in the
 * cases' own order and each waits for its run, then checks it.
 */
final class StaggeredRuns {
    /** The time given to each JVM start (timens itself, a Java program) before the next. */
    static final long START_INTERVAL_MILLIS = 500;
    /** How much idle CPU, in CPUs, a run waits for before it starts. */
    static final double IDLE_CPUS = 0.7;
    /** A start waits for idle CPU at most this long: a machine that is never idle still runs the tests. */
    static final long MAX_START_WAIT_MILLIS = 10_000;
    private static final long IDLE_SAMPLE_MILLIS = 250;
    /** USER_HZ, the unit of /proc/stat: 100 on every Linux architecture that timens supports. */
    private static final double USER_HZ = 100;
    /** Runs going at once (idle, mostly: each is a sleeping program and its supervisor). */
    static final int MAX_RUNNING = 32;

    private static final Semaphore START_GATE = new Semaphore(1);
    private static final ScheduledExecutorService GATE_TIMER =
            Executors.newSingleThreadScheduledExecutor(daemon("staggered-runs-gate"));

    private StaggeredRuns() {}

    /** One run of a program and what to check about it. */
    interface Case {
        /** The dynamic test's name. */
        String name();

        /** Runs the program (in a pool thread); may fail or skip like a test body. */
        TimensRunner.Result run();

        /** Checks a run's result (in the test's thread). */
        void check(TimensRunner.Result result);

        /**
         * How many JVMs the run starts (timens, a Java program): it then holds the
         * start gate for that many {@link #START_INTERVAL_MILLIS}. 0 for a native C
         * or Go program, which needs no CPU to speak of.
         */
        int starts();

        /** Whether to start this run before the others (it may take its whole time limit). */
        default boolean startFirst() {
            return false;
        }
    }

    /** Starts every case's run now, and returns one test per case, in order, that checks it. */
    static List<DynamicTest> tests(List<? extends Case> cases) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(cases.size(), MAX_RUNNING)),
                daemon("staggered-run"));
        List<Future<TimensRunner.Result>> runs = new ArrayList<>(Collections.nCopies(cases.size(), null));
        // A stable sort: the cases' own order within each of the two groups.
        List<Integer> order = IntStream.range(0, cases.size()).boxed()
                .sorted(Comparator.comparing((Integer i) -> !cases.get(i).startFirst())).toList();
        for (int i : order) {
            Case c = cases.get(i);
            runs.set(i, pool.submit(() -> {
                if (c.starts() > 0) {
                    START_GATE.acquire();
                    try {
                        awaitIdleCpu();
                    } finally {
                        GATE_TIMER.schedule(() -> START_GATE.release(), c.starts() * START_INTERVAL_MILLIS,
                                TimeUnit.MILLISECONDS);
                    }
                }
                return c.run();
            }));
        }
        pool.shutdown();
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Future<TimensRunner.Result> run = runs.get(i);
            tests.add(DynamicTest.dynamicTest(c.name(), () -> c.check(await(run))));
        }
        return tests;
    }

    /** Returns once {@link #IDLE_CPUS} were idle over a short sample, or after {@link #MAX_START_WAIT_MILLIS}. */
    private static void awaitIdleCpu() throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_START_WAIT_MILLIS);
        while (System.nanoTime() < giveUp) {
            long before = idleTicks();
            Thread.sleep(IDLE_SAMPLE_MILLIS);
            long after = idleTicks();
            if (before < 0 || after < 0) {
                return; // no /proc/stat: no way to tell, start
            }
            double idleCpus = (after - before) / USER_HZ / (IDLE_SAMPLE_MILLIS / 1000.0);
            if (idleCpus >= IDLE_CPUS) {
                return;
            }
        }
    }

    /** Idle plus iowait time of all CPUs since boot, in USER_HZ ticks (/proc/stat, proc(5)); -1 if unreadable. */
    private static long idleTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0); // "cpu  user nice system idle iowait ..."
            String[] fields = first.trim().split("\\s+");
            return Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The run's result, or what it threw (an assertion failure, a skip) rethrown as is. */
    private static TimensRunner.Result await(Future<TimensRunner.Result> run) {
        try {
            return run.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error error) {
                throw error;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime; // also TestAbortedException: a skipped case stays skipped
            }
            throw new AssertionError(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a run", e);
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
