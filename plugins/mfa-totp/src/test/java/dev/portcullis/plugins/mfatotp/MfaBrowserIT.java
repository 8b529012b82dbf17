package dev.portcullis.plugins.mfatotp;

import dev.portcullis.gateway.support.Authenticator;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole second-factor journey in a real browser (Debian's Chromium, headless, JavaScript off):
 * a route that wants a second factor sends a new user to enrol; the key is read off the page as a
 * person would type it into an app; then sign-in with password and code, and — once the factor is
 * older than the route's maxAge on a clock the test moves — a step-up that returns to the same page.
 */
class MfaBrowserIT {

  private static final String REPORT = "/finance/report?year=2026";
  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static WebDriver browser;
  static final MutableClock CLOCK = MutableClock.startingNow();

  @BeforeAll
  static void start() throws Exception {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: finance
            match: { pathPrefix: /finance }
            upstream: { targets: [ "%s" ] }
            policies:
              - mfa-totp: { maxAge: 15m }
        """.formatted(backends.echo()), Map.of(), CLOCK);
    browser = dev.portcullis.gateway.support.HeadlessChromium.start(dir, 1000);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    gateway.close();
    backends.close();
  }

  @Test
  void enrolSignInWithACodeAndStepUpWhenTheFactorIsStale() throws Exception {
    // 1. the route wants a second factor; demo has none yet: sign in, then enrol
    browser.get(gateway.url(REPORT));
    browser.findElement(By.id("username")).sendKeys("demo");
    browser.findElement(By.id("password")).sendKeys("portcullis-demo");
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    waitForTitle("Set up two-factor authentication · Portcullis");
    assertThat(browser.findElement(By.cssSelector("img.qr")).getDomAttribute("alt"))
        .isEqualTo("QR code that adds Portcullis for demo to an authenticator app");
    assertThat(browser.findElement(By.cssSelector("label[for=code]")).getText()).isEqualTo("Authentication code");
    screenshot("mfa-enrol-page.png");
    Authenticator app = new Authenticator(browser.findElement(By.id("totp-secret")).getText(), CLOCK);

    CLOCK.advance(Duration.ofSeconds(30));
    browser.findElement(By.id("code")).sendKeys(app.code());
    browser.findElement(By.cssSelector("form[action='/.portcullis/mfa/enrol'] button")).click();
    waitForTitle("Save your recovery codes · Portcullis");
    assertThat(browser.findElements(By.cssSelector("#recovery-codes li"))).hasSize(10);
    screenshot("mfa-recovery-codes.png");
    browser.findElement(By.id("continue")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlToBe(gateway.url(REPORT)));
    assertThat(browser.getPageSource()).contains("\"path\":\"/finance/report\"");

    // 2. a new sign-in asks for the password and then a code
    browser.get(gateway.url("/.portcullis/logout"));
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    browser.findElement(By.cssSelector("[role=status]"));
    browser.get(gateway.url(REPORT));
    browser.findElement(By.id("username")).sendKeys("demo");
    browser.findElement(By.id("password")).sendKeys("portcullis-demo");
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    waitForTitle("Two-factor authentication · Portcullis");
    browser.findElement(By.id("code")).sendKeys("000000");
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    assertThat(browser.findElement(By.cssSelector("[role=alert]")).getText()).startsWith("That code is not right");
    assertThat(browser.findElement(By.id("code")).getDomAttribute("aria-invalid")).isEqualTo("true");
    CLOCK.advance(Duration.ofSeconds(30));
    browser.findElement(By.id("code")).sendKeys(app.code());
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlToBe(gateway.url(REPORT)));

    // 3. past maxAge the same page asks to confirm, then comes back
    CLOCK.advance(Duration.ofMinutes(16));
    browser.get(gateway.url(REPORT));
    waitForTitle("Confirm it is you · Portcullis");
    screenshot("mfa-step-up.png");
    CLOCK.advance(Duration.ofSeconds(30));
    browser.findElement(By.id("code")).sendKeys(app.code());
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlToBe(gateway.url(REPORT)));
    assertThat(browser.getPageSource()).contains("\"path\":\"/finance/report\"");
  }

  private static void waitForTitle(String title) {
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.titleIs(title));
  }

  private static void screenshot(String name) {
    dev.portcullis.gateway.support.HeadlessChromium.screenshot(browser, name);
  }
}
