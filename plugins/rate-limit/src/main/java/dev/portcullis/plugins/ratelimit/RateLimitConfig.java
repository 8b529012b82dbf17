package dev.portcullis.plugins.ratelimit;

/**
 * Options of {@code rate-limit}.
 *
 * @param per    what a bucket belongs to: {@code identity} (anonymous requests fall back to their
 *               client address), {@code client} (the client address) or {@code route} (everyone)
 * @param limit  requests allowed per {@code window} on average
 * @param window the window the limit is for, e.g. {@code 1m}
 * @param burst  how many requests may come at once (the bucket's capacity); default {@code limit}
 */
public record RateLimitConfig(String per, Integer limit, String window, Integer burst) {
}
