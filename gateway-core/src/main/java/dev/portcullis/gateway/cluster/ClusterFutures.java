package dev.portcullis.gateway.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.CompletionStage;

/**
 * Hazelcast's futures as Vert.x futures, completed on the caller's event loop.
 *
 * <p>Why not {@code Future.fromCompletionStage}: Hazelcast runs even the non-async callbacks of its
 * futures on its default async executor, and on a machine with two cores (common-pool parallelism
 * 1) that executor starts a new thread per callback, which made every session lookup cost a thread.
 * Here the callback runs on the thread that completes the future and only hands the result to the
 * event loop.
 */
public final class ClusterFutures {

  private ClusterFutures() {
  }

  public static <T> Future<T> onContext(CompletionStage<T> stage, Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, error) -> context.runOnContext(v -> {
      if (error != null) {
        promise.fail(error);
      } else {
        promise.complete(value);
      }
    }), Runnable::run);
    return promise.future();
  }
}
