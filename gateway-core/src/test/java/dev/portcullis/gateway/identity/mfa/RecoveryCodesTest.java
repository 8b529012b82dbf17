package dev.portcullis.gateway.identity.mfa;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class RecoveryCodesTest {

  @Test
  void codesAreDistinctAndReadBackAsTyped() {
    List<RecoveryCodes.Code> codes = RecoveryCodes.generate(10);
    assertThat(codes).hasSize(10);
    assertThat(codes.stream().map(RecoveryCodes.Code::id).collect(Collectors.toSet())).hasSize(10);
    for (RecoveryCodes.Code code : codes) {
      assertThat(code.display()).matches("[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}");
      assertThat(RecoveryCodes.parse(code.display())).contains(code);
      assertThat(RecoveryCodes.parse(" " + code.display().toUpperCase().replace("-", " ") + " ")).contains(code);
    }
  }

  @Test
  void lookAlikeLettersAreReadAsDigitsAndAnythingElseIsNoCode() {
    assertThat(RecoveryCodes.parse("abcd-efgh-Oo1I-lLzz")).contains(new RecoveryCodes.Code("abcd", "efgh001111zz"));
    for (String bad : Set.of("", "abcd-efgh-jkmn", "abcd-efgh-jkmn-pqrs-t", "abcd-efgh-jkmn-pqr!", "ábcd-efgh-jkmn-pqrs")) {
      assertThat(RecoveryCodes.parse(bad)).as(bad).isEmpty();
    }
    assertThat(RecoveryCodes.parse(null)).isEmpty();
    assertThat(RecoveryCodes.parse("a".repeat(65))).isEmpty();
  }
}
