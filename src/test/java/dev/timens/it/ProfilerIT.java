package dev.timens.it;

import dev.timens.clock.KernelTimeData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debuggers and profilers keep working on programs under timens: samples taken
 * while a program is inside the vDSO's clock functions unwind to the code that
 * called them, with the unwind tables (CFI) and with frame pointers, as they do
 * natively; and /proc/PID/maps names the image timens maps.
 */
@Tag("e2e")
class ProfilerIT {
    private final TimensRunner runner = new TimensRunner();

    /**
     * unwindprobe samples itself with SIGPROF and unwinds from its handler. In
     * timens's clock code both ways must always reach the caller. Where the
     * clock code reads the kernel's time data itself (a TSC clock source), the
     * kernel's function never runs at all; with TIMENS_CLOCK_READS=kernel it is
     * called, and frame pointers must get out of it (the kernel's own code is
     * outside the image, so in-process CFI unwinders stop there: documented).
     */
    @ParameterizedTest(name = "{0}, clock reads {1}")
    @CsvSource({"unwindprobe, direct", "unwindprobe, kernel", "unwindprobe-static, direct",
            "unwindprobe-static, kernel"})
    void signalHandlersUnwindOutOfTheClockCode(String name, String reads) {
        String program = Toolchains.program(name).toString();
        Probe natively = runner.nativeRun(program).assertExit(0).single("UNWIND");
        assertThat(natively.longValue("image")).as("natively the image is the kernel's [vdso]").isZero();
        assertThat(natively.longValue("kernel_cfi")).as("natively, with CFI").isEqualTo(natively.longValue("kernel"));
        assertThat(natively.longValue("kernel_fp")).as("natively, with frame pointers")
                .isEqualTo(natively.longValue("kernel"));

        // Read directly only where timens finds the kernel's time data usable; then the
        // probe must not wait for samples in the kernel's function, which never runs.
        boolean direct = reads.equals("direct") && KernelTimeData.probe().usable();
        Probe inside = runner.withEnv("TIMENS_CLOCK_READS", reads)
                .timens(List.of("--offset", "+1d"), direct ? List.of(program, "0") : List.of(program))
                .assertExit(0).single("UNWIND");
        long image = inside.longValue("image");
        assertThat(image).as("samples in timens's clock code").isGreaterThanOrEqualTo(50);
        assertThat(inside.longValue("image_cfi")).as("unwound with CFI from the clock code").isEqualTo(image);
        assertThat(inside.longValue("image_fp")).as("unwound with frame pointers from the clock code").isEqualTo(image);
        long kernel = inside.longValue("kernel");
        if (direct) {
            assertThat(kernel).as("samples in the kernel's function, which the clock code no longer calls").isZero();
        } else {
            assertThat(kernel).as("samples in the kernel's function").isGreaterThanOrEqualTo(200);
        }
        assertThat(inside.longValue("kernel_fp")).as("unwound with frame pointers from the kernel's function")
                .isGreaterThanOrEqualTo(kernel - kernel / 100);
    }

    /**
     * {@code perf record -g} (frame pointers) on a program under timens: samples
     * in the vDSO reach the program's own functions, as natively.
     */
    @Test
    void perfCallGraphsReachTheCaller(@TempDir Path dir) {
        Path perf = Toolchains.requireOnPath("perf", "apt-get install linux-perf");
        String program = Toolchains.program("unwindprobe").toString();
        Path nativeData = dir.resolve("native.data");
        Path timensData = dir.resolve("timens.data");
        new TimensRunner().wrappedIn(perfRecord(perf, nativeData)).nativeRun(program).assertExit(0);
        // Under timens the probe runs until 200 samples in the image and, where the
        // clock code calls the kernel's function at all, 200 in that.
        String kernelSamples = KernelTimeData.probe().usable() ? "0" : "200";
        new TimensRunner().wrappedIn(perfRecord(perf, timensData)).timens(List.of("--offset", "+1d"), program,
                        kernelSamples, "200")
                .assertExit(0);

        assertMostReachTheProgram(perfSamples(perf, nativeData), perfSamples(perf, timensData), 100);
    }

    /**
     * async-profiler in a JVM under timens, with each of its ways of walking
     * native frames: samples in the vDSO keep the Java frames below them, as
     * natively (without frame pointers in the clock code they were cut off as
     * "[not_walkable_Java]").
     */
    @ParameterizedTest
    @ValueSource(strings = {"fp", "dwarf", "vm"})
    void asyncProfilerKeepsTheJavaFramesBelowTheClock(String cstack, @TempDir Path dir) {
        Path agent = asyncProfilerAgent(dir);
        Path classes = Toolchains.javaClasses("ProfileProbe");
        Path nativeOut = dir.resolve("native.collapsed");
        Path timensOut = dir.resolve("timens.collapsed");
        runner.nativeRun(javaWithProfiler(agent, cstack, nativeOut, classes)).assertExit(0);
        runner.timens(List.of("--offset", "+1d"), javaWithProfiler(agent, cstack, timensOut, classes)).assertExit(0);

        assertMostReachTheProgram(collapsedSamples(nativeOut), collapsedSamples(timensOut), 200);
    }

    /** The image is one mapping named for what it is; the kernel's [vdso] stays mapped beside it. */
    @Test
    void mapsNameTheImage() {
        List<String> maps = runner.timens(List.of(), "cat", "/proc/self/maps").assertExit(0).stdout().lines().toList();
        assertThat(maps).filteredOn(line -> line.contains("timens-vdso")).singleElement()
                .satisfies(line -> assertThat(line).contains(" r-xp ").endsWith("/memfd:timens-vdso (deleted)"));
        assertThat(maps).anySatisfy(line -> assertThat(line).endsWith("[vdso]"));
    }

    /**
     * A frame of unwindprobe's own loop or main, as perf script prints it
     * ("17d8 main (/path/unwindprobe)"). With frame pointers, the return address
     * into spin() itself is skipped: glibc's clock_gettime makes no frame, as
     * natively.
     */
    private static final java.util.regex.Pattern OWN_FRAME =
            java.util.regex.Pattern.compile("\\s(spin|main)(\\+0x[0-9a-f]+)?\\s\\(.*unwindprobe\\)");

    /**
     * Both runs have enough samples in the vDSO (under timens some in its clock
     * code), and in both at least 90 % of them reach the program's own frames.
     */
    private static void assertMostReachTheProgram(Samples natively, Samples inside, int enough) {
        assertThat(natively.inVdso()).as("native samples in the vDSO").isGreaterThanOrEqualTo(enough);
        assertThat(inside.inVdso()).as("samples in the vDSO under timens").isGreaterThanOrEqualTo(enough);
        assertThat(inside.inClockCode()).as("samples through timens's clock code").isPositive();
        assertThat(natively.reachingCaller()).as("natively, stacks reaching the program")
                .isGreaterThanOrEqualTo(natively.inVdso() * 9 / 10);
        assertThat(inside.reachingCaller()).as("under timens, stacks reaching the program")
                .isGreaterThanOrEqualTo(inside.inVdso() * 9 / 10);
    }

    /** Of the samples with a frame in the vDSO: how many, how many through timens's clock code, how many reach the caller. */
    private record Samples(int inVdso, int inClockCode, int reachingCaller) {
    }

    private static List<String> perfRecord(Path perf, Path data) {
        return List.of(perf.toString(), "record", "-q", "-g", "-e", "cpu-clock", "-F", "2000", "-o", data.toString(),
                "--");
    }

    /** Reads perf's samples of unwindprobe: one frame per line, a blank line between samples. */
    private Samples perfSamples(Path perf, Path data) {
        String script = runner.nativeRun(perf.toString(), "script", "-i", data.toString(), "--comm", "unwindprobe",
                "-F", "ip,sym,dso").assertExit(0).stdout();
        int inVdso = 0, inClockCode = 0, reaching = 0;
        for (String sample : script.split("\n\\s*\n")) {
            boolean vdso = sample.contains("[vdso]") || sample.contains("timens-vdso");
            if (!vdso) continue;
            inVdso++;
            if (sample.contains("timens-vdso")) inClockCode++;
            if (sample.lines().anyMatch(frame -> OWN_FRAME.matcher(frame).find())) reaching++;
        }
        return new Samples(inVdso, inClockCode, reaching);
    }

    /** Reads async-profiler's collapsed stacks: "frame;frame;... count" per line, callers first. */
    private static Samples collapsedSamples(Path file) {
        int inVdso = 0, inClockCode = 0, reaching = 0;
        try {
            for (String line : Files.readAllLines(file)) {
                int space = line.lastIndexOf(' ');
                if (space < 0) continue;
                String stack = line.substring(0, space);
                int count = Integer.parseInt(line.substring(space + 1).trim());
                if (!stack.contains("[vdso]") && !stack.contains("timens-vdso")) continue;
                inVdso += count;
                if (stack.contains("timens-vdso")) inClockCode += count;
                if (stack.contains("ProfileProbe.spin")) reaching += count;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Samples(inVdso, inClockCode, reaching);
    }

    private static List<String> javaWithProfiler(Path agent, String cstack, Path out, Path classes) {
        List<String> command = new ArrayList<>();
        command.add(Toolchains.java().toString());
        // itimer: sampling that needs no perf_events permission.
        command.add("-agentpath:" + agent + "=start,event=itimer,interval=1ms,cstack=" + cstack + ",collapsed,file="
                + out);
        command.addAll(List.of("-cp", classes.toString(), "ProfileProbe", "3000"));
        return command;
    }

    /** libasyncProfiler.so for linux-x64, from the async-profiler jar on the test class path. */
    private static Path asyncProfilerAgent(Path dir) {
        try {
            Path jar = Path.of(one.profiler.AsyncProfiler.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI());
            Path agent = dir.resolve("libasyncProfiler.so");
            try (JarFile file = new JarFile(jar.toFile());
                 InputStream in = file.getInputStream(file.getEntry("linux-x64/libasyncProfiler.so"))) {
                Files.copy(in, agent, StandardCopyOption.REPLACE_EXISTING);
            }
            return agent;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
