package dev.portcullis.plugins.ipallowlist;

import java.util.List;

/**
 * Options of {@code ip-allowlist}.
 *
 * @param allow CIDRs or network-set names the client address must be in (at least one)
 * @param deny  CIDRs or network-set names that are refused even when allowed (deny wins)
 */
public record IpAllowlistConfig(List<String> allow, List<String> deny) {
}
