package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --file-times}: what the stat calls report and what the utime calls
 * take are on the namespace's CLOCK_REALTIME, so that make, tar and find agree
 * with the namespace's clock; the files keep host times on disk. Without the
 * option file times are host times, which the control runs below show.
 */
@Tag("e2e")
class FileTimesIT {
    private static final long HUNDRED_DAYS = 100L * 86_400;
    private static final List<String> HUNDRED_DAYS_AHEAD = List.of("--offset", "+100d", "--file-times");
    /** Five years back: files written now by the host are years in the namespace's future. */
    private static final List<String> BACK = List.of("--offset", "-5y");

    private final TimensRunner runner = new TimensRunner();

    /**
     * Each raw setter (utime, utimes, futimesat, utimensat), read back through
     * each raw getter (stat, lstat, fstat, newfstatat, statx): inside, every one
     * reads what was set; on disk the file has the host time that stands for it.
     */
    @Test
    void everyRawCallSetsAndReadsNamespaceTimes(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        long set = 2_000_000_000L;
        TimensRunner.Result run = runner.timens(HUNDRED_DAYS_AHEAD, Toolchains.program("filetimeprobe").toString(),
                file.toString(), Long.toString(set)).assertExit(0);
        Probe times = run.single("FILETIMES");
        assertThat(times.fields()).as(run.describe()).hasSize(20).allSatisfy((key, value) -> {
            String setter = key.substring(0, key.indexOf('.'));
            String expected = switch (setter) {
                case "utime" -> set + ".000000000";
                case "utimes" -> (set + 10) + ".500000000";
                case "futimesat" -> (set + 20) + ".500000000";
                default -> (set + 30) + ".500000000";
            };
            assertThat(value).as(key).isEqualTo(expected);
        });
        assertThat(Files.getLastModifiedTime(file).toInstant())
                .isEqualTo(Instant.ofEpochSecond(set + 30 - HUNDRED_DAYS, 500_000_000));
    }

    /**
     * Bad pointers and invalid times into every call --file-times handles get the
     * kernel's own answers (EFAULT, EINVAL), as natively, and timens goes on:
     * the same run's next calls read namespace times.
     */
    @Test
    void badPointersGetTheKernelsAnswers(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        String probe = Toolchains.program("filetimeprobe").toString();
        Probe natively = runner.nativeRun(probe, file.toString(), "bad").assertExit(0).single("FILEBAD");
        TimensRunner.Result run = runner.timens(HUNDRED_DAYS_AHEAD, "sh", "-c",
                "\"$0\" \"$1\" bad && \"$0\" \"$1\" 2000000000", probe, file.toString()).assertExit(0);
        assertThat(run.single("FILEBAD").fields()).as(run.describe()).isEqualTo(natively.fields())
                .containsEntry("stat", "error-EFAULT").containsEntry("utimensat_einval", "error-EINVAL");
        assertThat(run.single("FILETIMES").string("utimensat.statx")).isEqualTo("2000000030.500000000");
    }

    /** touch, then stat and date, under both engines' view: the new file is as old as the namespace's now. */
    @Test
    void aFileWrittenInsideIsAsNewAsTheNamespacesNow(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("new");
        TimensRunner.Result run = runner.timens(HUNDRED_DAYS_AHEAD, "sh", "-c",
                "touch \"$0\" && date +%s && stat -c %Y \"$0\" && python3 -c 'import os, sys; "
                        + "print(int(os.stat(sys.argv[1]).st_mtime))' \"$0\"", file.toString()).assertExit(0);
        List<String> lines = run.stdout().lines().toList();
        long now = Long.parseLong(lines.get(0));
        assertThat(Long.parseLong(lines.get(1))).as(run.describe()).isBetween(now - 5, now);
        assertThat(Long.parseLong(lines.get(2))).as(run.describe()).isBetween(now - 5, now);
        long onDisk = Files.getLastModifiedTime(file).toInstant().getEpochSecond();
        assertThat(onDisk).isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond());
    }

    /**
     * make in a namespace five years back, over sources the host just wrote:
     * with --file-times it builds and says nothing of the future; without, GNU
     * make warns that the files are in the future (the control).
     */
    @Test
    void makeInThePastSeesNoClockSkew(@TempDir Path dir) throws Exception {
        Toolchains.requireOnPath("make", "apt-get install make");
        Files.writeString(dir.resolve("Makefile"), "out: in\n\tcp in out\n");
        Files.writeString(dir.resolve("in"), "source\n");
        TimensRunner inDir = runner.in(dir);

        TimensRunner.Result without = inDir.timens(BACK, "make").assertExit(0);
        assertThat(without.stderr()).as(without.describe()).contains("in the future");
        Files.delete(dir.resolve("out"));

        TimensRunner.Result with = inDir.timens(withFileTimes(BACK), "make").assertExit(0);
        assertThat(with.stderr()).as(with.describe()).doesNotContain("in the future").doesNotContain("skew");
        assertThat(dir.resolve("out")).hasContent("source");
        // Nothing to do the second time: the target is newer than its source, as inside.
        TimensRunner.Result again = inDir.timens(withFileTimes(BACK), "make").assertExit(0);
        assertThat(again.stdout()).as(again.describe()).contains("is up to date");
        assertThat(again.stderr()).as(again.describe()).isEmpty();
    }

    /**
     * tar in a namespace five years back: a file written there, archived and
     * extracted again. With --file-times the archive holds the namespace's
     * time, and extracting says nothing of the future; without, the archive
     * holds the host's time, five years ahead, and GNU tar warns (the control).
     */
    @Test
    void tarInThePastArchivesAndRestoresWithoutWarnings(@TempDir Path dir) throws Exception {
        Toolchains.requireOnPath("tar", "apt-get install tar");
        String script = "cd \"$0\" && echo a > a && date +%s && tar -cf a.tar a && rm a && tar -xf a.tar"
                + " && stat -c %Y a && tar -tvf a.tar --full-time";
        TimensRunner.Result without = runner.timens(BACK, "sh", "-c", script,
                Files.createDirectory(dir.resolve("plain")).toString()).assertExit(0);
        assertThat(without.stderr()).as(without.describe()).contains("in the future");

        TimensRunner.Result with = runner.timens(withFileTimes(BACK), "sh", "-c", script,
                Files.createDirectory(dir.resolve("shifted")).toString()).assertExit(0);
        assertThat(with.stderr()).as(with.describe()).isEmpty();
        List<String> lines = with.stdout().lines().toList();
        long now = Long.parseLong(lines.get(0));
        assertThat(Long.parseLong(lines.get(1))).as(with.describe()).isBetween(now - 5, now);
        // The archive's own record of the time is the namespace's year, five years back.
        String year = Integer.toString(java.time.Instant.ofEpochSecond(now).atZone(java.time.ZoneOffset.UTC).getYear());
        assertThat(lines.get(2)).as(with.describe()).contains(" " + year + "-");
        // On disk the file has the host's time.
        assertThat(Files.getLastModifiedTime(dir.resolve("shifted").resolve("a")).toInstant().getEpochSecond())
                .isGreaterThan(now + 4 * 365 * 86_400L);
    }

    /**
     * Java (Files.getLastModifiedTime), Python (os.stat) and stat(1) read the
     * same shifted time of a file the host dated 2017.
     */
    @Test
    void javaPythonAndShellReadTheShiftedTime(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_500_000_000L)));
        Path source = dir.resolve("Mtime.java");
        Files.writeString(source, "public class Mtime { public static void main(String[] a) throws Exception {"
                + " System.out.println(java.nio.file.Files.getLastModifiedTime(java.nio.file.Path.of(a[0]))"
                + ".toInstant().getEpochSecond()); } }\n");
        TimensRunner.Result run = runner.withTimeout(java.time.Duration.ofSeconds(120)).timens(HUNDRED_DAYS_AHEAD,
                "sh", "-c", "\"$0\" \"$1\" \"$2\" && python3 -c 'import os, sys; print(int(os.stat(sys.argv[1]).st_mtime))' \"$2\""
                        + " && stat -c %Y \"$2\"", Toolchains.java().toString(), source.toString(), file.toString())
                .assertExit(0);
        String shifted = Long.toString(1_500_000_000L + HUNDRED_DAYS);
        assertThat(run.stdout().lines().toList()).as(run.describe()).containsExactly(shifted, shifted, shifted);
    }

    /** A Go program (os.Stat, os.Chtimes: its own raw syscalls, no libc) sees and sets namespace times. */
    @Test
    void goReadsAndSetsNamespaceTimes(@TempDir Path dir) throws Exception {
        String go = Toolchains.requireOnPath("go", "apt-get install golang-go").toString();
        Path source = dir.resolve("mtime.go");
        Files.writeString(source, """
                package main

                import (
                	"fmt"
                	"os"
                	"time"
                )

                func main() {
                	fi, err := os.Stat(os.Args[1])
                	if err != nil {
                		panic(err)
                	}
                	fmt.Println(fi.ModTime().Unix())
                	t := time.Unix(2000000000, 0)
                	if err := os.Chtimes(os.Args[1], t, t); err != nil {
                		panic(err)
                	}
                	fi, _ = os.Stat(os.Args[1])
                	fmt.Println(fi.ModTime().Unix())
                }
                """);
        Path binary = dir.resolve("mtime");
        runner.withEnv("GOCACHE", dir.resolve("cache").toString()).withEnv("HOME", dir.toString())
                .withTimeout(java.time.Duration.ofSeconds(300))
                .nativeRun(go, "build", "-o", binary.toString(), source.toString()).assertExit(0);
        Path file = Files.createFile(dir.resolve("f"));
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_500_000_000L)));
        TimensRunner.Result run = runner.timens(HUNDRED_DAYS_AHEAD, binary.toString(), file.toString()).assertExit(0);
        assertThat(run.stdout().lines().toList()).as(run.describe())
                .containsExactly(Long.toString(1_500_000_000L + HUNDRED_DAYS), "2000000000");
        assertThat(Files.getLastModifiedTime(file).toInstant().getEpochSecond()).isEqualTo(2_000_000_000L - HUNDRED_DAYS);
    }

    /** Without the option, stat reports the host's time (the promise the README makes). */
    @Test
    void withoutTheOptionFileTimesAreHostTimes(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_500_000_000L)));
        TimensRunner.Result run = runner.timens(List.of("--offset", "+100d"), "stat", "-c", "%Y", file.toString())
                .assertExit(0);
        assertThat(run.stdout().trim()).isEqualTo("1500000000");
    }

    /**
     * A program on host time (--skip-cmds) sees host file times, as it sees the
     * host's clock (under engine v1, the one that runs programs on host time).
     */
    @Test
    void aProgramOnHostTimeSeesHostFileTimes(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_500_000_000L)));
        TimensRunner.Result run = runner.withEnv("TIMENS_ENGINE", "v1")
                .timens(withFileTimes(List.of("--offset", "+100d", "--skip-cmds=stat")),
                "sh", "-c", "stat -c %Y \"$0\"; python3 -c 'import os, sys; print(int(os.stat(sys.argv[1]).st_mtime))'"
                        + " \"$0\"", file.toString()).assertExit(0);
        assertThat(run.stdout().lines().toList()).as(run.describe())
                .containsExactly("1500000000", Long.toString(1_500_000_000L + HUNDRED_DAYS));
    }

    private static List<String> withFileTimes(List<String> options) {
        List<String> all = new java.util.ArrayList<>(options);
        all.add("--file-times");
        return all;
    }
}
