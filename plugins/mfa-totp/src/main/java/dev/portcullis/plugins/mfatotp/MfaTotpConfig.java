package dev.portcullis.plugins.mfatotp;

import java.util.List;

/**
 * Options of {@code mfa-totp}. Every option may be absent (null).
 *
 * @param require false switches the check off for the route (the policy abstains); default true
 * @param maxAge  how old the last second factor may be, e.g. {@code 15m} (at most 24h); absent:
 *                any second factor proven in the session counts
 * @param roles   only identities holding at least one of these roles are checked; absent: everyone
 * @param methods the authentication methods (RFC 8176 names) that count as a second factor;
 *                default {@code [otp, rc, mfa]}
 */
public record MfaTotpConfig(Boolean require, String maxAge, List<String> roles, List<String> methods) {
}
