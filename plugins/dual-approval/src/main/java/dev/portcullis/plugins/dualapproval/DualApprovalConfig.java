package dev.portcullis.plugins.dualapproval;

/**
 * Options of {@code dual-approval}: none. How many approvers a request needs, how long it may wait
 * and how long access may last are the gateway's settings ({@code identity.access}), the same for
 * every route, so that no route can quietly ask for fewer eyes.
 */
public record DualApprovalConfig() {
}
