package dev.timens.clock;

import dev.timens.linux.SyscallNumbers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** How --warp tells threads that wait for the namespace or for time from those that hold the clocks. */
@Tag("pure")
class TaskActivityTest {
    /** fd 0: the pipe timens was given; fd 3: a pipe of the namespace's own; fd 4: a socket. */
    private final TaskActivity activity = new TaskActivity(Set.of("pipe:[100]"),
            (tid, fd) -> Map.of(0, "pipe:[100]", 3, "pipe:[200]", 4, "socket:[300]").get(fd));

    private static String syscall(int nr, long... args) {
        StringBuilder b = new StringBuilder().append(nr);
        for (int i = 0; i < 6; i++) b.append(" 0x").append(Long.toHexString(i < args.length ? args[i] : 0));
        return b.append(" 0x7ffc0000 0x7f0000001234\n").toString();
    }

    private TaskActivity.State classify(char state, String syscall) {
        return activity.classify(42, state, syscall);
    }

    @Test
    void runningAndStoppedThreadsHoldTheClocks() {
        assertThat(classify('R', "running\n")).isInstanceOf(TaskActivity.Active.class);
        assertThat(classify('t', syscall(SyscallNumbers.FUTEX, 1, 2, 3))).isInstanceOf(TaskActivity.Active.class);
        assertThat(classify('T', syscall(SyscallNumbers.NANOSLEEP, 1))).isInstanceOf(TaskActivity.Active.class);
        assertThat(classify('S', "-1 0x7ffc0000 0x7f0000001234\n")).isInstanceOf(TaskActivity.Active.class);
    }

    @Test
    void waitsInsideTheNamespaceOrForTimeHoldNothing() {
        assertThat(classify('S', syscall(SyscallNumbers.FUTEX, 0x1000, 0x80, 1, 0))).isInstanceOf(TaskActivity.Waiting.class);
        assertThat(classify('S', syscall(SyscallNumbers.WAIT4, -1, 0, 0, 0))).isInstanceOf(TaskActivity.Waiting.class);
        assertThat(classify('S', syscall(SyscallNumbers.POLL, 0x1000, 1, 5000))).isInstanceOf(TaskActivity.Waiting.class);
        assertThat(classify('S', syscall(SyscallNumbers.READ, 3, 0x1000, 10))).as("own pipe")
                .isInstanceOf(TaskActivity.Waiting.class);
        assertThat(classify('D', syscall(SyscallNumbers.VFORK))).isInstanceOf(TaskActivity.Waiting.class);
        TaskActivity.State waiting = classify('S', syscall(SyscallNumbers.CLOCK_NANOSLEEP, 1, 0, 0x2000, 0));
        assertThat(((TaskActivity.Waiting) waiting).number()).isEqualTo(SyscallNumbers.CLOCK_NANOSLEEP);
        assertThat(((TaskActivity.Waiting) waiting).arg(2)).isEqualTo(0x2000);
    }

    @Test
    void waitsForTheOutsideHoldTheClocks() {
        assertThat(classify('S', syscall(SyscallNumbers.READ, 0, 0x1000, 10))).as("timens's stdin pipe")
                .isInstanceOf(TaskActivity.Active.class);
        assertThat(classify('S', syscall(SyscallNumbers.READ, 4, 0x1000, 10))).as("socket")
                .isInstanceOf(TaskActivity.Active.class);
        assertThat(classify('S', syscall(SyscallNumbers.READ, 9, 0x1000, 10))).as("closed meanwhile")
                .isInstanceOf(TaskActivity.Active.class);
        assertThat(classify('S', syscall(SyscallNumbers.POLL, 0x1000, 1, 0xFFFF_FFFFL))).as("poll forever")
                .isInstanceOf(TaskActivity.Active.class);
        assertThat(classify('D', syscall(SyscallNumbers.READ, 5, 0x1000, 10))).as("disk")
                .isInstanceOf(TaskActivity.Active.class);
    }

    /** fd 5: a timerfd, 6: an epoll of the timerfd and the own pipe, 7: an epoll that also has the socket. */
    private final TaskActivity withTimers = new TaskActivity(Set.of("pipe:[100]"), new TaskActivity.Descriptors() {
        @Override
        public String target(int tid, int fd) {
            return Map.of(0, "pipe:[100]", 3, "pipe:[200]", 4, "socket:[300]", 5, "anon_inode:[timerfd]",
                    6, "anon_inode:[eventpoll]", 7, "anon_inode:[eventpoll]").get(fd);
        }

        @Override
        public int[] watchedBy(int tid, int epfd) {
            return epfd == 6 ? new int[] {5, 3} : epfd == 7 ? new int[] {5, 4} : null;
        }

        @Override
        public byte[] memory(int tid, long address, int length) {
            // At 0x1000: pollfds {5, POLLIN}, {-1}; at 0x2000: {5}, {0: timens's stdin}.
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (address == 0x1000) b.putInt(0, 5).putInt(8, -1);
            if (address == 0x2000) b.putInt(0, 5).putInt(8, 0);
            if (address == 0x3000) b.put(0, (byte) 0b0010_1000); // fd_set {3, 5}
            if (address == 0x4000) b.put(0, (byte) 0b0011_0000); // fd_set {4, 5}
            return b.array();
        }
    });

    @Test
    void waitsForTimersHoldNothing() {
        assertThat(withTimers.classify(42, 'S', syscall(SyscallNumbers.READ, 5, 0x1000, 8))).as("timerfd read")
                .isInstanceOf(TaskActivity.Waiting.class);
        assertThat(withTimers.classify(42, 'S', syscall(SyscallNumbers.EPOLL_WAIT, 6, 0x1000, 1, -1)))
                .as("epoll of a timer and an own pipe").isInstanceOf(TaskActivity.Waiting.class);
        assertThat(withTimers.classify(42, 'S', syscall(SyscallNumbers.EPOLL_WAIT, 7, 0x1000, 1, -1)))
                .as("epoll with a socket").isInstanceOf(TaskActivity.Active.class);
        assertThat(withTimers.classify(42, 'S', syscall(SyscallNumbers.POLL, 0x1000, 2, 0xFFFF_FFFFL)))
                .as("poll of a timer (and an ignored -1)").isInstanceOf(TaskActivity.Waiting.class);
        assertThat(withTimers.classify(42, 'S', syscall(SyscallNumbers.PPOLL, 0x2000, 2, 0, 0)))
                .as("ppoll of a timer and timens's stdin").isInstanceOf(TaskActivity.Active.class);
        assertThat(withTimers.classify(42, 'S', syscall(SyscallNumbers.SELECT, 6, 0x3000, 0, 0, 0)))
                .as("select of an own pipe and a timer").isInstanceOf(TaskActivity.Waiting.class);
        assertThat(withTimers.classify(42, 'S', syscall(SyscallNumbers.PSELECT6, 6, 0, 0x4000, 0, 0, 0)))
                .as("pselect6 with a socket").isInstanceOf(TaskActivity.Active.class);
    }

    @Test
    void aZombieProcessIsAboutToWakeItsParentButAZombieLeaderWithThreadsIsNot() {
        String fields = " Z 1 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 %d 0 100 0 0";
        assertThat(TaskActivity.zombieProcess("42 (sh) " + fields.formatted(1).substring(1))).isTrue();
        assertThat(TaskActivity.zombieProcess("42 (a b) c) " + fields.formatted(3).substring(1))).isFalse();
    }

    @Test
    void procFormats() {
        assertThat(TaskActivity.schedulerState("42 (we (ird) S 1 2 3")).isEqualTo('S');
        assertThat(TaskActivity.syscallArgs("running\n")).isNull();
        assertThat(TaskActivity.syscallArgs(syscall(202, 0xffffffffffffffffL))[1]).isEqualTo(-1L);
    }

    @Test
    void theDoorIsKnownByItsCommandName() {
        assertThat(TaskActivity.isDoor("42 (timens-door) S 1 42 42 0 -1")).isTrue();
        assertThat(TaskActivity.isDoor("42 (sh) S 1 42 42 0 -1")).isFalse();
        assertThat(TaskActivity.isDoor("42 (timens-door) x) S 1 42 42 0 -1")).isFalse();
    }
}
