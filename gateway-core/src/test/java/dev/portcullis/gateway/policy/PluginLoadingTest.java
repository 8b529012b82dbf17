package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.plugin.PolicyFactory;
import example.thirdparty.RequireHeaderPolicyFactory;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Drop-in plugins: the example third-party policy is packaged into a jar during the test, put in a
 * plugins directory, loaded in its own class loader and exercised over HTTP.
 */
class PluginLoadingTest {

  @TempDir
  Path dir;

  /** Packs the compiled example plugin and a services entry into {@code jar}. */
  static Path buildExampleJar(Path jar, String... serviceLines) throws IOException {
    Path classes = Path.of(RequireHeaderPolicyFactory.class.getProtectionDomain().getCodeSource().getLocation()
        .getPath());
    Path packageDir = classes.resolve("example/thirdparty");
    Files.createDirectories(jar.getParent());
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
         Stream<Path> files = Files.list(packageDir)) {
      for (Path clazz : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        out.putNextEntry(new JarEntry("example/thirdparty/" + clazz.getFileName()));
        out.write(Files.readAllBytes(clazz));
        out.closeEntry();
      }
      out.putNextEntry(new JarEntry("META-INF/services/" + PolicyFactory.class.getName()));
      out.write((String.join("\n", serviceLines) + "\n").getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    return jar;
  }

  @Test
  void aPluginJarIsLoadedInItsOwnClassLoaderAndServesRequests() throws Exception {
    Path plugins = dir.resolve("plugins");
    buildExampleJar(plugins.resolve("require-header.jar"), RequireHeaderPolicyFactory.class.getName());
    try (PluginRegistry registry = PluginRegistry.load(plugins); Backends backends = new Backends()) {
      PolicyFactory<?> factory = registry.factory("require-header");
      assertThat(factory).isNotNull();
      ClassLoader loader = factory.getClass().getClassLoader();
      assertThat(loader).isNotSameAs(RequireHeaderPolicyFactory.class.getClassLoader());
      assertThat(loader.getName()).isEqualTo("plugin:require-header.jar");
      // the plugin sees the SPI and Vert.x core, never the gateway's internals or libraries
      assertThat(loader.loadClass("dev.portcullis.plugin.Decision")).isSameAs(dev.portcullis.plugin.Decision.class);
      assertThat(loader.loadClass("io.vertx.core.Future")).isSameAs(io.vertx.core.Future.class);
      assertThatThrownBy(() -> loader.loadClass("dev.portcullis.gateway.Gateway"))
          .isInstanceOf(ClassNotFoundException.class);
      assertThatThrownBy(() -> loader.loadClass("org.slf4j.Logger")).isInstanceOf(ClassNotFoundException.class);
      assertThat(registry.ids()).contains("require-header", "test-decision");

      Path config = dir.resolve("gateway.yaml");
      Files.writeString(config, TestGateway.header(dir) + """
          routes:
            - id: guarded
              match: { pathPrefix: / }
              upstream: { targets: [ "%s" ] }
              policies:
                - require-header: { header: X-Team, values: [ blue, green ] }
          """.formatted(backends.echo()));
      Gateway gateway = TestGateway.await(Gateway.start(ConfigLoader.load(config, Map.<String, String>of()::get, registry),
          Map.<String, String>of()::get, registry));
      try {
        String url = "https://127.0.0.1:" + gateway.publicPort() + "/x";
        var denied = Https.get(Https.client(), url);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(new JsonObject(denied.body()).getString("key")).isEqualTo("HEADER_REQUIRED");
        var allowed = Https.send(Https.client(), HttpRequest.newBuilder(URI.create(url)).header("X-Team", "blue").build());
        assertThat(allowed.statusCode()).isEqualTo(200);
      } finally {
        TestGateway.await(gateway.shutdown());
      }
    }
  }

  @Test
  void twoPluginsWithOneIdStopStartUpNamingBoth() throws Exception {
    Path plugins = dir.resolve("plugins");
    buildExampleJar(plugins.resolve("a.jar"), RequireHeaderPolicyFactory.class.getName());
    buildExampleJar(plugins.resolve("b.jar"), RequireHeaderPolicyFactory.class.getName());
    assertThatThrownBy(() -> PluginRegistry.load(plugins))
        .isInstanceOf(PluginRegistry.PluginException.class)
        .hasMessageContaining("two policy plugins have the id 'require-header'")
        .hasMessageContaining("a.jar").hasMessageContaining("b.jar");
  }

  @Test
  void aJarNamingAMissingClassStopsStartUp() throws Exception {
    Path plugins = dir.resolve("plugins");
    buildExampleJar(plugins.resolve("broken.jar"), "example.thirdparty.DoesNotExist");
    assertThatThrownBy(() -> PluginRegistry.load(plugins))
        .isInstanceOf(PluginRegistry.PluginException.class)
        .hasMessageContaining("cannot load a policy plugin from").hasMessageContaining("broken.jar");
  }

  @Test
  void aMissingPluginsDirectoryIsAnError() {
    assertThatThrownBy(() -> PluginRegistry.load(dir.resolve("nope")))
        .hasMessageContaining("plugins directory").hasMessageContaining("does not exist");
  }

  @Test
  void theClassPathAloneFindsTheTestPluginOnly() {
    try (PluginRegistry registry = PluginRegistry.classpath()) {
      assertThat(registry.ids()).containsExactly("test-decision");
      assertThat(List.copyOf(registry.ids())).doesNotContain("require-header");
    }
  }
}
