package dev.portcullis.gateway.identity.mfa;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 6238 through java-otp, the ±1 step window and the otpauth URI. */
class TotpTest {

  private static final byte[] SEED20 = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEED32 = "12345678901234567890123456789012".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEED64 = ("1234567890123456789012345678901234567890123456789012345678901234")
      .getBytes(StandardCharsets.US_ASCII);

  /** RFC 6238, Appendix B: every time and algorithm of the table. */
  @ParameterizedTest
  @CsvSource({
      "59, 94287082, 46119246, 90693936",
      "1111111109, 07081804, 68084774, 25091201",
      "1111111111, 14050471, 67062674, 99943326",
      "1234567890, 89005924, 91819424, 93441116",
      "2000000000, 69279037, 90698825, 38618901",
      "20000000000, 65353130, 77737706, 47863826"})
  void theRfc6238TestVectorsForSha1Sha256AndSha512(long seconds, String sha1, String sha256, String sha512) {
    Instant at = Instant.ofEpochSecond(seconds);
    assertThat(new Totp("SHA1", 8, Duration.ofSeconds(30)).code(SEED20, at)).isEqualTo(sha1);
    assertThat(new Totp("SHA256", 8, Duration.ofSeconds(30)).code(SEED32, at)).isEqualTo(sha256);
    assertThat(new Totp("SHA512", 8, Duration.ofSeconds(30)).code(SEED64, at)).isEqualTo(sha512);
  }

  @Test
  void aCodeIsAcceptedOneStepEitherSideAndNamesTheStepItBelongsTo() {
    Totp totp = new Totp("SHA1", 6, Duration.ofSeconds(30));
    Instant now = Instant.ofEpochSecond(1_700_000_010); // step 56666667
    long step = 1_700_000_010L / 30;
    String previous = totp.code(SEED20, now.minusSeconds(30));
    String current = totp.code(SEED20, now);
    String next = totp.code(SEED20, now.plusSeconds(30));
    assertThat(totp.matchingStep(SEED20, previous, now)).hasValue(step - 1);
    assertThat(totp.matchingStep(SEED20, current, now)).hasValue(step);
    assertThat(totp.matchingStep(SEED20, next, now)).hasValue(step + 1);
    assertThat(totp.matchingStep(SEED20, totp.code(SEED20, now.minusSeconds(60)), now)).isEmpty();
    assertThat(totp.matchingStep(SEED20, totp.code(SEED20, now.plusSeconds(60)), now)).isEmpty();
  }

  @Test
  void malformedCodesMatchNothing() {
    Totp totp = new Totp("SHA1", 6, Duration.ofSeconds(30));
    Instant now = Instant.ofEpochSecond(1_700_000_010);
    String code = totp.code(SEED20, now);
    assertThat(totp.matchingStep(SEED20, null, now)).isEmpty();
    assertThat(totp.matchingStep(SEED20, code + "0", now)).isEmpty();
    assertThat(totp.matchingStep(SEED20, code.substring(1), now)).isEmpty();
    assertThat(totp.matchingStep(SEED20, "12a456", now)).isEmpty();
  }

  @Test
  void base32IsRfc4648WithoutPadding() {
    assertThat(Totp.base32("".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    assertThat(Totp.base32("f".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MY");
    assertThat(Totp.base32("fo".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXQ");
    assertThat(Totp.base32("foo".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6");
    assertThat(Totp.base32("foob".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YQ");
    assertThat(Totp.base32("fooba".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YTB");
    assertThat(Totp.base32("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YTBOI");
  }

  @Test
  void theUriCarriesIssuerAccountAndParametersForAuthenticatorApps() {
    String uri = new Totp("SHA256", 8, Duration.ofSeconds(60)).uri("Acme Gate", "jane doe", SEED20);
    assertThat(uri).isEqualTo("otpauth://totp/Acme%20Gate:jane%20doe?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        + "&issuer=Acme%20Gate&algorithm=SHA256&digits=8&period=60");
  }
}
