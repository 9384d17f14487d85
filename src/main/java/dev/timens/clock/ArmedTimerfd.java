package dev.timens.clock;

import dev.timens.engine.InjectedSyscalls;
import dev.timens.engine.InterruptStop;
import dev.timens.engine.RemotePtr;
import dev.timens.engine.TraceeFault;
import dev.timens.linux.Errno;
import dev.timens.linux.SyscallNumbers;
import dev.timens.linux.Time;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The timerfds a running process armed on an absolute deadline before it was
 * taken into a namespace (engine v2's adopt), as /proc/PID/fdinfo shows them:
 * armed on the host's clocks, they would fire when the host's clock gets to
 * the deadline. Each is armed again with the same deadline by the process
 * itself (an injected {@code timerfd_settime}), which meets the filter like
 * any of its calls: from then on the deadline is read on the namespace's
 * clock, as after a clock step.
 *
 * @param fd        the descriptor in the process
 * @param clockid   its clock (REALTIME, MONOTONIC, BOOTTIME and their ALARM kin)
 * @param flags     the flags it was armed with (TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET)
 * @param remaining nanoseconds to its next expiry, as the kernel reports it
 * @param interval  its period in nanoseconds (0: one-shot)
 */
record ArmedTimerfd(int fd, int clockid, int flags, long remaining, long interval) {
    private static final int TFD_TIMER_ABSTIME = 1;
    private static final Pattern PAIR = Pattern.compile("\\((\\d+), (\\d+)\\)");

    /**
     * The timerfds of process {@code pid} armed on an absolute deadline, not
     * yet expired (one with expirations unread would lose them when armed again:
     * left as it is).
     */
    static List<ArmedTimerfd> of(int pid) {
        List<ArmedTimerfd> armed = new ArrayList<>();
        Path fds = Path.of("/proc/" + pid + "/fd");
        try (var entries = Files.list(fds)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                try {
                    if (!Files.readSymbolicLink(entry).toString().equals("anon_inode:[timerfd]")) continue;
                    int fd = Integer.parseInt(entry.getFileName().toString());
                    ArmedTimerfd t = parse(fd, Files.readString(Path.of("/proc/" + pid + "/fdinfo/" + fd)));
                    if (t != null) armed.add(t);
                } catch (IOException | RuntimeException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            return List.of(); // gone
        }
        return armed;
    }

    /** One timerfd's fdinfo, if it is armed on an absolute deadline with no expiration unread; else null. */
    static ArmedTimerfd parse(int fd, String fdinfo) {
        int clockid = -1;
        int flags = 0;
        long ticks = -1;
        long value = -1;
        long interval = 0;
        for (String line : fdinfo.lines().toList()) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).strip();
            String rest = line.substring(colon + 1).strip();
            switch (key) {
                case "clockid" -> clockid = Integer.parseInt(rest);
                case "ticks" -> ticks = Long.parseLong(rest);
                case "settime flags" -> flags = Integer.parseInt(rest, 8);
                case "it_value" -> value = nanos(rest);
                case "it_interval" -> interval = nanos(rest);
                default -> { }
            }
        }
        if ((flags & TFD_TIMER_ABSTIME) == 0 || ticks != 0 || value <= 0 || hostClock(clockid) < 0) return null;
        return new ArmedTimerfd(fd, clockid, flags, value, interval);
    }

    private static long nanos(String pair) {
        Matcher m = PAIR.matcher(pair);
        if (!m.matches()) throw new IllegalArgumentException("not a (seconds, nanoseconds) pair: " + pair);
        return Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2));
    }

    /** The host clock a timerfd clock counts on, or -1 for one not armed on a deadline timens moves. */
    private static int hostClock(int clockid) {
        return switch (clockid) {
            case 0, 8 -> Time.CLOCK_REALTIME; // and REALTIME_ALARM
            case 1 -> Time.CLOCK_MONOTONIC;
            case 7, 9 -> Time.CLOCK_BOOTTIME; // and BOOTTIME_ALARM
            default -> -1;
        };
    }

    /**
     * Arms each of {@code armed} again at the thread {@code stop} holds, with
     * syscalls run from {@code syscallInstruction}, on the deadline the process
     * set: now on the host's clock plus what was left.
     */
    static void armAgain(List<ArmedTimerfd> armed, InterruptStop stop, long syscallInstruction) {
        if (armed.isEmpty()) return;
        try (InjectedSyscalls inject = stop.injectSyscalls(syscallInstruction)) {
            for (ArmedTimerfd t : armed) {
                long deadline = Time.clockGettimeNanos(hostClock(t.clockid())) + t.remaining();
                byte[] spec = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(t.interval() / 1_000_000_000L).putLong(t.interval() % 1_000_000_000L)
                        .putLong(deadline / 1_000_000_000L).putLong(deadline % 1_000_000_000L).array();
                RemotePtr at = stop.pushScratch(spec);
                long result = inject.call(SyscallNumbers.TIMERFD_SETTIME, t.fd(), t.flags(), at.address(), 0);
                if (result != 0) {
                    throw new IllegalStateException("cannot arm timerfd " + t.fd() + " again: "
                            + Errno.describe((int) -result));
                }
            }
        } catch (TraceeFault e) {
            throw new IllegalStateException("cannot arm the process's timerfds again: " + e.getMessage());
        }
    }
}
