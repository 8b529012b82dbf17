package dev.portcullis.gateway.identity;

import dev.portcullis.plugin.Identity;

/**
 * The outcome of authentication for one request.
 *
 * @param identity      who is asking
 * @param method        how the request proved it: {@code session}, {@code bearer} or {@code api-token}
 * @param sessionId     the raw session id (session only; never logged), else null
 * @param userId        the local user behind the identity, or null for a bearer token's subject
 */
public record Authenticated(Identity identity, String method, String sessionId, String userId) {
}
