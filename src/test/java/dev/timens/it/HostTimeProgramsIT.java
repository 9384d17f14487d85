package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * --skip-cmds and --only-cmds (libfaketime's FAKETIME_SKIP_CMDS and FAKETIME_ONLY_CMDS):
 * a program exec'd under a name they put on host time reads the host's clocks, by the
 * vDSO and by raw syscalls alike, while the rest of the namespace keeps its own; the
 * name is argv[0] without its directory, decided anew at every exec. Under both
 * engines: engine v2, which does not see forks and threads, asks a process it has
 * no answer for by the name its program was exec'd under.
 */
@Tag("e2e")
class HostTimeProgramsIT {
    private static final long TEN_DAYS = -10L * 86_400;
    /** The clock reads of clockprobe: the vDSO's and the raw syscalls'. */
    private static final List<String> REALTIME_READS =
            List.of("realtime", "realtime_coarse", "gettimeofday", "time", "raw_realtime", "raw_gettimeofday", "raw_time");

    /** The engine TIMENS_ENGINE names: the suite runs once with each. */
    private final TimensRunner runner = new TimensRunner();

    @Test
    void aSkippedProgramReadsHostTimeAndTheOthersDoNot() {
        TimensRunner.Result run = runner.timens(List.of("--offset", "-10d", "--skip-cmds", "clockprobe-static"),
                "sh", "-c", bothProbes()).assertExit(0);

        assertReads(run, "c-dyn", Expect.offset(TEN_DAYS));
        assertReads(run, "c-static", Expect.offset(0));
    }

    @Test
    void withOnlyCmdsEveryOtherProgramReadsHostTime() {
        // sh is on host time; the listed program it starts is not.
        TimensRunner.Result run = runner.timens(List.of("--offset", "-10d", "--only-cmds", ",clockprobe-dyn,"),
                "sh", "-c", bothProbes() + "; date +'DATE seconds=%s'").assertExit(0);

        assertReads(run, "c-dyn", Expect.offset(TEN_DAYS));
        assertReads(run, "c-static", Expect.offset(0));
        assertThat(run.single("DATE").decimal("seconds")).as(run.describe())
                .isBetween(Expect.offset(0).low(HostClock.ClockGroup.REALTIME, run),
                        Expect.offset(0).high(HostClock.ClockGroup.REALTIME, run));
    }

    /**
     * A thread started by a program on host time reads host time too, by raw
     * syscalls as well (engine v2 never saw the thread start: it asks by name).
     */
    @Test
    void aThreadOfASkippedProgramReadsHostTime() {
        TimensRunner.Result run = runner.timens(List.of("--offset", "-10d", "--skip-cmds", "treeprobe"),
                Toolchains.program("treeprobe").toString(), "thread", "-").assertExit(0);

        assertReads(run, "c-dyn", Expect.offset(0));
    }

    /** The name a program is exec'd under counts, not its file: bash's exec -a renames it. */
    @Test
    void theNameIsArgvZero() {
        Path statical = Toolchains.program("clockprobe-static");
        Path bash = Toolchains.requireOnPath("bash", "apt-get install bash");
        TimensRunner.Result run = runner.timens(List.of("--offset", "-10d", "--skip-cmds", "renamed"),
                bash.toString(), "-c", "exec -a renamed '" + statical + "'").assertExit(0);

        assertReads(run, "c-static", Expect.offset(0));
    }

    /** timens-faketime takes them from the environment, as libfaketime does. */
    @Test
    void theFaketimeVariablesMapToTheOptions() {
        TimensRunner.Result run = runner.withEnv("FAKETIME_SKIP_CMDS", "javadoc,clockprobe-dyn")
                .timensFaketimeArgs(List.of("-f", "-10d", "sh", "-c", bothProbes()))
                .assertExit(0);

        assertReads(run, "c-dyn", Expect.offset(0));
        assertReads(run, "c-static", Expect.offset(TEN_DAYS));
    }

    @Test
    void badCombinationsAreOneLineAndStartNothing() {
        for (List<String> options : List.of(List.of("--only-cmds", "a", "--skip-cmds", "b"),
                List.of("--skip-cmds", "a", "--warp"))) {
            TimensRunner.Result run = runner.timens(options, "sh", "-c", "echo started").assertExit(2);
            assertThat(run.stderrLines()).as(run.describe()).hasSize(1);
            assertThat(run.stdout()).as(run.describe()).isEmpty();
        }
        TimensRunner.Result both = runner.withEnv("FAKETIME_SKIP_CMDS", "a").withEnv("FAKETIME_ONLY_CMDS", "b")
                .timensFaketimeArgs(List.of("-f", "+1d", "sh", "-c", "echo started")).assertExit(2);
        assertThat(both.stderrLines()).as(both.describe()).singleElement().asString().contains("exclude each other");
        assertThat(both.stdout()).as(both.describe()).isEmpty();
    }

    private static void assertReads(TimensRunner.Result run, String lang, Expect expect) {
        Probe probe = run.tagged("PROBE").stream().filter(p -> p.string("lang").equals(lang)).findFirst()
                .orElseThrow(() -> new AssertionError("no PROBE line of " + lang + ":\n" + run.describe()));
        SoftAssertions soft = new SoftAssertions();
        for (String read : REALTIME_READS) {
            soft.assertThat(probe.decimal(read)).as("%s %s should be %s:%n%s", lang, read, expect.describe(),
                            run.describe())
                    .isBetween(expect.low(HostClock.ClockGroup.REALTIME, run), expect.high(HostClock.ClockGroup.REALTIME, run));
        }
        soft.assertAll();
    }

    /** The dynamic, then the static clockprobe, as a shell command. */
    private static String bothProbes() {
        return "'" + Toolchains.program("clockprobe-dyn") + "'; '" + Toolchains.program("clockprobe-static") + "'";
    }
}
