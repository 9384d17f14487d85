package dev.timens.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.timens.it.Probe;
import dev.timens.it.TimensRunner;
import dev.timens.it.Toolchains;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The engine's own rules hold whatever a tool subscribes to: a tool that
 * subscribes to clone3 and clone (and sets CLONE_UNTRACED back) still gets no
 * untraced child. The tool ({@link CloneSubscriber}) runs in a child JVM.
 */
@Tag("e2e")
class EngineRulesIT {

    @Test
    void aToolSubscribingToCloneCannotSwitchTheEnginesRulesOff() {
        Path program = Toolchains.program("untracedclone");
        Path helper = Toolchains.basedir().resolve("target/native/timens-exec");
        TimensRunner.Result run = new TimensRunner().nativeRun(Toolchains.java().toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                CloneSubscriber.class.getName(), helper.toString(), program.toString()).assertExit(0);

        assertThat(line(run, "clone3", "CLONE").string("result")).as(run.describe()).isEqualTo("error-ENOSYS");
        assertThat(run.tagged("CHILD")).as(run.describe()).extracting(p -> p.string("call")).containsExactly("clone");
        assertThat(line(run, "clone", "CLONE").string("result")).as(run.describe()).isEqualTo("child");
        assertThat(line(run, "clone", "CHILD").longValue("tracer")).as("the clone child is traced: %s",
                run.describe()).isPositive();
        // The tool saw clone, with the flag already cleared, and never clone3.
        assertThat(run.stderrLines()).as(run.describe()).filteredOn(l -> l.startsWith("TOOL ")).singleElement()
                .satisfies(l -> assertThat(Long.decode(l.substring(l.indexOf("flags=") + 6))
                        & CloneSubscriber.CLONE_UNTRACED).isZero());
    }

    private static Probe line(TimensRunner.Result run, String call, String tag) {
        return run.tagged(tag).stream().filter(p -> call.equals(p.string("call"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + tag + " call=" + call + " line in:\n" + run.describe()));
    }
}
