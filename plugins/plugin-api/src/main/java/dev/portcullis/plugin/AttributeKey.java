package dev.portcullis.plugin;

import java.util.Objects;

/**
 * A typed key for {@link PolicyContext#attribute}: lets policies of one chain pass facts to later
 * ones (e.g. the tenant a policy derived) without casts. Keys are compared by identity, so share
 * the constant, and name it after your plugin ({@code "ip-allowlist.network"}).
 */
public final class AttributeKey<T> {

  private final String name;
  private final Class<T> type;

  private AttributeKey(String name, Class<T> type) {
    this.name = Objects.requireNonNull(name);
    this.type = Objects.requireNonNull(type);
  }

  public static <T> AttributeKey<T> of(String name, Class<T> type) {
    return new AttributeKey<>(name, type);
  }

  public String name() {
    return name;
  }

  public T cast(Object value) {
    return type.cast(value);
  }

  @Override
  public String toString() {
    return name + ":" + type.getSimpleName();
  }
}
