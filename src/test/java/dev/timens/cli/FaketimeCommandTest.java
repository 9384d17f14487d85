package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What timens-faketime decides before it starts anything: faketime's switches, the
 * variables it refuses, and how it reads a FAKETIME file. (Runs are in FaketimeIT.)
 */
class FaketimeCommandTest {
    @TempDir
    Path dir;

    private record Result(int status, String out, String err) {}

    private Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> full = new HashMap<>(env);
        full.putIfAbsent("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        int status = FaketimeCommand.run(new PrintWriter(out), new PrintWriter(err), full, args);
        return new Result(status, out.toString(), err.toString());
    }

    private Path marker() {
        return dir.resolve("started");
    }

    private void assertRefused(Result r, String mentions) {
        assertThat(r.status()).as(r.toString()).isEqualTo(2);
        assertThat(r.err().lines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).startsWith("timens").contains(mentions);
        assertThat(marker()).doesNotExist();
    }

    @Test
    void helpAndVersionAsFaketimePrintsThem() {
        Result help = run(Map.of(), "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("Usage: timens-faketime [switches] <timestamp>", "-f", "--exclude-monotonic");
        assertThat(run(Map.of(), "-h").out()).isEqualTo(help.out());
        assertThat(run(Map.of(), "-v").out()).startsWith("timens");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            FAKETIME_START_AFTER_SECONDS | 60            | FAKETIME_START_AFTER_SECONDS is not supported
            FAKETIME_SPAWN_TARGET        | /bin/true     | FAKETIME_SPAWN_TARGET is not supported
            FAKETIME_XRESET              | 1             | FAKETIME_XRESET is not supported
            FAKETIME_FMT                 | %c            | FAKETIME_FMT '%c' is not supported
            FAKETIME_UPDATE_TIMESTAMP_FILE | 1           | FAKETIME_UPDATE_TIMESTAMP_FILE is not supported
            """)
    void variablesTimensCannotHonourAreRefused(String variable, String value, String mentions) {
        assertRefused(run(Map.of(variable, value), "-f", "+1d", "touch", marker().toString()), mentions);
        assertRefused(run(Map.of(variable, value, "FAKETIME", "+1d"), "--", "touch", marker().toString()), mentions);
    }

    @Test
    void onlyAndSkipCmdsExcludeEachOther() {
        assertRefused(run(Map.of("FAKETIME_ONLY_CMDS", "javadoc", "FAKETIME_SKIP_CMDS", "ctags"), "-f", "+1d", "touch",
                marker().toString()), "FAKETIME_ONLY_CMDS and FAKETIME_SKIP_CMDS exclude each other");
    }

    @Test
    void theDefaultFormatIsNoChange() {
        // Refused for another reason, after FAKETIME_FMT was accepted.
        assertRefused(run(Map.of("FAKETIME_FMT", "%Y-%m-%d %T"), "-p", "1"), "-p");
    }

    @Test
    void epochSecondsAreReadUnderFormatS() {
        // Accepted as a format; the string is then read with it (here refused for its increment).
        assertRefused(run(Map.of("FAKETIME_FMT", "%s"), "-f", "@1700000000 i2", "touch", marker().toString()),
                "per-read increment");
        assertRefused(run(Map.of("FAKETIME_FMT", "%s"), "-f", "Dec 24 2020", "touch", marker().toString()),
                "--faketime value 'Dec 24 2020': needs seconds since the epoch (FAKETIME_FMT %s)");
    }

    @Test
    void faketimesOwnErrorsAreOneLine() {
        assertRefused(run(Map.of(), "-p", "42", "touch", marker().toString()), "-p (a faked process id)");
        assertRefused(run(Map.of(), "-f", "+1d"), "a timestamp and a program are needed");
        assertRefused(run(Map.of(), "--date-prog"), "--date-prog needs a program");
        assertRefused(run(Map.of(), "--"), "missing program after '--'");
    }

    @Test
    void aTimestampDateCannotReadIsRefused() {
        assertRefused(run(Map.of(), "not a date at all", "touch", marker().toString()),
                "timestamp 'not a date at all' not recognized by date -d");
        assertRefused(run(Map.of(), "--date-prog", dir.resolve("no-such-date").toString(), "today", "touch",
                marker().toString()), "cannot run");
    }

    @Test
    void aBadFaketimeStringIsTimenssUsageError() {
        Result r = run(Map.of(), "-f", "+1y i2,0", "touch", marker().toString());
        assertRefused(r, "per-read increment 'i2,0' is not supported");
        assertRefused(run(Map.of("FAKETIME", "@2020-12-24"), "--", "touch", marker().toString()),
                "'@' needs a time after the date");
    }

    @Test
    void theFileLineIsTheFirstLibfaketimeWouldTake() throws Exception {
        assertThat(FaketimeCommand.firstSpecLine(write("# comment\n; too\n  +1d\n\n+2d x2\r\n-1d\n")))
                .contains("+2d x2");
        // A one-character line counts only with its newline, as fgets keeps it.
        assertThat(FaketimeCommand.firstSpecLine(write("%\n"))).contains("%");
        assertThat(FaketimeCommand.firstSpecLine(write("%"))).isEmpty();
        assertThat(FaketimeCommand.firstSpecLine(write("# nothing\n"))).isEmpty();
        assertThat(FaketimeCommand.firstSpecLine(dir.resolve("missing"))).isEqualTo(Optional.empty());
    }

    @Test
    void theFileIsReadWhenFaketimeIsUnset() throws Exception {
        Path file = write("+1y i2\n");
        Map<String, String> env = Map.of("FAKETIME_TIMESTAMP_FILE", file.toString(), "HOME", dir.toString());
        assertRefused(run(env, "--", "touch", marker().toString()), "per-read increment 'i2'");
        // FAKETIME wins over the file, as in libfaketime; here a string timens refuses differently.
        Map<String, String> both = new HashMap<>(env);
        both.put("FAKETIME", "x2");
        assertRefused(run(both, "--", "touch", marker().toString()), "needs a start or an offset");
        // Then ~/.faketimerc.
        Files.writeString(dir.resolve(".faketimerc"), "+1y i3\n");
        assertRefused(run(Map.of("HOME", dir.toString()), "--", "touch", marker().toString()),
                "per-read increment 'i3'");
    }

    private Path write(String content) throws Exception {
        return Files.writeString(Files.createTempFile(dir, "faketimerc", ""), content);
    }
}
