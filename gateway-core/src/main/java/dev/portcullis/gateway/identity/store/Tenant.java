package dev.portcullis.gateway.identity.store;

import java.time.Instant;

public record Tenant(String id, String name, Instant createdAt) {
}
