package dev.portcullis.plugin;

/**
 * Attributes the core itself reads after the chain has decided. Set them from a policy to have the
 * core record a fact about the request.
 */
public final class CoreAttributes {

  /**
   * The permissions this request was allowed by, comma-separated (e.g. {@code records:read}). The
   * core writes them into the request's {@code access} event, so that the least-privilege report
   * can tell which granted permissions are used and which are not. Authorization policies set it
   * when they allow. Setting it <em>adds</em> to what earlier policies of the chain set (the core
   * merges and deduplicates; a shadow policy's value is ignored; malformed entries are dropped), so
   * reading it back gives the merged value.
   */
  public static final AttributeKey<String> PERMISSIONS_USED = AttributeKey.of("core.permissions-used", String.class);

  private CoreAttributes() {
  }
}
