package dev.timens.linux;

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

/** Cross-checks {@link SyscallNumbers}, constants and table, against the installed kernel headers, when there are any. */
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
        assertThat(checked).isEqualTo(122 + 59 + 3); // x86_64, i386, x32-only
    }

    @Test
    void theTableHasEveryX86_64SyscallOfTheInstalledHeader() throws Exception {
        assumeTrue(Files.isReadable(HEADERS.resolve("unistd_64.h")), "no kernel headers installed");
        Map<String, Integer> header = read(HEADERS.resolve("unistd_64.h"));
        assertThat(header).hasSizeGreaterThan(300);
        header.forEach((name, nr) -> {
            assertThat(SyscallNumbers.number(name)).as("number(%s)", name).isEqualTo(nr);
            assertThat(SyscallNumbers.name(nr)).as("name(%d)", nr).isEqualTo(name);
        });
        // What the header lacks can only be newer than it: above its highest number.
        int newest = header.values().stream().max(Integer::compare).orElseThrow();
        SyscallNumbers.names().forEach((nr, name) -> {
            if (!header.containsKey(name)) assertThat(nr).as("%s is not in %s", name, HEADERS).isGreaterThan(newest);
        });
    }

    @Test
    void namesAndNumbersGoBothWays() {
        assertThat(SyscallNumbers.names()).hasSizeGreaterThanOrEqualTo(335 + 46);
        SyscallNumbers.names().forEach((nr, name) -> {
            assertThat(name).matches("[a-z_][a-z0-9_]*");
            assertThat(SyscallNumbers.number(name)).as(name).isEqualTo(nr);
        });
        assertThat(SyscallNumbers.name(0)).isEqualTo("read");
        assertThat(SyscallNumbers.name(334)).isEqualTo("rseq");
        assertThat(SyscallNumbers.name(335)).isNull(); // x86_64 leaves 335..423 unused
        assertThat(SyscallNumbers.name(424)).isEqualTo("pidfd_send_signal");
        assertThat(SyscallNumbers.name(-1)).isNull();
        assertThat(SyscallNumbers.number("connect")).isEqualTo(42);
        assertThat(SyscallNumbers.number("clone3")).isEqualTo(SyscallNumbers.CLONE3);
        assertThat(SyscallNumbers.number("mseal")).isEqualTo(462);
        assertThat(SyscallNumbers.number("no_such_call")).isEqualTo(-1);
    }

    @Test
    void everyX86_64ConstantIsInTheTableUnderItsName() throws Exception {
        for (Field f : SyscallNumbers.class.getFields()) {
            String name = f.getName().toLowerCase();
            if (name.startsWith("i386_") || name.startsWith("x32_")) continue;
            assertThat(SyscallNumbers.name(f.getInt(null))).as(f.getName()).isEqualTo(name);
        }
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
