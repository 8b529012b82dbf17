/**
 * The Portcullis plugin SPI: everything a policy plugin may see. A plugin compiles against this
 * module only ({@code provided} scope) and is loaded from its own jar in {@code plugins/}, in a class
 * loader that exposes this package, Vert.x core and the JDK — nothing of the gateway's internals.
 *
 * <p>Start at {@link dev.portcullis.plugin.PolicyFactory}.
 */
package dev.portcullis.plugin;
