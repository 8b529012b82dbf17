package dev.portcullis.gateway.config;

import java.util.List;

/**
 * The {@code cluster:} section: how this instance shares sessions and counters with the others.
 * {@code embedded} runs a Hazelcast member inside the gateway (TCP-IP join with the listed
 * members, multicast off); {@code client} connects to an external Hazelcast cluster.
 */
public record ClusterConfig(Mode mode, String name, String host, int port, boolean portAutoIncrement,
    List<String> members, int sessionBackups) {

  public enum Mode { EMBEDDED, CLIENT }
}
