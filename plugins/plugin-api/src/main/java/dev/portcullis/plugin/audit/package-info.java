/**
 * The audit sink SPI: plugins that ship the audit journal's records to central copies. See
 * {@link dev.portcullis.plugin.audit.AuditSink} for the delivery contract.
 */
package dev.portcullis.plugin.audit;
