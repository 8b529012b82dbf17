package dev.portcullis.gateway.config;

/**
 * One thing wrong with a configuration file: where (file, 1-based line, field path) and what.
 *
 * @param file    the file name as given to the loader
 * @param line    1-based line of the offending node, or 0 when the problem has no position
 * @param path    the field path, e.g. {@code routes[0].upstream.targets[1]}
 * @param message what is wrong, phrased for the operator who has to fix it
 */
public record ConfigProblem(String file, int line, String path, String message) {

  @Override
  public String toString() {
    String where = line > 0 ? file + ":" + line : file;
    return path.isEmpty() ? where + ": " + message : where + ": " + path + ": " + message;
  }
}
