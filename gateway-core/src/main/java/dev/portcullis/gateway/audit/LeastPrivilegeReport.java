package dev.portcullis.gateway.audit;

import dev.portcullis.gateway.identity.store.JdbcIamStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Least privilege, measured: for each role binding of a tenant, the permissions it grants that no
 * request allowed in the period used — read from the {@code permissions} of {@code access} events
 * (set by authorization policies such as rbac) of the holder (or, for a group, of its members).
 * Usage is counted per holder, not per binding: a permission a user holds through two bindings
 * and uses shows as used in both, so a redundant binding is not flagged by this report.
 * Blocking (reads the journal and the store): run it on a worker.
 *
 * <p>It reads this instance's journal; in a cluster each instance journals the requests it served,
 * so run it where the central sink gathers them, or on each instance and intersect.
 */
public final class LeastPrivilegeReport {

  private LeastPrivilegeReport() {
  }

  public static JsonObject compute(AuditQueries queries, JdbcIamStore store, String tenant, Instant since,
      Instant until) throws IOException {
    Map<String, Set<String>> usedBy = new HashMap<>(); // pseudonym → permissions used
    long after = 0;
    do {
      AuditQueries.Page page = queries.find(new AuditQueries.Filter(null, since, until, null, "allow", "access",
          after, tenant), 1000);
      for (JsonObject event : page.records()) {
        String permissions = event.getString("permissions");
        String subject = event.getString("subject");
        if (permissions != null && subject != null) {
          usedBy.computeIfAbsent(subject, k -> new HashSet<>()).addAll(java.util.Arrays.asList(permissions.split(",")));
        }
      }
      after = page.nextAfterSeq() == null ? -1 : page.nextAfterSeq();
    } while (after >= 0);

    JsonArray bindings = new JsonArray();
    for (JdbcIamStore.TenantBinding binding : store.bindingsInTenant(tenant)) {
      if (binding.validUntil() != null && !binding.validUntil().isAfter(since)) {
        continue; // ended before the period: nothing to learn
      }
      Set<String> holders = binding.userId() != null ? Set.of(binding.userId()) : binding.members();
      Set<String> used = new TreeSet<>();
      for (String user : holders) {
        store.existingAuditPseudonym(user).map(usedBy::get).ifPresent(used::addAll);
      }
      Set<String> unused = new TreeSet<>(binding.permissions());
      unused.removeAll(used);
      used.retainAll(binding.permissions());
      bindings.add(new JsonObject().put("binding", binding.bindingId()).put("role", binding.role())
          .put("holderType", binding.userId() != null ? "user" : "group")
          .put("holder", binding.userId() != null ? binding.userId() : binding.groupId())
          .put("validUntil", binding.validUntil() == null ? null : binding.validUntil().toString())
          .put("granted", new JsonArray(new TreeSet<>(binding.permissions()).stream().toList()))
          .put("used", new JsonArray(used.stream().toList()))
          .put("unused", new JsonArray(unused.stream().toList())));
    }
    return new JsonObject().put("tenant", tenant).put("from", since.toString()).put("to", until.toString())
        .put("bindings", bindings);
  }
}
