package dev.timens.clock;

import dev.timens.linux.ProcStatus;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per thread, an answer that a process's threads and descendants share until
 * they exec (a program on host time, the nested namespace a process is in),
 * for engine v2, which sees execs but not forks, threads or exits. A thread
 * with no answer, or whose number a newer thread has taken since (its start
 * time tells), has the answer of its process, or of its nearest ancestor with
 * one. Read from /proc/PID/status, which a program cannot make block (its
 * cmdline could). Safe from any thread.
 */
final class ThreadAnswers<T> {
    /** How many answers are kept before all are forgotten (of gone threads, mostly; the rest are found again). */
    private static final int MAX_ANSWERS = 65_536;

    private record Answer<T>(long started, T value) {}

    private final Map<Integer, Answer<T>> answers = new ConcurrentHashMap<>();

    /** {@code tid}'s answer from now on (its process's too, for threads that have none). */
    void put(int tid, T value) {
        if (answers.size() > MAX_ANSWERS) answers.clear();
        answers.put(tid, new Answer<>(ProcStatus.startTime(tid), value));
    }

    void remove(int tid) {
        answers.remove(tid);
    }

    /**
     * The answers {@code wanted} picks that a thread still running holds (one
     * /proc read for each such answer kept).
     */
    java.util.List<T> liveValues(java.util.function.Predicate<T> wanted) {
        java.util.List<T> live = new java.util.ArrayList<>();
        answers.forEach((tid, a) -> {
            if (wanted.test(a.value()) && a.started() == ProcStatus.startTime(tid)) live.add(a.value());
        });
        return live;
    }

    /** Forgets every answer that is {@code value}. */
    void forget(T value) {
        answers.values().removeIf(a -> a.value() == value);
    }

    /** The answer kept for {@code tid}, if it is still that thread's; else null. */
    T known(int tid) {
        Answer<T> known = answers.get(tid);
        return known != null && known.started() == ProcStatus.startTime(tid) ? known.value() : null;
    }

    /**
     * {@code tid}'s answer: its own, or its process's, or its nearest ancestor's
     * (then kept as its own); {@code otherwise} when none has one.
     */
    T of(int tid, T otherwise) {
        T known = known(tid);
        if (known != null) return known;
        T found = inherited(tid);
        T value = found != null ? found : otherwise;
        put(tid, value);
        return value;
    }

    private T inherited(int tid) {
        int process = ProcStatus.field(tid, "Tgid:");
        if (process > 0 && process != tid) {
            T known = known(process);
            if (known != null) return known;
        }
        int pid = ProcStatus.field(process > 0 ? process : tid, "PPid:");
        for (int depth = 0; depth < 64 && pid > 1; depth++) {
            T known = known(pid);
            if (known != null) return known;
            pid = ProcStatus.field(pid, "PPid:");
        }
        return null;
    }
}
