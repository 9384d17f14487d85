package dev.timens.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Tag;

/**
 * The count of living threads, fed wait statuses in every order the kernel
 * can report them: it reaches zero with the last end, never before.
 */
@Tag("pure")
class LiveThreadsTest {

    /** What the CI run that hung showed: a child's stop and end, then its parent's fork event. */
    @Example
    void childEndedBeforeItsParentsEventIsNotBroughtBack() {
        LiveThreads live = new LiveThreads();
        live.traced(100);
        live.stopped(101);
        live.ended(101);
        assertThat(live.created(100, 101, false)).as("alive").isFalse();
        assertThat(live.none()).isFalse();
        live.ended(100);
        assertThat(live.none()).as("%s", live).isTrue();
    }

    @Example
    void childEndedBeforeAnyStopOfItsOwn() {
        LiveThreads live = new LiveThreads();
        live.traced(100);
        live.ended(101);
        assertThat(live.created(100, 101, false)).as("alive").isFalse();
        live.ended(100);
        assertThat(live.none()).as("%s", live).isTrue();
    }

    @Example
    void childAnnouncedFirstLivesUntilItsEnd() {
        LiveThreads live = new LiveThreads();
        live.traced(100);
        assertThat(live.created(100, 101, false)).as("alive").isTrue();
        live.stopped(101);
        live.ended(100);
        assertThat(live.none()).isFalse();
        live.ended(101);
        assertThat(live.none()).as("%s", live).isTrue();
    }

    /** A non-leader thread that execs becomes the leader; neither its old id nor the leader reports an end then. */
    @Example
    void execFromAThreadLeavesOnlyTheLeader() {
        LiveThreads live = new LiveThreads();
        live.traced(100);
        live.created(100, 102, true);
        assertThat(live.leaderOf(102)).isEqualTo(100);
        live.stopped(102);
        live.stopped(100); // the exec event, reported under the leader's id
        live.execed(100, 102);
        assertThat(live.ended(100)).isEmpty();
        assertThat(live.none()).as("%s", live).isTrue();
    }

    /**
     * A thread that execs and is killed before its exec event is collected
     * never reports its own end; the end of its thread group's leader, which
     * the kernel reports last, takes it along.
     */
    @Example
    void theLeadersEndTakesThreadsThatNeverReported() {
        LiveThreads live = new LiveThreads();
        live.traced(100);
        live.created(100, 102, true);
        live.created(102, 103, true); // a thread started by a thread: same group
        assertThat(live.leaderOf(103)).isEqualTo(100);
        live.ended(103);
        assertThat(live.ended(100)).containsExactly(102);
        assertThat(live.none()).as("%s", live).isTrue();
    }

    /** A new process is no thread of its parent's group, and its own end takes nothing else along. */
    @Example
    void aChildProcessLeadsItsOwnGroup() {
        LiveThreads live = new LiveThreads();
        live.traced(100);
        live.created(100, 101, true);
        live.created(101, 200, false);
        assertThat(live.leaderOf(200)).isEqualTo(200);
        assertThat(live.ended(200)).isEmpty();
        assertThat(live.none()).isFalse();
        assertThat(live.ended(100)).containsExactly(101);
        assertThat(live.none()).as("%s", live).isTrue();
    }

    /** One report of a thread's: a stop of its own, its end, or its parent's event for a child. */
    private record Report(int tid, char kind, int child) {}

    /**
     * A random tree of threads, each reporting a few stops, announcing its
     * children and ending; merged in a random order that keeps each thread's
     * own order and lets a child report anything once its parent is in the
     * fork (after the parent's report before the event), as the kernel can.
     */
    @Property(tries = 2000)
    void noneOnlyAfterTheLastEnd(@ForAll long seed) {
        Random random = new Random(seed);
        int threads = 1 + random.nextInt(8);
        List<List<Report>> scripts = new ArrayList<>();
        for (int t = 0; t < threads; t++) scripts.add(new ArrayList<>());
        int[] parent = new int[threads];
        for (int t = 1; t < threads; t++) parent[t] = random.nextInt(t);
        for (int t = 0; t < threads; t++) {
            List<Report> script = scripts.get(t);
            for (int s = random.nextInt(3); s > 0; s--) script.add(new Report(t, 's', -1));
            for (int c = t + 1; c < threads; c++) {
                if (parent[c] != t) continue;
                script.add(random.nextInt(script.size() + 1), new Report(t, 'c', c));
            }
            script.add(new Report(t, 'e', -1));
        }
        int[] next = new int[threads];
        LiveThreads live = new LiveThreads();
        live.traced(0);
        int total = scripts.stream().mapToInt(List::size).sum();
        for (int done = 1; done <= total; done++) {
            List<Integer> ready = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                if (next[t] < scripts.get(t).size() && inFork(t, parent, scripts, next)) ready.add(t);
            }
            int t = ready.get(random.nextInt(ready.size()));
            Report r = scripts.get(t).get(next[t]++);
            switch (r.kind()) {
                case 's' -> live.stopped(t);
                case 'c' -> live.created(t, r.child(), false);
                default -> live.ended(t);
            }
            assertThat(live.none()).as("after report %d of %d (%s): %s", done, total, r, live).isEqualTo(done == total);
        }
    }

    /** Whether thread {@code t} exists: the command, or a child whose parent has made every report before its event. */
    private static boolean inFork(int t, int[] parent, List<List<Report>> scripts, int[] next) {
        if (t == 0) return true;
        int p = parent[t];
        List<Report> script = scripts.get(p);
        for (int i = 0; i < script.size(); i++) {
            if (script.get(i).kind() == 'c' && script.get(i).child() == t) return next[p] >= i && inFork(p, parent, scripts, next);
        }
        throw new AssertionError("thread " + t + " has no parent's event");
    }
}
