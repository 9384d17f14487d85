package dev.timens.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("pure")
class NamespaceNameTest {
    @Test
    void namesThatAreFileNamesAndNotPids() {
        assertThat(NamespaceName.isValid("y2038")).isTrue();
        assertThat(NamespaceName.isValid("a.b_c-D")).isTrue();
        assertThat(NamespaceName.isValid("x".repeat(64))).isTrue();
        assertThat(NamespaceName.isValid("x".repeat(65))).isFalse();
        assertThat(NamespaceName.isValid("")).isFalse();
        assertThat(NamespaceName.isValid(null)).isFalse();
        assertThat(NamespaceName.isValid("a/b")).isFalse();
        assertThat(NamespaceName.isValid("a b")).isFalse();
        assertThat(NamespaceName.isValid("é")).isFalse();
        assertThat(NamespaceName.isValid("4242")).as("a pid").isFalse();
        assertThat(NamespaceName.isValid(".")).isFalse();
        assertThat(NamespaceName.isValid("..")).isFalse();
        assertThat(NamespaceName.isValid("...")).isTrue();
    }

    @Test
    void theRefusalSaysWhatANameMayBe() {
        assertThatThrownBy(() -> NamespaceName.check("a/b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid --name 'a/b': 1 to 64 letters");
    }

    @Property
    void everyNameOfTheAllowedCharactersIsValidUnlessAllDigitsOrDots(
            @ForAll @StringLength(min = 1, max = 64) @CharRange(from = 'a', to = 'z') @CharRange(from = 'A', to = 'Z')
            @CharRange(from = '0', to = '9') @Chars({'.', '_', '-'}) String name) {
        boolean special = name.matches("[0-9]+") || name.equals(".") || name.equals("..");
        assertThat(NamespaceName.isValid(name)).isEqualTo(!special);
    }

    @Property
    void anyOtherCharacterMakesItInvalid(@ForAll @StringLength(min = 0, max = 10) @CharRange(from = 'a', to = 'z') String before,
                                         @ForAll char other) {
        if (Character.isLetterOrDigit(other) && other < 128 || other == '.' || other == '_' || other == '-') return;
        assertThat(NamespaceName.isValid(before + other)).isFalse();
    }
}
