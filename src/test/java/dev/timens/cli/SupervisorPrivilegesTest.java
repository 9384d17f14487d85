package dev.timens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SupervisorPrivilegesTest {
    private static List<String> status(String uid, String prm, String eff, String bnd, String amb) {
        return List.of("Name:\tjava", "Uid:\t" + uid, "CapInh:\t0000000000000000", "CapPrm:\t" + prm,
                "CapEff:\t" + eff, "CapBnd:\t" + bnd, "CapAmb:\t" + amb);
    }

    @Test
    void rootWithEverythingHoldsIt() {
        assertThat(SupervisorPrivileges.sysTimeIn(status("0\t0\t0\t0", "000001ffffffffff", "000001ffffffffff",
                "000001ffffffffff", "0000000000000000"))).contains("CapPrm");
    }

    @Test
    void rootAfterTimensExecDroppedItHoldsNothing() {
        assertThat(SupervisorPrivileges.sysTimeIn(status("0\t0\t0\t0", "000001fffdffffff", "000001fffdffffff",
                "000001fffdffffff", "0000000000000000"))).isNull();
    }

    @Test
    void rootWhoseBoundingSetStillHasItCouldGainItByExec() {
        assertThat(SupervisorPrivileges.sysTimeIn(status("1000\t0\t0\t0", "0000000000000000", "0000000000000000",
                "000001ffffffffff", "0000000000000000"))).contains("bounding");
    }

    @Test
    void anOrdinaryUserWithAFullBoundingSetHoldsNothing() {
        assertThat(SupervisorPrivileges.sysTimeIn(status("1000\t1000\t1000\t1000", "0000000000000000",
                "0000000000000000", "000001ffffffffff", "0000000000000000"))).isNull();
    }

    @Test
    void anAmbientCapabilityCounts() {
        assertThat(SupervisorPrivileges.sysTimeIn(status("1000\t1000\t1000\t1000", "0000000002000000",
                "0000000000000000", "000001ffffffffff", "0000000002000000"))).contains("CAP_SYS_TIME");
    }

    @Test
    void thisTestJvmIsJudgedThreadByThread() {
        // Whatever this JVM holds, the answer names a thread or is null; never an exception.
        String held = SupervisorPrivileges.sysTimeHolder();
        if (held != null) assertThat(held).startsWith("thread ");
    }
}
