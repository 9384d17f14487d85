package dev.timens.it;

import static org.assertj.core.api.Assertions.fail;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One machine-readable line printed by a test program:
 * {@code TAG key=value key=value ...}, e.g. {@code PROBE lang=c-dyn realtime=1.5 ...},
 * {@code OP name=settimeofday ret=0 errno=0}, {@code NOW realtime=...},
 * {@code TREE mode=fork status=0}, or {@code CHILD PROBE lang=java ...} (the tag is
 * every leading word without {@code =}, here {@code CHILD PROBE}).
 *
 * <p>Values are kept as text; {@link #decimal} reads the signed decimal numbers
 * the programs print for times ({@code S.NNNNNNNNN}, possibly negative).
 *
 * @param tag    the leading words, e.g. {@code PROBE}
 * @param fields the key=value pairs in printed order
 * @param line   the whole line, for messages
 */
public record Probe(String tag, Map<String, String> fields, String line) {

    /** Parses one line, or empty when it is not of the form {@code TAG key=value...}. */
    public static Optional<Probe> parse(String line) {
        String[] words = line.strip().split("\\s+");
        StringBuilder tag = new StringBuilder();
        Map<String, String> fields = new LinkedHashMap<>();
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                if (!fields.isEmpty() || word.isEmpty() || !word.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
                    return Optional.empty();
                }
                tag.append(tag.isEmpty() ? "" : " ").append(word);
            } else if (eq == 0) {
                return Optional.empty();
            } else {
                fields.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        if (tag.isEmpty() || fields.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Probe(tag.toString(), Collections.unmodifiableMap(fields), line.strip()));
    }

    /** Every parseable line of {@code output}, in order. */
    public static List<Probe> parseAll(String output) {
        List<Probe> probes = new ArrayList<>();
        for (String line : output.split("\n")) {
            parse(line).ifPresent(probes::add);
        }
        return probes;
    }

    /** A probe made from a bare number printed by a command such as {@code date +%s.%N}. */
    public static Probe ofValue(String tag, String key, String value) {
        return new Probe(tag, Map.of(key, value.strip()), tag + " " + key + "=" + value.strip());
    }

    public boolean has(String key) {
        return fields.containsKey(key);
    }

    /** True when {@code key} is present and holds a number (not {@code error-EINVAL}, say). */
    public boolean isNumber(String key) {
        String value = fields.get(key);
        return value != null && value.matches("-?[0-9]+(\\.[0-9]+)?");
    }

    public String string(String key) {
        String value = fields.get(key);
        if (value == null) {
            fail("no " + key + "= in: " + line);
        }
        return value;
    }

    /** The value of {@code key} as an exact decimal (seconds, for times). */
    public BigDecimal decimal(String key) {
        String value = string(key);
        try {
            return new BigDecimal(value);
        } catch (NumberFormatException e) {
            throw new AssertionError(key + "=" + value + " is not a number in: " + line, e);
        }
    }

    public long longValue(String key) {
        String value = string(key);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new AssertionError(key + "=" + value + " is not an integer in: " + line, e);
        }
    }

    @Override
    public String toString() {
        return line;
    }
}
