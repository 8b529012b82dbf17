package dev.portcullis.gateway.support;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

/**
 * Debian's Chromium, headless and with JavaScript switched off (the pages must work without it),
 * driven by Debian's chromedriver: Selenium Manager would try to download one.
 */
public final class HeadlessChromium {

  private HeadlessChromium() {
  }

  /** A browser with its profile in {@code dir}; elements are looked for up to 10 s (pages may still load). */
  public static WebDriver start(Path dir, int windowHeight) {
    try {
      ChromeOptions options = new ChromeOptions();
      options.setBinary("/usr/bin/chromium");
      options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run", "--ignore-certificate-errors",
          "--window-size=1024," + windowHeight, "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium")));
      options.setExperimentalOption("prefs", Map.of("profile.managed_default_content_settings.javascript", 2));
      ChromeDriverService service = new ChromeDriverService.Builder()
          .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
      WebDriver browser = new ChromeDriver(service, options);
      browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
      browser.manage().timeouts().implicitlyWait(Duration.ofSeconds(10));
      return browser;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Saves what the browser shows as {@code target/screenshots/<name>}. */
  public static void screenshot(WebDriver browser, String name) {
    try {
      Path target = Path.of("target", "screenshots");
      Files.createDirectories(target);
      Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), target.resolve(name),
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
