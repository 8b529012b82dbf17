package dev.portcullis.gateway.support;

import java.nio.file.Path;

/**
 * The identity and cluster sections tests share: an H2 store in the test's directory, cheap
 * Argon2id parameters (the cost is not what these tests check), demo data, and a Hazelcast member
 * alone on a free loopback port.
 */
public final class IdentityYaml {

  private IdentityYaml() {
  }

  public static String standalone(Path dir) {
    return of("jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), ForkedGateway.freePort(), "", "");
  }

  /**
   * @param extraIdentity more lines inside {@code identity:} (indented by two spaces)
   * @param members       {@code members: […]} line for the cluster, or empty
   */
  public static String of(String jdbcUrl, int clusterPort, String extraIdentity, String members) {
    if (!members.isBlank() && !extraIdentity.contains("mfa:")) {
      // instances of one cluster must share the key that seals TOTP secrets (a config error otherwise)
      extraIdentity = extraIdentity + "\n  mfa: { secretKey: \"" + java.util.Base64.getEncoder()
          .encodeToString(new byte[32]) + "\" }";
    }
    return """
        identity:
          store: { jdbcUrl: "%s", seedDemo: true }
          passwords: { memory: 8MiB, iterations: 1, parallelism: 1 }
        %s
        cluster:
          host: 127.0.0.1
          port: %d
          portAutoIncrement: false
        %s
        """.formatted(jdbcUrl, extraIdentity, clusterPort, members);
  }
}
