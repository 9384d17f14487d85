package dev.timens.cli;

/**
 * The C library's {@code strtod} in the C locale, as libfaketime's {@code atof} calls
 * read FAKETIME: the longest prefix that is a number, and 0 when there is none.
 *
 * <p>Accepted (C11 7.22.1.3): leading white space, an optional sign, then a decimal
 * number with an optional fraction after a '.' (never a ',': the C locale's radix
 * character is '.') and an optional exponent; a hexadecimal number ({@code 0x1.8p3});
 * {@code inf}, {@code infinity} or {@code nan} (any case, {@code nan(chars)} too).
 * The value is the correctly rounded double, as glibc's strtod gives it.
 *
 * @param value the number read (0.0 if none)
 * @param end   where the number ends in the text (the start, if none)
 */
record CNumber(double value, int end) {

    /** The number at the start of {@code text.substring(from)}, as strtod reads it. */
    static CNumber strtod(String text, int from) {
        int n = text.length();
        int i = from;
        while (i < n && isSpace(text.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        CNumber magnitude = special(text, i);
        if (magnitude == null) magnitude = hexadecimal(text, i);
        if (magnitude == null) magnitude = decimal(text, i);
        if (magnitude == null) return new CNumber(0.0, from);
        return new CNumber(negative ? -magnitude.value : magnitude.value, magnitude.end);
    }

    private static CNumber special(String text, int i) {
        if (startsWithIgnoreCase(text, i, "infinity")) return new CNumber(Double.POSITIVE_INFINITY, i + 8);
        if (startsWithIgnoreCase(text, i, "inf")) return new CNumber(Double.POSITIVE_INFINITY, i + 3);
        if (startsWithIgnoreCase(text, i, "nan")) {
            int end = i + 3;
            if (end < text.length() && text.charAt(end) == '(') {
                int close = end + 1;
                while (close < text.length() && (Character.isLetterOrDigit(text.charAt(close)) && text.charAt(close) < 128
                        || text.charAt(close) == '_')) {
                    close++;
                }
                if (close < text.length() && text.charAt(close) == ')') end = close + 1;
            }
            return new CNumber(Double.NaN, end);
        }
        return null;
    }

    /** {@code 0x} hex digits, an optional '.' and hex digits, an optional binary exponent {@code p±d}. */
    private static CNumber hexadecimal(String text, int i) {
        int n = text.length();
        if (i + 1 >= n || text.charAt(i) != '0' || (text.charAt(i + 1) != 'x' && text.charAt(i + 1) != 'X')) {
            return null;
        }
        int j = i + 2;
        int digitsStart = j;
        while (j < n && Character.digit(text.charAt(j), 16) >= 0 && text.charAt(j) < 128) j++;
        String whole = text.substring(digitsStart, j);
        String fraction = "";
        if (j < n && text.charAt(j) == '.') {
            int f = j + 1;
            while (f < n && Character.digit(text.charAt(f), 16) >= 0 && text.charAt(f) < 128) f++;
            fraction = text.substring(j + 1, f);
            if (!whole.isEmpty() || !fraction.isEmpty()) j = f;
        }
        if (whole.isEmpty() && fraction.isEmpty()) {
            return null; // only the "0" is a number; decimal() reads it
        }
        String exponent = "0";
        int e = exponentEnd(text, j, 'p', 'P');
        if (e > j) {
            exponent = text.substring(j + 1, e);
            j = e;
        }
        // Java reads the same hexadecimal significand, correctly rounded, once it has an exponent.
        double value = Double.parseDouble("0x" + (whole.isEmpty() ? "0" : whole) + "." + fraction + "p"
                + clampExponent(exponent));
        return new CNumber(value, j);
    }

    /** Digits, an optional '.' and digits (at least one digit in all), an optional {@code e±d}. */
    private static CNumber decimal(String text, int i) {
        int n = text.length();
        int j = i;
        while (j < n && isDigit(text.charAt(j))) j++;
        int wholeDigits = j - i;
        int fractionDigits = 0;
        if (j < n && text.charAt(j) == '.') {
            int f = j + 1;
            while (f < n && isDigit(text.charAt(f))) f++;
            fractionDigits = f - j - 1;
            if (wholeDigits + fractionDigits > 0) j = f;
        }
        if (wholeDigits + fractionDigits == 0) return null;
        String mantissa = text.substring(i, j);
        String exponent = "0";
        int e = exponentEnd(text, j, 'e', 'E');
        if (e > j) {
            exponent = text.substring(j + 1, e);
            j = e;
        }
        double value = Double.parseDouble((mantissa.startsWith(".") ? "0" : "") + mantissa + "e" + clampExponent(exponent));
        return new CNumber(value, j);
    }

    /** The end of an exponent {@code marker[+-]digits} at {@code j}, or {@code j} when there is none. */
    private static int exponentEnd(String text, int j, char lower, char upper) {
        int n = text.length();
        if (j >= n || (text.charAt(j) != lower && text.charAt(j) != upper)) return j;
        int k = j + 1;
        if (k < n && (text.charAt(k) == '+' || text.charAt(k) == '-')) k++;
        int digits = k;
        while (k < n && isDigit(text.charAt(k))) k++;
        return k > digits ? k : j;
    }

    /** An exponent that Java's parser takes: any beyond ±99999 already means 0 or infinity. */
    private static String clampExponent(String exponent) {
        boolean negative = exponent.startsWith("-");
        String digits = exponent.replaceFirst("^[+-]", "").replaceFirst("^0+(?=.)", "");
        if (digits.length() > 5) return negative ? "-99999" : "99999";
        return (negative ? "-" : "") + digits;
    }

    private static boolean startsWithIgnoreCase(String text, int i, String word) {
        return text.regionMatches(true, i, word, 0, word.length());
    }

    /** isspace in the C locale. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\f' || c == '\r';
    }

    /** An ASCII digit: the C locale has no others. */
    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
