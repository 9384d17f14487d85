package dev.timens.clock;

import dev.timens.engine.ExitStatus;
import dev.timens.engine.OnDemandSupervisor;
import dev.timens.engine.SupervisorException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Takes a running process into a time namespace whose CLOCK_REALTIME is the
 * host's shifted by SECONDS, with engine v2's adopt, until it ends; for
 * {@link AdoptedClocksIT}, in a child JVM (it traces): {@code AdoptedNamespace
 * HELPER PID SECONDS}. Prints {@code ADOPTED pid=PID} once the process is
 * served; a line "release" on its standard input lets the process go
 * ({@link dev.timens.engine.Adopted#release}). Exits 0 when that is done or
 * the process has ended, 125 with the reason when it could not be taken in.
 */
public final class AdoptedNamespace {
    private AdoptedNamespace() {}

    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true);
        ClockSettings settings = new ClockSettings(Optional.empty(), Duration.ofSeconds(Long.parseLong(args[2])),
                Duration.ZERO, Duration.ZERO);
        try (TimeNamespace namespace = TimeNamespace.create(settings)) {
            NamespaceTree tree = new NamespaceTree(namespace, (int) ProcessHandle.current().pid());
            ExitStatus status = OnDemandSupervisor.adopt(Integer.parseInt(args[1]), Path.of(args[0]), tree, err,
                    adopted -> {
                        err.println("ADOPTED pid=" + adopted.processes().command());
                        Thread.ofPlatform().daemon().start(() -> {
                            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in))) {
                                for (String line = in.readLine(); line != null; line = in.readLine()) {
                                    if (line.equals("release")) adopted.release();
                                }
                            } catch (java.io.IOException e) {
                                err.println("AdoptedNamespace: " + e);
                            }
                        });
                    });
            System.exit(status.shellStatus());
        } catch (SupervisorException e) {
            err.println("AdoptedNamespace: " + e.getMessage());
            System.exit(125);
        }
    }
}
