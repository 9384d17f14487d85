package dev.timens.clock;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which timerfds a process taken in has armed again, read from fdinfo as the kernel prints it. */
class ArmedTimerfdTest {
    private static String fdinfo(int clockid, long ticks, String flags, String value, String interval) {
        return "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1057\nclockid: " + clockid + "\nticks: " + ticks
                + "\nsettime flags: " + flags + "\nit_value: " + value + "\nit_interval: " + interval + "\n";
    }

    @Test
    void anAbsoluteTimerNotYetExpiredIsArmedAgain() {
        assertThat(ArmedTimerfd.parse(5, fdinfo(0, 0, "01", "(19, 999997734)", "(0, 0)")))
                .isEqualTo(new ArmedTimerfd(5, 0, 1, 19_999_997_734L, 0));
        assertThat(ArmedTimerfd.parse(6, fdinfo(1, 0, "03", "(2, 5)", "(1, 0)")))
                .as("MONOTONIC, cancel-on-set kept, periodic").isEqualTo(new ArmedTimerfd(6, 1, 3, 2_000_000_005L,
                        1_000_000_000L));
        assertThat(ArmedTimerfd.parse(7, fdinfo(9, 0, "01", "(1, 0)", "(0, 0)"))).as("BOOTTIME_ALARM").isNotNull();
    }

    @Test
    void everyOtherTimerIsLeftAsItIs() {
        assertThat(ArmedTimerfd.parse(5, fdinfo(0, 0, "00", "(19, 0)", "(0, 0)"))).as("relative").isNull();
        assertThat(ArmedTimerfd.parse(5, fdinfo(0, 0, "01", "(0, 0)", "(0, 0)"))).as("disarmed").isNull();
        assertThat(ArmedTimerfd.parse(5, fdinfo(0, 2, "01", "(1, 0)", "(1, 0)"))).as("expirations unread").isNull();
        assertThat(ArmedTimerfd.parse(5, fdinfo(2, 0, "01", "(1, 0)", "(0, 0)"))).as("a CPU-time clock").isNull();
    }
}
