package dev.timens.clock;

import dev.timens.linux.Time;

/**
 * The clocks that share one transform, as Linux time namespaces group them
 * (and as {@code GROUP_NIBBLES} in wrapper.c does for the vDSO path).
 * CPU-time clocks belong to no group: timens never touches them.
 */
public enum ClockGroup {
    /** REALTIME, REALTIME_COARSE, REALTIME_ALARM and TAI: the wall clock. */
    REALTIME,
    /** MONOTONIC, MONOTONIC_COARSE and MONOTONIC_RAW. */
    MONOTONIC,
    /** BOOTTIME and BOOTTIME_ALARM. */
    BOOTTIME;

    /** The group of {@code clockId}, or null when timens leaves that clock alone. */
    public static ClockGroup of(long clockId) {
        return switch ((int) clockId == clockId ? (int) clockId : -1) {
            case Time.CLOCK_REALTIME, Time.CLOCK_REALTIME_COARSE, Time.CLOCK_REALTIME_ALARM, Time.CLOCK_TAI -> REALTIME;
            case Time.CLOCK_MONOTONIC, Time.CLOCK_MONOTONIC_COARSE, Time.CLOCK_MONOTONIC_RAW -> MONOTONIC;
            case Time.CLOCK_BOOTTIME, Time.CLOCK_BOOTTIME_ALARM -> BOOTTIME;
            default -> null;
        };
    }

    /** The clock ids of every group, for the seccomp filter. */
    public static final int[] VIRTUALIZED_CLOCKS = {
        Time.CLOCK_REALTIME, Time.CLOCK_MONOTONIC, Time.CLOCK_MONOTONIC_RAW, Time.CLOCK_REALTIME_COARSE,
        Time.CLOCK_MONOTONIC_COARSE, Time.CLOCK_BOOTTIME, Time.CLOCK_REALTIME_ALARM, Time.CLOCK_BOOTTIME_ALARM,
        Time.CLOCK_TAI,
    };

    /** The clock whose host reading anchors this group's transform. */
    public int referenceClock() {
        return switch (this) {
            case REALTIME -> Time.CLOCK_REALTIME;
            case MONOTONIC -> Time.CLOCK_MONOTONIC;
            case BOOTTIME -> Time.CLOCK_BOOTTIME;
        };
    }
}
