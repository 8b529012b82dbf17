package dev.portcullis.plugin.audit;

import io.vertx.core.Vertx;

import java.nio.file.Path;

/** What the core gives a sink when it creates one. */
public interface SinkSetup {

  /** The gateway's Vert.x instance (create clients from it; do not close it). */
  Vertx vertx();

  /** The sink's name in the configuration (its {@code name:}, or its id), for logs and metrics. */
  String name();

  /** This gateway instance's id, as written into every event's {@code instance} field. */
  String instanceId();

  /**
   * Resolves a path written in the sink's options (a CA file, a client certificate) against the
   * directory of the configuration file.
   */
  Path resolve(String path);
}
