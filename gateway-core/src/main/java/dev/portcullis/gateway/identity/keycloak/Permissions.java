package dev.portcullis.gateway.identity.keycloak;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A realm role's permissions in Keycloak: the role attribute {@value #ATTRIBUTE}, space-separated
 * {@code resource:action} strings (one value, or several values each holding some).
 */
public final class Permissions {

  public static final String ATTRIBUTE = "portcullis.permissions";
  /** At most 200 characters (the store's column), a colon with something on each side, no spaces. */
  private static final Pattern PERMISSION = Pattern.compile("[^\\s:]{1,64}:\\S{1,199}");

  private Permissions() {
  }

  /** The well-formed permissions in the attribute's values; {@code rejected} receives the others. */
  public static Set<String> parse(Collection<String> values, List<String> rejected) {
    Set<String> out = new TreeSet<>();
    if (values == null) {
      return out;
    }
    for (String value : values) {
      if (value == null) {
        continue;
      }
      for (String token : value.trim().split("\\s+")) {
        if (token.isEmpty()) {
          continue;
        }
        if (token.length() <= 200 && PERMISSION.matcher(token).matches()) {
          out.add(token);
        } else {
          rejected.add(token);
        }
      }
    }
    return out;
  }

  /** The attribute value for a set of permissions: sorted, space-separated (empty for none). */
  public static List<String> attribute(Set<String> permissions) {
    return new ArrayList<>(List.of(String.join(" ", new TreeSet<>(permissions))));
  }
}
