package dev.portcullis.gateway.identity;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.assertion.AssertionSigner;
import dev.portcullis.gateway.identity.assertion.Pseudonyms;
import dev.portcullis.gateway.identity.assertion.SigningKeys;
import dev.portcullis.gateway.identity.store.Database;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.plugin.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertion key rotation without downtime, on a real store and a clock the test moves. */
class SigningKeysTest {

  @TempDir
  Path dir;
  Database database;
  JdbcIamStore store;
  final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));

  @BeforeEach
  void open() {
    database = Database.open(new IdentityConfig.Store("jdbc:h2:file:" + dir.resolve("iam"), null, null, 2, false,
        Duration.ofSeconds(1)));
    store = new JdbcIamStore(database.dataSource(), clock);
  }

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void aNewKeyIsPublishedBeforeItSignsAndTheOldOneStaysPublishedMeanwhile() throws Exception {
    SigningKeys keys = new SigningKeys(store, Duration.ofDays(30), Duration.ofMinutes(5), clock);
    keys.refresh();
    String first = keys.current().getKeyID();
    AssertionSigner signer = new AssertionSigner(keys, new Pseudonyms(new byte[32]), "portcullis",
        Duration.ofMinutes(5), clock);
    Identity who = new Identity("u1", "acme", Set.of("r"), Set.of("p"), Map.of("pwd", clock.instant()));
    GatewayConfig.AssertionSpec spec = new GatewayConfig.AssertionSpec("X-A", "records", false);
    String oldAssertion = signer.assertion(who, spec);

    clock.advance(Duration.ofDays(30));
    keys.refresh();
    assertThat(keys.publicJwks().getKeys()).hasSize(2);
    assertThat(keys.current().getKeyID()).as("the new key is not used before it was published 5 minutes")
        .isEqualTo(first);
    // an assertion signed before the rotation still verifies against the published set
    SignedJWT old = SignedJWT.parse(oldAssertion);
    assertThat(old.verify(new ECDSAVerifier((ECKey) keys.publicJwks().getKeyByKeyId(first)))).isTrue();

    clock.advance(Duration.ofMinutes(5));
    String second = keys.current().getKeyID();
    assertThat(second).isNotEqualTo(first);
    assertThat(SignedJWT.parse(new AssertionSigner(keys, new Pseudonyms(new byte[32]), "portcullis",
        Duration.ofMinutes(5), clock).assertion(who, spec)).getHeader().getKeyID()).isEqualTo(second);

    // another instance sharing the store sees the same keys without creating its own
    SigningKeys other = new SigningKeys(store, Duration.ofDays(30), Duration.ofMinutes(5), clock);
    other.refresh();
    assertThat(other.publicJwks().toString()).isEqualTo(keys.publicJwks().toString());

    clock.advance(Duration.ofDays(30));
    keys.refresh();
    clock.advance(Duration.ofDays(30));
    keys.refresh();
    clock.advance(Duration.ofDays(30));
    keys.refresh();
    assertThat(keys.publicJwks().getKeys()).hasSize(4).noneMatch(k -> k.getKeyID().equals(first));
    assertThat(keys.publicJwks().getKeys()).allMatch(k -> !k.isPrivate());
  }

  static final class MovableClock extends Clock {
    private Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
