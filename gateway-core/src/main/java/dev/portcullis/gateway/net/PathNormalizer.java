package dev.portcullis.gateway.net;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Brings a request path into the one canonical form that routing, policies and the upstream all
 * see, or rejects it. The rules, in order:
 * <ol>
 *   <li>The path must start with {@code /}; raw control characters, raw {@code \} and non-ASCII are
 *       rejected.</li>
 *   <li>Percent-escapes must be well formed. Escapes of unreserved characters ({@code A-Z a-z 0-9 - . _ ~})
 *       are decoded. Encoded {@code /} ({@code %2F}), {@code \} ({@code %5C}), NUL ({@code %00}) and
 *       other control characters are rejected, and so is double encoding ({@code %25} followed by
 *       two hex digits), which exists only to confuse a second decoder. Every other escape is kept,
 *       with upper-case hex; escaped bytes above 0x7F must form valid, shortest-form UTF-8
 *       (overlong forms such as {@code %C0%AE} are rejected).</li>
 *   <li>Other characters that may not appear raw in a path are percent-encoded.</li>
 *   <li>Empty segments ({@code //}) are merged, or rejected when so configured.</li>
 *   <li>Dot segments are removed (RFC 3986 §5.2.4) after decoding, so {@code %2e%2e} counts as
 *       {@code ..}. A path that climbs above the root is rejected, not clamped. A segment such as
 *       {@code ..;x} is rejected because some servers strip {@code ;params} and would read it as
 *       {@code ..}.</li>
 * </ol>
 * A trailing slash is kept. The query string is not touched here.
 *
 * <p>Written by hand because no library applies exactly these security rules (Netty's and the JDK's
 * URI normalisation decode {@code %2F} or clamp {@code ..} at the root).
 */
public final class PathNormalizer {

  /** Why a path was refused; the message is safe to show to the client. */
  public static final class RejectedPathException extends Exception {
    public RejectedPathException(String message) {
      super(message, null, false, false);
    }
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final boolean mergeSlashes;

  public PathNormalizer(boolean mergeSlashes) {
    this.mergeSlashes = mergeSlashes;
  }

  public String normalize(String rawPath) throws RejectedPathException {
    if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      throw new RejectedPathException("the path must start with '/'");
    }
    String decoded = decodeUnreserved(rawPath);
    rejectDoubleEncoding(decoded);
    if (decoded.indexOf("//") < 0 && decoded.indexOf("/.") < 0) {
      return decoded; // the common case: nothing to merge or remove
    }
    return removeDotSegments(decoded);
  }

  /**
   * Checked on the decoded form, where both {@code %252e} and the disguised {@code %25%32%65}
   * (which decodes to {@code %252e}) show up the same way.
   */
  private static void rejectDoubleEncoding(String path) throws RejectedPathException {
    for (int i = path.indexOf("%25"); i >= 0; i = path.indexOf("%25", i + 1)) {
      if (i + 4 < path.length() && isHex(path.charAt(i + 3)) && isHex(path.charAt(i + 4))) {
        throw new RejectedPathException("the path is percent-encoded twice (%25 followed by hex)");
      }
    }
  }

  private static String decodeUnreserved(String raw) throws RejectedPathException {
    StringBuilder out = null;
    int n = raw.length();
    for (int i = 0; i < n; i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (out == null) {
          out = new StringBuilder(n).append(raw, 0, i);
        }
        i = decodeEscapes(raw, i, out) - 1;
        continue;
      }
      if (c < 0x21 || c == 0x7f) {
        throw new RejectedPathException("the path contains a control character or space");
      }
      if (c > 0x7e) {
        throw new RejectedPathException("the path contains a raw non-ASCII character; percent-encode it");
      }
      if (c == '\\') {
        throw new RejectedPathException("the path contains a backslash");
      }
      boolean allowedRaw = isUnreserved(c) || "/!$&'()*+,;=:@".indexOf(c) >= 0;
      if (!allowedRaw) {
        if (out == null) {
          out = new StringBuilder(n + 8).append(raw, 0, i);
        }
        appendEscape(out, c);
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? raw : out.toString();
  }

  /** Decodes the run of escapes starting at {@code start}; returns the index after the run. */
  private static int decodeEscapes(String raw, int start, StringBuilder out) throws RejectedPathException {
    int i = start;
    List<Integer> highBytes = new ArrayList<>(4);
    while (i < raw.length() && raw.charAt(i) == '%') {
      int b = hexByte(raw, i);
      if (b < 0x80) {
        flushUtf8(highBytes, out);
        if (b < 0x20 || b == 0x7f) {
          throw new RejectedPathException(b == 0 ? "the path contains an encoded NUL (%00)"
              : "the path contains an encoded control character");
        }
        if (b == '/') {
          throw new RejectedPathException("the path contains an encoded slash (%2F)");
        }
        if (b == '\\') {
          throw new RejectedPathException("the path contains an encoded backslash (%5C)");
        }
        if (isUnreserved((char) b)) {
          out.append((char) b);
        } else {
          appendEscape(out, (char) b);
        }
      } else {
        highBytes.add(b);
      }
      i += 3;
    }
    flushUtf8(highBytes, out);
    return i;
  }

  private static void flushUtf8(List<Integer> bytes, StringBuilder out) throws RejectedPathException {
    if (bytes.isEmpty()) {
      return;
    }
    byte[] array = new byte[bytes.size()];
    for (int k = 0; k < array.length; k++) {
      array[k] = (byte) (int) bytes.get(k);
    }
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(array));
    } catch (CharacterCodingException e) {
      throw new RejectedPathException("the path contains percent-encoded bytes that are not valid UTF-8 "
          + "(overlong or truncated sequence)");
    }
    for (byte b : array) {
      appendEscape(out, (char) (b & 0xff));
    }
    bytes.clear();
  }

  private static int hexByte(String raw, int i) throws RejectedPathException {
    if (i + 2 >= raw.length() || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2))) {
      throw new RejectedPathException("the path contains a malformed percent-escape");
    }
    return Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16);
  }

  private String removeDotSegments(String path) throws RejectedPathException {
    String[] parts = path.split("/", -1);
    // parts[0] is the empty string before the leading slash
    List<String> segments = new ArrayList<>(parts.length);
    boolean trailingSlash = false;
    for (int i = 1; i < parts.length; i++) {
      String seg = parts[i];
      boolean last = i == parts.length - 1;
      if (seg.isEmpty()) {
        if (last) {
          trailingSlash = true;
        } else if (!mergeSlashes) {
          throw new RejectedPathException("the path contains an empty segment (//)");
        }
        continue;
      }
      if (seg.equals(".")) {
        trailingSlash = last;
        continue;
      }
      if (seg.equals("..")) {
        if (segments.isEmpty()) {
          throw new RejectedPathException("the path climbs above the root");
        }
        segments.remove(segments.size() - 1);
        trailingSlash = last;
        continue;
      }
      if (seg.startsWith(".;") || seg.startsWith("..;")) {
        throw new RejectedPathException("the path has a dot segment with parameters ('..;')");
      }
      segments.add(seg);
      trailingSlash = false;
    }
    if (segments.isEmpty()) {
      return "/";
    }
    StringBuilder out = new StringBuilder(path.length());
    for (String s : segments) {
      out.append('/').append(s);
    }
    if (trailingSlash) {
      out.append('/');
    }
    return out.toString();
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }

  private static void appendEscape(StringBuilder out, char b) {
    out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
  }
}
