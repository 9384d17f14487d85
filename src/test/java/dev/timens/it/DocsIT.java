package dev.timens.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.timens.cli.TimensCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The man page and the shell completions bin/build generates from the picocli
 * model (target/docs): the page renders with man(1) and names every option
 * --help names; bash and zsh complete an option from its first letters.
 */
@Tag("e2e")
class DocsIT {
    private static final Path DOCS = Toolchains.basedir().resolve("target/docs");
    private final TimensRunner runner = new TimensRunner();

    @TempDir
    Path temp;

    @Test
    void theManPageRendersAndNamesEveryOption() {
        String text = rendered("timens.1");
        assertThat(text).contains("timens - Run a command with clocks of its own")
                .contains("SYNOPSIS").contains("EXIT STATUS").contains("127");
        List<String> names = new ArrayList<>();
        for (OptionSpec option : TimensCommand.commandSpec().options()) names.addAll(List.of(option.names()));
        assertThat(names).contains("--at", "--help", "--version");
        for (String name : names) assertThat(text).as("the man page names %s", name).contains(name);
    }

    /** The page {@code name} as man(1) renders it, overstrike removed; it renders without a word on stderr. */
    private String rendered(String name) {
        Path page = DOCS.resolve("man/man1/" + name);
        assertThat(page).as("built by bin/build").isRegularFile();
        Toolchains.requireOnPath("man", "apt-get install man-db");
        TimensRunner.Result man = runner.withEnv("MANWIDTH", "100").nativeRun("man", "-l", page.toString())
                .assertExit(0);
        assertThat(man.stderr()).as(man.describe()).isEmpty();
        return man.stdout().replaceAll(".\b", ""); // man's overstrike bold, should it use it
    }

    /** timens-faketime(1), made from its --help: renders, and has faketime's switches and the variables it maps. */
    @Test
    void theFaketimeManPageRenders() {
        assertThat(rendered("timens-faketime.1")).contains("timens-faketime - faketime's command line on timens")
                .contains("SYNOPSIS", "SWITCHES", "EXAMPLES", "EXIT STATUS", "--exclude-monotonic",
                        "FAKETIME_TIMESTAMP_FILE", "NO_FAKE_STAT", "timens-faketime '2008-12-24 08:15:42' date",
                        "timens-faketime [switches] -- <program with arguments>");
    }

    @Test
    void bashCompletesAnOption() {
        Path script = DOCS.resolve("completion/bash/timens");
        assertThat(script).as("built by bin/build").isRegularFile();
        TimensRunner.Result run = runner.nativeRun("bash", "-c", "source \"$1\" 2>/dev/null; COMP_WORDS=(timens --fak);"
                + " COMP_CWORD=1; COMP_LINE='timens --fak'; COMP_POINT=${#COMP_LINE}; _complete_timens 2>/dev/null;"
                + " printf '%s\\n' \"${COMPREPLY[@]}\"", "bash", script.toString()).assertExit(0);
        assertThat(run.stdout()).as(run.describe()).isEqualTo("--faketime\n");
    }

    /** In an interactive zsh on a pseudo-terminal (zpty), as a user types: `timens --fak` and Tab. */
    @Test
    void zshCompletesAnOption() throws IOException {
        Path function = DOCS.resolve("completion/zsh/_timens");
        assertThat(function).as("built by bin/build").isRegularFile();
        Toolchains.requireOnPath("zsh", "apt-get install zsh");
        Path test = temp.resolve("complete.zsh");
        Files.writeString(test, """
                zmodload zsh/zpty
                zpty z zsh -f -i
                zpty -w z 'PS1="> "; fpath=(%s $fpath); autoload -U compinit; compinit -u -D'
                zpty -w -n z $'timens --fak\\t'
                # what the Tab added to the line (the typed part is echoed before it)
                zpty -r z out '*etime*' && print COMPLETED
                print -r -- "$out"
                zpty -d z
                """.formatted(function.getParent()));
        TimensRunner.Result run = runner.nativeRun("timeout", "30", "zsh", "-f", test.toString());
        assertThat(run.stdout()).as(run.describe()).contains("COMPLETED").doesNotContain("command not found");
    }
}
