package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The login portal in a real browser (Debian's Chromium, headless, with JavaScript switched off):
 * redirect to the form, a wrong password, a right one, the way back, and signing out.
 */
class LoginBrowserIT {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
        """.formatted(backends.echo()));
    browser = dev.portcullis.gateway.support.HeadlessChromium.start(dir, 768);
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
  void signingInAndOutWorksInARealBrowserWithoutJavaScript() throws Exception {
    browser.get(gateway.url("/app/reports?year=2026"));
    assertThat(browser.getCurrentUrl()).startsWith(gateway.url("/.portcullis/login?rd="));
    assertThat(browser.getTitle()).isEqualTo("Sign in · Portcullis");
    WebElement username = browser.findElement(By.id("username"));
    assertThat(browser.findElement(By.cssSelector("label[for=username]")).getText()).isEqualTo("Username");
    assertThat(browser.findElement(By.cssSelector("label[for=password]")).getText()).isEqualTo("Password");
    screenshot("login-page.png");

    username.sendKeys("demo");
    browser.findElement(By.id("password")).sendKeys("wrong password");
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    WebElement error = browser.findElement(By.cssSelector("[role=alert]"));
    assertThat(error.getText()).isEqualTo("The username or password is incorrect.");
    assertThat(browser.findElement(By.id("password")).getDomAttribute("aria-invalid")).isEqualTo("true");
    assertThat(browser.findElement(By.id("username")).getDomProperty("value")).isEqualTo("demo");
    screenshot("login-error.png");

    browser.findElement(By.id("password")).sendKeys("portcullis-demo");
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(10)).until(
        org.openqa.selenium.support.ui.ExpectedConditions.urlToBe(gateway.url("/app/reports?year=2026")));
    assertThat(browser.getPageSource()).contains("\"path\":\"/app/reports\"");
    assertThat(browser.manage().getCookieNamed("__Host-portcullis").isHttpOnly()).isTrue();

    browser.get(gateway.url("/.portcullis/logout"));
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("You are signed in as demo");
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    assertThat(browser.findElement(By.cssSelector("[role=status]")).getText()).startsWith("You are signed out.");
    browser.get(gateway.url("/app/reports"));
    assertThat(browser.getCurrentUrl()).startsWith(gateway.url("/.portcullis/login?rd="));
  }

  private static void screenshot(String name) {
    dev.portcullis.gateway.support.HeadlessChromium.screenshot(browser, name);
  }
}
