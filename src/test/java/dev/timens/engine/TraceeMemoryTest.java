package dev.timens.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link TraceeMemory#readCString} on a fake memory: two mapped pages, then a hole. */
@Tag("pure")
class TraceeMemoryTest {
    private static final long BASE = 0x10000;
    private static final int MAPPED = 2 * 4096;

    /** Memory mapped at [BASE, BASE + MAPPED): a read that reaches outside faults, as process_vm_readv would. */
    private static final class FakeMemory implements TraceeMemory {
        final byte[] bytes = new byte[MAPPED];
        int reads;

        @Override
        public byte[] read(RemotePtr address, int length) throws TraceeFault {
            reads++;
            long offset = address.address() - BASE;
            if (offset < 0 || offset + length > MAPPED) throw new TraceeFault(address, length);
            return Arrays.copyOfRange(bytes, (int) offset, (int) offset + length);
        }

        @Override
        public void write(RemotePtr address, byte[] bytes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long readLong(RemotePtr address) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void writeLong(RemotePtr address, long value) {
            throw new UnsupportedOperationException();
        }

        RemotePtr put(int offset, String s, boolean terminated) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(b, 0, bytes, offset, b.length);
            if (terminated) bytes[offset + b.length] = 0;
            return new RemotePtr(BASE + offset);
        }
    }

    @Test
    void readsUpToTheNul() throws TraceeFault {
        FakeMemory memory = new FakeMemory();
        RemotePtr path = memory.put(100, "/etc/hostname", true);
        assertThat(new String(memory.readCString(path, 4096), StandardCharsets.UTF_8)).isEqualTo("/etc/hostname");
        assertThat(memory.reads).isEqualTo(1);
    }

    @Test
    void aStringEndingJustBeforeTheHoleIsReadWhole() throws TraceeFault {
        FakeMemory memory = new FakeMemory();
        RemotePtr at = memory.put(MAPPED - 6, "tail", true);
        assertThat(memory.readCString(at, 4096)).asString(StandardCharsets.UTF_8).isEqualTo("tail");
        RemotePtr across = memory.put(4096 - 3, "across", true);
        assertThat(memory.readCString(across, 4096)).asString(StandardCharsets.UTF_8).isEqualTo("across");
    }

    @Test
    void aStringRunningIntoTheHoleFaults() {
        FakeMemory memory = new FakeMemory();
        RemotePtr at = memory.put(MAPPED - 4, "abcd", false);
        assertThatThrownBy(() -> memory.readCString(at, 4096)).isInstanceOf(TraceeFault.class);
    }

    @Test
    void aLongStringIsCutAtMaxLength() throws TraceeFault {
        FakeMemory memory = new FakeMemory();
        RemotePtr at = memory.put(0, "0123456789", true);
        assertThat(memory.readCString(at, 4)).asString(StandardCharsets.UTF_8).isEqualTo("0123");
        assertThat(memory.readCString(at, 0)).isEmpty();
    }
}
