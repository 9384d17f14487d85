package dev.timens.cli;

import dev.timens.clock.RealtimeSource;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * libfaketime's FAKETIME file (FAKETIME_TIMESTAMP_FILE, ~/.faketimerc, /etc/faketimerc),
 * re-read while the command runs: when its first spec line changes, the namespace's
 * CLOCK_REALTIME moves to what libfaketime would show under the new line, as a
 * settimeofday inside moves it. For a {@code %} spec (from the file, or given once),
 * the same when the modification time of FAKETIME_FOLLOW_FILE changes.
 *
 * <p>What libfaketime shows after re-reading (parse_ft_string, without FAKETIME_XRESET):
 * for an offset, the host's time shifted by it, as if it had been there from the start
 * (at a speed: the start's host time plus the offset plus the time since, sped up);
 * for an {@code @} date or {@code %}, that date now (its start is reset, unless
 * FAKETIME_DONT_RESET is set: then that date plus the time since the start, sped up);
 * for a date without {@code @}, that date. A line asking for another speed is followed
 * where the namespace can take other rates (timens starts it so when it re-reads a
 * file: sleeps and timers already running are scaled anew; or --realtime-only, where
 * nothing relative is scaled): the clocks run at the new speed, from where libfaketime
 * would put them. A line that cannot be followed, or that timens refuses, is reported
 * on stderr, once, and the clock keeps going.
 *
 * <p>The file is read every {@link #POLL} (libfaketime reads it on a clock read once
 * its cache of FAKETIME_CACHE_DURATION seconds, 10 by default, has expired, or every
 * time with FAKETIME_NO_CACHE=1), on a daemon thread of its own.
 */
final class FaketimeFile implements RealtimeSource {
    static final Duration POLL = Duration.ofMillis(100);

    /** Null: the spec is fixed, only FAKETIME_FOLLOW_FILE's time is watched. */
    private final FaketimeCommand.SpecFiles file;
    private final FaketimeReader.Format format;
    private final LocalZone zone;
    private final String followFile;
    private final boolean dontReset;
    /** The speed the namespace started at: where speeds are not followed, a line must keep it. */
    private final BigDecimal rate;
    /** Whether a new speed can be followed (the namespace takes other rates). */
    private final boolean speedsFollowed;
    private final Instant hostStart;
    private final PrintWriter err;
    private final String initialLine;
    /** The line (and followed file's time) last acted on, on the watcher's thread. */
    private String applied;
    /** Parsed on the watcher's thread, taken on the supervisor's. */
    private final AtomicReference<Pending> pending = new AtomicReference<>();

    /** A line to follow: its clock (no speed), and its speed. */
    private record Pending(FaketimeSpec clock, BigDecimal speed) {}

    /**
     * @param file      the file to re-read, or null for a fixed {@code %} spec
     * @param initial   the spec the namespace started with (its line in the file)
     * @param rate      the speed the namespace runs at (0: frozen)
     * @param speedsFollowed whether a line with another speed is followed (the namespace takes other rates)
     * @param hostStart the host's time when the namespace started
     */
    FaketimeFile(FaketimeCommand.SpecFiles file, String initial, FaketimeReader.Format format, LocalZone zone,
                 String followFile, boolean dontReset, BigDecimal rate, boolean speedsFollowed, Instant hostStart,
                 PrintWriter err) {
        this.file = file;
        this.format = format;
        if (file == null) Objects.requireNonNull(initial, "initial");
        this.zone = zone;
        this.followFile = followFile;
        this.dontReset = dontReset;
        this.rate = rate;
        this.speedsFollowed = speedsFollowed;
        this.hostStart = hostStart;
        this.err = err;
        this.initialLine = initial;
        this.applied = state(Optional.ofNullable(initial));
    }

    @Override
    public void start(Runnable changed) {
        Thread watcher = Thread.ofPlatform().daemon().name("timens-faketime-file").unstarted(() -> watch(changed));
        watcher.start();
    }

    private void watch(Runnable changed) {
        while (true) {
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                return;
            }
            Optional<String> line = file == null ? Optional.of(initialLine) : file.line();
            String state = state(line);
            if (state.equals(applied)) continue;
            applied = state;
            if (line.isEmpty()) continue; // libfaketime keeps its last setting too
            if (offer(line.get())) changed.run();
        }
    }

    /**
     * A new spec line: true when the namespace can follow it ({@link #due} then says
     * where its clock goes), false when it was reported instead.
     */
    boolean offer(String line) {
        Pending p = followable(line);
        if (p == null) return false;
        pending.set(p);
        return true;
    }

    /** What a change is detected on: the line, and for '%' the followed file's time. */
    private String state(Optional<String> line) {
        String text = line.orElse("");
        if (text.startsWith("%") && followFile != null) {
            try {
                return text + "\0" + TimensCommand.followFileTime(followFile).getEpochSecond();
            } catch (IllegalArgumentException e) {
                return text + "\0?";
            }
        }
        return text;
    }

    /** The spec of a new line and its speed, or null (reported) when the namespace cannot follow it. */
    private Pending followable(String line) {
        FaketimeSpec spec;
        try {
            spec = TimeSpecs.parseFaketime(line, zone, format);
        } catch (SpecException e) {
            return report(e.getMessage() + "; the clock keeps going");
        }
        BigDecimal speed = switch (spec) {
            case FaketimeSpec.Speed s -> s.rate();
            case FaketimeSpec.Frozen f -> BigDecimal.ZERO;
            default -> BigDecimal.ONE;
        };
        if (speed.compareTo(rate) != 0 && !speedsFollowed) {
            return report("a new speed in " + SpecException.quote(line) + " cannot be followed: the namespace keeps"
                    + " the speed it started with (" + rate.stripTrailingZeros().toPlainString() + ")");
        }
        if (spec instanceof FaketimeSpec.Speed(FaketimeSpec clock, BigDecimal ignored)) spec = clock;
        if (spec instanceof FaketimeSpec.FollowFile) {
            try {
                spec = new FaketimeSpec.StartAt(TimensCommand.followFileTime(followFile));
            } catch (IllegalArgumentException e) {
                return report(e.getMessage() + "; the clock keeps going");
            }
        }
        return new Pending(spec, speed);
    }

    private Pending report(String message) {
        err.println("timens: " + (file != null ? file : "FAKETIME_FOLLOW_FILE " + followFile) + ": " + message);
        err.flush();
        return null;
    }

    @Override
    public Optional<Due> due(long hostRealtime) {
        Pending p = pending.getAndSet(null);
        if (p == null) return Optional.empty();
        BigDecimal host = nanos(hostRealtime);
        BigDecimal start = nanos(hostStart);
        // libfaketime reckons a re-read line from the start, at the line's speed.
        BigDecimal sinceStart = host.subtract(start).multiply(p.speed());
        FaketimeSpec spec = p.clock();
        BigDecimal target = switch (spec) {
            case FaketimeSpec.Offset(Duration offset) -> start.add(nanos(offset)).add(sinceStart);
            case FaketimeSpec.StartAt(Instant instant) -> dontReset ? nanos(instant).add(sinceStart) : nanos(instant);
            case FaketimeSpec.Frozen(Instant instant) -> nanos(instant);
            default -> throw new AssertionError(spec); // unwrapped in followable()
        };
        // Where speeds are followed, every line says its speed: the namespace keeps it where
        // it runs at it already, and where an earlier one was refused, it is asked again.
        return Optional.of(new Due(target.setScale(0, RoundingMode.FLOOR).longValueExact(),
                speedsFollowed ? p.speed() : null));
    }

    @Override
    public void refused(String why) {
        report(why + "; the clock keeps going");
    }

    private static BigDecimal nanos(long value) {
        return BigDecimal.valueOf(value);
    }

    private static BigDecimal nanos(Instant instant) {
        return BigDecimal.valueOf(instant.getEpochSecond()).scaleByPowerOfTen(9).add(BigDecimal.valueOf(instant.getNano()));
    }

    private static BigDecimal nanos(Duration duration) {
        return BigDecimal.valueOf(duration.getSeconds()).scaleByPowerOfTen(9).add(BigDecimal.valueOf(duration.getNano()));
    }
}
