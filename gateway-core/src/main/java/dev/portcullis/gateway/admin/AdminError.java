package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.pipeline.Problem;

/** A refused admin request: thrown anywhere in a handler, answered as its problem+json. */
final class AdminError extends RuntimeException {

  private final transient Problem problem;
  /** The request field or parameter that is wrong, or null. */
  private final String field;

  AdminError(Problem problem) {
    this(problem, null);
  }

  private AdminError(Problem problem, String field) {
    super(problem.detail(), null, false, false);
    this.problem = problem;
    this.field = field;
  }

  Problem problem() {
    return problem;
  }

  String field() {
    return field;
  }

  static AdminError badRequest(String key, String detail) {
    return new AdminError(Problem.badRequest(key, detail));
  }

  /** A refusal about one field or query parameter, which the problem names in {@code field}. */
  static AdminError badRequest(String key, String field, String detail) {
    return new AdminError(Problem.badRequest(key, detail), field);
  }

  static AdminError invalid(String field, String detail) {
    return new AdminError(Problem.badRequest("INVALID_FIELD", field + ": " + detail), field);
  }

  static AdminError forbidden(String key, String detail) {
    return new AdminError(new Problem(403, key, "Forbidden", detail));
  }

  static AdminError notFound(String what) {
    return new AdminError(new Problem(404, "NOT_FOUND", "Not found", what + " does not exist"));
  }

  static AdminError conflict(String key, String detail) {
    return new AdminError(new Problem(409, key, "Conflict", detail));
  }

  static AdminError preconditionFailed(String what, int current) {
    return new AdminError(new Problem(412, "PRECONDITION_FAILED", "Precondition failed", what + " was changed by "
        + "someone else (its ETag is now \"" + current + "\"): read it again and re-apply your change"));
  }
}
