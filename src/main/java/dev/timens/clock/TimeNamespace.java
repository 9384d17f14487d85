package dev.timens.clock;

import dev.timens.engine.EntryTrap;
import dev.timens.engine.ExecStop;
import dev.timens.engine.InjectedSyscalls;
import dev.timens.engine.KernelVdso;
import dev.timens.engine.Notification;
import dev.timens.engine.RemotePtr;
import dev.timens.linux.SyscallNumbers;
import dev.timens.engine.SyscallOutcome;
import dev.timens.engine.SyscallSet;
import dev.timens.engine.SyscallStop;
import dev.timens.engine.Tool;
import dev.timens.engine.TraceControl;
import dev.timens.engine.TraceeFault;
import dev.timens.linux.Auxv;
import dev.timens.linux.Errno;
import dev.timens.linux.Mman;
import dev.timens.linux.Time;
import dev.timens.linux.Unistd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A time namespace: the {@link Tool} that gives a traced process tree its own
 * CLOCK_REALTIME, MONOTONIC and BOOTTIME.
 *
 * <p>At every exec it maps the namespace's {@link VdsoImage} into the new
 * program and points AT_SYSINFO_EHDR at it, so clock reads through the vDSO
 * never leave the process. Raw clock syscalls, and every way of setting the
 * clock, stop at the supervisor and are answered by {@link TimeSyscalls} from
 * the same transforms.
 */
public final class TimeNamespace implements Tool, AutoCloseable {
    /** src/main/native/map-image.S, built by the Maven build. */
    private static final byte[] MAP_IMAGE = VdsoImage.ClockCode.resourceBytes("map-image.bin");
    /**
     * The size of the time namespace's part of the entry frame (IMAGE_DATA_END
     * of vdso/image-data.h, less ENTRY_DATA).
     */
    static final int IMAGE_DATA = 40;
    /**
     * The syscall that asks for a descriptor of the image (IMAGE_SYSCALL of
     * vdso/image-data.h): answered through the seccomp listener, never run.
     */
    static final int IMAGE_SYSCALL = 0x3e00_0001;
    /** The steps of map-image.S (openat, mmap); later ones are finish-exec.S's, with the image mapped. */
    private static final int MAP_STEPS = 2;
    private static final int EMFILE = 24;

    private final ClockPage page;
    private final VdsoImage image;
    /** Replaced once, by the tracer thread, if the clock code check fails. */
    private volatile KernelTimeData timeData;
    /**
     * The run of the image's clock code in this JVM ({@link ClockCodeCheck}),
     * started with the namespace on a thread of its own so that it costs no
     * start-up time, and awaited at the first exec, before any program maps
     * the image; null once awaited, or when there is nothing to check.
     */
    private java.util.concurrent.Future<String> clockCodeCheck;
    private final TimeSyscalls syscalls;
    private final DeadlineSyscalls deadlines;
    /** Null unless the clocks run at a rate other than 1 and 0. */
    private final RateSyscalls rates;
    /** Null without --warp. */
    private final Warp warp;
    /** Null unless the clocks run at a rate (other than 1 and 0) or warp. */
    private final InterruptedSleeps sleeps;
    private final Timers timers;
    /** Null unless something outside sets CLOCK_REALTIME while the command runs. */
    private RealtimeSource realtimeSource;
    /** Whether changes may come from outside ({@link #change}): then the tool wants wake-ups. */
    private boolean controlled;
    /** Changes asked for from outside, applied at the next wake-up on the tracer thread. */
    private final java.util.concurrent.ConcurrentLinkedQueue<PendingChange> changes =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** For a namespace nested in another ({@link #nest}): the one whose clocks its clocks follow. */
    private TimeNamespace parent;
    /**
     * For a nested namespace, per group: its clock as a function of its parent's
     * (absent: the parent's own), kept as either moves. On the tracer thread.
     */
    private final Map<ClockGroup, ClockTransform> relative = new EnumMap<>(ClockGroup.class);
    /** The namespaces nested in this one ({@link #adopt}). */
    private final List<TimeNamespace> nestedNamespaces = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Set by {@link #onStart}; null before. */
    private volatile TraceControl control;
    /**
     * Whether relative sleeps and timeouts are scaled: a rate other than 1 and 0
     * at the start, or a namespace started to take other rates later.
     */
    private final boolean scaled;
    /**
     * Whether the filter sends absolute MONOTONIC futex waits here and sysinfo is
     * answered: decided at the start from whether MONOTONIC and BOOTTIME were
     * moved then, and needed to move them (or stop the clocks) later.
     */
    private final boolean monotonicFollowed;
    private final boolean boottimeFollowed;

    private record PendingChange(ClockChange change,
                                 java.util.concurrent.CompletableFuture<String> result) {}
    /** Null unless some programs run on host time: which, by the name they were exec'd under. */
    private java.util.function.Predicate<String> hostTimeProgram;
    /**
     * With {@link #hostTimeProgram}, per thread: whether its program runs on host time
     * (decided at exec; a fork or thread of a program shares its answer until it execs).
     */
    private final Map<Integer, Boolean> onHostTime = new java.util.concurrent.ConcurrentHashMap<>();
    /** What the filter sends to the engine; widened once by {@link #reportFileTimes} and {@link #reportProcTimes}. */
    private SyscallSet subscriptions;
    /** --realtime-only: rates and freezing are CLOCK_REALTIME's alone. */
    private final boolean realtimeOnly;
    /** Null unless file times follow the namespace ({@link #reportFileTimes}). */
    private FileTimes fileTimes;
    /** Null unless /proc's times follow the namespace ({@link #reportProcTimes}). */
    private ProcTimes procTimes;
    private final long kernelVdsoSize;
    /** Whether absolute timerfd arming is answered from the listener (rate 1, no --warp). */
    private final boolean timerfdsByListener;
    /**
     * Per thread: where the kernel's own vDSO is mapped in its address space,
     * learned at exec (later, a program may have made itself non-dumpable, which
     * closes its /proc files and memory to an unprivileged tracer).
     */
    private final Map<Integer, Long> kernelVdso = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Per process that needed it: where the image is mapped, and which thread
     * owns each {@link #scratchArea} slot (0: free). Rare: only threads that
     * made a translated syscall with no room on their stack.
     */
    private final Map<Integer, ScratchSlots> scratchSlots = new HashMap<>();

    private record ScratchSlots(long image, int[] owners) {}

    /** How /proc/PID/maps names the image: the memory file ClockPage.create makes. */
    static final String IMAGE_MAPPING = "/memfd:timens-vdso";
    private static final int SCRATCH_SLOTS = (VdsoImage.PAGE - VdsoImage.PP_SCRATCH) / SCRATCH_AREA_SIZE;

    private TimeNamespace(ClockPage page, VdsoImage image, KernelTimeData timeData,
                          java.util.function.Function<VdsoImage, java.util.concurrent.Future<String>> clockCodeChecker,
                          long kernelVdsoSize, boolean warp, boolean realtimeOnly, boolean rateMayChange,
                          Set<Integer> passedFds) {
        this.page = page;
        page.onPublish(this::published);
        this.realtimeOnly = realtimeOnly;
        this.image = image;
        this.timeData = timeData;
        if (timeData.usable()) clockCodeCheck = clockCodeChecker.apply(image);
        this.kernelVdsoSize = kernelVdsoSize;
        this.deadlines = new DeadlineSyscalls(page);
        ClockTransform monotonic = page.transform(ClockGroup.MONOTONIC);
        boolean scaled = monotonic.active() && (rateMayChange && !realtimeOnly
                || !monotonic.isUnitRate() && monotonic.mult() != 0);
        this.scaled = scaled;
        this.monotonicFollowed = monotonic.active();
        this.boottimeFollowed = page.transform(ClockGroup.BOOTTIME).active();
        this.timers = new Timers(page, warp, scaled, this::syscallInstruction, System.err);
        this.warp = warp ? new Warp(page, deadlines, timers, TaskActivity.fromProc(passedFds)) : null;
        this.syscalls = new TimeSyscalls(page, jump -> {
            deadlines.realtimeWasSet();
            timers.realtimeWasSet(jump);
            if (this.warp != null) this.warp.clocksChanged();
        });
        boolean byListener = !scaled && !warp;
        this.timerfdsByListener = byListener;
        SyscallSet.Builder b = SyscallSet.builder().addAll(TimeSyscalls.subscriptions(byListener));
        TimeSyscalls.subscribeSysinfo(b, page.transform(ClockGroup.BOOTTIME).active() || warp);
        DeadlineSyscalls.subscribe(b, monotonic.active(), byListener);
        this.rates = scaled ? new RateSyscalls(page) : null;
        if (scaled) RateSyscalls.subscribe(b);
        if (warp) Warp.subscribe(b);
        this.sleeps = scaled || warp ? new InterruptedSleeps(page) : null;
        if (sleeps != null) InterruptedSleeps.subscribe(b);
        Timers.subscribe(b, warp, scaled);
        b.notify(IMAGE_SYSCALL);
        this.subscriptions = b.build();
    }

    /**
     * Creates the namespace's clocks from {@code settings}, as of now.
     *
     * @throws IllegalArgumentException when a clock would start outside what
     *                                  Linux can represent (before 1970 for
     *                                  REALTIME, negative for the others, or past 2262)
     */
    public static TimeNamespace create(ClockSettings settings) {
        return create(settings, java.util.Set.of(), true);
    }

    /**
     * As {@link #create(ClockSettings)}, for a command that gets descriptors
     * {@code passedFds} of this process besides 0, 1 and 2 (under --warp, a
     * wait on one of those pipes is a wait for the outside world). With
     * {@code readKernelTimeData} false, the clock code always calls the
     * kernel's vDSO function, even where it could read the kernel's time data
     * itself (TIMENS_CLOCK_READS=kernel: for comparison, or to rule it out).
     */
    public static TimeNamespace create(ClockSettings settings, Set<Integer> passedFds,
                                       boolean readKernelTimeData) {
        return create(settings, passedFds, readKernelTimeData, false, false, ClockCodeCheck::start);
    }

    /**
     * As {@link #create(ClockSettings, java.util.Set, boolean)}; with {@code movable},
     * every clock is followed from the start, even where it is the host's, so that
     * MONOTONIC and BOOTTIME can be moved and the clocks stopped while the command
     * runs ({@link #change}): absolute MONOTONIC futex waits and sysinfo then cost
     * a stop each, as under {@code --monotonic} and {@code --boottime}.
     */
    public static TimeNamespace create(ClockSettings settings, Set<Integer> passedFds,
                                       boolean readKernelTimeData, boolean movable) {
        return create(settings, passedFds, readKernelTimeData, movable, false, ClockCodeCheck::start);
    }

    /**
     * As {@link #create(ClockSettings, java.util.Set, boolean, boolean)}; with
     * {@code rateMayChange} (and {@code movable}), relative sleeps, timeouts and
     * timers are scaled to the rate from the start, even at rate 1, so that the
     * rate can later change to any other ({@link ClockChange.Rate}): each of
     * them then costs a stop, as under {@code --rate}.
     */
    public static TimeNamespace create(ClockSettings settings, Set<Integer> passedFds,
                                       boolean readKernelTimeData, boolean movable, boolean rateMayChange) {
        return create(settings, passedFds, readKernelTimeData, movable, rateMayChange, ClockCodeCheck::start);
    }

    /** As above, with the check of the clock code that {@code clockCodeChecker} starts (tests give their own). */
    static TimeNamespace create(ClockSettings settings, Set<Integer> passedFds, boolean readKernelTimeData,
                                java.util.function.Function<VdsoImage, java.util.concurrent.Future<String>> clockCodeChecker) {
        return create(settings, passedFds, readKernelTimeData, false, false, clockCodeChecker);
    }

    private static TimeNamespace create(ClockSettings settings, Set<Integer> passedFds,
                                        boolean readKernelTimeData, boolean movable, boolean rateMayChange,
                                        java.util.function.Function<VdsoImage, java.util.concurrent.Future<String>> clockCodeChecker) {
        Map<ClockGroup, ClockTransform> initial = transformsFor(settings);
        if (movable) for (ClockGroup g : ClockGroup.values()) initial.putIfAbsent(g, ClockTransform.offset(0));
        KernelVdso kernel = KernelVdso.current();
        KernelTimeData timeData = readKernelTimeData ? KernelTimeData.probe()
                : KernelTimeData.refused("TIMENS_CLOCK_READS=kernel");
        VdsoImage image = VdsoImage.build(kernel.image(), VdsoImage.ClockCode.load(), timeData);
        ClockPage page = ClockPage.create(image);
        page.publish(initial);
        return new TimeNamespace(page, image, timeData, clockCodeChecker, kernel.image().length, settings.warp(),
                settings.realtimeOnly(), movable && rateMayChange, passedFds);
    }

    /**
     * A namespace nested in this one, for {@code timens} run inside it: its
     * clocks are this namespace's clocks moved by {@code settings} (an offset
     * adds to this one's, a start date is read on this one's REALTIME, a rate
     * multiplies), and they follow this one's as it moves. It has its own clock
     * image and page, and answers the calls of its own processes; it takes
     * effect once {@link #adopt}ed. Only where this namespace's filter already
     * sends everything the nested one needs: the filter is fixed when the
     * command starts.
     *
     * @throws IllegalArgumentException with the one line that says why not
     */
    public TimeNamespace nest(ClockSettings settings) {
        if (warp != null) throw new IllegalArgumentException("timens cannot nest in a namespace under --warp");
        if (settings.warp()) throw new IllegalArgumentException("--warp does not work in a nested namespace");
        if (settings.realtimeAnchor().isPresent()) {
            throw new IllegalArgumentException("--anchor does not work in a nested namespace: its clocks follow the"
                    + " outer namespace's, not the host's");
        }
        if (hostTimeProgram != null) {
            throw new IllegalArgumentException("timens cannot nest in a namespace with --skip-cmds or --only-cmds");
        }
        Map<ClockGroup, ClockTransform> own = transformsFor(settings, page::now);
        Map<ClockGroup, ClockTransform> composed = new EnumMap<>(ClockGroup.class);
        for (ClockGroup g : ClockGroup.values()) {
            ClockTransform outer = page.transform(g);
            ClockTransform r = own.get(g);
            if (r == null && !outer.active()) continue;
            composed.put(g, (r == null ? ClockTransform.IDENTITY : r).after(outer, Time.clockGettimeNanos(g.referenceClock())));
        }
        VdsoImage nestedImage = VdsoImage.build(KernelVdso.current().image(), VdsoImage.ClockCode.load(), timeData);
        ClockPage nestedPage = ClockPage.create(nestedImage);
        nestedPage.publish(composed);
        // The same clock code and time data as this namespace's, checked already.
        TimeNamespace child = new TimeNamespace(nestedPage, nestedImage, timeData,
                image -> java.util.concurrent.CompletableFuture.completedFuture(null), kernelVdsoSize, false,
                realtimeOnly || settings.realtimeOnly(), false, java.util.Set.of());
        child.parent = this;
        child.relative.putAll(own);
        child.controlled = controlled;
        // What this namespace's filter sends, the nested one answers the same way.
        if (fileTimes != null) child.reportFileTimes();
        if (procTimes != null) child.reportProcTimes();
        if (!subscriptions.covers(child.syscalls())) {
            child.close();
            throw new IllegalArgumentException("the outer namespace was not started so that a nested one can have "
                    + "these clocks: a rate or frozen clocks inside need the outer timens started with one too (any"
                    + " --rate, or --freeze), and --monotonic or --boottime inside need the outer started with --name");
        }
        return child;
    }

    /**
     * Makes {@code child} ({@link #nest}) follow this namespace's clocks from now
     * on, on the tracer thread: a change ({@link #change}) so that no clock moves
     * between its last reading and its first update.
     */
    public java.util.concurrent.CompletableFuture<String> adopt(TimeNamespace child) {
        return change(new ClockChange.Adopt(child));
    }

    /**
     * Whether this namespace, asked to be adopted, is no longer wanted: true
     * when it will never be (then it is closed on the tracer thread, which may
     * be about to adopt it), false when it is adopted already.
     */
    public boolean abandon() {
        return adoption.compareAndSet(Adoption.ASKED, Adoption.ABANDONED);
    }

    private enum Adoption { ASKED, ADOPTED, ABANDONED }

    private final AtomicReference<Adoption> adoption =
            new AtomicReference<>(Adoption.ASKED);

    /**
     * {@link #adopt}, made at once by the caller (a process entering a
     * namespace it unshared, at its exec, on the tracer thread; a forked
     * child entering its parent's, at its first clock read, on any thread):
     * null when done, else why not.
     */
    String adoptNow(TimeNamespace child) {
        return adopted(child);
    }

    private String adopted(TimeNamespace child) {
        if (!child.adoption.compareAndSet(Adoption.ASKED, Adoption.ADOPTED)) {
            child.close(); // abandoned: nobody waits for it any more
            return "abandoned";
        }
        TraceControl c = control;
        if (c == null) return "the namespace is still starting";
        child.onStart(c);
        // Under the lock this namespace's publications pass their moves on under:
        // one made meanwhile on the tracer thread reaches the child either way.
        synchronized (nestedNamespaces) {
            child.follow(EnumSet.allOf(ClockGroup.class));
            nestedNamespaces.add(child);
        }
        return null;
    }

    /**
     * Stops following {@code child}, nested in this one, and closes it, on the
     * tracer thread (a change, so that no publication of this namespace is
     * passing it on meanwhile): for a nested namespace no process is in any more.
     */
    java.util.concurrent.CompletableFuture<String> retire(TimeNamespace child) {
        return change(new ClockChange.Retire(child));
    }

    /** The namespace this one is nested in, or null for the outermost. */
    TimeNamespace parent() {
        return parent;
    }

    /** The namespaces nested in this one, and in those, in no order. */
    public List<TimeNamespace> nestedNamespaces() {
        List<TimeNamespace> all = new java.util.ArrayList<>();
        for (TimeNamespace child : nestedNamespaces) {
            all.add(child);
            all.addAll(child.nestedNamespaces());
        }
        return all;
    }

    /** After each publication of this namespace's page: the relation to its parent, and what is nested in it. */
    private void published(Set<ClockGroup> groups) {
        TimeNamespace p = parent;
        // A publication that follows the parent keeps the relation as it was:
        // derived again, its rate would lose a rounding step each time.
        if (p != null && !following) {
            for (ClockGroup g : groups) {
                long host = Time.clockGettimeNanos(g.referenceClock());
                relative.put(g, page.transform(g).relativeTo(p.page.transform(g), host,
                        relative.getOrDefault(g, ClockTransform.offset(0))));
            }
        }
        synchronized (nestedNamespaces) {
            for (TimeNamespace child : nestedNamespaces) child.parentMoved(groups);
        }
    }

    /** Its clocks of {@code groups}, composed anew from the parent's; the jump each made, per group. */
    private synchronized Map<ClockGroup, Long> follow(Set<ClockGroup> groups) {
        Map<ClockGroup, ClockTransform> next = new EnumMap<>(ClockGroup.class);
        Map<ClockGroup, Long> jumps = new EnumMap<>(ClockGroup.class);
        for (ClockGroup g : groups) {
            ClockTransform outer = parent.page.transform(g);
            ClockTransform r = relative.get(g);
            if (r == null && !outer.active() && !page.transform(g).active()) continue;
            long host = Time.clockGettimeNanos(g.referenceClock());
            ClockTransform composed;
            try {
                composed = (r == null ? ClockTransform.offset(0) : r).after(outer, host);
            } catch (IllegalArgumentException e) {
                // The rates multiply past the largest: this clock keeps running as it ran.
                System.err.println("timens: a nested namespace's CLOCK_" + g + " cannot follow: " + e.getMessage());
                continue;
            }
            next.put(g, composed);
            jumps.put(g, composed.apply(host) - page.transform(g).apply(host));
        }
        if (!next.isEmpty()) {
            following = true;
            try {
                page.publish(next);
            } finally {
                following = false;
            }
        }
        return jumps;
    }

    /** While {@link #follow} publishes (on the tracer thread). */
    private boolean following;

    /**
     * The parent's clocks moved (a step, a rate, a freeze): these follow, and
     * what waits on them is moved as on a clock set inside.
     */
    private void parentMoved(Set<ClockGroup> groups) {
        Map<ClockGroup, Long> jumps = follow(groups);
        Set<ClockGroup> moved = EnumSet.noneOf(ClockGroup.class);
        for (Map.Entry<ClockGroup, Long> e : jumps.entrySet()) {
            moved.add(e.getKey());
            // A jump is a clock step (timers move, cancel-on-set timerfds are
            // cancelled); a new rate alone only changes when deadlines come.
            if (e.getValue() == 0) continue;
            if (e.getKey() == ClockGroup.REALTIME) timers.realtimeWasSet(e.getValue());
            else timers.clockWasSet(e.getKey(), e.getValue());
        }
        if (!moved.isEmpty()) deadlines.clocksWereSet(moved);
    }

    /**
     * Waits for the check of the clock code; if it read a clock wrong, no
     * program gets the direct read: the image's process page in the memory
     * file (which no program has mapped yet) says to call the kernel's
     * function instead.
     */
    void awaitClockCodeCheck() {
        String wrong;
        try {
            // It takes milliseconds; a clock code that never returns (time data
            // whose sequence count stays odd) must not hold the namespace up.
            wrong = clockCodeCheck.get(CLOCK_CODE_CHECK_LIMIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            wrong = "no result (" + e.getCause() + ")";
        } catch (java.util.concurrent.TimeoutException e) {
            wrong = "no result within " + CLOCK_CODE_CHECK_LIMIT_SECONDS + " s";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            wrong = "no result (interrupted)";
        }
        clockCodeCheck = null;
        if (wrong != null) {
            page.disableKernelTimeData(image);
            timeData = KernelTimeData.refused("the clock code, reading it, got " + wrong);
        }
    }

    private static final int CLOCK_CODE_CHECK_LIMIT_SECONDS = 2;

    /** Where the clock code reads the kernel's time data, as the memory file says now (0: it does not). */
    long kernelTimeDataInFile() {
        return page.kernelTimeData(image);
    }

    /** How the clock code in traced programs reads the host time, in one line (for --stats). */
    public String clockReads() {
        return timeData.describe();
    }

    static Map<ClockGroup, ClockTransform> transformsFor(ClockSettings settings) {
        return transformsFor(settings, g -> Time.clockGettimeNanos(g.referenceClock()));
    }

    /** As above, against the clocks {@code now} reads: the host's, or a parent namespace's. */
    private static Map<ClockGroup, ClockTransform> transformsFor(ClockSettings settings,
                                                                 java.util.function.ToLongFunction<ClockGroup> clocks) {
        Map<ClockGroup, ClockTransform> transforms = new EnumMap<>(ClockGroup.class);
        long realNow = clocks.applyAsLong(ClockGroup.REALTIME);
        if (settings.realtimeStart().isPresent()) {
            long start = TimeSyscalls.toNanos(settings.realtimeStart().get(), "start date");
            transforms.put(ClockGroup.REALTIME, ClockTransform.IDENTITY.setTo(realNow, start));
        } else if (!settings.realtimeOffset().isZero()) {
            transforms.put(ClockGroup.REALTIME, offset(settings.realtimeOffset(), realNow, "CLOCK_REALTIME"));
        }
        if (!settings.monotonicOffset().isZero()) {
            transforms.put(ClockGroup.MONOTONIC, offset(settings.monotonicOffset(),
                    clocks.applyAsLong(ClockGroup.MONOTONIC), "CLOCK_MONOTONIC"));
        }
        if (!settings.boottimeOffset().isZero()) {
            transforms.put(ClockGroup.BOOTTIME, offset(settings.boottimeOffset(),
                    clocks.applyAsLong(ClockGroup.BOOTTIME), "CLOCK_BOOTTIME"));
        }
        long mult = settings.rateMultiplier();
        if (settings.realtimeAnchor().isPresent()) {
            // REALTIME runs at the rate from the anchor, where it read its start date
            // (or the anchor shifted by the offset): the same function of host time anywhere.
            long anchor = TimeSyscalls.toNanos(settings.realtimeAnchor().get(), "anchor");
            long atAnchor = settings.realtimeStart().isPresent()
                    ? TimeSyscalls.toNanos(settings.realtimeStart().get(), "start date")
                    : offset(settings.realtimeOffset(), anchor, "CLOCK_REALTIME").apply(anchor);
            ClockTransform anchored = new ClockTransform(anchor, atAnchor, mult, ClockTransform.SHIFT, true);
            long now = anchored.apply(realNow);
            if (now <= 0 || now == ClockTransform.MAX) {
                throw new IllegalArgumentException("with that anchor CLOCK_REALTIME would read "
                        + (now <= 0 ? "before 1970" : "past 2262") + " now, beyond what Linux can represent");
            }
            transforms.put(ClockGroup.REALTIME, anchored);
        }
        if (mult != ClockTransform.UNIT_RATE) {
            // Every clock of the namespace runs at the rate from now on, from where
            // its offset (or start date) puts it now: REALTIME exactly at its start,
            // or from its anchor.
            for (ClockGroup g : ClockGroup.values()) {
                if (g == ClockGroup.REALTIME && settings.realtimeAnchor().isPresent()) continue;
                if (g != ClockGroup.REALTIME && settings.realtimeOnly()) continue;
                long hostNow = g == ClockGroup.REALTIME ? realNow : clocks.applyAsLong(g);
                long virtualNow = transforms.getOrDefault(g, ClockTransform.IDENTITY).apply(hostNow);
                transforms.put(g, new ClockTransform(hostNow, virtualNow, mult, ClockTransform.SHIFT, true));
            }
        }
        return transforms;
    }

    private static ClockTransform offset(java.time.Duration offset, long hostNow, String clock) {
        long nanos;
        try {
            nanos = offset.toNanos();
            long shifted = Math.addExact(hostNow, nanos);
            if (shifted < 0) {
                throw new IllegalArgumentException("offset " + offset + " would make " + clock
                        + " negative (it reads " + hostNow / 1_000_000_000L + " s now)");
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("offset " + offset + " puts " + clock + " past what Linux can represent");
        }
        return ClockTransform.offset(nanos);
    }

    @Override
    public SyscallSet syscalls() {
        return subscriptions;
    }

    /**
     * {@code --file-times}: the stat calls report file times on the namespace's
     * CLOCK_REALTIME, and the utime calls take them on it ({@link FileTimes}).
     * Before the namespace starts.
     */
    public void reportFileTimes() {
        fileTimes = new FileTimes(page);
        // Once, here: engine v1 asks for the set at every stop of its own.
        subscriptions = subscriptions.union(FileTimes.syscalls());
    }

    /**
     * {@code --proc}: /proc/uptime, /proc/stat's btime and the start times of
     * /proc/PID/stat follow the namespace ({@link ProcTimes}). Before the
     * namespace starts.
     */
    public void reportProcTimes() {
        procTimes = new ProcTimes(page);
        subscriptions = subscriptions.union(ProcTimes.syscalls());
    }

    @Override
    public void onStart(TraceControl control) {
        deadlines.start(control);
        timers.start(control);
        if (rates != null) rates.start(control);
        if (warp != null) warp.start(control);
        if (realtimeSource != null) realtimeSource.start(control::wakeup);
        this.control = control;
        if (!changes.isEmpty()) control.wakeup(); // asked for while the command was starting
    }

    /**
     * Lets {@link #change} move the clocks while the command runs. Before the
     * namespace starts.
     */
    public void acceptChanges() {
        controlled = true;
    }

    /**
     * Asks for {@code change} to be made on the tracer thread, at its next wake-up,
     * as a clock change inside is made: from any thread, once {@link #acceptChanges}
     * was called. The result completes with null once it is made, or with the one
     * line that says why it is refused (nothing changed then).
     */
    public java.util.concurrent.CompletableFuture<String> change(ClockChange change) {
        if (!controlled) throw new IllegalStateException("the namespace does not accept changes");
        var result = new java.util.concurrent.CompletableFuture<String>();
        changes.add(new PendingChange(change, result));
        if (closed) endPendingChanges(); // retired meanwhile (nested): nobody will make it
        TraceControl c = control;
        if (c != null) c.wakeup();
        return result;
    }

    /** Set once {@link #close} began: changes asked for after are refused at once. */
    private volatile boolean closed;

    /** Changes asked for and not made, on a namespace that is closed: nobody will make them. */
    private void endPendingChanges() {
        for (PendingChange p = changes.poll(); p != null; p = changes.poll()) {
            p.result().complete("the namespace has ended");
        }
    }

    /** The namespace's clocks at one moment, in nanoseconds, and the rate they run at (0: frozen). */
    public record Clocks(long realtime, long monotonic, long boottime, java.math.BigDecimal rate) {}

    /** The namespace's clocks now (from any thread). */
    public Clocks now() {
        long[] values = new long[3];
        for (ClockGroup g : ClockGroup.values()) {
            values[g.ordinal()] = page.now(g);
        }
        return new Clocks(values[0], values[1], values[2], rate(page.transform(ClockGroup.REALTIME)));
    }

    /**
     * The timens options that give CLOCK_REALTIME as it runs now, on any machine
     * whose clock is right ({@code timensctl list --spec}): at rate 1 an offset;
     * at another rate a date, the host instant it held and the rate; frozen, the
     * date alone. MONOTONIC and BOOTTIME count from each machine's boot, so they
     * have no such options.
     */
    public List<String> realtimeSpec() {
        ClockTransform t = page.transform(ClockGroup.REALTIME);
        if (!t.active()) return List.of("--offset", "0");
        if (t.mult() == 0) return List.of("--at", "@" + seconds(t.baseVirtual()), "--freeze");
        if (t.isUnitRate()) {
            long offset = t.baseVirtual() - t.baseReal(); // both in [0, MAX]: no overflow
            return List.of("--offset", (offset < 0 ? "-" : "+") + seconds(Math.abs(offset)));
        }
        return List.of("--at", "@" + seconds(t.baseVirtual()), "--anchor", "@" + seconds(t.baseReal()),
                "--rate", rate(t).toPlainString());
    }

    /** Non-negative nanoseconds as seconds with nine decimals. */
    private static String seconds(long nanos) {
        return nanos / 1_000_000_000L + "." + String.format(java.util.Locale.ROOT, "%09d", nanos % 1_000_000_000L);
    }

    private static java.math.BigDecimal rate(ClockTransform t) {
        if (!t.active() || t.isUnitRate()) return java.math.BigDecimal.ONE;
        return new java.math.BigDecimal(t.mult()).divide(new java.math.BigDecimal(java.math.BigInteger.ONE.shiftLeft(t.shift())))
                .stripTrailingZeros();
    }

    /** Applies one change on the tracer thread; returns null, or why it was refused. */
    private String apply(ClockChange change) {
        return switch (change) {
            case ClockChange.SetRealtime(long nanos) -> stepRealtime(nanos);
            case ClockChange.OffsetRealtime(long nanos) -> {
                // Nested: shifted from its parent's clock, as timens --offset inside meant.
                TimeNamespace p = parent;
                long from = p == null ? Time.clockGettimeNanos(Time.CLOCK_REALTIME) : p.page.now(ClockGroup.REALTIME);
                long target = from + nanos;
                if (((from ^ target) & (nanos ^ target)) < 0 || target < 0) {
                    yield "the offset puts CLOCK_REALTIME outside what Linux can represent";
                }
                yield stepRealtime(target);
            }
            case ClockChange.Forward(ClockGroup group, long nanos) -> forward(group, nanos);
            case ClockChange.Freeze() -> changeRate(java.math.BigDecimal.ZERO);
            case ClockChange.Unfreeze() -> changeRate(java.math.BigDecimal.ONE);
            case ClockChange.Rate(java.math.BigDecimal rate) -> changeRate(rate);
            case ClockChange.Adopt(TimeNamespace child) -> adopted(child);
            case ClockChange.Retire(TimeNamespace child) -> {
                if (nestedNamespaces.remove(child)) child.close();
                yield null;
            }
        };
    }

    private String stepRealtime(long target) {
        if (syscalls.stepRealtime(Math.floorDiv(target, 1_000_000_000L), Math.floorMod(target, 1_000_000_000L)) != 0) {
            return "CLOCK_REALTIME cannot be set to " + java.time.Instant.ofEpochSecond(0, target)
                    + ": before the namespace's boot (its CLOCK_MONOTONIC) or within 30 years of 2262, as the kernel refuses";
        }
        return null;
    }

    /** Moves MONOTONIC or BOOTTIME forward; absolute waits on it are translated anew. */
    private String forward(ClockGroup group, long nanos) {
        if (nanos == 0) return null;
        if (nanos < 0) return "CLOCK_" + group + " only moves forward (asked to move it back by " + -nanos + " ns)";
        if (!(group == ClockGroup.MONOTONIC ? monotonicFollowed : boottimeFollowed)) {
            return notFollowed("CLOCK_" + group + " cannot be moved");
        }
        ClockTransform t = page.transform(group);
        long host = Time.clockGettimeNanos(group.referenceClock());
        long virtual = t.apply(host);
        if (virtual + nanos < virtual) return "CLOCK_" + group + " would pass the end of its range (292 years)";
        page.publish(Map.of(group, t.setTo(host, virtual + nanos)));
        deadlines.clocksWereSet(EnumSet.of(group));
        timers.clockWasSet(group, nanos);
        if (warp != null) warp.clocksChanged();
        return null;
    }

    /**
     * Every clock runs at {@code rate} from now on, continuing from where it
     * stands. Where relative sleeps and timers are scaled ({@link #scaled}:
     * started with a rate), any rate may follow any other: the waits and timers
     * running are scaled anew. Elsewhere only 1 and 0 (freezing and
     * unfreezing), since nothing relative is followed there. Never under --warp.
     * Under --realtime-only, where nothing relative is scaled, CLOCK_REALTIME
     * alone takes any rate.
     */
    private String changeRate(java.math.BigDecimal rate) {
        java.math.BigDecimal current = rate(page.transform(ClockGroup.REALTIME));
        if (current.compareTo(rate) == 0) return null;
        String outOfRange = ClockSettings.outOfRange(rate);
        if (outOfRange != null) return outOfRange;
        boolean betweenOneAndZero = (rate.signum() == 0 || rate.compareTo(java.math.BigDecimal.ONE) == 0)
                && (current.signum() == 0 || current.compareTo(java.math.BigDecimal.ONE) == 0);
        String now = current.signum() == 0 ? "is frozen" : "runs at " + ClockSettings.compact(current);
        if (warp != null) return "the rate of a namespace under --warp cannot change (it " + now + ")";
        // Under --realtime-only nothing relative is scaled: any rate can follow any other.
        if (!realtimeOnly && !scaled && !betweenOneAndZero) {
            return "the rate of this namespace can only go from 1 to frozen and back (it " + now + "): "
                    + (parent != null ? "a nested namespace started at rate 1 does not scale its sleeps,"
                            + " timeouts and timers"
                    : "it was started without --rate, so its sleeps, timeouts and timers are not scaled; start it"
                            + " with --name and --rate (--rate 1 too) to change its rate later");
        }
        if (!realtimeOnly && !nestedNamespaces().isEmpty()
                && (scaled || nestedNamespaces().stream().anyMatch(nested -> nested.scaled))) {
            return "the rate cannot change while a namespace is nested in this one: the sleeps, timeouts and"
                    + " timers scaled to a rate in one of them would not be scaled anew";
        }
        if (!realtimeOnly && (!monotonicFollowed || !boottimeFollowed)) {
            return notFollowed("the clocks cannot be stopped or restarted");
        }
        long mult = rate.multiply(java.math.BigDecimal.valueOf(ClockTransform.UNIT_RATE))
                .setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
        if (mult != 0 && current.signum() == 0 && (timers.anyAbsolute()
                || nestedNamespaces().stream().anyMatch(nested -> nested.timers.anyAbsolute()))) {
            // Frozen, such a timer fires after the real time it named when armed; ticking
            // again, it should fire when the clock gets there, which is not known here.
            // So for one in a namespace nested in this one, which stood still with it.
            return "the clocks cannot tick again while a timer is armed on an absolute deadline"
                    + " (timerfd or POSIX timer): where it would fire is not known";
        }
        Map<ClockGroup, ClockTransform> next = new java.util.EnumMap<>(ClockGroup.class);
        Map<ClockGroup, ClockTransform> before = new java.util.EnumMap<>(ClockGroup.class);
        Set<ClockGroup> groups = realtimeOnly ? EnumSet.of(ClockGroup.REALTIME)
                : EnumSet.allOf(ClockGroup.class);
        for (ClockGroup g : groups) {
            ClockTransform t = page.transform(g);
            long host = Time.clockGettimeNanos(g.referenceClock());
            before.put(g, t);
            next.put(g, new ClockTransform(host, t.apply(host), mult, ClockTransform.SHIFT, true));
        }
        page.publish(next);
        long changedAt = Time.clockGettimeNanos(Time.CLOCK_MONOTONIC);
        // Absolute waits are translated anew: frozen, one takes the real time it named
        // when it began (as at rate 1: nothing to do from there); ticking, it must end
        // when the clock gets there.
        boolean durationsChanged = groups.stream().anyMatch(g -> !before.get(g).scalesDurationsAs(next.get(g)));
        if (mult != 0 || durationsChanged) deadlines.clocksWereSet(groups);
        if (rates != null) {
            rates.rateChanged(changedAt, before.getOrDefault(ClockGroup.MONOTONIC, page.transform(ClockGroup.MONOTONIC)));
        }
        timers.rateChanged(changedAt, before);
        return null;
    }

    private static String notFollowed(String what) {
        return what + ": the namespace was started without --name (or --monotonic, --boottime, --rate),"
                + " so its waits on MONOTONIC and BOOTTIME go to the kernel untranslated";
    }

    /**
     * Lets {@code source} set the namespace's CLOCK_REALTIME while the command runs.
     * Before the namespace starts; at most one.
     */
    public void followRealtime(RealtimeSource source) {
        if (realtimeSource != null) throw new IllegalStateException("the namespace already follows a source");
        realtimeSource = java.util.Objects.requireNonNull(source, "source");
    }

    /**
     * Lets the programs whose name ({@code argv[0]} without its directories, what
     * libfaketime calls the program's name) {@code onHostTime} accepts run on host time:
     * the kernel's own vDSO, and their clock reads, sleeps, timeouts, timers and
     * {@code sysinfo} left to the kernel. Their time sets still move only the
     * namespace's clock. Decided at each exec; a fork or thread of such a program runs
     * on host time too. Before the namespace starts; not with --warp (a program on host
     * time would wait on host time while the others jump).
     */
    public void runOnHostTime(java.util.function.Predicate<String> onHostTime) {
        if (warp != null) throw new IllegalArgumentException("programs on host time do not work with --warp");
        hostTimeProgram = java.util.Objects.requireNonNull(onHostTime, "onHostTime");
    }

    /** Whether thread {@code tid} belongs to a program that runs on host time. */
    private boolean onHostTime(int tid) {
        if (hostTimeProgram == null) return false;
        TraceControl c = control;
        if (c == null || c.tracesEveryThread()) return Boolean.TRUE.equals(onHostTime.get(tid));
        // Engine v2 sees execs, but not forks, threads or exits (ThreadAnswers).
        return hostTimeAnswers.of(tid, false);
    }

    /** Under engine v2, per thread: whether its program runs on host time. */
    private final ThreadAnswers<Boolean> hostTimeAnswers = new ThreadAnswers<>();

    /**
     * The name a program was exec'd under, as libfaketime's {@code __progname}: its
     * {@code argv[0]} after the last '/', read from /proc/TID/cmdline, which holds the
     * new program's arguments from the exec stop on. Empty when it cannot be read.
     */
    private static String programName(int tid) {
        byte[] cmdline;
        try {
            cmdline = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/" + tid + "/cmdline"));
        } catch (java.io.IOException e) {
            return "";
        }
        int end = 0;
        while (end < cmdline.length && cmdline[end] != 0) end++;
        String argv0 = new String(cmdline, 0, end, java.nio.charset.StandardCharsets.UTF_8);
        return argv0.substring(argv0.lastIndexOf('/') + 1);
    }

    @Override
    public boolean wantsWakeups() {
        return warp != null || realtimeSource != null || controlled;
    }

    @Override
    public void onWakeup() {
        for (PendingChange p = changes.poll(); p != null; p = changes.poll()) {
            try {
                p.result().complete(apply(p.change()));
            } catch (RuntimeException e) {
                p.result().completeExceptionally(e);
            }
        }
        if (realtimeSource != null) {
            realtimeSource.due(Time.clockGettimeNanos(Time.CLOCK_REALTIME)).ifPresent(due -> {
                // The date is followed even where the speed cannot be: both are said.
                String refusal = due.rate() == null ? null : changeRate(due.rate());
                if (refusal != null) realtimeSource.refused(refusal);
                String stepRefusal = stepRealtime(due.realtime());
                if (stepRefusal != null) realtimeSource.refused(stepRefusal);
            });
        }
        if (warp != null) warp.settle();
    }

    @Override
    public SyscallOutcome onSyscall(SyscallStop stop) {
        if (onHostTime(stop.tid()) && !TimeSyscalls.isSet(stop.number())) return SyscallOutcome.proceed();
        if (fromKernelVdso(stop)) return SyscallOutcome.proceed();
        int nr = stop.number();
        if (fileTimes != null && FileTimes.handles(nr)) {
            try {
                return fileTimes.handle(stop);
            } catch (TraceeFault e) {
                return SyscallOutcome.error(dev.timens.linux.Errno.EFAULT); // no room for the shifted copy
            }
        }
        if (sleeps != null) sleeps.onSyscall(stop);
        if (timers.handles(nr)) {
            try {
                SyscallOutcome answered = timers.onSyscall(stop);
                if (answered != null) return answered;
            } catch (TraceeFault e) {
                return SyscallOutcome.error(dev.timens.linux.Errno.EFAULT);
            }
        }
        if (rates != null || warp != null || deadlines.handles(stop.number())) {
            try {
                SyscallOutcome warped = warp == null ? null : warp.onSyscall(stop);
                if (warped != null) return warped;
                if (sleeps != null) sleeps.onSleep(stop, rates == null ? null : rates.resumedRemaining(stop));
                if (rates != null && rates.handles(stop)) return rates.handle(stop);
                if (deadlines.handles(stop.number())) return deadlines.handle(stop);
            } catch (TraceeFault e) {
                // No room on the thread's stack for the translated copy: waiting on
                // host time would be wrong, so fail as the kernel does for bad memory.
                return SyscallOutcome.error(dev.timens.linux.Errno.EFAULT);
            }
        }
        return syscalls.handle(stop);
    }

    /**
     * Maps the image into the new program, and makes it the program's vDSO,
     * without another stop: the program runs map-image.S at its entry point,
     * which asks the supervisor for a descriptor of the image (IMAGE_SYSCALL,
     * answered by {@link #onNotification}) and maps it privately (the clock page
     * stays shared with the file as long as the program never writes it, which
     * it cannot: the mapping is read-only and the file sealed), then jumps into the image, where
     * finish-exec.S stores the kernel vDSO's address in the process page, puts
     * the entry point back, points AT_SYSINFO_EHDR at the image and starts the
     * program.
     */
    @Override
    public void onExec(ExecStop stop) {
        if (clockCodeCheck != null) awaitClockCodeCheck();
        if (stop.formerTid() != stop.tid()) kernelVdso.remove(stop.formerTid());
        scratchSlots.remove(stop.tid()); // the old program's image and threads are gone
        if (warp != null && stop.formerTid() != stop.tid()) warp.taskExited(stop.formerTid());
        if (hostTimeProgram != null) {
            onHostTime.remove(stop.formerTid());
            boolean onHost = hostTimeProgram.test(programName(stop.tid()));
            onHostTime.put(stop.tid(), onHost);
            hostTimeAnswers.put(stop.tid(), onHost);
        }
        if (onHostTime(stop.tid())) {
            // Its kernel vDSO stays, and the supervisor lets its time calls through.
            kernelVdso.put(stop.tid(), stop.auxv(Auxv.AT_SYSINFO_EHDR));
            timers.execed(stop.formerTid(), stop.tid());
            return;
        }
        // Read with the bytes the entry code replaces, in one syscall.
        long kernel = stop.auxv(Auxv.AT_SYSINFO_EHDR);
        if (kernel == 0) throw new IllegalStateException("the new program has no vDSO (AT_SYSINFO_EHDR missing)");
        kernelVdso.put(stop.tid(), kernel);
        timers.execed(stop.formerTid(), stop.tid());
        RemotePtr auxvSlot = stop.auxvSlot(Auxv.AT_SYSINFO_EHDR);
        try {
            ByteBuffer data = ByteBuffer.allocate(IMAGE_DATA).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(image.size())
                    .putLong(image.finishExecOffset())
                    .putLong(image.processPageOffset())
                    .putLong(kernel)
                    .putLong(auxvSlot.address());
            stop.startAtEntry(MAP_IMAGE, data.array(), trap -> finishAfterFailure(trap, kernel, auxvSlot));
        } catch (TraceeFault entryNotWritable) {
            // The entry point is too close to the end of its mapping for the code:
            // make the same calls one single-step at a time.
            try {
                install(stop, kernel, injectMapping(stop));
            } catch (TraceeFault e) {
                throw new IllegalStateException("cannot prepare the new program: " + e.getMessage());
            }
        }
    }

    /** What the code at the entry point could not do, the supervisor does (or gives up). */
    private void finishAfterFailure(EntryTrap trap, long kernel, RemotePtr auxvSlot) throws TraceeFault {
        if (trap.step() == 1 && trap.result() == -EMFILE) {
            mapInBorrowedSlot(trap, kernel, auxvSlot);
            return;
        }
        if (trap.step() <= MAP_STEPS) {
            long result = trap.result();
            throw new IllegalStateException((trap.step() == 1 ? "cannot get the clock image: "
                    : "cannot map the clock image: ")
                    + (result < 0 ? dev.timens.linux.Errno.describe((int) -result) : "step " + trap.step() + " failed"));
        }
        // The image is mapped (its address in detail), but /proc/self/mem could
        // not be written: store what finish-exec.S would have stored.
        long base = trap.detail();
        trap.poke(new RemotePtr(base + image.processPageOffset() + VdsoImage.PP_KERNEL_VDSO), kernel);
        trap.memory().writeLong(auxvSlot, base);
    }

    /** Per thread, where the next IMAGE_SYSCALL puts which descriptor (see mapInBorrowedSlot). */
    private record Slot(int number, int fd, int flags) {}

    private final Map<Integer, Slot> slots = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The new program has no free descriptor below its RLIMIT_NOFILE (`ulimit
     * -n 3`, say), where even a static program runs natively: it gets the image
     * in its highest slot for the time of one mmap, then that slot's own file
     * back, with its close-on-exec flag, before its first instruction.
     */
    private void mapInBorrowedSlot(EntryTrap trap, long kernel, RemotePtr auxvSlot) throws TraceeFault {
        int tid = trap.tid();
        int slot = (int) Math.min(openFileLimit(tid), Integer.MAX_VALUE) - 1;
        if (slot < 0) {
            throw new IllegalStateException("cannot get the clock image: the program may open no file at all"
                    + " (RLIMIT_NOFILE 0)");
        }
        int pidfd = dev.timens.linux.Descriptors.pidfdOpen(tid);
        if (pidfd < 0) throw new dev.timens.linux.LinuxException("pidfd_open", -pidfd);
        int own = dev.timens.linux.Descriptors.pidfdGetfd(pidfd, slot);
        Unistd.close(pidfd);
        if (own < 0) {
            throw new IllegalStateException("cannot get the clock image: "
                    + dev.timens.linux.Errno.describe(-own) + " (no free descriptor, and slot " + slot + " unusable)");
        }
        try {
            int ownFlags = closeOnExec(tid, slot) ? Unistd.O_CLOEXEC : 0;
            long base;
            try (InjectedSyscalls inject = trap.injectSyscalls(kernel)) {
                slots.put(tid, new Slot(slot, page.fd(), Unistd.O_CLOEXEC));
                long fd = inject.call(IMAGE_SYSCALL);
                base = fd == slot ? inject.call(SyscallNumbers.MMAP, 0, image.size(),
                        Mman.PROT_READ | Mman.PROT_EXEC, Mman.MAP_PRIVATE, fd, 0) : fd;
                slots.put(tid, new Slot(slot, own, ownFlags));
                long back = inject.call(IMAGE_SYSCALL);
                if (back != slot || !dev.timens.linux.Descriptors.sameFile(tid, slot, Unistd.getpid(), own)) {
                    throw new IllegalStateException("cannot give descriptor " + slot + " back after mapping the"
                            + " clock image: " + (back < 0 ? dev.timens.linux.Errno.describe((int) -back) : "got " + back));
                }
            } finally {
                slots.remove(tid);
            }
            if (base < 0 && base > -4096) {
                throw new IllegalStateException("cannot map the clock image: "
                        + dev.timens.linux.Errno.describe((int) -base));
            }
            trap.poke(new RemotePtr(base + image.processPageOffset() + VdsoImage.PP_KERNEL_VDSO), kernel);
            trap.memory().writeLong(auxvSlot, base);
        } finally {
            Unistd.close(own);
        }
    }

    /** The soft RLIMIT_NOFILE of process {@code tid} (from /proc/TID/limits). */
    private static long openFileLimit(int tid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + tid + "/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Integer.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read the open file limit of " + tid + ": " + e.getMessage());
        }
        throw new IllegalStateException("no open file limit in /proc/" + tid + "/limits");
    }

    /** Whether descriptor {@code fd} of {@code tid} is close-on-exec (O_CLOEXEC in fdinfo's octal flags). */
    private static boolean closeOnExec(int tid, int fd) {
        try {
            for (String line : java.nio.file.Files.readAllLines(
                    java.nio.file.Path.of("/proc/" + tid + "/fdinfo/" + fd))) {
                if (line.startsWith("flags:")) return (Long.parseLong(line.substring(6).trim(), 8) & 02000000) != 0;
            }
        } catch (java.io.IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read the flags of descriptor " + fd + " of " + tid);
        }
        return false;
    }

    /** Maps the image with injected syscalls; returns its address. */
    private long injectMapping(ExecStop stop) throws TraceeFault {
        try (InjectedSyscalls inject = stop.injectSyscalls()) {
            return mapImage(inject);
        }
    }

    /** Gets a descriptor of the image (IMAGE_SYSCALL), maps it privately and closes it; returns its address. */
    private long mapImage(InjectedSyscalls inject) {
        long fd = inject.call(IMAGE_SYSCALL);
        long base = fd;
        if (fd >= 0) {
            base = inject.call(SyscallNumbers.MMAP, 0, image.size(), Mman.PROT_READ | Mman.PROT_EXEC,
                    Mman.MAP_PRIVATE, fd, 0);
            inject.call(SyscallNumbers.CLOSE, fd);
        }
        if (base < 0 && base > -4096) {
            throw new IllegalStateException("cannot map the clock image: " + Errno.describe((int) -base));
        }
        return base;
    }

    private void install(ExecStop stop, long kernel, long base) throws TraceeFault {
        stop.poke(new RemotePtr(base + image.processPageOffset() + VdsoImage.PP_KERNEL_VDSO), kernel);
        stop.setAuxv(Auxv.AT_SYSINFO_EHDR, base);
    }

    /**
     * IMAGE_SYSCALL: a new read-only descriptor of the sealed image, for whoever
     * asks (map-image.S at each exec, or injectMapping). Any process of the
     * namespace may ask; what it gets lets it do nothing but read and map the
     * image privately, which it does anyway.
     */
    /** Whether opens are this namespace's to answer (--proc). */
    boolean servesOpens() {
        return procTimes != null;
    }

    @Override
    public void onNotification(Notification call) {
        if (call.number() != IMAGE_SYSCALL && onHostTime(call.tid()) && !TimeSyscalls.isSet(call.number())) {
            call.proceed();
            return;
        }
        if (procTimes != null && ProcTimes.handles(call.number())) {
            procTimes.open(call);
            return;
        }
        if (call.number() == SyscallNumbers.TIMERFD_CREATE) {
            timers.createTimerfd(call);
            return;
        }
        if (call.number() == SyscallNumbers.READ || call.number() == SyscallNumbers.READV) {
            timers.readNotified(call); // of a descriptor where timerfds are made
            return;
        }
        if (call.number() == SyscallNumbers.TIMERFD_SETTIME) {
            // Only the calls the filter sends here for that (absolute, at rate 1):
            // under engine v2 every other arming comes here too, for a stop.
            if (timerfdsByListener && (call.arg(1) & 1 /* TFD_TIMER_ABSTIME */) != 0) timers.armTimerfd(call);
            return;
        }
        if (TimeSyscalls.isRead(call.number())) {
            if (fromKernelVdso(call)) {
                call.proceed(); // the clock code falling back wants the host's time
            } else if (syscalls.read(call) instanceof SyscallOutcome.Return r) {
                call.answer(r.value());
            } else {
                call.proceed();
            }
            return;
        }
        if (call.number() != IMAGE_SYSCALL) return;
        Slot slot = slots.get(call.tid());
        if (slot != null) {
            call.answerWithDescriptorAt(slot.fd(), slot.number(), slot.flags());
        } else {
            call.answerWithDescriptor(page.fd(), Unistd.O_CLOEXEC);
        }
    }

    @Override
    public void onTaskCreated(int parent, int child, boolean thread) {
        // The child may have exec'd already (its events can come before its parent's
        // fork event): its own vDSO address then stands, not the parent's.
        Long vdso = kernelVdso.get(parent);
        if (vdso != null) kernelVdso.putIfAbsent(child, vdso);
        // As for the vDSO: a child that has exec'd already keeps its own answer.
        if (hostTimeProgram != null) onHostTime.putIfAbsent(child, onHostTime(parent));
        if (!thread) scratchSlots.remove(child); // a reused pid's entry is another process's
        timers.taskCreated(parent, child, thread);
    }

    @Override
    public void onTaskExited(int tid) {
        kernelVdso.remove(tid);
        onHostTime.remove(tid);
        if (!scratchSlots.isEmpty()) {
            // Its slot only: a leader may end before its threads, which keep theirs.
            for (ScratchSlots slots : scratchSlots.values()) {
                for (int i = 0; i < SCRATCH_SLOTS; i++) if (slots.owners()[i] == tid) slots.owners()[i] = 0;
            }
        }
        deadlines.taskExited(tid);
        timers.taskExited(tid);
        if (rates != null) rates.taskExited(tid);
        if (warp != null) warp.taskExited(tid);
        if (sleeps != null) sleeps.taskExited(tid);
    }

    /**
     * A slot in the second half of the process's own copy of the image's
     * process page: mapped for as long as the program runs, never used by the
     * program itself (read-only to it, which is enough: the kernel only reads
     * the copies). Each thread keeps its slot until it exits or the process
     * execs, so a restarted syscall finds its copy at the same address.
     */
    @Override
    public long scratchArea(int tid, int tgid) {
        ScratchSlots slots = scratchSlots.get(tgid);
        if (slots == null) {
            long image = imageIn(tgid);
            if (image == 0) return 0;
            slots = new ScratchSlots(image, new int[SCRATCH_SLOTS]);
            scratchSlots.put(tgid, slots);
        }
        int free = -1;
        for (int i = 0; i < SCRATCH_SLOTS; i++) {
            if (slots.owners()[i] == tid) return slotAddress(slots, i);
            if (free < 0 && slots.owners()[i] == 0) free = i;
        }
        if (free < 0) return 0; // more threads at once with no stack left than slots: EFAULT, as before
        slots.owners()[free] = tid;
        return slotAddress(slots, free);
    }

    private long slotAddress(ScratchSlots slots, int i) {
        return slots.image() + image.processPageOffset() + VdsoImage.PP_SCRATCH + (long) i * SCRATCH_AREA_SIZE;
    }

    /**
     * Process {@code tgid} (thread {@code tid}, stopped in the call) made a
     * time namespace for its children, which {@code token} stands for: what it
     * forks from now on enters that one at its first clock read (clock.h,
     * fork_check), where the kernel's fork would have put it. At the thread's
     * interrupt stop its fork page becomes memory of its own that a fork
     * clears (MADV_WIPEONFORK), holding 1, and the token and the check go into
     * its process page, in that order: a thread reading the clock meanwhile
     * never takes itself for a forked child. Done once per process; a later
     * unshare changes the token only, but in a forked child that has not read
     * a clock yet, the token it inherited is kept in its fork page first: it
     * enters its parent's namespace for children itself, not its own. Nothing
     * is done for a program on the kernel's own vDSO (a host-time program): it
     * has no clock page to switch.
     */
    void armForkCheck(int tid, int tgid, long token) {
        long base = imageIn(tgid);
        Long gadget = syscallInstruction(tid);
        if (base == 0 || gadget == null) return;
        control.interrupt(tid, stop -> {
            RemotePtr processPage = new RemotePtr(base + image.processPageOffset());
            long forkPage = base + image.forkPageOffset();
            String failed = null;
            try {
                ByteBuffer fields = ByteBuffer.wrap(stop.memory().read(processPage.plus(VdsoImage.PP_FORK_CHECK), 16))
                        .order(ByteOrder.LITTLE_ENDIAN);
                if (fields.getLong(0) != 0) {
                    ByteBuffer fork = ByteBuffer.wrap(stop.memory().read(new RemotePtr(forkPage), 16))
                            .order(ByteOrder.LITTLE_ENDIAN);
                    if (fork.getInt(0) == 0 && fork.getLong(VdsoImage.FP_ENTRY_TOKEN) == 0) {
                        byte[] inherited = new byte[8];
                        ByteBuffer.wrap(inherited).order(ByteOrder.LITTLE_ENDIAN).putLong(0, fields.getLong(8));
                        stop.memory().write(new RemotePtr(forkPage + VdsoImage.FP_ENTRY_TOKEN), inherited);
                    }
                } else {
                    if (!stop.canInject()) {
                        failed = "it was stopped by a signal";
                    } else {
                        try (InjectedSyscalls inject = stop.injectSyscalls(gadget)) {
                            long mapped = inject.call(SyscallNumbers.MMAP, forkPage, VdsoImage.PAGE,
                                    Mman.PROT_READ | Mman.PROT_WRITE,
                                    Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, -1, 0);
                            long advised = mapped != forkPage ? mapped
                                    : inject.call(SyscallNumbers.MADVISE, forkPage, VdsoImage.PAGE, Mman.MADV_WIPEONFORK);
                            if (advised != 0) failed = Errno.describe((int) -advised);
                        }
                        if (failed == null) stop.memory().write(new RemotePtr(forkPage), new byte[] {1, 0, 0, 0});
                    }
                }
                if (failed == null) {
                    stop.poke(processPage.plus(VdsoImage.PP_CHILDREN_TOKEN), token);
                    stop.poke(processPage.plus(VdsoImage.PP_FORK_CHECK), 1);
                }
            } catch (TraceeFault e) {
                failed = "its memory could not be written";
            }
            if (failed != null) {
                System.err.println("timens: pid " + tgid + " made a time namespace for its children, but the"
                        + " children it forks will enter it only when they exec (" + failed + ")");
            }
        });
    }

    /**
     * FORKED_SYSCALL, from a forked child entering this namespace (clock.h):
     * a descriptor of the image, whose clock page it maps over its own.
     */
    void answerWithImage(Notification call) {
        call.answerWithDescriptor(page.fd(), Unistd.O_CLOEXEC);
    }

    /** Where the clock page lies in the image's file (the same in every namespace's image). */
    long clockPageOffset() {
        return image.clockPageOffset();
    }

    /** Where the process page lies in the image. */
    long processPageOffset() {
        return image.processPageOffset();
    }

    /** Where the fork page lies in the image (clock.h, fork_check). */
    long forkPageOffset() {
        return image.forkPageOffset();
    }

    /** Where process {@code tgid} has the image mapped (its mapping at file offset 0), from /proc/PID/maps; 0 if not found. */
    static long imageIn(int tgid) {
        return imageIn(tgid, -1);
    }

    /** As {@link #imageIn(int)}, the mapping of the file whose inode is {@code inode} (-1: any image). */
    private static long imageIn(int tgid, long inode) {
        try (java.io.BufferedReader maps = java.nio.file.Files.newBufferedReader(
                java.nio.file.Path.of("/proc", Integer.toString(tgid), "maps"))) {
            for (String line = maps.readLine(); line != null; line = maps.readLine()) {
                // start-end perms offset dev inode path
                String[] f = line.split("\\s+", 6);
                if (f.length == 6 && f[5].startsWith(IMAGE_MAPPING) && Long.parseLong(f[2], 16) == 0
                        && (inode < 0 || Long.parseLong(f[4]) == inode)) {
                    return Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** Where thread {@code tid} can make a syscall the supervisor injects: in its kernel vDSO; null when unknown. */
    private Long syscallInstruction(int tid) {
        Long vdso = kernelVdso(tid);
        return vdso == null ? null : vdso + KernelVdso.current().syscallGadget();
    }

    /**
     * Where the kernel's vDSO is mapped in thread {@code tid}'s address space;
     * null when unknown. A thread not seen at exec or at its creation yet (its
     * own stops can come before its parent's clone event) is looked up in
     * /proc/TID/auxv, which keeps the auxv the kernel built (the program's own
     * copy on its stack points at the image instead).
     */
    /**
     * Whether the kernel's own vDSO code made the call: our clock code falling
     * back (e.g. for the ALARM clocks, which the vDSO cannot read), which wants
     * the host's time and applies the transform itself.
     */
    private boolean fromKernelVdso(dev.timens.engine.SyscallCall call) {
        long ip = call.instructionPointer();
        if (!hostReads.isEmpty() && hostReads.contains(ip & ~(VdsoImage.PAGE - 1L))) return true;
        Long vdso = kernelVdso(call.tid());
        return vdso != null && ip >= vdso && ip < vdso + kernelVdsoSize;
    }

    /**
     * Pages of host clock reads in processes taken in while running (onAdopt),
     * by address: their clock code's way to the host's time, in place of the
     * kernel's functions, which lead back to it there. A fork keeps the page at
     * the same address; an exec drops it, and whatever might later be mapped at
     * that address makes no raw clock call from it.
     */
    private final Set<Long> hostReads = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** mov $NR, %eax; syscall; ret: a raw call with the caller's arguments, as the kernel's fallback makes it. */
    private static byte[] rawCall(int nr) {
        return new byte[] {(byte) 0xb8, (byte) nr, (byte) (nr >> 8), 0, 0, 0x0f, 0x05, (byte) 0xc3};
    }

    private static final int HOST_GETTIMEOFDAY_AT = 64;

    /**
     * How the clock code of a process taken in reaches the kernel's function
     * {@code name} (at {@code kernel}, the process's vDSO), whose first bytes
     * get a jump: a trampoline, its first instructions then a jump back past
     * them, where {@link Prologue} can copy them (the kernel's function runs, no
     * syscall: what clock sources the clock code cannot read itself, such as
     * kvm-clock, need); else a raw syscall {@code nr}, which the supervisor lets
     * through by its address.
     */
    private byte[] hostRead(String name, long kernel, int nr) {
        VdsoImage.Redirect r = image.redirects().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        Prologue.Copy copy = r == null ? null
                : Prologue.copy(KernelVdso.current().image(), (int) r.kernelOffset(), JUMP_LENGTH, kernel + r.kernelOffset());
        if (copy == null || copy.bytes().length + JUMP_LENGTH > HOST_GETTIMEOFDAY_AT) return rawCall(nr);
        ByteBuffer b = ByteBuffer.allocate(copy.bytes().length + JUMP_LENGTH);
        b.put(copy.bytes()).put(jumpTo(kernel + r.kernelOffset() + copy.covered()));
        return b.array();
    }

    /**
     * A process taken in while running (engine v2's adopt): its libc found the
     * kernel's vDSO functions long ago and calls them where they are. The image
     * is mapped as at an exec, with a page of host-clock reads beside it for
     * the clock code's calls of the kernel's functions ({@link #hostRead}); then the kernel's clock_gettime,
     * gettimeofday and time start with a jump into the image's own (written
     * through /proc/PID/mem, which makes the page the process's own copy), once
     * no held thread is inside the bytes it replaces. Timerfds the process armed
     * on an absolute deadline are armed again with it ({@link ArmedTimerfd}).
     */
    @Override
    public void onAdopt(dev.timens.engine.AdoptStop adopted) {
        if (clockCodeCheck != null) awaitClockCodeCheck();
        dev.timens.engine.InterruptStop stop = adopted.at();
        int tid = stop.tid();
        long kernel = KernelVdso.addressIn(tid);
        if (kernel == 0) throw new IllegalStateException("the process has no vDSO (AT_SYSINFO_EHDR missing)");
        long gadget = KernelVdso.current().syscallGadget();
        for (VdsoImage.Redirect r : image.redirects()) {
            if (r.kernelSize() < JUMP_LENGTH) {
                throw new IllegalStateException("the kernel's " + r.name() + " is too short to redirect ("
                        + r.kernelSize() + " bytes)");
            }
            if (gadget >= r.kernelOffset() && gadget < r.kernelOffset() + JUMP_LENGTH) {
                throw new IllegalStateException("the kernel's " + r.name() + " holds the syscall instruction timens"
                        + " injects calls with");
            }
        }
        long base;
        long hostReadPage;
        try (InjectedSyscalls inject = stop.injectSyscalls(kernel + gadget)) {
            base = mapImage(inject);
            hostReadPage = inject.call(SyscallNumbers.MMAP, 0, VdsoImage.PAGE, Mman.PROT_READ | Mman.PROT_WRITE,
                    Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
            if (hostReadPage < 0 && hostReadPage > -4096) {
                throw new IllegalStateException("cannot map a page: " + Errno.describe((int) -hostReadPage));
            }
            byte[] calls = new byte[2 * HOST_GETTIMEOFDAY_AT];
            byte[] clockGettime = hostRead("clock_gettime", kernel, SyscallNumbers.CLOCK_GETTIME);
            byte[] gettimeofday = hostRead("gettimeofday", kernel, SyscallNumbers.GETTIMEOFDAY);
            System.arraycopy(clockGettime, 0, calls, 0, clockGettime.length);
            System.arraycopy(gettimeofday, 0, calls, HOST_GETTIMEOFDAY_AT, gettimeofday.length);
            stop.memory().write(new RemotePtr(hostReadPage), calls);
            long sealed = inject.call(SyscallNumbers.MPROTECT, hostReadPage, VdsoImage.PAGE,
                    Mman.PROT_READ | Mman.PROT_EXEC);
            if (sealed != 0) throw new IllegalStateException("cannot make the host-read page executable");
        } catch (TraceeFault e) {
            throw new IllegalStateException("cannot prepare the process: " + e.getMessage());
        }
        hostReads.add(hostReadPage);
        long processPage = base + image.processPageOffset();
        try {
            stop.poke(new RemotePtr(processPage + VdsoImage.PP_KERNEL_VDSO), kernel);
            stop.poke(new RemotePtr(processPage + VdsoImage.PP_OFF_CLOCK_GETTIME), hostReadPage - kernel);
            stop.poke(new RemotePtr(processPage + VdsoImage.PP_OFF_GETTIMEOFDAY),
                    hostReadPage + HOST_GETTIMEOFDAY_AT - kernel);
            for (VdsoImage.Redirect r : image.redirects()) {
                adopted.stepOutOf(kernel + r.kernelOffset(), JUMP_LENGTH); // no thread may go on mid-jump
                stop.poke(new RemotePtr(kernel + r.kernelOffset()), jumpTo(base + r.imageOffset()));
            }
        } catch (TraceeFault e) {
            throw new IllegalStateException("cannot redirect the kernel's clock functions: " + e.getMessage());
        }
        kernelVdso.put(tid, kernel);
        // Timerfds armed on an absolute deadline follow the namespace's clock from now
        // on, as after a clock step. Only where the listener alone answers their arming:
        // else it would wait for this thread, which injects it.
        if (timerfdsByListener) ArmedTimerfd.armAgain(ArmedTimerfd.of(tid), stop, kernel + gadget);
    }

    /**
     * Let go (engine v2's release): where the kernel's clock functions start
     * with one of onAdopt's jumps (the process taken in, and what it forked
     * without exec'ing since), their own bytes go back, from the kernel's
     * vDSO as this JVM has it, once no held thread is inside them. The image
     * and the page of host reads stay mapped, unused.
     */
    @Override
    public void onRelease(dev.timens.engine.AdoptStop adopted) {
        dev.timens.engine.InterruptStop stop = adopted.at();
        long kernel = KernelVdso.addressIn(stop.tid());
        if (kernel == 0) return;
        byte[] own = KernelVdso.current().image();
        try {
            for (VdsoImage.Redirect r : image.redirects()) {
                RemotePtr at = new RemotePtr(kernel + r.kernelOffset());
                byte[] now = stop.memory().read(at, JUMP_LENGTH);
                if ((now[0] & 0xff) != 0xff || (now[1] & 0xff) != 0x25) continue; // exec'd since: the kernel's own
                adopted.stepOutOf(at.address(), JUMP_LENGTH);
                stop.poke(at, java.util.Arrays.copyOfRange(own, (int) r.kernelOffset(),
                        (int) r.kernelOffset() + JUMP_LENGTH));
            }
        } catch (TraceeFault e) {
            throw new IllegalStateException("cannot put the kernel's clock functions back: " + e.getMessage());
        }
    }

    /**
     * Let go of a namespace that runs on (engine v2's leave): as
     * {@link #onRelease}, then the image mapped in the process is replaced by a
     * private copy of itself, the same code at the same address, whose clock
     * page says host time: a thread that was inside the clock code (or returns
     * into it from a syscall) goes on unharmed, and the process no longer maps
     * the namespace's file, which the watchdog looks for should the supervisor
     * be killed later.
     */
    @Override
    public void onLeave(dev.timens.engine.AdoptStop adopted) {
        onRelease(adopted);
        dev.timens.engine.InterruptStop stop = adopted.at();
        long base = imageIn(stop.tid(), Unistd.inode(page.fd()));
        int tgid = dev.timens.linux.ProcStatus.field(stop.tid(), "Tgid:");
        scratchSlots.remove(tgid); // if it is taken in again, its image is elsewhere
        if (base == 0) return;
        try {
            byte[] bytes = stop.memory().read(new RemotePtr(base), image.size());
            ClockPage.initialize(ByteBuffer.wrap(bytes, image.clockPageOffset(), VdsoImage.PAGE).slice()
                    .order(ByteOrder.LITTLE_ENDIAN));
            // On host time, forked children have no namespace to enter; and the copy is read-only.
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(image.processPageOffset() + VdsoImage.PP_FORK_CHECK, 0);
            long kernel = KernelVdso.addressIn(stop.tid());
            try (InjectedSyscalls inject = stop.injectSyscalls(kernel + KernelVdso.current().syscallGadget())) {
                long copy = inject.call(SyscallNumbers.MMAP, base, image.size(), Mman.PROT_READ | Mman.PROT_EXEC,
                        Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, -1, 0);
                if (copy != base) throw new IllegalStateException("cannot map the copy: " + Errno.describe((int) -copy));
                stop.poke(new RemotePtr(base), bytes);
            }
        } catch (TraceeFault e) {
            throw new IllegalStateException("cannot put a copy of the clock code in place: " + e.getMessage());
        }
    }

    /**
     * Every clock reads the host's from now on: for the programs exec'd after
     * the namespace took their process in (engine v2's adopt), whose vDSO is
     * timens's and reads the clock page, once they were let go. Only when no
     * process is served any more (the tracer thread is done).
     */
    public void backToHost() {
        Map<ClockGroup, ClockTransform> host = new EnumMap<>(ClockGroup.class);
        for (ClockGroup g : ClockGroup.values()) host.put(g, ClockTransform.IDENTITY);
        page.publish(host);
    }

    /** jmp *0(%rip), then the address: 14 bytes that change no register. */
    private static final int JUMP_LENGTH = 14;

    private static byte[] jumpTo(long address) {
        return ByteBuffer.allocate(JUMP_LENGTH).order(ByteOrder.LITTLE_ENDIAN).put((byte) 0xff).put((byte) 0x25)
                .putInt(0).putLong(address).array();
    }

    private Long kernelVdso(int tid) {
        Long known = kernelVdso.get(tid);
        if (known != null) return known;
        long read = KernelVdso.addressIn(tid);
        if (read == 0) return null;
        kernelVdso.put(tid, read);
        return read;
    }

    /** What --warp cost and did, in one line (for --stats); null without --warp. */
    public String warpStats() {
        return warp == null ? null : warp.describe();
    }

    /** The clock page, for inspection. */
    public ClockPage clockPage() {
        return page;
    }

    @Override
    public void close() {
        closed = true;
        endPendingChanges();
        for (TimeNamespace child : nestedNamespaces) child.close();
        if (warp != null) warp.close();
        timers.close();
        page.close();
    }
}
