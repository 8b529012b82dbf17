package dev.portcullis.plugins.rbac;

import java.util.List;

/**
 * Options of {@code rbac}. Exactly one of the two is given, with at least one permission.
 *
 * @param allOf permissions ({@code resource:action}) the user must hold all of
 * @param anyOf permissions the user must hold at least one of
 */
public record RbacConfig(List<String> allOf, List<String> anyOf) {
}
