package dev.timens.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * dev.timens.linux is the bottom layer: facts and bindings of Linux, which the
 * engine, the time namespace and the CLI use, and which uses none of them. Read
 * from the sources, since the compiled classes would not show it: javac copies
 * the constants of another class (a syscall number) instead of referring to it.
 */
@Tag("pure")
class LayersTest {
    private static final Path LINUX = Path.of("src/main/java/dev/timens/linux");
    /** A use of a class of a layer above, by import or by qualified name (not a mention in prose). */
    private static final Pattern UPWARD = Pattern.compile("\\bdev\\.timens\\.(engine|clock|cli)\\.[A-Za-z]\\w*");

    @Test
    void linuxUsesNothingOfTheLayersAboveIt() throws IOException {
        assertThat(LINUX).as("run from the project's base directory").isDirectory();
        List<String> uses = new ArrayList<>();
        try (Stream<Path> files = Files.list(LINUX)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Matcher m = UPWARD.matcher(Files.readString(file));
                while (m.find()) uses.add(file.getFileName() + ": " + m.group());
            }
        }
        assertThat(uses).as("dev.timens.linux may not use the engine, the clock or the CLI").isEmpty();
    }
}
