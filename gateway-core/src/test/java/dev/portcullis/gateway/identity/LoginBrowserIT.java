package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

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
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--ignore-certificate-errors",
        "--window-size=1024,768", "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium")));
    // Prove the pages need no script at all.
    options.setExperimentalOption("prefs", Map.of("profile.managed_default_content_settings.javascript", 2));
    // The Debian driver, explicitly: Selenium Manager would try to download one.
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    // a form post's next page may still be loading when click() returns: look for elements until it is
    browser.manage().timeouts().implicitlyWait(Duration.ofSeconds(10));
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

  private static void screenshot(String name) throws Exception {
    Path target = Path.of("target", "screenshots");
    Files.createDirectories(target);
    Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), target.resolve(name),
        StandardCopyOption.REPLACE_EXISTING);
  }
}
