package dev.portcullis.gateway.backup;

import dev.portcullis.gateway.admin.AdminApi;
import dev.portcullis.gateway.cli.Cli;
import dev.portcullis.gateway.cli.CliEnvironment;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.support.AdminClient;
import dev.portcullis.gateway.support.Authenticator;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scenario end to end: a running gateway (H2 store) with users, a role binding, an API token, a TOTP
 * enrolment and audit history is backed up through the CLI while it serves; the archive is checked, refused when
 * altered or opened with another key, restored into a fresh data directory and store, and a gateway started there
 * signs the same people in (password, password + TOTP), accepts the same token, and its journal verifies intact.
 */
class BackupRestoreTest {

  static final String TOKEN = "pcl_" + Secrets.random256();
  static final String ALICE_PASSWORD = "alice-backup-long-password-1";
  static final String CAROL_PASSWORD = "carol-backup-long-password-2";
  static final MutableClock CLOCK = MutableClock.startingNow();

  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  Run cli(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Cli cli = new Cli(new CliEnvironment(env::get, new ByteArrayInputStream(new byte[0]), null,
        dir.resolve("none.yaml"), Clock.systemUTC()));
    cli.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
    return new Run(cli.execute(args), out.toString(), err.toString());
  }

  static String yaml(Path home, String echo) {
    return TestGateway.header(home) + IdentityYaml.of("jdbc:h2:file:" + home.resolve("iam").toAbsolutePath(),
        ForkedGateway.freePort(), "", "") + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
        """.formatted(echo);
  }

  @Test
  void aRunningGatewayIsBackedUpAndRestoredIntoAFreshDirectoryWhereEverythingStillWorks() throws Exception {
    Path key = dir.resolve("backup.key");
    Path archive = dir.resolve("archives/portcullis.pcbak");
    Path src = Files.createDirectories(dir.resolve("src"));
    Path dst = Files.createDirectories(dir.resolve("dst"));
    try (Backends backends = new Backends()) {
      String aliceToken;
      JsonObject aliceMe;
      Authenticator carolApp;
      try (TestGateway source = TestGateway.start(src, yaml(src, backends.echo()),
          Map.of(AdminApi.BOOTSTRAP_ENV, TOKEN), CLOCK)) {
        AdminClient root = AdminClient.of(source, TOKEN);
        String alice = createUser(root, "alice-backup", ALICE_PASSWORD);
        AdminClient.Response bound = root.post("/admin/v1/bindings", new JsonObject().put("role", "tenant-admin")
            .put("user", alice).put("reason", "backup test"));
        assertThat(bound.status()).as(bound.body()).isEqualTo(201);
        AdminClient.Response token = root.post("/admin/v1/users/" + alice + "/tokens", new JsonObject()
            .put("name", "ci").put("scopes", new JsonArray().add("iam:read")));
        assertThat(token.status()).as(token.body()).isEqualTo(201);
        aliceToken = token.json().getString("secret");
        AdminClient.Response meBefore = root.as(aliceToken).get("/admin/v1/me");
        assertThat(meBefore.status()).isEqualTo(200);
        aliceMe = meBefore.json();
        assertThat(aliceMe.getJsonArray("permissions")).contains("iam:read");

        createUser(root, "carol-backup", CAROL_PASSWORD);
        carolApp = enrol(new Browserless(source.url("")), "carol-backup", CAROL_PASSWORD);
        Browserless aliceBrowser = new Browserless(source.url(""));
        assertThat(aliceBrowser.login("alice-backup", ALICE_PASSWORD, "/app/x").statusCode()).isEqualTo(303);
        assertThat(aliceBrowser.get("/app/x").statusCode()).isEqualTo(200); // an access event in the journal

        assertThat(cli(Map.of(), "backup", "--generate-key", key.toString()).exit()).isZero();
        Run backup = cli(Map.of(), "backup", "--config", source.configFile().toString(), "--out", archive.toString(),
            "--key-file", key.toString());
        assertThat(backup.exit()).as(backup.toString()).isZero();
        assertThat(backup.out()).contains("wrote " + archive, "segment(s)").containsPattern("IAM store schema \\d+, \\d+ rows");
        assertThat(Files.getPosixFilePermissions(archive)).extracting(Object::toString)
            .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        // made after the backup: the restored gateway has never heard of it
        createUser(root, "after-backup", "after-backup-long-password-3");
      }

      // the archive checks out with its key (also from the environment), and only with it
      String base64Key = java.util.Base64.getEncoder().encodeToString(BackupKey.read(key));
      Run verify = cli(Map.of(BackupKey.ENV, base64Key), "restore", "--in", archive.toString(), "--verify");
      assertThat(verify.exit()).as(verify.toString()).isZero();
      assertThat(verify.out()).contains("is intact").containsPattern("IAM store schema \\d+ with \\d+ rows");
      Path otherKey = dir.resolve("other.key");
      assertThat(cli(Map.of(), "backup", "--generate-key", otherKey.toString()).exit()).isZero();
      Run wrongKey = cli(Map.of(), "restore", "--in", archive.toString(), "--verify", "--key-file", otherKey.toString());
      assertThat(wrongKey.exit()).as(wrongKey.toString()).isEqualTo(Cli.REFUSED);
      assertThat(wrongKey.err()).contains("the archive was altered or the key is wrong");
      String restoredYaml = yaml(dst, backends.echo());
      Files.writeString(dst.resolve("gateway.yaml"), restoredYaml);
      Path tampered = dir.resolve("tampered.pcbak");
      byte[] bytes = Files.readAllBytes(archive);
      bytes[bytes.length / 2] ^= 0x40;
      Files.write(tampered, bytes);
      Run altered = cli(Map.of(), "restore", "--in", tampered.toString(), "--config", dst.resolve("gateway.yaml")
          .toString(), "--key-file", key.toString());
      assertThat(altered.exit()).as(altered.toString()).isEqualTo(Cli.REFUSED);
      assertThat(altered.err()).contains("the archive was altered or the key is wrong");
      Run noKey = cli(Map.of(), "restore", "--in", archive.toString(), "--verify");
      assertThat(noKey.exit()).isEqualTo(Cli.USAGE);
      assertThat(noKey.err()).contains("no backup key");

      // a target that would seal TOTP secrets with another key than the archive's could not open them
      Path otherTotpKey = dst.resolve("other-totp-key.yaml");
      Files.writeString(otherTotpKey, TestGateway.header(dst) + IdentityYaml.of("jdbc:h2:file:"
          + dst.resolve("iam").toAbsolutePath(), ForkedGateway.freePort(), "  mfa: { secretKey: \""
          + java.util.Base64.getEncoder().encodeToString(new byte[32]) + "\" }", "") + """
          routes:
            - id: app
              match: { pathPrefix: /app }
              upstream: { targets: [ "%s" ] }
          """.formatted(backends.echo()));
      Run wrongTotpKey = cli(Map.of(), "restore", "--in", archive.toString(), "--config", otherTotpKey.toString(),
          "--key-file", key.toString());
      assertThat(wrongTotpKey.exit()).as(wrongTotpKey.toString()).isEqualTo(Cli.REFUSED);
      assertThat(wrongTotpKey.err()).contains("the archived TOTP secrets were sealed with the key whose id is",
          "sets identity.mfa.secretKey with id", "nothing was changed");

      // a restore that cannot place a file takes away what it placed and leaves the store alone
      Path blocked = Files.writeString(dst.resolve("blocked"), "a file where a directory should be");
      Path unwritable = dst.resolve("unwritable.yaml");
      Files.writeString(unwritable, restoredYaml + "audit:\n  signingKey: \"" + blocked.resolve("key.pem") + "\"\n");
      Run halfway = cli(Map.of(), "restore", "--in", archive.toString(), "--config", unwritable.toString(),
          "--key-file", key.toString());
      assertThat(halfway.exit()).as(halfway.toString()).isEqualTo(Cli.FAILED);
      assertThat(halfway.err()).contains("those written were removed again");
      assertThat(dst.resolve("data/tls")).as("the TLS pair placed before the failure").doesNotExist();
      Files.delete(blocked);

      // restore into a fresh data directory and H2 file (a new config; the refused attempts wrote nothing)
      assertThat(dst.resolve("data")).doesNotExist();
      assertThat(dst.resolve("iam.mv.db")).doesNotExist();
      Run restore = cli(Map.of(), "restore", "--in", archive.toString(), "--config", dst.resolve("gateway.yaml")
          .toString(), "--key-file", key.toString());
      assertThat(restore.exit()).as(restore.toString()).isZero();
      assertThat(restore.out()).contains("restored " + archive, "IAM store row(s)");
      assertThat(dst.resolve("data/tls/self-signed-key.pem")).exists();
      assertThat(dst.resolve("data/audit-signing-key.pem")).exists();
      assertThat(dst.resolve("data/totp-secret.key")).exists();

      Run again = cli(Map.of(), "restore", "--in", archive.toString(), "--config", dst.resolve("gateway.yaml")
          .toString(), "--key-file", key.toString());
      assertThat(again.exit()).as(again.toString()).isEqualTo(Cli.REFUSED);
      assertThat(again.err()).contains("is not empty");

      Run journal = cli(Map.of(), "audit", "verify", "--config", dst.resolve("gateway.yaml").toString());
      assertThat(journal.exit()).as(journal.toString()).isZero();
      assertThat(journal.out()).endsWith("intact\n");

      try (TestGateway restored = TestGateway.start(dst, restoredYaml, Map.of(), CLOCK)) {
        Browserless alice = new Browserless(restored.url(""));
        HttpResponse<String> login = alice.login("alice-backup", ALICE_PASSWORD, "/app/x");
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("location")).hasValue("/app/x");
        assertThat(alice.get("/app/x").statusCode()).isEqualTo(200);

        Browserless carol = new Browserless(restored.url(""));
        HttpResponse<String> password = carol.login("carol-backup", CAROL_PASSWORD, "/app/x");
        assertThat(password.headers().firstValue("location")).hasValue("/.portcullis/mfa?rd=%2Fapp%2Fx");
        HttpResponse<String> form = carol.get("/.portcullis/mfa?rd=%2Fapp%2Fx");
        CLOCK.advance(Duration.ofSeconds(30));
        HttpResponse<String> code = post(carol, "/.portcullis/mfa", form.body(), carolApp.code());
        assertThat(code.statusCode()).as(code.body()).isEqualTo(303);
        assertThat(carol.get("/app/x").statusCode()).isEqualTo(200);

        AdminClient asAlice = AdminClient.of(restored, aliceToken);
        AdminClient.Response me = asAlice.get("/admin/v1/me");
        assertThat(me.status()).as(me.body()).isEqualTo(200);
        assertThat(me.json()).isEqualTo(aliceMe); // same subject, tenant, roles and permissions
        AdminClient.Response after = asAlice.get("/admin/v1/users?q=after-backup");
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.json().getJsonArray("items")).isEmpty();
      }
      Run afterwards = cli(Map.of(), "audit", "verify", "--config", dst.resolve("gateway.yaml").toString());
      assertThat(afterwards.exit()).as(afterwards.toString()).isZero();
      assertThat(afterwards.out()).endsWith("intact\n");
    }
  }

  static String createUser(AdminClient root, String username, String password) {
    AdminClient.Response created = root.post("/admin/v1/users", new JsonObject().put("tenant", "acme")
        .put("username", username).put("email", username + "@acme.example").put("displayName", username)
        .put("password", password));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getString("id");
  }

  /** Signs in and enrols TOTP through the pages; returns the phone app. */
  static Authenticator enrol(Browserless browser, String username, String password) {
    assertThat(browser.login(username, password, "/app/x").statusCode()).isEqualTo(303);
    HttpResponse<String> page = browser.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    Authenticator app = new Authenticator(Authenticator.secretOn(page.body()), CLOCK);
    CLOCK.advance(Duration.ofSeconds(30));
    HttpResponse<String> done = post(browser, "/.portcullis/mfa/enrol", page.body(), app.code());
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    return app;
  }

  static HttpResponse<String> post(Browserless browser, String path, String pageWithForm, String code) {
    Matcher rd = Pattern.compile("name=\"rd\" value=\"([^\"]*)\"").matcher(pageWithForm);
    return browser.post(path, Map.of("csrf", Browserless.csrf(pageWithForm), "rd",
        rd.find() ? rd.group(1).replace("&amp;", "&") : "/", "code", code));
  }
}
