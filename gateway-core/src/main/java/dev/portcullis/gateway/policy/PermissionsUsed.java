package dev.portcullis.gateway.policy;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** How CoreAttributes.PERMISSIONS_USED accumulates over a chain: merged, deduplicated, sorted, checked. */
public final class PermissionsUsed {

  /** What the access event accepts as a permission (docs/audit-event.schema.json). */
  private static final Pattern PERMISSION = Pattern.compile("[a-z][a-z0-9._-]{0,63}:[a-z0-9._*-]{1,200}");

  private PermissionsUsed() {
  }

  /** {@code before} (null for none) with the well-formed entries of {@code added}; null when empty. */
  public static String merge(String before, String added) {
    Set<String> merged = new TreeSet<>();
    if (before != null) {
      merged.addAll(Arrays.asList(before.split(",")));
    }
    if (added != null) {
      for (String permission : added.split(",")) {
        if (PERMISSION.matcher(permission).matches()) {
          merged.add(permission);
        }
      }
    }
    return merged.isEmpty() ? null : String.join(",", merged);
  }
}
