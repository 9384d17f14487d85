package dev.timens.engine;

import java.util.ArrayDeque;

/** Signals held back from a thread while the supervisor was stepping it. */
final class PendingSignals {
    private final ArrayDeque<Integer> signals = new ArrayDeque<>();

    void add(int signal) {
        signals.add(signal);
    }

    /** The next signal to deliver, 0 when none. */
    int poll() {
        Integer s = signals.poll();
        return s == null ? 0 : s;
    }

    boolean isEmpty() {
        return signals.isEmpty();
    }
}
