package dev.portcullis.gateway.identity.portal;

import dev.portcullis.gateway.identity.mfa.SecondFactor;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import static dev.portcullis.gateway.identity.portal.Html.escape;
import static dev.portcullis.gateway.identity.portal.Html.page;

/** The second-factor pages: enter a code, enrol an authenticator, save recovery codes. */
final class MfaHtml {

  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d MMMM yyyy, HH:mm 'UTC'")
      .withZone(ZoneOffset.UTC);

  private MfaHtml() {
  }

  static String verify(String csrf, String returnTo, boolean stepUp, String error) {
    StringBuilder body = new StringBuilder();
    if (error != null) {
      body.append("<p class=\"error\" role=\"alert\" id=\"code-error\">").append(escape(error)).append("</p>\n");
    }
    body.append(stepUp ? "<p>This page needs a recent second factor. Confirm it is you.</p>\n" : "")
        .append(codeForm("/.portcullis/mfa", csrf, returnTo, error,
            "Enter the code from your authenticator app, or one of your recovery codes.", "Verify"));
    return page(stepUp ? "Confirm it is you" : "Two-factor authentication", body.toString());
  }

  static String enrol(String csrf, String returnTo, SecondFactor.Enrolment enrolment, Instant postponeUntil,
      String error) {
    StringBuilder body = new StringBuilder();
    if (error != null) {
      body.append("<p class=\"error\" role=\"alert\" id=\"code-error\">").append(escape(error)).append("</p>\n");
    }
    body.append("""
        <p>Scan this code with an authenticator app (such as FreeOTP, Aegis or Google Authenticator).</p>
        <img class="qr" src="/.portcullis/mfa/qr.png?v=%s" width="240" height="240"
             alt="QR code that adds %s for %s to an authenticator app">
        <p>Or enter this key by hand: <code class="secret" id="totp-secret">%s</code></p>
        <p class="hint">Account: %s · Issuer: %s · time-based</p>
        """.formatted(dev.portcullis.gateway.identity.Secrets.random256().substring(0, 8), escape(enrolment.issuer()),
        escape(enrolment.account()),
        escape(enrolment.secretText()), escape(enrolment.account()), escape(enrolment.issuer())));
    body.append(codeForm("/.portcullis/mfa/enrol", csrf, returnTo, error,
        "Then enter the code the app shows, to confirm it works.", "Confirm"));
    if (postponeUntil != null) {
      body.append("""
          <form method="post" action="/.portcullis/mfa/postpone">
          <input type="hidden" name="csrf" value="%s">
          <input type="hidden" name="rd" value="%s">
          <p class="hint">You must set this up before %s.</p>
          <button type="submit" class="button secondary" id="postpone">Not now</button>
          </form>
          """.formatted(escape(csrf), escape(returnTo), escape(DATE.format(postponeUntil))));
    }
    return page("Set up two-factor authentication", body.toString());
  }

  static String recoveryCodes(List<String> codes, String returnTo) {
    StringBuilder list = new StringBuilder("<ol class=\"codes\" id=\"recovery-codes\">\n");
    codes.forEach(code -> list.append("<li><code>").append(escape(code)).append("</code></li>\n"));
    list.append("</ol>\n");
    return page("Save your recovery codes", """
        <p role="status">Two-factor authentication is on.</p>
        <p>If you lose your authenticator, each of these codes lets you sign in once. Store them somewhere
        safe now: they will not be shown again.</p>
        %s<p><a class="button" id="continue" href="%s">Continue</a></p>
        """.formatted(list, escape(returnTo)));
  }

  static String recoveryCodeUsed(int remaining, String returnTo) {
    String advice = remaining == 0
        ? "You have no recovery codes left. Ask an administrator to reset your two-factor authentication."
        : remaining <= 3 ? "You are running out: ask an administrator to reset your authenticator soon."
        : "Keep the others safe.";
    return page("Recovery code used", """
        <p role="status" id="remaining">You signed in with a recovery code. %d remain%s.</p>
        <p>%s</p>
        <p><a class="button" id="continue" href="%s">Continue</a></p>
        """.formatted(remaining, remaining == 1 ? "s" : "", escape(advice), escape(returnTo)));
  }

  static String loginAgain(String message, String returnTo) {
    return page("Sign in again", "<p class=\"error\" role=\"alert\">" + escape(message) + "</p>\n"
        + "<p><a class=\"button secondary\" href=\"/.portcullis/login?rd="
        + escape(URLEncoder.encode(returnTo, StandardCharsets.UTF_8)) + "\">Sign in</a></p>\n");
  }

  private static String codeForm(String action, String csrf, String returnTo, String error, String hint,
      String button) {
    return """
        <form method="post" action="%s" novalidate>
        <input type="hidden" name="csrf" value="%s">
        <input type="hidden" name="rd" value="%s">
        <label for="code">Authentication code</label>
        <p class="hint" id="code-hint">%s</p>
        <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
               autocapitalize="none" spellcheck="false" required autofocus maxlength="64"
               aria-describedby="code-hint%s"%s>
        <button type="submit">%s</button>
        </form>
        """.formatted(action, escape(csrf), escape(returnTo), escape(hint), error == null ? "" : " code-error",
        error == null ? "" : " aria-invalid=\"true\"", escape(button));
  }
}
