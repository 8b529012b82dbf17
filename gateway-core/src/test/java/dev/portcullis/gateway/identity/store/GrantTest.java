package dev.portcullis.gateway.identity.store;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A binding's window is decided at the instant of the request, to the millisecond: [validFrom, validUntil). */
class GrantTest {

  private static final Instant FROM = Instant.parse("2026-11-25T08:00:00Z");
  private static final Instant UNTIL = Instant.parse("2026-11-25T18:00:00Z");

  @Test
  void aWindowOpensAtItsStartAndClosesAtItsEnd() {
    Grant grant = new Grant("b-1", "acme", "oncall", Set.of("pager:ack"), FROM, UNTIL);
    assertThat(grant.activeAt(FROM.minusMillis(1))).isFalse();
    assertThat(grant.activeAt(FROM)).isTrue();
    assertThat(grant.activeAt(UNTIL.minusMillis(1))).isTrue();
    assertThat(grant.activeAt(UNTIL)).isFalse();
  }

  @Test
  void anOpenEndedBindingHasNoEdgeOnThatSide() {
    assertThat(new Grant("b-2", "acme", "r", Set.of(), null, UNTIL).activeAt(Instant.EPOCH)).isTrue();
    assertThat(new Grant("b-3", "acme", "r", Set.of(), FROM, null).activeAt(Instant.parse("2100-01-01T00:00:00Z")))
        .isTrue();
  }
}
