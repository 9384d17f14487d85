package dev.timens.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** ProcStatus.field read for real from this JVM's /proc, and its parser on text of the kernel's shape. */
class ProcStatusTest {
    @Test
    void readsThisProcessesOwnFields() throws Exception {
        int pid = (int) ProcessHandle.current().pid();
        assertThat(ProcStatus.field(pid, "Tgid:")).isEqualTo(pid);
        assertThat(ProcStatus.field(pid, "Pid:")).isEqualTo(pid);
        int parent = (int) ProcessHandle.current().parent().orElseThrow().pid();
        assertThat(ProcStatus.field(pid, "PPid:")).isEqualTo(parent);
        // Agrees with the slow path, which reads the lines as strings.
        assertThat(ProcStatus.field(pid, "TracerPid:"))
                .isEqualTo(Integer.parseInt(ProcStatus.values(Integer.toString(pid), "TracerPid:")[0]));
    }

    @Test
    void aThreadsTgidIsItsProcesss() throws Exception {
        int pid = (int) ProcessHandle.current().pid();
        int[] seen = new int[2];
        Thread t = new Thread(() -> {
            int tid = (int) Native.syscall(SyscallNumbers.number("gettid"), 0, 0, 0, 0, 0, 0);
            seen[0] = tid;
            seen[1] = ProcStatus.field(tid, "Tgid:");
        });
        t.start();
        t.join();
        assertThat(seen[0]).isNotEqualTo(pid);
        assertThat(seen[1]).isEqualTo(pid);
    }

    /** Field 22, counted from the last ')', so a thread named with ") " and spaces cannot shift it. */
    @Test
    void startTimeIsField22EvenAfterAnAwkwardName() throws Exception {
        long[] seen = new long[2];
        Thread t = new Thread(() -> {
            int tid = (int) Native.syscall(SyscallNumbers.number("gettid"), 0, 0, 0, 0, 0, 0);
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/task/" + tid + "/stat"));
                seen[0] = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
                assertThat(stat).contains("x) 1 2 ");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            seen[1] = ProcStatus.startTime(tid);
        }, "x) 1 2 3 4");
        t.start();
        t.join();
        assertThat(seen[0]).isPositive();
        assertThat(seen[1]).isEqualTo(seen[0]);
        assertThat(ProcStatus.startTime(Integer.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void goneProcessesAndMissingLinesAreMinusOne() {
        assertThat(ProcStatus.field(Integer.MAX_VALUE, "Tgid:")).isEqualTo(-1);
        assertThat(ProcStatus.field((int) ProcessHandle.current().pid(), "NoSuchKey:")).isEqualTo(-1);
    }

    @Test
    void parsesOnlyWholeKeysAtLineStarts() {
        // PPid and TracerPid before Pid: a match anywhere in a line would find them first.
        String status = "Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\nPPid:\t1\n"
                + "TracerPid:\t0\nPid:\t4243\nXPid:\t\n";
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = status.getBytes(StandardCharsets.US_ASCII);
            MemorySegment text = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, text, ValueLayout.JAVA_BYTE, 0, bytes.length);
            assertThat(ProcStatus.parse(text, bytes.length, "Tgid:")).isEqualTo(4242);
            assertThat(ProcStatus.parse(text, bytes.length, "Pid:")).as("not TracerPid's or PPid's").isEqualTo(4243);
            assertThat(ProcStatus.parse(text, bytes.length, "PPid:")).isEqualTo(1);
            assertThat(ProcStatus.parse(text, bytes.length, "TracerPid:")).isZero();
            assertThat(ProcStatus.parse(text, bytes.length, "XPid:")).as("no number").isEqualTo(-1);
            assertThat(ProcStatus.parse(text, bytes.length - 6, "Tgid:")).isEqualTo(4242);
            assertThat(ProcStatus.parse(text, 20, "Tgid:")).as("cut before the line").isEqualTo(-1);
        }
    }
}
