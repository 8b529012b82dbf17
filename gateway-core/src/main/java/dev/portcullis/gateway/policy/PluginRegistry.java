package dev.portcullis.gateway.policy;

import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.audit.AuditSinkFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The installed plugins — policies ({@link PolicyFactory}) and audit sinks ({@link AuditSinkFactory}):
 * every one on the class path, plus every one in a jar of the plugins directory — each jar in its own class loader under {@link SpiOnlyClassLoader}.
 * Built once at start; an invalid or duplicate plugin stops start-up with a message naming the jars.
 */
public final class PluginRegistry implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);
  private static final Pattern KEBAB = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

  /** A plugin problem that must stop start-up. */
  public static final class PluginException extends Exception {
    PluginException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private record Installed(PolicyFactory<?> factory, String origin) {
  }

  private record InstalledSink(AuditSinkFactory<?> factory, String origin) {
  }

  private final Map<String, Installed> factories;
  private final Map<String, InstalledSink> sinks;
  private final List<URLClassLoader> loaders;

  private PluginRegistry(Map<String, Installed> factories, Map<String, InstalledSink> sinks,
      List<URLClassLoader> loaders) {
    this.factories = factories;
    this.sinks = sinks;
    this.loaders = loaders;
  }

  /** The plugins on the class path only (tests, embedded use). */
  public static PluginRegistry classpath() {
    try {
      return load(null);
    } catch (PluginException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** @param directory the plugins directory, or null for the class path only */
  public static PluginRegistry load(Path directory) throws PluginException {
    Map<String, Installed> found = new TreeMap<>();
    Map<String, InstalledSink> sinks = new TreeMap<>();
    List<URLClassLoader> loaders = new ArrayList<>();
    ClassLoader app = PluginRegistry.class.getClassLoader();
    collect(ServiceLoader.load(PolicyFactory.class, app), "class path", found);
    collectSinks(ServiceLoader.load(AuditSinkFactory.class, app), "class path", sinks);
    if (directory != null) {
      if (!Files.isDirectory(directory)) {
        throw new PluginException("plugins directory " + directory + " does not exist", null);
      }
      SpiOnlyClassLoader parent = new SpiOnlyClassLoader(app);
      for (Path jar : jars(directory)) {
        URLClassLoader loader = new URLClassLoader("plugin:" + jar.getFileName(), new URL[] {url(jar)}, parent);
        loaders.add(loader);
        int before = found.size() + sinks.size();
        collect(ServiceLoader.load(PolicyFactory.class, loader), jar.toString(), found);
        collectSinks(ServiceLoader.load(AuditSinkFactory.class, loader), jar.toString(), sinks);
        if (found.size() + sinks.size() == before) {
          LOG.warn("{} declares no plugin (META-INF/services/{} or {})", jar, PolicyFactory.class.getName(),
              AuditSinkFactory.class.getName());
        }
      }
    }
    found.forEach((id, installed) -> LOG.info("Policy plugin '{}' loaded from {}", id, installed.origin()));
    sinks.forEach((id, installed) -> LOG.info("Audit sink plugin '{}' loaded from {}", id, installed.origin()));
    return new PluginRegistry(found, sinks, loaders);
  }

  private static void collectSinks(ServiceLoader<AuditSinkFactory> loader, String origin,
      Map<String, InstalledSink> found) throws PluginException {
    try {
      for (ServiceLoader.Provider<AuditSinkFactory> provider : loader.stream().toList()) {
        AuditSinkFactory<?> factory = provider.get();
        String id = factory.id();
        if (id == null || !KEBAB.matcher(id).matches()) {
          throw new PluginException("audit sink plugin " + factory.getClass().getName() + " from " + origin
              + " has id '" + id + "', which is not kebab-case", null);
        }
        if (factory.configType() == null || !factory.configType().isRecord()) {
          throw new PluginException("audit sink plugin '" + id + "' from " + origin
              + " must name a record as its config type", null);
        }
        InstalledSink previous = found.putIfAbsent(id, new InstalledSink(factory, origin));
        if (previous != null) {
          throw new PluginException("two audit sink plugins have the id '" + id + "': " + previous.origin()
              + " and " + origin + "; remove one", null);
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new PluginException("cannot load an audit sink plugin from " + origin + ": " + e.getMessage(), e);
    }
  }

  private static void collect(ServiceLoader<PolicyFactory> loader, String origin, Map<String, Installed> found)
      throws PluginException {
    try {
      for (ServiceLoader.Provider<PolicyFactory> provider : loader.stream().toList()) {
        PolicyFactory<?> factory = provider.get();
        String id = factory.id();
        if (id == null || !KEBAB.matcher(id).matches()) {
          throw new PluginException("policy plugin " + factory.getClass().getName() + " from " + origin
              + " has id '" + id + "', which is not kebab-case", null);
        }
        if (factory.configType() == null || !factory.configType().isRecord()) {
          throw new PluginException("policy plugin '" + id + "' from " + origin + " must name a record as its config type", null);
        }
        Installed previous = found.putIfAbsent(id, new Installed(factory, origin));
        if (previous != null) {
          throw new PluginException("two policy plugins have the id '" + id + "': " + previous.origin()
              + " (" + previous.factory().getClass().getName() + ") and " + origin + " ("
              + factory.getClass().getName() + "); remove one", null);
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new PluginException("cannot load a policy plugin from " + origin + ": " + e.getMessage(), e);
    }
  }

  private static List<Path> jars(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static URL url(Path jar) {
    try {
      return jar.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The factory for an id, or null. */
  public PolicyFactory<?> factory(String id) {
    Installed installed = factories.get(id);
    return installed == null ? null : installed.factory();
  }

  public Collection<String> ids() {
    return factories.keySet();
  }

  /** The audit sink factory for an id, or null. */
  public AuditSinkFactory<?> sinkFactory(String id) {
    InstalledSink installed = sinks.get(id);
    return installed == null ? null : installed.factory();
  }

  public Collection<String> sinkIds() {
    return sinks.keySet();
  }

  @Override
  public void close() {
    for (Installed installed : factories.values()) {
      try {
        installed.factory().close();
      } catch (RuntimeException e) {
        LOG.warn("Policy plugin '{}' failed to close: {}", installed.factory().id(), e.toString());
      }
    }
    for (URLClassLoader loader : loaders) {
      try {
        loader.close();
      } catch (IOException e) {
        LOG.debug("closing {}: {}", loader.getName(), e.toString());
      }
    }
  }
}
