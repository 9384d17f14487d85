package dev.timens.engine;

import static dev.timens.it.OutputLines.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.timens.it.Toolchains;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The engine takes in a process that runs already ({@link OnDemandSupervisor#adopt}):
 * a program started natively, with a thread, reads the host's time with the raw
 * syscall; once a test tool ({@link ClockShifter}, in a child JVM) has taken it
 * in, every one of its threads reads the tool's time, and so do the thread and
 * the child it starts afterwards. The program never stops (not even a thread in
 * epoll_wait sees an EINTR), exits 0, and the supervisor ends with it.
 */
@Tag("e2e")
class AdoptIT {
    private static final long SHIFT = 366L * 86400;
    private static final Pattern LINE = Pattern.compile("ADOPTEE who=(\\w+) n=(\\d+) raw=(\\S+).*");

    @Test
    void aRunningProcessItsThreadsAndWhatItStartsLaterAreServed() throws Exception {
        Path program = Toolchains.program("adoptee");
        Path helper = Toolchains.basedir().resolve("target/native/timens-exec");
        Process target = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) lines.add(out.readLine()); // running, natively, before anything takes it in
        CompletableFuture<List<String>> rest = CompletableFuture.supplyAsync(() -> readAll(out));

        Process adopter = adopter(helper, target.pid(), SHIFT);
        BufferedReader adopterLines = new BufferedReader(new InputStreamReader(adopter.getInputStream(),
                StandardCharsets.UTF_8));
        String adopted = adopterLines.readLine();
        CompletableFuture<String> adopterOutput = CompletableFuture.supplyAsync(() -> adopted + "\n"
                + String.join("\n", readAll(adopterLines)));
        go(target); // the later thread and child start only once it is served

        assertThat(target.waitFor(30, TimeUnit.SECONDS)).as("the program ends").isTrue();
        lines.addAll(rest.get(10, TimeUnit.SECONDS));
        String describe = "program output:\n" + String.join("\n", lines);
        assertThat(target.exitValue()).as(describe).isZero();
        assertThat(adopter.waitFor(20, TimeUnit.SECONDS)).as("the supervisor ends with the program").isTrue();
        String adopterText = adopterOutput.get(10, TimeUnit.SECONDS);
        describe += "\nsupervisor output:\n" + adopterText;
        assertThat(adopter.exitValue()).as(describe).isZero();
        assertThat(adopterText).as(describe).contains("ADOPTED pid=" + target.pid());

        assertThat(lines).as("a wait that never restarts, cut short: %s", describe)
                .noneMatch(l -> l.contains("raw=eintr"));
        long host = java.time.Instant.now().getEpochSecond();
        List<Reading> readings = lines.stream().map(AdoptIT::reading).toList();
        assertThat(readings.getFirst().seconds()).as("before: %s", describe).isBetween(host - 60, host);
        for (String who : List.of("main", "early")) {
            List<Reading> own = readings.stream().filter(r -> r.who().equals(who)).toList();
            assertThat(own.getLast().seconds()).as("%s's last reading: %s", who, describe)
                    .isBetween(host + SHIFT - 60, host + SHIFT);
        }
        for (String who : List.of("late", "child")) {
            List<Reading> own = readings.stream().filter(r -> r.who().equals(who)).toList();
            assertThat(own).as("%s's readings: %s", who, describe).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.seconds()).isBetween(host + SHIFT - 60, host + SHIFT));
        }
    }

    /**
     * A process served already (its filter has a listener) cannot be taken in
     * a second time: that supervisor says why in one line, exits 125, and the
     * process runs on, served by the first, unharmed.
     */
    @Test
    void aProcessServedAlreadyIsRefusedAndRunsOn() throws Exception {
        Path program = Toolchains.program("adoptee");
        Path helper = Toolchains.basedir().resolve("target/native/timens-exec");
        Process target = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8));
        out.readLine();
        CompletableFuture<List<String>> rest = CompletableFuture.supplyAsync(() -> readAll(out));
        Process first = adopter(helper, target.pid(), SHIFT);
        BufferedReader firstOut = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
        assertThat(firstOut.readLine()).as("the first supervisor").isEqualTo("ADOPTED pid=" + target.pid());

        Process second = adopter(helper, target.pid(), 2 * SHIFT);
        assertThat(second.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String refusal = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(second.exitValue()).as(refusal).isEqualTo(125);
        assertThat(refusal).as("one line").doesNotContain("\n").contains("has a seccomp listener already");
        go(target);

        assertThat(target.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<String> lines = rest.get(10, TimeUnit.SECONDS);
        assertThat(target.exitValue()).as(String.join("\n", lines)).isZero();
        long host = java.time.Instant.now().getEpochSecond();
        assertThat(reading(lines.getLast()).seconds()).as("the first supervisor's clock: %s", lines)
                .isBetween(host + SHIFT - 60, host + SHIFT);
        assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isZero();
    }

    /** Lets the adoptee go on to start its later thread and child, and end. */
    private static void go(Process target) throws IOException {
        target.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        target.getOutputStream().flush();
    }

    private static Process adopter(Path helper, long pid, long shift) throws IOException {
        return new ProcessBuilder(Toolchains.java().toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), ClockShifter.class.getName(), helper.toString(),
                Long.toString(pid), Long.toString(shift)).redirectErrorStream(true).start();
    }

    private record Reading(String who, long seconds) {}

    private static Reading reading(String line) {
        Matcher m = LINE.matcher(line == null ? "" : line);
        if (!m.matches()) throw new AssertionError("not an adoptee line: " + line);
        return new Reading(m.group(1), Long.parseLong(m.group(3)));
    }
}
