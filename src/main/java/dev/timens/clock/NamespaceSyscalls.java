package dev.timens.clock;

import dev.timens.engine.SyscallSet;

/** Everything a time namespace may subscribe to, for tests of the filter's cost. */
public final class NamespaceSyscalls {
    private NamespaceSyscalls() {}

    /** The largest subscription: shifted MONOTONIC and a clock rate. */
    public static SyscallSet all() {
        SyscallSet.Builder b = SyscallSet.builder().addAll(TimeSyscalls.SUBSCRIPTIONS);
        DeadlineSyscalls.subscribe(b, true, false);
        RateSyscalls.subscribe(b);
        return b.build();
    }
}
