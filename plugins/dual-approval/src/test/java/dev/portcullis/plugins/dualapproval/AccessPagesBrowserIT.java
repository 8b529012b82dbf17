package dev.portcullis.plugins.dualapproval;

import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.IdentityYaml;
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
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four eyes in a real browser (Debian's Chromium, headless, JavaScript off): a user is refused a
 * route, files an access request on the page the refusal names, two colleagues approve it on their
 * access pages, and the user reaches the route.
 */
class AccessPagesBrowserIT {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static WebDriver browser;
  static User requester;
  static User first;
  static User second;

  @BeforeAll
  static void start() throws Exception {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of("jdbc:h2:file:"
        + dir.resolve("iam").toAbsolutePath(), dev.portcullis.gateway.support.ForkedGateway.freePort(),
        "  access: { approvals: 2, requestTtl: 4h, maxDuration: 2h }", "") + """
        routes:
          - id: vault
            match: { pathPrefix: /vault }
            upstream: { targets: [ "%s" ] }
            policies:
              - dual-approval: {}
        """.formatted(backends.echo()));
    var store = gateway.gateway().identity().iam().store();
    var hasher = gateway.gateway().identity().hasher();
    Role approver = TestGateway.await(gateway.gateway().identity().iam().blocking(() ->
        store.createRole("acme", "request-approver", null, Set.of("access-requests:approve"))));
    requester = TestGateway.await(gateway.gateway().identity().iam().blocking(() -> store.createUser("acme",
        "analyst", null, "Analyst", hasher.hash("analyst-long-password"))));
    first = approverUser("approver-one", approver);
    second = approverUser("approver-two", approver);

    browser = dev.portcullis.gateway.support.HeadlessChromium.start(dir, 1200);
  }

  private static User approverUser(String name, Role role) {
    var identity = gateway.gateway().identity();
    User user = TestGateway.await(identity.iam().blocking(() -> {
      User created = identity.iam().store().createUser("acme", name, null, name,
          identity.hasher().hash(name + "-long-password"));
      identity.iam().store().bindRole(role.id(), created.id(), null, null, null, "test", "test");
      return created;
    }));
    identity.iam().userChanged(user.id());
    return user;
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
  void aRequestApprovedByTwoColleaguesOnTheirPagesOpensTheRoute() throws Exception {
    signIn(requester, "/vault/customers");
    assertThat(browser.getPageSource()).contains("APPROVAL_REQUIRED");

    browser.get(gateway.url("/.portcullis/access?targetType=route&target=vault"));
    assertThat(browser.findElement(By.id("targetType-route")).isSelected()).isTrue();
    assertThat(browser.findElement(By.id("target")).getDomProperty("value")).isEqualTo("vault");
    assertThat(browser.findElement(By.cssSelector("label[for=reason]")).getText()).isEqualTo("Reason");
    browser.findElement(By.id("reason")).sendKeys("Customer complaint 4711: check the stored address");
    browser.findElement(By.id("duration")).sendKeys("1h");
    screenshot("access-request-form.png");
    browser.findElement(By.id("request-submit")).click();
    assertThat(browser.findElement(By.id("notice")).getText()).isNotBlank();
    assertThat(browser.findElement(By.id("mine")).getText()).contains("vault");

    for (User approver : new User[] {first, second}) {
      signIn(approver, "/.portcullis/access");
      var approve = browser.findElement(By.cssSelector("button[id^=approve-]"));
      if (approver == second) {
        screenshot("access-approval.png");
      }
      approve.click();
      assertThat(browser.findElement(By.id("notice")).getText()).isNotBlank();
    }

    signIn(requester, "/vault/customers");
    assertThat(browser.getPageSource()).contains("\"path\":\"/vault/customers\"");
  }

  /** Signs out whoever was signed in, then signs {@code user} in and lands on {@code target}. */
  private static void signIn(User user, String target) {
    browser.manage().deleteAllCookies();
    browser.get(gateway.url(target));
    browser.findElement(By.id("username")).sendKeys(user.username());
    browser.findElement(By.id("password")).sendKeys(user.username() + "-long-password");
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlToBe(gateway.url(target)));
  }

  private static void screenshot(String name) {
    dev.portcullis.gateway.support.HeadlessChromium.screenshot(browser, name);
  }
}
