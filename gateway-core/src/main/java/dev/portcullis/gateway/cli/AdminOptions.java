package dev.portcullis.gateway.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How an admin command reaches the gateway: the admin listener's URL, the API token (from the
 * environment or a file — never from an argument, which would land in shell history and in {@code ps}),
 * and which certificate to trust.
 */
final class AdminOptions {

  static final String DEFAULT_URL = "https://127.0.0.1:9443";
  static final String URL_ENV = "PORTCULLIS_ADMIN_URL";
  static final String TOKEN_ENV = "PORTCULLIS_ADMIN_TOKEN";
  static final String CACERT_ENV = "PORTCULLIS_ADMIN_CACERT";
  /** What an Authorization header may carry: visible ASCII, no blanks (a pcl_… token or a JWT). */
  private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{1,8192}");

  @Option(names = "--url", paramLabel = "URL", order = 100,
      description = "the admin listener (default: $" + URL_ENV + ", else " + DEFAULT_URL + ")")
  String url;

  @Option(names = "--token-file", paramLabel = "FILE", order = 101,
      description = "read the API token from FILE (default: $" + TOKEN_ENV + ")")
  Path tokenFile;

  @Option(names = "--cacert", paramLabel = "PEM", order = 102, description = "trust the certificate(s) in this PEM "
      + "file, e.g. <dataDir>/tls/self-signed-cert.pem (default: $" + CACERT_ENV + ", else the JDK trust store)")
  Path cacert;

  @Option(names = "--insecure", order = 103,
      description = "do not verify the admin listener's certificate (prints a warning; never in scripts)")
  boolean insecure;

  /** Caught only to refuse it without echoing the value. */
  @Option(names = "--token", hidden = true, arity = "0..1", paramLabel = "TOKEN")
  String tokenArgument;

  /** Checks the options and opens a client; reads the token and the CA file. */
  AdminApiClient connect(Cli cli, CommandSpec spec, PrintWriter err) {
    CliEnvironment env = cli.environment();
    if (tokenArgument != null) {
      throw new ParameterException(spec.commandLine(), "--token is not accepted: a token on the command line lands in "
          + "shell history and in ps; set $" + TOKEN_ENV + " or use --token-file FILE");
    }
    URI base = baseUrl(spec, url != null ? url : env.get(URL_ENV), url != null ? "--url" : "$" + URL_ENV);
    if (insecure && cacert != null) {
      throw new ParameterException(spec.commandLine(), "--cacert and --insecure exclude each other");
    }
    String token = token(env, err);
    SSLContext tls;
    if (insecure) {
      err.println("portcullis: warning: --insecure: the certificate of " + base + " is not verified, so whoever can "
          + "intercept the connection gets the API token; pass --cacert PEM instead");
      tls = trustingAnything();
    } else {
      Path ca = cacert != null ? cacert : env.get(CACERT_ENV) == null ? null : Path.of(env.get(CACERT_ENV));
      tls = ca == null ? null : trusting(ca);
    }
    return new AdminApiClient(base, token, tls);
  }

  private static URI baseUrl(CommandSpec spec, String value, String source) {
    if (value == null) {
      value = DEFAULT_URL;
    }
    String text = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new ParameterException(spec.commandLine(), source + " is not a URL: " + e.getMessage());
    }
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getRawQuery() != null
        || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new ParameterException(spec.commandLine(), source + " must be an https:// URL such as " + DEFAULT_URL
          + " (the admin listener speaks HTTPS only), got '" + value + "'");
    }
    return uri;
  }

  private String token(CliEnvironment env, PrintWriter err) {
    String token;
    String source;
    if (tokenFile != null) {
      source = tokenFile.toString();
      try {
        token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      } catch (NoSuchFileException e) {
        throw CliFailure.failed("cannot read the token file " + tokenFile + ": it does not exist");
      } catch (IOException e) {
        throw CliFailure.failed("cannot read the token file " + tokenFile + ": " + e.getMessage());
      }
      warnIfOthersCanRead(tokenFile, err);
    } else {
      source = "$" + TOKEN_ENV;
      token = env.get(TOKEN_ENV);
      if (token == null) {
        throw CliFailure.refused("no API token to present: set $" + TOKEN_ENV + " or pass --token-file FILE "
            + "(an administrator's pcl_… token)");
      }
      token = token.strip();
    }
    if (!TOKEN.matcher(token).matches()) {
      throw CliFailure.failed(source + " does not hold a token: expected one word of printable ASCII (pcl_… or a "
          + "JWT)");
    }
    return token;
  }

  private static void warnIfOthersCanRead(Path file, PrintWriter err) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        err.println("portcullis: warning: other users can read the token file " + file + " (chmod 600 " + file + ")");
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system: nothing to check
    }
  }

  /** A context trusting exactly the certificates in {@code pem} (checked as usual, host name included). */
  private static SSLContext trusting(Path pem) {
    Collection<? extends Certificate> certificates;
    try (InputStream in = Files.newInputStream(pem)) {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (NoSuchFileException e) {
      throw CliFailure.failed("cannot read the CA file " + pem + ": it does not exist");
    } catch (IOException e) {
      throw CliFailure.failed("cannot read the CA file " + pem + ": " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw CliFailure.failed(pem + " is not a PEM certificate file: " + e.getMessage());
    }
    if (certificates.isEmpty()) {
      throw CliFailure.failed(pem + " holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)");
    }
    try {
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        anchors.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(anchors);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw CliFailure.failed("cannot use the certificates in " + pem + ": " + e.getMessage());
    }
  }

  /** {@code --insecure}: no chain and no host name check (an extended trust manager is not wrapped by JSSE). */
  private static SSLContext trustingAnything() {
    X509ExtendedTrustManager anything = new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {anything}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
