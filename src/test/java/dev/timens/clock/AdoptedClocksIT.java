package dev.timens.clock;

import static dev.timens.it.OutputLines.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.timens.it.Toolchains;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program started natively, then taken into a namespace a year ahead while
 * it runs (engine v2's adopt with the time namespace, {@link AdoptedNamespace}
 * in a child JVM), then let go on for a few rounds: from then on its clock reads through libc (the kernel vDSO
 * it resolved at its start, now leading into the clock code), gettimeofday,
 * time() and the raw syscall all say next year, in every thread, in a thread
 * and a child started later, and in a JVM and a Python interpreter; its
 * CPU-time clock still works (the clock code's fallback does not lead back
 * into itself); it never stops and exits 0.
 */
@Tag("e2e")
class AdoptedClocksIT {
    private static final long SHIFT = 366L * 86400;
    private static final Pattern ADOPTEE = Pattern.compile(
            "ADOPTEE who=(\\w+) n=\\d+ raw=(\\d+) vdso=(\\d+) tod=(\\d+) time=(\\d+) cpu=(\\w+)");

    @Test
    void everyClockReadOfARunningCProgramMovesAYearAhead() throws Exception {
        List<String> lines = adopt(List.of(Toolchains.program("adoptee").toString()));
        long host = java.time.Instant.now().getEpochSecond();
        String describe = String.join("\n", lines);
        Matcher first = matcher(lines.getFirst());
        assertThat(Long.parseLong(first.group(3))).as("before: %s", describe).isBetween(host - 60, host);
        List<String> after = new ArrayList<>();
        for (String who : List.of("main", "early", "late", "child")) {
            List<String> own = lines.stream().filter(l -> l.contains("who=" + who + " ")).toList();
            assertThat(own).as("%s: %s", who, describe).isNotEmpty();
            after.add(own.getLast());
        }
        after.addAll(lines.stream().filter(l -> l.contains("who=late ") || l.contains("who=child ")).toList());
        for (String line : after) {
            Matcher m = matcher(line);
            for (int field = 2; field <= 5; field++) {
                assertThat(Long.parseLong(m.group(field))).as("%s in %s: %s", field, line, describe)
                        .isBetween(host + SHIFT - 60, host + SHIFT);
            }
        }
        assertThat(lines).as(describe).allSatisfy(l -> assertThat(matcher(l).group(6)).isEqualTo("ok"));
    }

    /**
     * Let go after a year ahead: the program reads the host's time again by
     * every way, in its threads and in the thread and child it starts after;
     * it runs on and exits 0; what answers its filter then
     * ({@code timens-exec continue}) ends with it.
     */
    @Test
    void aReleasedProgramReadsTheHostsClockAgain() throws Exception {
        Process target = new ProcessBuilder(Toolchains.program("adoptee").toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        Process supervisor = supervisor(target.pid());
        BufferedReader said = new BufferedReader(new InputStreamReader(supervisor.getInputStream(), StandardCharsets.UTF_8));
        String adopted = said.readLine();
        // Read until main says next year, then let it go.
        CompletableFuture.runAsync(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                    Matcher m = ADOPTEE.matcher(line);
                    if (m.matches() && m.group(1).equals("main") && Long.parseLong(m.group(3)) > nowSeconds() + SHIFT / 2) {
                        return;
                    }
                }
            } catch (IOException e) {
                lines.add("(read failed: " + e + ")");
            }
        }).get(60, TimeUnit.SECONDS);
        supervisor.getOutputStream().write("release\n".getBytes(StandardCharsets.UTF_8));
        supervisor.getOutputStream().flush();
        assertThat(supervisor.waitFor(20, TimeUnit.SECONDS)).as("the supervisor ends once it let go").isTrue();
        String describe = adopted + "\n" + String.join("\n", readAll(said));
        assertThat(supervisor.exitValue()).as(describe).isZero();
        target.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        target.getOutputStream().flush();
        CompletableFuture<List<String>> rest = CompletableFuture.supplyAsync(() -> readAll(out));
        boolean ended = target.waitFor(30, TimeUnit.SECONDS);
        if (!ended) target.destroyForcibly();
        lines.addAll(rest.get(10, TimeUnit.SECONDS));
        assertThat(ended).as("the released program ends: %s", String.join("\n", lines)).isTrue();
        describe = String.join("\n", lines) + "\nsupervisor:\n" + describe;
        assertThat(target.exitValue()).as(describe).isZero();
        long host = nowSeconds();
        List<String> after = new ArrayList<>();
        for (String who : List.of("main", "early")) {
            after.add(lines.stream().filter(l -> l.contains("who=" + who + " ")).toList().getLast());
        }
        after.addAll(lines.stream().filter(l -> l.contains("who=late ") || l.contains("who=child ")).toList());
        assertThat(after).as(describe).hasSizeGreaterThan(2);
        for (String line : after) {
            Matcher m = matcher(line);
            for (int field = 2; field <= 5; field++) {
                assertThat(Long.parseLong(m.group(field))).as("%s in %s: %s", field, line, describe)
                        .isBetween(host - 60, host);
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (continuers() > 0 && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(continuers()).as("timens-exec continue ends with the released processes").isZero();
    }

    private static long nowSeconds() {
        return java.time.Instant.now().getEpochSecond();
    }

    /** How many "timens-exec continue" processes run, here and in any test running beside. */
    private static long continuers() throws IOException {
        try (var processes = Files.list(Path.of("/proc"))) {
            return processes.filter(p -> p.getFileName().toString().matches("[0-9]+")).filter(p -> {
                try {
                    return Files.readString(p.resolve("cmdline")).startsWith("timens-exec\0continue\0");
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void aRunningJvmMovesAYearAhead(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("Loop.java");
        Files.writeString(source, """
                public class Loop {
                    public static void main(String[] args) throws Exception {
                        int left = -1;
                        for (int i = 0; i < 600 && left != 0; i++) {
                            System.out.println("LOOP " + java.time.Instant.now().getEpochSecond() + " "
                                    + System.currentTimeMillis() / 1000);
                            if (left > 0) left--;
                            else if (System.in.available() > 0) left = 5;
                            Thread.sleep(100);
                        }
                    }
                }
                """);
        assertLastReadingsAhead(adopt(List.of(Toolchains.java().toString(), source.toString())));
    }

    @Test
    void aRunningPythonMovesAYearAhead() throws Exception {
        String python = Toolchains.requireOnPath("python3", "Debian: python3").toString();
        assertLastReadingsAhead(adopt(List.of(python, "-c", """
                import select, sys, time
                left = -1
                for i in range(600):
                    print("LOOP", int(time.time()), int(time.clock_gettime(time.CLOCK_REALTIME)), flush=True)
                    if left > 0:
                        left -= 1
                    elif select.select([sys.stdin], [], [], 0)[0]:
                        left = 5
                    if left == 0:
                        break
                    time.sleep(0.1)
                """)));
    }

    private static void assertLastReadingsAhead(List<String> lines) {
        long host = java.time.Instant.now().getEpochSecond();
        String describe = String.join("\n", lines);
        String[] first = lines.getFirst().split(" ");
        assertThat(Long.parseLong(first[1])).as("before: %s", describe).isBetween(host - 60, host);
        String[] last = lines.getLast().split(" ");
        for (int i = 1; i < last.length; i++) {
            assertThat(Long.parseLong(last[i])).as("after: %s", describe).isBetween(host + SHIFT - 60, host + SHIFT);
        }
    }

    /**
     * Starts {@code command}, waits for its first line, takes it in, then
     * gives it a line on its standard input (it ends a few rounds later), and
     * returns every line it printed; checks it and the supervisor exit 0.
     */
    private static List<String> adopt(List<String> command) throws Exception {
        Process target = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        lines.add(out.readLine());
        CompletableFuture<List<String>> rest = CompletableFuture.supplyAsync(() -> readAll(out));
        Process supervisor = supervisor(target.pid());
        BufferedReader supervisorOut = new BufferedReader(new InputStreamReader(supervisor.getInputStream(),
                StandardCharsets.UTF_8));
        String first = supervisorOut.readLine();
        CompletableFuture<String> said = CompletableFuture.supplyAsync(() -> first + "\n"
                + String.join("\n", readAll(supervisorOut)));
        target.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        target.getOutputStream().flush();
        assertThat(target.waitFor(60, TimeUnit.SECONDS)).as("the program ends").isTrue();
        lines.addAll(rest.get(10, TimeUnit.SECONDS));
        assertThat(supervisor.waitFor(20, TimeUnit.SECONDS)).as("the supervisor ends with it").isTrue();
        String describe = String.join("\n", lines) + "\nsupervisor:\n" + said.get(10, TimeUnit.SECONDS);
        assertThat(target.exitValue()).as(describe).isZero();
        assertThat(supervisor.exitValue()).as(describe).isZero();
        assertThat(describe).contains("ADOPTED pid=" + target.pid()).doesNotContain("could not be prepared");
        return lines;
    }

    /** AdoptedNamespace, taking {@code pid} a year ahead, in a child JVM. */
    private static Process supervisor(long pid) throws IOException {
        Path helper = Toolchains.basedir().resolve("target/native/timens-exec");
        return new ProcessBuilder(Toolchains.java().toString(), "--enable-native-access=ALL-UNNAMED",
                "-Dtimens.helper=" + helper, "-cp", System.getProperty("java.class.path"),
                AdoptedNamespace.class.getName(), helper.toString(), Long.toString(pid), Long.toString(SHIFT))
                .redirectErrorStream(true).start();
    }

    private static Matcher matcher(String line) {
        Matcher m = ADOPTEE.matcher(line == null ? "" : line);
        if (!m.matches()) throw new AssertionError("not an adoptee line: " + line);
        return m;
    }
}
