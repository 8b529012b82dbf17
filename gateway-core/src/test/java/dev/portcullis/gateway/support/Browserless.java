package dev.portcullis.gateway.support;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A scripted client of the login portal: a cookie jar of its own (so tests see exactly which
 * cookies the gateway sets), no automatic redirects, forms posted as a browser does.
 */
public final class Browserless {

  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private final HttpClient client = Https.client();
  private final Map<String, String> cookies = new LinkedHashMap<>();
  private final Map<String, String> headers = new LinkedHashMap<>();
  private final String base;

  public Browserless(String base) {
    this.base = base;
  }

  public Map<String, String> cookies() {
    return cookies;
  }

  /** Sends {@code name: value} with every request from now on (e.g. X-Forwarded-For through a trusted proxy). */
  public Browserless header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public HttpResponse<String> get(String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    return send(request, headers);
  }

  public HttpResponse<String> post(String path, Map<String, String> form, String... headers) {
    String body = form.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
        .collect(Collectors.joining("&"));
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    return send(request, headers);
  }

  private HttpResponse<String> send(HttpRequest.Builder request, String... headers) {
    this.headers.forEach(request::header);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    if (!cookies.isEmpty()) {
      request.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining("; ")));
    }
    HttpResponse<String> response = Https.send(client, request.build());
    for (String setCookie : response.headers().allValues("set-cookie")) {
      String pair = setCookie.split(";", 2)[0];
      int eq = pair.indexOf('=');
      String name = pair.substring(0, eq);
      String value = pair.substring(eq + 1);
      if (value.isEmpty() || setCookie.contains("Max-Age=0")) {
        cookies.remove(name);
      } else {
        cookies.put(name, value);
      }
    }
    return response;
  }

  /** Opens the login page and returns the CSRF token of its form. */
  public String loginPage(String returnTo) {
    HttpResponse<String> page = get("/.portcullis/login" + (returnTo == null ? "" : "?rd=" + enc(returnTo)));
    if (page.statusCode() != 200) {
      throw new IllegalStateException("login page answered " + page.statusCode());
    }
    return csrf(page.body());
  }

  public static String csrf(String html) {
    Matcher m = CSRF.matcher(html);
    if (!m.find()) {
      throw new IllegalStateException("no CSRF field in the page");
    }
    return m.group(1);
  }

  /** Signs in through the form; returns the portal's answer (303 on success). */
  public HttpResponse<String> login(String username, String password, String returnTo) {
    String csrf = loginPage(returnTo);
    return post("/.portcullis/login", Map.of("csrf", csrf, "rd", returnTo == null ? "/" : returnTo,
        "username", username, "password", password));
  }

  public List<String> setCookies(HttpResponse<?> response) {
    return response.headers().allValues("set-cookie");
  }

  static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
