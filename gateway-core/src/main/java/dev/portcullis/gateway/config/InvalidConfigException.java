package dev.portcullis.gateway.config;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration file was rejected; carries every problem found, not just the first. */
public final class InvalidConfigException extends Exception {

  private final transient List<ConfigProblem> problems;

  public InvalidConfigException(List<ConfigProblem> problems) {
    super(problems.size() + " problem(s) in configuration:\n  "
        + problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n  ")));
    this.problems = List.copyOf(problems);
  }

  public List<ConfigProblem> problems() {
    return problems;
  }
}
