package dev.portcullis.plugins.auditkafka;

/**
 * Options of the {@code kafka} audit sink.
 *
 * @param bootstrap       {@code host:port[,host:port…]} of one or more brokers to bootstrap from (required)
 * @param topic           the topic every record is written to (required; must exist unless the
 *                        cluster creates topics automatically)
 * @param clientId        the producer's {@code client.id} (broker logs, quotas); default
 *                        {@code portcullis-audit-<instance>}
 * @param tls             connect with TLS; absent means plaintext
 * @param deliveryTimeout how long a batch may take before it fails and is retried, e.g. {@code 30s};
 *                        default {@code 30s}
 */
public record KafkaSinkConfig(String bootstrap, String topic, String clientId, Tls tls, String deliveryTimeout) {

  /**
   * TLS to the brokers. Paths are relative to the configuration file's directory.
   *
   * @param caFile   PEM bundle of the CAs to trust; absent means the JDK's default trust store
   * @param certFile PEM certificate chain for client authentication (with {@code keyFile})
   * @param keyFile  unencrypted PKCS#8 PEM private key ({@code BEGIN PRIVATE KEY}) of {@code certFile}
   */
  public record Tls(String caFile, String certFile, String keyFile) {
  }
}
