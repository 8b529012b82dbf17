package dev.portcullis.gateway.policy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A policy may set rate-limit, Retry-After and application X- headers on the response, and nothing else. */
class ResponseHeadersTest {

  @Test
  void theAllowedFamiliesPass() {
    for (String name : new String[] {"RateLimit", "RateLimit-Policy", "RateLimit-Remaining", "Retry-After",
        "X-Quota-Left", "x-tenant"}) {
      assertThatCode(() -> ResponseHeaders.check(name, "1")).as(name).doesNotThrowAnyException();
    }
  }

  @Test
  void everythingElseIsRefusedByName() {
    for (String name : new String[] {"Set-Cookie", "Location", "Refresh", "Access-Control-Allow-Origin",
        "Cache-Control", "Vary", "Expires", "Content-Type", "Content-Length", "Transfer-Encoding", "Connection",
        "Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
        "X-Forwarded-For", "X-Request-Id", "X-Portcullis-Assertion", "WWW-Authenticate"}) {
      assertThatThrownBy(() -> ResponseHeaders.check(name, "x")).as(name)
          .hasMessage("a policy may not set the response header '" + name + "'");
    }
    assertThatThrownBy(() -> ResponseHeaders.check("Bad Name", "x")).hasMessage("'Bad Name' is not a valid header name");
    assertThatThrownBy(() -> ResponseHeaders.check("X-Ok", "line\r\nbreak"))
        .hasMessageContaining("without control characters");
  }
}
