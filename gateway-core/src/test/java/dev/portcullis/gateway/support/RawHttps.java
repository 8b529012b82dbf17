package dev.portcullis.gateway.support;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over TLS written by hand, for requests that well-behaved clients refuse to send:
 * unnormalised paths, hop-by-hop headers, oversized request lines, Expect: 100-continue.
 */
public final class RawHttps implements AutoCloseable {

  /** A parsed response: status, lower-cased headers (last value wins) and the body as text. */
  public record Response(int status, Map<String, String> headers, String body) {
  }

  private final SSLSocket socket;
  private final InputStream in;
  private final OutputStream out;

  public RawHttps(int port) throws IOException {
    socket = (SSLSocket) Https.trustingContext().getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    socket.startHandshake();
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  public static Response exchange(int port, String request) throws IOException {
    try (RawHttps raw = new RawHttps(port)) {
      raw.write(request);
      return raw.read();
    }
  }

  /** A GET of {@code target} exactly as given. */
  public static Response get(int port, String target) throws IOException {
    return exchange(port, "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  }

  public void write(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  public void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads one response; informational (1xx) responses are returned as they come. */
  public Response read() throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
    }
    if (status < 200) {
      return new Response(status, headers, "");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (headers.containsKey("content-length")) {
      long n = Long.parseLong(headers.get("content-length"));
      for (long i = 0; i < n; i++) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        body.write(b);
      }
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (String size = line(); size != null; size = line()) {
        int n = Integer.parseInt(size.trim(), 16);
        if (n == 0) {
          line();
          break;
        }
        body.write(in.readNBytes(n));
        line();
      }
    } else if ("close".equalsIgnoreCase(headers.get("connection"))) {
      in.transferTo(body);
    }
    return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  /** True when the server has closed the connection (read returns end of stream). */
  public boolean closedByPeer() {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      buf.write(b);
    }
    return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
