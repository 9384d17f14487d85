package dev.timens.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Error messages name the errno, never a bare number. */
class ErrnoTest {
    @Test
    void everyLinuxErrnoHasItsNameAndMessage() {
        for (int errno = 1; errno <= 133; errno++) {
            if (errno == 41 || errno == 58) continue; // never defined on Linux (EWOULDBLOCK/EDEADLOCK slots)
            assertThat(Errno.describe(errno)).as("errno %d", errno).matches("E[A-Z0-9]+ \\(.+\\)");
        }
    }

    @Test
    void theOnesSeenInTimensMessages() {
        assertThat(Errno.describe(24)).isEqualTo("EMFILE (Too many open files)");
        assertThat(Errno.describe(19)).isEqualTo("ENODEV (No such device)");
        assertThat(Errno.describe(Errno.EFAULT)).isEqualTo("EFAULT (Bad address)");
        assertThat(Errno.describe(4095)).isEqualTo("unknown error 4095");
    }

    @Test
    void namesAndNumbersGoBothWays() {
        assertThat(Errno.name(Errno.EACCES)).isEqualTo("EACCES");
        assertThat(Errno.number("EACCES")).isEqualTo(13);
        assertThat(Errno.number("ENOSYS")).isEqualTo(Errno.ENOSYS);
        assertThat(Errno.name(4095)).isNull();
        assertThat(Errno.number("EWOULDBLOCK")).isEqualTo(-1);
        for (int errno = 1; errno <= 133; errno++) {
            if (Errno.name(errno) != null) assertThat(Errno.number(Errno.name(errno))).isEqualTo(errno);
        }
    }
}
