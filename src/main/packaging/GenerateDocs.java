import dev.timens.cli.FaketimeCommand;
import dev.timens.cli.TimensCommand;
import dev.timens.cli.TimensctlCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.asciidoctor.Asciidoctor;
import org.asciidoctor.Options;
import org.asciidoctor.SafeMode;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Writes, from the same picocli model that parses the command line and prints
 * {@code --help}, each command's man page and its bash and zsh completion:
 * <pre>
 *   OUT/man/man1/timens.1                            (rendered by Asciidoctor's manpage backend)
 *   OUT/man/man1/timens.1.adoc                       (picocli-codegen's ManPageGenerator)
 *   OUT/completion/bash/timens                       (picocli's AutoComplete)
 *   OUT/completion/zsh/_timens                       (the same script, through zsh's bashcompinit)
 * </pre>
 * Run by Maven in the package phase, with the project's test class path (which
 * holds picocli-codegen and asciidoctorj):
 * {@code java -cp CLASSPATH src/main/packaging/GenerateDocs.java OUT VERSION}. A command
 * that comes later (timensctl) is one more entry in {@link #commands}.
 *
 * <p>Asciidoctor runs in JRuby, which takes seconds to start: a man page whose
 * AsciiDoc did not change is not rendered again.
 */
public final class GenerateDocs {
    static List<CommandSpec> commands() {
        return List.of(TimensCommand.commandSpec(), TimensctlCommand.commandSpec());
    }

    /** OUT VERSION: the man pages name the version only, not the commit, so that they change with releases. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        String version = args[1];
        Path man = Files.createDirectories(out.resolve("man/man1"));
        Path bash = Files.createDirectories(out.resolve("completion/bash"));
        Path zsh = Files.createDirectories(out.resolve("completion/zsh"));
        List<Path> toRender = new java.util.ArrayList<>();
        for (CommandSpec spec : commands()) {
            String name = spec.name();
            spec.versionProvider(null).version(name + " " + version);
            CommandLine cli = new CommandLine(spec);

            StringWriter adoc = new StringWriter();
            try (PrintWriter writer = new PrintWriter(adoc)) {
                ManPageGenerator.writeSingleManPage(writer, spec);
            }
            Path source = man.resolve(name + ".1.adoc");
            if (writeIfChanged(source, adoc.toString()) || !Files.exists(man.resolve(name + ".1"))) {
                toRender.add(source);
            }

            String script = AutoComplete.bash(name, cli);
            writeIfChanged(bash.resolve(name), script);
            // zsh runs picocli's script through bashcompinit (the script is written
            // for both shells). As an autoloaded completion function, this file runs
            // on the first completion of the command: it defines the functions,
            // registers them (the script's `complete`), then completes that first word.
            writeIfChanged(zsh.resolve("_" + name), "#compdef " + name + "\n"
                    + "# zsh completion for " + name + ": picocli's completion script, through bashcompinit.\n"
                    + "autoload -U +X bashcompinit && bashcompinit\n"
                    + "# bash's compopt, which the script calls to adjust how a word is completed: not in zsh.\n"
                    + "(( $+builtins[compopt] || $+functions[compopt] )) || compopt() { : }\n"
                    + script + "\n"
                    + "_bash_complete -o default -F _complete_" + name + "\n");
        }
        // timens-faketime keeps faketime's own command line, parsed by hand rather than
        // by picocli: its page is its --help text, in sections.
        Path faketimeSource = man.resolve("timens-faketime.1.adoc");
        if (writeIfChanged(faketimeSource, faketimePage(version)) || !Files.exists(man.resolve("timens-faketime.1"))) {
            toRender.add(faketimeSource);
        }
        if (!toRender.isEmpty()) {
            try (Asciidoctor asciidoctor = Asciidoctor.Factory.create()) {
                for (Path source : toRender) {
                    String page = source.getFileName().toString().replaceFirst("\\.adoc$", "");
                    asciidoctor.convertFile(source.toFile(), Options.builder().backend("manpage").safe(SafeMode.UNSAFE)
                            .toFile(source.resolveSibling(page).toFile()).build());
                    System.out.println("[INFO] man page " + source.resolveSibling(page));
                }
            }
        }
    }

    /**
     * timens-faketime(1) in AsciiDoc: its --help text, the usage lines as the
     * synopsis, each paragraph and the switches and examples as literal blocks.
     */
    static String faketimePage(String version) {
        List<String> help = FaketimeCommand.usageText();
        StringBuilder b = new StringBuilder();
        b.append("= timens-faketime(1)\n:doctype: manpage\n:manmanual: timens-faketime Manual\n")
                .append(":mansource: timens-faketime ").append(version).append("\n\n")
                .append("== Name\n\ntimens-faketime - faketime's command line on timens, for every program\n\n")
                .append("== Synopsis\n\n");
        int i = 0;
        for (; i < help.size() && !help.get(i).isBlank(); i++) {
            // A lone "--" would become an em dash.
            b.append(help.get(i).replaceFirst("^(Usage:)?\\s*", "").replace(" -- ", " \\-- ")).append(" +\n");
        }
        b.append("\n== Description\n\n");
        for (; i < help.size(); i++) {
            String line = help.get(i);
            if (line.endsWith(":") && !line.startsWith(" ")) {
                b.append("\n== ").append(line, 0, line.length() - 1).append("\n\n....\n");
                for (i++; i < help.size() && !help.get(i).isBlank(); i++) b.append(help.get(i)).append('\n');
                b.append("....\n");
            } else if (line.startsWith("Exit status:")) {
                b.append("\n== Exit status\n\n").append(line.substring("Exit status:".length()).strip()).append('\n');
            } else {
                b.append(line).append('\n');
            }
        }
        b.append("\n== See also\n\ntimens(1), timensctl(1), faketime(1)\n");
        return b.toString();
    }

    private static boolean writeIfChanged(Path file, String text) throws IOException {
        if (Files.exists(file) && Files.readString(file).equals(text)) return false;
        Files.writeString(file, text);
        return true;
    }
}
