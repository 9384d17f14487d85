package dev.timens.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * What the kernel hands a seccomp filter: {@code struct seccomp_data} from
 * {@code <linux/seccomp.h>}. {@link #bytes()} lays it out the way the kernel does
 * (written out here on purpose, independently of {@link SeccompAction}'s offsets,
 * so the interpreter cross-checks them).
 *
 * @param nr   syscall number ({@code int})
 * @param arch {@code AUDIT_ARCH_*} value
 * @param ip   instruction pointer
 * @param args the six arguments, as 64-bit registers
 */
record SeccompData(int nr, int arch, long ip, long[] args) {

    SeccompData {
        if (args.length != 6) {
            throw new IllegalArgumentException("seccomp_data has 6 arguments, not " + args.length);
        }
        args = args.clone();
    }

    /** A native call; missing arguments are 0. */
    static SeccompData x86_64(int nr, long... args) {
        return new SeccompData(nr, SeccompAction.AUDIT_ARCH_X86_64, 0x401000L, Arrays.copyOf(args, 6));
    }

    /** An x32 call: x86_64 audit arch, {@code __X32_SYSCALL_BIT} in the number. */
    static SeccompData x32(int nrWithoutBit) {
        return x86_64(nrWithoutBit | 0x4000_0000);
    }

    /** An {@code int $0x80} call. */
    static SeccompData i386(int nr) {
        return new SeccompData(nr, SeccompAction.AUDIT_ARCH_I386, 0x8048000L, new long[6]);
    }

    SeccompData withIp(long newIp) {
        return new SeccompData(nr, arch, newIp, args);
    }

    /** The 64 bytes the filter reads: int nr, u32 arch, u64 ip, u64 args[6], little-endian. */
    byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(nr).putInt(arch).putLong(ip);
        for (long a : args) {
            b.putLong(a);
        }
        return b.array();
    }

    @Override
    public long[] args() {
        return args.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeccompData d && d.nr == nr && d.arch == arch && d.ip == ip
                && Arrays.equals(d.args, args);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(args) + Long.hashCode(ip) + 7 * nr + arch;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("{nr=0x%x arch=0x%x ip=0x%x args=[", nr, arch, ip));
        for (int i = 0; i < 6; i++) {
            sb.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(args[i]));
        }
        return sb.append("]}").toString();
    }
}
