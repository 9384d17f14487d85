/*
 * ProfileProbe: a JVM busy reading the clocks, for a profiler to sample. It
 * calls System.nanoTime() (CLOCK_MONOTONIC) and System.currentTimeMillis()
 * (CLOCK_REALTIME) in a loop, both through glibc and the vDSO, for the given
 * number of milliseconds of CLOCK_MONOTONIC, so that most samples land in the
 * vDSO's clock code: a profiler that cannot unwind out of it loses the Java
 * frames below (ProfileProbe.spin, ProfileProbe.main).
 *
 *   java -cp DIR ProfileProbe MILLIS   prints PROFILE lang=java calls=N checksum=C
 */
public final class ProfileProbe {
    private ProfileProbe() {}

    static long spin(long calls) {
        long sum = 0;
        for (long i = 0; i < calls; i++) sum += (System.nanoTime() ^ System.currentTimeMillis()) & 1;
        return sum;
    }

    public static void main(String[] args) {
        long millis = Long.parseLong(args[0]);
        long end = System.nanoTime() + millis * 1_000_000L;
        long calls = 0;
        long sum = 0;
        while (System.nanoTime() < end) {
            sum += spin(10_000);
            calls += 10_000;
        }
        System.out.println("PROFILE lang=java calls=" + calls + " checksum=" + (sum & 1));
    }
}
