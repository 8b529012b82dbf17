/** Shared limits for policies: token buckets the core keeps cluster-wide. */
package dev.portcullis.plugin.limits;
