package dev.timens.clock;

import dev.timens.linux.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a write to timens_offsets says, read as fs/proc/base.c reads it. */
class TimensOffsetsTest {
    private static TimensOffsets parse(String text) throws TimensOffsets.Refused {
        return TimensOffsets.parse(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void namesAndNumbersBothName() throws Exception {
        assertThat(parse("monotonic 86400 0\n7 -5 999999999\n").offsets()).containsExactly(
                new TimensOffsets.Offset(ClockGroup.MONOTONIC, 86400, 0),
                new TimensOffsets.Offset(ClockGroup.BOOTTIME, -5, 999_999_999));
    }

    /** After the second offset the kernel stops, and reports the bytes up to the next line as written. */
    @Test
    void aThirdLineIsNotWritten() throws Exception {
        TimensOffsets three = parse("1 5 0\n7 6 0\nnot even read\n");
        assertThat(three.offsets()).hasSize(2);
        assertThat(three.written()).isEqualTo(12);
        assertThat(parse("1 5 0\n7 6 0").written()).isEqualTo(11);
    }

    /** What follows the three fields is not looked at; the copy ends at a NUL. */
    @Test
    void trailingTextAndNulsAreTheKernels() throws Exception {
        assertThat(parse("  monotonic\t10 0 anything").offsets())
                .containsExactly(new TimensOffsets.Offset(ClockGroup.MONOTONIC, 10, 0));
        assertThat(TimensOffsets.parse("1 3 0\0garbage".getBytes(StandardCharsets.ISO_8859_1)).offsets()).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not an offset", "1 10", "1 10 1000000000", "0 10 0", "monotonicX 1 0", "1 +5 0",
            "1 5 -1", "1 5 0\n\n7 1 0", "realtime 1 0"})
    void whatDoesNotParseIsEinval(String text) {
        assertThatThrownBy(() -> parse(text)).isInstanceOfSatisfying(TimensOffsets.Refused.class,
                r -> assertThat(r.errno).isEqualTo(Errno.EINVAL));
    }

    /** The file's text, as the kernel prints it ("%-10s %10lld %9ld"). */
    @Test
    void showsAsTheKernelDoes() {
        assertThat(TimensOffsets.show(86_400_000_000_000L, -1).lines().toList()).isEqualTo(List.of(
                "monotonic       86400         0", "boottime           -1 999999999"));
    }
}
