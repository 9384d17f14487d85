package dev.timens.cli;

import dev.timens.linux.CaughtSignals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A JVM that catches signals as timens does, then keeps using the faults the
 * JVM turns into exceptions while signals come from outside: run by
 * JvmOwnSignalsIT in a JVM of its own (never the test JVM, whose handlers must
 * stay as they are).
 *
 * <p>{@code JvmFaultsProbe LIBRARY DIR}: prints {@code READY}, one line
 * {@code CAUGHT signal=N code=C} per caught signal, and after its standard
 * input closes {@code FAULTS npe=N soe=N div0=N bus=N gc=N}, then exits 0.
 */
public final class JvmFaultsProbe {
    private JvmFaultsProbe() {}

    /** Read by the faulting code, so that the JIT cannot drop the access. */
    static final class Holder {
        int value;
    }

    static volatile boolean done;
    static int sink;

    public static void main(String[] args) throws Exception {
        long jvmOwn = SignalForwarding.jvmOwn(null);
        CaughtSignals signals = CaughtSignals.install(Path.of(args[0]), SignalForwarding.caught(0, jvmOwn), jvmOwn);
        Thread.ofPlatform().daemon().start(() -> {
            for (;;) {
                CaughtSignals.Caught caught = signals.next();
                synchronized (System.out) {
                    System.out.println("CAUGHT signal=" + caught.signal() + " code=" + caught.code());
                    System.out.flush();
                }
            }
        });
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // until the test closes our input
                }
            } catch (IOException e) {
                // the same: stop
            }
            done = true;
        });
        Path file = Path.of(args[1]).resolve("truncated");
        synchronized (System.out) {
            System.out.println("READY");
            System.out.flush();
        }
        long npe = 0;
        long soe = 0;
        long div0 = 0;
        long bus = 0;
        long gc = 0;
        Holder nothing = null;
        while (!done || npe == 0) {
            for (int i = 0; i < 20_000; i++) {
                try {
                    sink += read(i % 2 == 0 ? nothing : new Holder());
                } catch (NullPointerException e) {
                    npe++;
                }
                try {
                    sink += divide(i, i % 3 - 1);
                } catch (ArithmeticException e) {
                    div0++;
                }
            }
            try {
                recurse(0);
            } catch (StackOverflowError e) {
                soe++;
            }
            if (truncatedRead(file)) bus++;
            System.gc();
            gc++;
        }
        synchronized (System.out) {
            System.out.println("FAULTS npe=" + npe + " soe=" + soe + " div0=" + div0 + " bus=" + bus + " gc=" + gc);
            System.out.flush();
        }
    }

    static int read(Holder holder) {
        return holder.value;
    }

    static int divide(int a, int b) {
        return a / b;
    }

    static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    /** A mapped file shrunk under its mapping: the read is a SIGBUS, which the JVM makes an InternalError. */
    static boolean truncatedRead(Path file) throws IOException {
        Files.write(file, new byte[8192]);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
             FileChannel channel = raf.getChannel();
             Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, 8192, arena);
            raf.setLength(0);
            try {
                sink += mapped.get(ValueLayout.JAVA_BYTE, 4096);
                return false;
            } catch (InternalError e) {
                return true;
            }
        }
    }
}
