package dev.portcullis.gateway.policy;

/**
 * The parent of every plugin jar's class loader. It lets a plugin see the SPI
 * ({@code dev.portcullis.plugin}), Vert.x core ({@code io.vertx.core}) and the JDK — and nothing
 * else of the gateway: no internals to depend on, no library versions to clash with. Resources are
 * the JDK's only, so a plugin's {@code ServiceLoader} finds just its own jar's providers.
 */
final class SpiOnlyClassLoader extends ClassLoader {

  static {
    registerAsParallelCapable();
  }

  private final ClassLoader application;

  SpiOnlyClassLoader(ClassLoader application) {
    super("portcullis-plugin-parent", ClassLoader.getPlatformClassLoader());
    this.application = application;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (name.startsWith("dev.portcullis.plugin.") || name.startsWith("io.vertx.core.")) {
      return application.loadClass(name);
    }
    return super.loadClass(name, resolve);
  }
}
