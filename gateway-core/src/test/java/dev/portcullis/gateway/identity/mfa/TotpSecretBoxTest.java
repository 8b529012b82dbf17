package dev.portcullis.gateway.identity.mfa;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TotpSecretBoxTest {

  @TempDir
  Path dir;

  @Test
  void aSealedSecretOpensOnlyForItsUserUnderItsKey() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    TotpSecretBox box = new TotpSecretBox(key);
    byte[] secret = "twenty bytes secret!".getBytes();
    String sealed = box.seal("user-1", secret);
    assertThat(sealed).doesNotContain("twenty");
    assertThat(box.seal("user-1", secret)).isNotEqualTo(sealed); // a fresh nonce each time
    assertThat(box.open("user-1", sealed)).isEqualTo(secret);
    assertThatThrownBy(() -> box.open("user-2", sealed)).hasMessageContaining("does not open");
    byte[] other = key.clone();
    other[0] = 8;
    assertThatThrownBy(() -> new TotpSecretBox(other).open("user-1", sealed)).hasMessageContaining("does not open");
    assertThatThrownBy(() -> box.open("user-1", "not-base64!")).hasMessageContaining("does not open");
  }

  @Test
  void theGeneratedKeyFileIsOwnerOnlyAndReusedAtTheNextStart() throws Exception {
    Path file = dir.resolve("data/totp-secret.key");
    TotpSecretBox first = TotpSecretBox.fromGeneratedFile(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    String sealed = first.seal("u", new byte[] {1, 2, 3});
    assertThat(TotpSecretBox.fromGeneratedFile(file).open("u", sealed)).containsExactly(1, 2, 3);
    Files.writeString(file, "short");
    assertThatThrownBy(() -> TotpSecretBox.fromGeneratedFile(file)).hasMessageContaining("does not hold 32 bytes");
  }
}
