package dev.timens.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command gets exactly the file descriptors it would get without timens:
 * those passed to timens, and none of the JVM's own (its jar, its module image).
 */
@Tag("e2e")
class FileDescriptorIT {
    /** ls lists its own descriptors (no pipe of a shell pipeline can be caught in the listing). */
    private static final String LIST_FDS = "exec ls /proc/self/fd";

    @Test
    void sameDescriptorsAsNatively() {
        // The shell around the run opens 5 and 7 for reading; both must arrive.
        TimensRunner runner = new TimensRunner()
                .wrappedIn(List.of("sh", "-c", "exec 5</dev/null 7</dev/null; exec \"$0\" \"$@\""));
        String natively = runner.nativeRun("sh", "-c", LIST_FDS).assertExit(0).stdout().trim().replace("\n", " ");
        String underTimens = runner.timens(List.of(), "sh", "-c", LIST_FDS).assertExit(0).stdout().trim().replace("\n", " ");
        assertThat(natively).contains("5", "7");
        assertThat(underTimens).isEqualTo(natively);
    }
}
