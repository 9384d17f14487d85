package dev.timens.engine;

import dev.timens.linux.SyscallNumbers;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A tool that answers raw {@code clock_gettime(CLOCK_REALTIME)} calls with the
 * host's time shifted by a number of seconds, and lets every other clock
 * through; nothing else. {@link AdoptIT} runs it in a child JVM, taking in a
 * process that runs already: {@code ClockShifter HELPER PID SECONDS}. It prints
 * {@code ADOPTED pid=PID} on stderr once the process is served, and exits with
 * {@link OnDemandSupervisor#adopt}'s status, or 125 with the reason when the
 * process could not be taken in.
 */
public final class ClockShifter implements Tool {
    private static final int CLOCK_REALTIME = 0;

    private final long shift;

    private ClockShifter(long shift) {
        this.shift = shift;
    }

    @Override
    public SyscallSet syscalls() {
        return SyscallSet.builder().always(SyscallNumbers.CLOCK_GETTIME).build();
    }

    @Override
    public void onNotification(Notification call) {
        if (call.number() != SyscallNumbers.CLOCK_GETTIME || call.arg(0) != CLOCK_REALTIME) {
            call.proceed();
            return;
        }
        Instant now = Instant.now();
        byte[] timespec = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(now.getEpochSecond() + shift).putLong(now.getNano()).array();
        try {
            call.memory().write(call.pointerArg(1), timespec);
            call.answer(0);
        } catch (TraceeFault e) {
            call.answerWithError(14); // EFAULT, as the kernel
        }
    }

    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true);
        int pid = Integer.parseInt(args[1]);
        try {
            ExitStatus status = OnDemandSupervisor.adopt(pid, Path.of(args[0]),
                    new ClockShifter(Long.parseLong(args[2])), err,
                    adopted -> err.println("ADOPTED pid=" + adopted.processes().command()),
                    new TraceStats());
            System.exit(status.shellStatus());
        } catch (SupervisorException e) {
            err.println("ClockShifter: " + e.getMessage());
            System.exit(125);
        }
    }
}
