package dev.portcullis.plugin;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who is asking, as established by the core's authentication step.
 *
 * @param subject     stable user id (never a display name)
 * @param tenant      the tenant the identity belongs to, or null
 * @param roles       role names active now
 * @param permissions permission strings such as {@code records:read} granted now
 * @param authMethods authentication methods with the instant each was last proven, e.g.
 *                    {@code pwd} and {@code otp} (RFC 8176 names)
 */
public record Identity(String subject, String tenant, Set<String> roles, Set<String> permissions,
    Map<String, Instant> authMethods) {

  public Identity {
    Objects.requireNonNull(subject, "subject");
    roles = Set.copyOf(roles);
    permissions = Set.copyOf(permissions);
    authMethods = Map.copyOf(authMethods);
  }
}
