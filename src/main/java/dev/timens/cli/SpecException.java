package dev.timens.cli;

import java.io.Serial;
import java.util.Objects;

/**
 * A time value on the command line (or in {@code FAKETIME}) that timens cannot use.
 *
 * <p>The message is one line meant for the user, shaped as
 * {@code invalid <subject> '<input>': <reason>}, for example
 * {@code invalid --at value '2038-13-01': month must be 1..12}. The reason says what was
 * wrong and, briefly, what is accepted. It never spans lines: control, format and
 * line-separator characters of the input are shown escaped, and a very long input is
 * shortened, because the message goes straight to a terminal.
 *
 * <p>{@link TimeSpecs#parseDuration} serves several options, so its messages say
 * "duration"; the CLI can name the option with {@link #forOption(String)}.
 */
public final class SpecException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Longest input shown in a message, in code points; the rest is elided. */
    private static final int SHOWN_INPUT_LIMIT = 60;

    private final String subject;
    private final String input;
    private final String reason;

    /**
     * @param subject what was being read, as the message should call it ("--at value",
     *     "duration")
     * @param input the whole text the user gave, unmodified
     * @param reason what was wrong and what is accepted; one line, any user text in it
     *     already passed through {@link #quote(String)}
     */
    SpecException(String subject, String input, String reason) {
        super("invalid " + subject + " " + quote(input) + ": " + reason);
        this.subject = Objects.requireNonNull(subject, "subject");
        this.input = Objects.requireNonNull(input, "input");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The text that was rejected, exactly as given (the message may show it shortened). */
    public String input() {
        return input;
    }

    /** The part of the message after the input: what was wrong and what is accepted. */
    public String reason() {
        return reason;
    }

    /**
     * The same error, with the message naming the option the value was given to, e.g.
     * {@code invalid --offset value '1x': unknown unit 'x'; ...}.
     *
     * @param option the option as the user typed it, e.g. {@code "--monotonic"}
     */
    public SpecException forOption(String option) {
        Objects.requireNonNull(option, "option");
        SpecException named = new SpecException(option + " value", input, reason);
        named.setStackTrace(getStackTrace());
        return named;
    }

    /**
     * Puts user text in single quotes for a message, escaping what would break the line
     * or fool the terminal (control and bidi/format characters, lone surrogates) and
     * eliding the middle of very long text.
     */
    static String quote(String text) {
        StringBuilder shown = new StringBuilder(Math.min(text.length(), SHOWN_INPUT_LIMIT) + 8);
        shown.append('\'');
        int count = text.codePointCount(0, text.length());
        int index = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            index++;
            // Keep the start and the end: the end is where trailing junk usually is.
            if (count > SHOWN_INPUT_LIMIT) {
                int head = SHOWN_INPUT_LIMIT - 20;
                if (index == head + 1) {
                    shown.append("...");
                }
                if (index > head && index <= count - 17) {
                    continue;
                }
            }
            appendEscaped(shown, cp);
        }
        return shown.append('\'').toString();
    }

    private static void appendEscaped(StringBuilder out, int cp) {
        switch (cp) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                int type = Character.getType(cp);
                boolean unsafe = type == Character.CONTROL
                        || type == Character.FORMAT
                        || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR
                        || type == Character.SURROGATE;
                if (unsafe) {
                    out.append(String.format("\\u%04x", cp));
                } else {
                    out.appendCodePoint(cp);
                }
            }
        }
    }
}
