import dev.timens.engine.*;
import dev.timens.linux.Errno;
import dev.timens.linux.SyscallNumbers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * syscall-log, a second tool on the timens engine: runs a command, and every
 * process it starts, and logs the syscalls named on its command line with their
 * arguments and results; {@code --deny} makes some fail with an errno instead
 * (a deny-list sandbox: the engine refuses the call before the kernel sees it).
 *
 * <pre>syscall-log [-o FILE] [--deny NAME=ERRNO,...] NAME,... [--] COMMAND [ARGS...]</pre>
 */
public record SyscallLog(Set<Integer> logged, Map<Integer, Integer> denied, PrintWriter log) implements Tool {
    /** Argument count, then the indexes of the arguments that are paths; others show all six as numbers. */
    private static final Map<String, int[]> SHAPES = Map.ofEntries(Map.entry("open", new int[] {3, 0}),
            Map.entry("openat", new int[] {4, 1}), Map.entry("creat", new int[] {2, 0}),
            Map.entry("execve", new int[] {3, 0}), Map.entry("execveat", new int[] {5, 1}),
            Map.entry("stat", new int[] {2, 0}), Map.entry("lstat", new int[] {2, 0}),
            Map.entry("newfstatat", new int[] {4, 1}), Map.entry("statx", new int[] {5, 1}),
            Map.entry("access", new int[] {2, 0}), Map.entry("faccessat", new int[] {3, 1}),
            Map.entry("faccessat2", new int[] {4, 1}), Map.entry("readlink", new int[] {3, 0}),
            Map.entry("readlinkat", new int[] {4, 1}), Map.entry("unlink", new int[] {1, 0}),
            Map.entry("unlinkat", new int[] {3, 1}), Map.entry("mkdir", new int[] {2, 0}),
            Map.entry("mkdirat", new int[] {3, 1}), Map.entry("rmdir", new int[] {1, 0}),
            Map.entry("chdir", new int[] {1, 0}), Map.entry("rename", new int[] {2, 0, 1}),
            Map.entry("renameat2", new int[] {5, 1, 3}), Map.entry("read", new int[] {3}),
            Map.entry("write", new int[] {3}), Map.entry("close", new int[] {1}), Map.entry("kill", new int[] {2}),
            Map.entry("connect", new int[] {3}), Map.entry("socket", new int[] {3}));

    @Override
    public SyscallSet syscalls() {
        SyscallSet.Builder set = SyscallSet.builder();
        logged.forEach(set::always);
        denied.keySet().forEach(set::always);
        return set.build();
    }

    @Override
    public SyscallOutcome onSyscall(SyscallStop stop) {
        String name = SyscallNumbers.name(stop.number());
        int[] shape = SHAPES.getOrDefault(name, new int[] {6});
        StringBuilder call = new StringBuilder("[" + stop.tid() + "] " + name + "(");
        for (int i = 0; i < shape[0]; i++) {
            int index = i;
            boolean path = Arrays.stream(shape, 1, shape.length).anyMatch(p -> p == index);
            call.append(i == 0 ? "" : ", ").append(path ? string(stop, i) : number(stop.arg(i)));
        }
        call.append(')');
        Integer errno = denied.get(stop.number());
        if (errno != null) {
            log.println(call + " = -1 " + Errno.name(errno) + " (denied)");
            return SyscallOutcome.error(errno);
        }
        if (name.startsWith("execve")) {
            log.println(call + " ..."); // a successful exec does not return to report a result
        } else {
            stop.atExit(exit -> log.println(call + " = " + result(exit.result())));
        }
        return SyscallOutcome.proceed();
    }

    /** A C string argument, quoted with C escapes, or its address when it cannot be read. */
    private static String string(SyscallCall call, int index) {
        try {
            StringBuilder s = new StringBuilder("\"");
            for (byte b : call.memory().readCString(call.pointerArg(index), 4096)) {
                if (b == '"' || b == '\\') s.append('\\').append((char) b);
                else if (b >= 0x20 && b < 0x7f) s.append((char) b);
                else s.append(String.format("\\x%02x", b & 0xff));
            }
            return s.append('"').toString();
        } catch (TraceeFault e) {
            return call.pointerArg(index).toString();
        }
    }

    /** Small numbers in decimal (an int's -100 too: AT_FDCWD), the rest in hex. */
    private static String number(long value) {
        long v = value >>> 32 == 0 && (int) value < 0 && (int) value > -4096 ? (int) value : value;
        return v > -4096 && v < 0x10000 ? Long.toString(v) : "0x" + Long.toHexString(v);
    }

    private static String result(long value) {
        return value < 0 && value > -4096 ? "-1 " + Errno.name((int) -value) : number(value);
    }

    public static void main(String[] args) throws IOException, SupervisorException {
        PrintWriter log = new PrintWriter(System.err, true);
        Map<Integer, Integer> denied = new TreeMap<>();
        int i = 0;
        for (; i < args.length && args[i].startsWith("-") && !args[i].equals("--"); i += 2) {
            if (i + 1 == args.length) usage("missing value after " + args[i]);
            if (args[i].equals("-o")) {
                log = new PrintWriter(Files.newBufferedWriter(Path.of(args[i + 1]), StandardCharsets.UTF_8), true);
            } else if (args[i].equals("--deny")) {
                for (String rule : args[i + 1].split(",")) {
                    String[] nameErrno = rule.split("=", 2);
                    int errno = nameErrno.length == 2 ? Errno.number(nameErrno[1]) : -1;
                    if (errno < 0) usage("--deny wants NAME=ERRNO (openat=EACCES), not " + rule);
                    denied.put(syscall(nameErrno[0]), errno);
                }
            } else {
                usage("unknown option " + args[i]);
            }
        }
        if (i == args.length) usage("no syscall names");
        TreeSet<Integer> logged = new TreeSet<>();
        for (String name : args[i++].split(",")) {
            if (!name.isEmpty()) logged.add(syscall(name));
        }
        if (i < args.length && args[i].equals("--")) i++;
        if (i == args.length) usage("no command");
        List<String> argv = Arrays.asList(args).subList(i, args.length);
        Launch launch = new Launch(resolve(argv.get(0)), argv, Launch.bundledHelper());
        ExitStatus status = Supervisor.run(launch, new SyscallLog(logged, denied, log),
                new PrintWriter(System.err, true));
        log.flush();
        System.exit(status.shellStatus());
    }

    private static int syscall(String name) {
        int nr = SyscallNumbers.number(name);
        if (nr < 0) usage("no x86_64 syscall is called " + name);
        return nr;
    }

    /** The command as execvp would find it: timens-exec execs a path. */
    private static Path resolve(String command) {
        if (command.contains("/")) return Path.of(command);
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, command);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) return candidate;
        }
        return Path.of(command); // not found: timens-exec says so, with status 127
    }

    private static void usage(String problem) {
        System.err.println("syscall-log: " + problem + "\nusage: syscall-log [-o FILE] [--deny NAME=ERRNO,...]"
                + " NAME,... [--] COMMAND [ARGS...]");
        System.exit(2);
    }
}
