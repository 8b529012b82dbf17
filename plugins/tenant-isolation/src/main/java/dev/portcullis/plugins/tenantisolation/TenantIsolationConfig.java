package dev.portcullis.plugins.tenantisolation;

/**
 * Options of {@code tenant-isolation}.
 *
 * @param from    where the request names its tenant: {@code host}, {@code path} or {@code header}
 * @param pattern with {@code from: host}: the host name with the tenant label written as
 *                {@code {tenant}}, e.g. {@code {tenant}.app.example}
 * @param segment with {@code from: path}: the 1-based index of the path segment holding the
 *                tenant (1 to 16); default 1
 * @param header  with {@code from: header}: the name of the header a trusted proxy sets
 */
public record TenantIsolationConfig(String from, String pattern, Integer segment, String header) {
}
