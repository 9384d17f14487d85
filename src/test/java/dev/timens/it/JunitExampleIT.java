package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * timens-junit (issue 14) as a user gets it: this build's jar installed into
 * the local Maven repository, timens-junit built and installed against it, and
 * examples/junit, a project with that one test dependency, run with
 * {@code mvn test}: class- and method-level {@code @TimeTravel}, TimeControl, a
 * child process, a rate, and tests without it on host time, in one JVM.
 */
@Tag("e2e")
class JunitExampleIT {
    private static final Pattern SUITE = Pattern.compile(
            "<testsuite [^>]*?tests=\"(\\d+)\"[^>]*?errors=\"(\\d+)\"[^>]*?skipped=\"(\\d+)\"[^>]*?failures=\"(\\d+)\"");

    @Test
    void theExampleProjectsTestsRunAtTheirDates() throws Exception {
        assumeFalse(Toolchains.engineV2(), "the JUnit example attaches (engine v2's adopt) whatever TIMENS_ENGINE says:"
                + " it ran in the first pass");
        Path mvn = Toolchains.requireOnPath("mvn", "apt-get install maven");
        Path base = Toolchains.basedir();
        maven(mvn, base, "install:install-file", "-Dfile=" + base.resolve("target/timens-classes.jar"),
                "-DpomFile=" + base.resolve("pom.xml"));
        maven(mvn, base, "-f", base.resolve("timens-junit/pom.xml").toString(), "install");
        Path example = base.resolve("examples/junit");
        Path reports = example.resolve("target/surefire-reports");
        if (Files.isDirectory(reports)) {
            try (var old = Files.list(reports)) {
                for (Path f : old.toList()) Files.delete(f);
            }
        }
        maven(mvn, base, "-f", example.resolve("pom.xml").toString(), "test");
        int tests = 0;
        List<String> suites = new ArrayList<>();
        try (var files = Files.list(reports)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).toList()) {
                Matcher m = SUITE.matcher(Files.readString(f));
                assertThat(m.find()).as(f.toString()).isTrue();
                assertThat(m.group(2) + m.group(3) + m.group(4)).as("errors, skipped, failures in %s", f).isEqualTo("000");
                tests += Integer.parseInt(m.group(1));
                suites.add(f.getFileName().toString());
            }
        }
        assertThat(suites).as("every test class ran").hasSize(4);
        assertThat(tests).as("every test ran").isEqualTo(11);
    }

    private static void maven(Path mvn, Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(mvn.toString(), "-B", "-q"));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("junit-example", ".log");
        ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = b.start();
        boolean ended = p.waitFor(10, TimeUnit.MINUTES);
        if (!ended) p.destroyForcibly().waitFor();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        assertThat(ended && p.exitValue() == 0).as("%s:\n%s", command, out).isTrue();
    }
}
