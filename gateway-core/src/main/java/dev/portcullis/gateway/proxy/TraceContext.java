package dev.portcullis.gateway.proxy;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Request ids and W3C Trace Context. A client's {@code X-Request-Id} is kept when it is short and
 * plain (letters, digits, {@code - _ . :}); otherwise a new one is made. A valid {@code traceparent}
 * keeps its trace id and gets a new parent id for our hop; an invalid or missing one starts a new trace.
 */
public final class TraceContext {

  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Pattern TRACEPARENT =
      Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private TraceContext() {
  }

  public static String requestId(String fromClient) {
    if (fromClient != null && REQUEST_ID.matcher(fromClient).matches()) {
      return fromClient;
    }
    return randomHex(16);
  }

  public static String childTraceparent(String fromClient) {
    if (fromClient != null) {
      var m = TRACEPARENT.matcher(fromClient.trim());
      if (m.matches() && !m.group(1).equals("ff") && !isZero(m.group(2)) && !isZero(m.group(3))) {
        return "00-" + m.group(2) + "-" + nonZeroHex(8) + "-" + m.group(4);
      }
    }
    return "00-" + nonZeroHex(16) + "-" + nonZeroHex(8) + "-01";
  }

  private static boolean isZero(String hex) {
    for (int i = 0; i < hex.length(); i++) {
      if (hex.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  private static String nonZeroHex(int bytes) {
    String s;
    do {
      s = randomHex(bytes);
    } while (isZero(s));
    return s;
  }

  private static String randomHex(int bytes) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[bytes * 2];
    long bits = 0;
    for (int i = 0; i < out.length; i++) {
      if ((i & 15) == 0) {
        bits = random.nextLong(); // 16 hex digits per draw
      }
      out[i] = HEX[(int) (bits & 0xf)];
      bits >>>= 4;
    }
    return new String(out);
  }
}
