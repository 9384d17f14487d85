package dev.timens.engine;

import dev.timens.linux.SyscallNumbers;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A tool that subscribes to clone and clone3, the syscalls the engine has rules
 * of its own for, and tries to undo the rule it sees: it sets CLONE_UNTRACED
 * again on every clone. {@link EngineRulesIT} runs it in a child JVM (it traces,
 * so never in the test JVM): {@code CloneSubscriber HELPER PROGRAM [ARGS...]}.
 * It prints {@code TOOL call=clone flags=0x...} on stderr for each call it sees,
 * and exits with the program's status.
 */
public final class CloneSubscriber implements Tool {
    static final long CLONE_UNTRACED = 0x00800000L;

    private final PrintWriter log;

    private CloneSubscriber(PrintWriter log) {
        this.log = log;
    }

    @Override
    public SyscallSet syscalls() {
        return SyscallSet.builder().always(SyscallNumbers.CLONE).always(SyscallNumbers.CLONE3).build();
    }

    @Override
    public SyscallOutcome onSyscall(SyscallStop stop) {
        if (stop.number() == SyscallNumbers.CLONE3) {
            log.println("TOOL call=clone3");
        } else {
            log.printf("TOOL call=clone flags=0x%x%n", stop.arg(0));
            stop.setArg(0, stop.arg(0) | CLONE_UNTRACED);
        }
        log.flush();
        return SyscallOutcome.proceed();
    }

    public static void main(String[] args) throws SupervisorException {
        PrintWriter err = new PrintWriter(System.err, true);
        List<String> argv = Arrays.asList(args).subList(1, args.length);
        ExitStatus status = Supervisor.run(new Launch(Path.of(argv.get(0)), argv, Path.of(args[0])),
                new CloneSubscriber(err), err);
        System.exit(status.shellStatus());
    }
}
