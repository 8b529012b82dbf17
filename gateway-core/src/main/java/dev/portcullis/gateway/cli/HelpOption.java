package dev.portcullis.gateway.cli;

import picocli.CommandLine.Option;

/** {@code -h, --help} for the subcommands (only {@code portcullis} itself has {@code --version}). */
final class HelpOption {

  @Option(names = {"-h", "--help"}, usageHelp = true, order = 200, description = "show this help and exit")
  boolean help;
}
