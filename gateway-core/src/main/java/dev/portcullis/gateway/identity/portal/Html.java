package dev.portcullis.gateway.identity.portal;

/** The portal's pages: plain server-rendered HTML that works without JavaScript. */
final class Html {

  private Html() {
  }

  static String escape(String value) {
    if (value == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(value.length() + 16);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  static String page(String title, String body) {
    return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>%s · Portcullis</title>
        <link rel="stylesheet" href="/.portcullis/static/portal.css">
        </head>
        <body>
        <main class="card" aria-labelledby="page-title">
        <p class="brand" aria-hidden="true">Portcullis</p>
        <h1 id="page-title">%s</h1>
        %s
        </main>
        </body>
        </html>
        """.formatted(escape(title), escape(title), body);
  }

  static String login(String csrf, String returnTo, String username, String error, java.util.List<String[]> sso) {
    StringBuilder body = new StringBuilder();
    if (error != null) {
      body.append("<p class=\"error\" role=\"alert\" id=\"login-error\">").append(escape(error)).append("</p>\n");
    }
    body.append("""
        <form method="post" action="/.portcullis/login" novalidate>
        <input type="hidden" name="csrf" value="%s">
        <input type="hidden" name="rd" value="%s">
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none"
               spellcheck="false" required%s value="%s"%s>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required%s%s>
        <button type="submit">Sign in</button>
        </form>
        """.formatted(escape(csrf), escape(returnTo), username.isEmpty() ? " autofocus" : "", escape(username),
        error == null ? "" : " aria-describedby=\"login-error\"", error == null ? "" : " aria-invalid=\"true\"",
        username.isEmpty() ? "" : " autofocus"));
    if (!sso.isEmpty()) {
      body.append("<div class=\"sso\"><p>Or sign in with</p><ul>\n");
      for (String[] provider : sso) {
        body.append("<li><a class=\"button secondary\" href=\"/.portcullis/oidc/").append(escape(provider[0]))
            .append("/start?rd=").append(escape(java.net.URLEncoder.encode(returnTo,
                java.nio.charset.StandardCharsets.UTF_8))).append("\">").append(escape(provider[1]))
            .append("</a></li>\n");
      }
      body.append("</ul></div>\n");
    }
    return page("Sign in", body.toString());
  }

  static String logoutConfirm(String csrf, String username) {
    return page("Sign out", """
        <p>You are signed in as <strong>%s</strong>.</p>
        <form method="post" action="/.portcullis/logout">
        <input type="hidden" name="csrf" value="%s">
        <button type="submit">Sign out</button>
        </form>
        """.formatted(escape(username), escape(csrf)));
  }

  static String signedOut() {
    return page("Signed out", """
        <p role="status">You are signed out. Close the browser window if this is a shared computer.</p>
        <p><a class="button secondary" href="/.portcullis/login">Sign in again</a></p>
        """);
  }

  static String error(String title, String message) {
    return page(title, "<p class=\"error\" role=\"alert\">" + escape(message) + "</p>\n"
        + "<p><a class=\"button secondary\" href=\"/.portcullis/login\">Back to sign in</a></p>\n");
  }

  static final String CSS = """
      :root { color-scheme: light dark; --accent: #1f5fbf; --error: #b3261e; }
      * { box-sizing: border-box; }
      body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 1rem;
             font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
             background: Canvas; color: CanvasText; }
      .card { width: 100%; max-width: 24rem; padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 20%, transparent);
              border-radius: 12px; box-shadow: 0 4px 24px rgb(0 0 0 / 0.08); }
      .brand { margin: 0 0 .25rem; font-weight: 700; letter-spacing: .08em; text-transform: uppercase;
               font-size: .8rem; color: var(--accent); }
      h1 { margin: 0 0 1.25rem; font-size: 1.5rem; }
      label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
      input[type=text], input[type=password] { width: 100%; padding: .65rem .75rem; font: inherit;
             border: 1px solid color-mix(in srgb, CanvasText 40%, transparent); border-radius: 8px;
             background: Field; color: FieldText; }
      input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
      button, .button { display: inline-block; width: 100%; margin-top: 1.5rem; padding: .7rem 1rem; font: inherit;
             font-weight: 600; text-align: center; text-decoration: none; border: 0; border-radius: 8px;
             background: var(--accent); color: #fff; cursor: pointer; }
      .button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); margin-top: .5rem; }
      .error { padding: .75rem; border-radius: 8px; border-left: 4px solid var(--error);
               background: color-mix(in srgb, var(--error) 10%, transparent); }
      .sso { margin-top: 1.5rem; border-top: 1px solid color-mix(in srgb, CanvasText 20%, transparent); }
      .sso ul { list-style: none; margin: 0; padding: 0; }
      .qr { display: block; margin: 1rem auto; width: 240px; height: 240px; image-rendering: pixelated; }
      .secret, .codes code { font: 600 1rem/1.6 ui-monospace, SFMono-Regular, Menlo, monospace; letter-spacing: .05em; }
      .codes { padding-left: 2rem; } .codes code { white-space: nowrap; }
      .hint { font-size: .9rem; color: color-mix(in srgb, CanvasText 70%, transparent); }
      .card.wide { max-width: 48rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; } h3 { font-size: 1rem; }
      textarea, select { width: 100%; padding: .65rem .75rem; font: inherit; border-radius: 8px; background: Field;
             color: FieldText; border: 1px solid color-mix(in srgb, CanvasText 40%, transparent); }
      fieldset { border: 0; padding: 0; margin: 1rem 0 0; } legend { font-weight: 600; } label.inline { display: inline; font-weight: 400; }
      table { width: 100%; border-collapse: collapse; font-size: .95rem; } th, td { text-align: left; padding: .4rem; vertical-align: top;
             border-bottom: 1px solid color-mix(in srgb, CanvasText 15%, transparent); }
      button.small { width: auto; margin: 0; padding: .3rem .6rem; } button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
      .actions { display: flex; gap: .5rem; } .pending { margin: 1rem 0; padding-top: .5rem; border-top: 1px solid color-mix(in srgb, CanvasText 15%, transparent); }
      .notice { padding: .75rem; border-radius: 8px; border-left: 4px solid var(--accent); background: color-mix(in srgb, var(--accent) 10%, transparent); }
      .hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
      """;
}
