package dev.timens.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reading what a process the test started prints, line by line. */
public final class OutputLines {
    private OutputLines() {}

    /** Every line until the end of {@code reader}; a failed read ends the list with a line saying so. */
    public static List<String> readAll(BufferedReader reader) {
        List<String> lines = new ArrayList<>();
        try {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) lines.add(line);
        } catch (IOException e) {
            lines.add("(read failed: " + e + ")");
        }
        return lines;
    }
}
