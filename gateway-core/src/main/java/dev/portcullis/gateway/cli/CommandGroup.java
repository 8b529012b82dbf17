package dev.portcullis.gateway.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** A command that only groups others ({@code portcullis user}): called alone, it asks for one of them. */
abstract class CommandGroup implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  HelpOption help;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "name a command: "
        + String.join(", ", spec.subcommands().keySet()));
  }
}
