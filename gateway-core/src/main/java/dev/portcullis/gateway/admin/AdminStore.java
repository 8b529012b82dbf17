package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.identity.Iam;
import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.store.Sql;
import io.vertx.core.Future;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs admin work on the IAM workers: reads on a connection of their own, changes in one
 * transaction whose audit event is journaled (synchronously) before it commits. A journal that
 * cannot take the event rolls the change back, so no change goes unrecorded. A change that fails
 * after its event was journaled (Keycloak refused the write-through, the commit failed) is followed
 * by {@code admin.change-abandoned} naming those events, so the journal never claims a change that
 * did not happen.
 */
final class AdminStore {

  /** Work inside a transaction, able to journal what it changes. */
  @FunctionalInterface
  interface Change<T> {
    T run(Connection c, Journal journal) throws SQLException;
  }

  /** Journals one admin event of the running change ({@code tenant}: the tenant it concerns, or null). */
  @FunctionalInterface
  interface Journal {
    void record(String action, String tenant, String targetType, String target, Map<String, String> changes);
  }

  private static final long JOURNAL_WAIT_SECONDS = 10;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AdminStore.class);

  private final Iam iam;
  private final DataSource db;
  private final Directory directory;
  private final AuditLog audit;

  /**
   * Admin work has threads of its own: a burst of admin changes (each holding a connection while
   * it journals) never queues the request path's IAM lookups behind it.
   */
  private final io.vertx.core.WorkerExecutor workers;

  AdminStore(io.vertx.core.Vertx vertx, Iam iam, DataSource db, Directory directory, AuditLog audit) {
    this.workers = vertx.createSharedWorkerExecutor("portcullis-admin", 2);
    this.iam = iam;
    this.db = db;
    this.directory = directory;
    this.audit = audit;
  }

  Directory directory() {
    return directory;
  }

  Iam iam() {
    return iam;
  }

  AuditLog audit() {
    return audit;
  }

  <T> Future<T> read(Sql.Work<T> work) {
    return workers.executeBlocking(() -> Sql.withConnection(db, "admin read", work), false);
  }

  /** Other blocking admin work (hashing a password, reading a store of another kind). */
  <T> Future<T> blocking(java.util.concurrent.Callable<T> work) {
    return workers.executeBlocking(work, false);
  }

  <T> Future<T> change(AdminCaller who, Change<T> work) {
    // The caller's pseudonym first: looked up inside the transaction it would need a second
    // connection while this one is held, and enough concurrent changes could then starve the pool.
    return audit.pseudonymOf(who.subject()).compose(pseudonym -> workers.executeBlocking(() -> {
      java.util.List<Long> journaled = new java.util.ArrayList<>(1);
      String[] tenantOf = new String[1];
      try {
        return Sql.inTransaction(db, "admin change", c -> work.run(c, (action, tenant, targetType, target, changes) -> {
          journaled.add(journal(who, action, tenant, targetType, target, changes));
          tenantOf[0] = tenant;
        }));
      } catch (RuntimeException e) {
        if (!journaled.isEmpty()) {
          abandoned(who, tenantOf[0], journaled, e);
        }
        throw e;
      }
    }, false));
  }

  /** Journals that the change whose events are {@code events} (this instance's sequence numbers) did not happen. */
  private void abandoned(AdminCaller who, String tenant, java.util.List<Long> events, RuntimeException cause) {
    String reason = cause instanceof AdminError admin ? admin.problem().key()
        : cause instanceof dev.portcullis.gateway.identity.store.IamException iam ? "IAM_" + iam.kind().name()
        : cause.getClass().getSimpleName();
    String seqs = events.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(" "));
    try {
      journal(who, "change-abandoned", tenant, "journal", seqs, Map.of("reason", reason));
    } catch (RuntimeException e) {
      LOG.warn("Events {} of the journal record an admin change that was rolled back ({}), and the journal could "
          + "not take admin.change-abandoned: {}", seqs, reason, e.toString());
    }
  }

  /** Journals an admin action that changes nothing in the store (e.g. a session revoked). */
  Future<Void> record(AdminCaller who, String action, String tenant, String targetType, String target,
      Map<String, String> changes) {
    return audit.admin(who.subject(), tenant, action, targetType, target, changes).mapEmpty();
  }

  private long journal(AdminCaller who, String action, String tenant, String targetType, String target,
      Map<String, String> changes) {
    Map<String, String> clean = new LinkedHashMap<>();
    changes.forEach((k, v) -> clean.put(k, v == null ? "" : v));
    try {
      return audit.admin(who.subject(), tenant, action, targetType, target, clean).toCompletionStage()
          .toCompletableFuture().get(JOURNAL_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while journaling admin." + action, e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("the audit journal did not take admin." + action + ": " + cause, cause);
    }
  }
}
