package dev.timens.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Cross-checks {@link SyscallNumbers} against the installed kernel headers, when there are any. */
@Tag("pure")
class SyscallNumbersTest {

    private static final Path HEADERS = Path.of("/usr/include/x86_64-linux-gnu/asm");
    private static final Pattern DEFINE = Pattern.compile("#define __NR_(\\w+) (\\d+)");

    @Test
    void everyConstantMatchesUnistdHeaders() throws Exception {
        assumeTrue(Files.isReadable(HEADERS.resolve("unistd_64.h")), "no kernel headers installed");
        Map<String, Integer> x64 = read(HEADERS.resolve("unistd_64.h"));
        Map<String, Integer> i386 = read(HEADERS.resolve("unistd_32.h"));
        Map<String, Integer> x32 = readX32(HEADERS.resolve("unistd_x32.h"));
        int checked = 0;
        for (Field f : SyscallNumbers.class.getFields()) {
            assertThat(Modifier.isStatic(f.getModifiers()) && f.getType() == int.class).isTrue();
            String name = f.getName().toLowerCase();
            boolean is32 = name.startsWith("i386_");
            boolean isX32 = name.startsWith("x32_");
            String syscall = is32 ? name.substring("i386_".length()) : isX32 ? name.substring("x32_".length()) : name;
            if (syscall.equals("newselect")) syscall = "_newselect"; // the header's spelling
            assertThat((is32 ? i386 : isX32 ? x32 : x64).get(syscall)).as(f.getName()).isEqualTo(f.getInt(null));
            checked++;
        }
        assertThat(checked).isEqualTo(95 + 59 + 3); // x86_64, i386, x32-only
    }

    /** unistd_x32.h writes {@code (__X32_SYSCALL_BIT + N)}: the numbers without the bit. */
    private static Map<String, Integer> readX32(Path header) throws IOException {
        Pattern define = Pattern.compile("#define __NR_(\\w+) \\(__X32_SYSCALL_BIT \\+ (\\d+)\\)");
        Map<String, Integer> m = new HashMap<>();
        for (String line : Files.readAllLines(header)) {
            Matcher matcher = define.matcher(line);
            if (matcher.matches()) {
                m.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
            }
        }
        return m;
    }

    private static Map<String, Integer> read(Path header) throws IOException {
        Map<String, Integer> m = new HashMap<>();
        for (String line : Files.readAllLines(header)) {
            Matcher matcher = DEFINE.matcher(line);
            if (matcher.matches()) {
                m.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
            }
        }
        return m;
    }
}
