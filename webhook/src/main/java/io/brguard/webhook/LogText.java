package io.brguard.webhook;

/**
 * Text a client controls, made safe for a log line: quoted, cut, and with every character that could end the line
 * or hide what follows escaped ({@code \n}, {@code \r}, other control characters, U+2028/U+2029, quotes and
 * backslashes). A request field written this way stays inside its quotes on one line, so it can never make a line
 * of its own, let alone one that reads as an audit record.
 */
public final class LogText {
    /** Characters of a client's text kept in a log line. */
    static final int MAX = 200;

    private LogText() {
    }

    /** {@code "text"} with the escapes above, at most {@link #MAX} characters of it, or {@code (none)} for null. */
    public static String quoted(String text) {
        if (text == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX) + 8).append('"');
        int end = Math.min(text.length(), MAX);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029'
                            || Character.isSurrogate(c) && !validSurrogate(text, i, end)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
        if (text.length() > MAX) {
            b.append("...(").append(text.length() - MAX).append(" more characters)");
        }
        return b.toString();
    }

    private static boolean validSurrogate(String s, int i, int end) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
