package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.audit.Journal;
import dev.portcullis.gateway.identity.store.IamException;
import dev.portcullis.gateway.pipeline.Problem;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The HTTP side every admin endpoint shares: authentication first, then the handler, whose refusal
 * (an {@link AdminError}, an IamException, a journal that cannot write) becomes problem+json naming
 * what is wrong. Request bodies are JSON objects whose unknown fields are refused; lists are paged
 * with an opaque {@code cursor}; changeable objects carry their version as a strong ETag.
 */
final class AdminHttp {

  private static final Logger LOG = LoggerFactory.getLogger(AdminHttp.class);
  static final int MAX_BODY = 64 * 1024;
  private static final Pattern IF_MATCH = Pattern.compile("\"(\\d{1,9})\"");

  /** An endpoint: resolves to its reply, or fails with what to refuse. */
  @FunctionalInterface
  interface Endpoint {
    Future<Reply> handle(AdminCaller who, Call call);
  }

  /** A response: status, JSON body (null: none) and the object's version for the ETag (null: none). */
  record Reply(int status, Object body, Integer version) {
    static Reply ok(Object body) {
      return new Reply(200, body, null);
    }

    static Reply ok(Object body, int version) {
      return new Reply(200, body, version);
    }

    static Reply created(Object body, Integer version) {
      return new Reply(201, body, version);
    }

    static Reply noContent() {
      return new Reply(204, null, null);
    }
  }

  private final AdminAuth auth;

  AdminHttp(AdminAuth auth) {
    this.auth = auth;
  }

  void on(Router router, HttpMethod method, String path, Set<String> queryParams, Endpoint endpoint) {
    router.route(method, path).handler(ctx -> {
      Call call = new Call(ctx, queryParams);
      Future<Reply> reply;
      try {
        call.checkQuery();
        reply = auth.authenticate(ctx).compose(who -> endpoint.handle(who, call));
      } catch (RuntimeException e) {
        reply = Future.failedFuture(e);
      }
      reply.onSuccess(r -> send(ctx, r)).onFailure(e -> fail(ctx, e));
    });
  }

  static void send(RoutingContext ctx, Reply reply) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(reply.status()).putHeader("Cache-Control", "no-store");
    if (reply.version() != null) {
      ctx.response().putHeader("ETag", etag(reply.version()));
    }
    if (reply.body() == null) {
      ctx.response().end();
      return;
    }
    String encoded = reply.body() instanceof JsonObject o ? o.encode() : ((JsonArray) reply.body()).encode();
    ctx.response().putHeader("Content-Type", "application/json").end(encoded);
  }

  static String etag(int version) {
    return "\"" + version + "\"";
  }

  static void fail(RoutingContext ctx, Throwable e) {
    Problem problem;
    String field = null;
    if (e instanceof AdminError admin) {
      problem = admin.problem();
      field = admin.field();
    } else if (e instanceof IamException iam) {
      problem = switch (iam.kind()) {
        case NOT_FOUND -> new Problem(404, "NOT_FOUND", "Not found", iam.getMessage());
        case CONFLICT -> new Problem(409, "CONFLICT", "Conflict", iam.getMessage());
        case INVALID -> Problem.badRequest("INVALID_FIELD", iam.getMessage());
        case UNAVAILABLE -> {
          LOG.error("Admin request {} {} failed: {}", ctx.request().method(), ctx.request().path(), iam.toString());
          yield Problem.unavailable("IAM_UNAVAILABLE", iam.getMessage().startsWith("IAM store error")
              ? "the IAM store cannot complete this right now; nothing was changed" : iam.getMessage());
        }
      };
    } else if (e instanceof Journal.JournalUnavailableException || e.getCause() instanceof
        Journal.JournalUnavailableException) {
      problem = Problem.unavailable("AUDIT_UNAVAILABLE", "the audit journal cannot record this admin action right "
          + "now, so it was refused and nothing was changed");
    } else {
      LOG.error("Admin request {} {} failed: {}", ctx.request().method(), ctx.request().path(), e.toString());
      problem = Problem.unavailable("ADMIN_UNAVAILABLE", "the request could not be completed and nothing was "
          + "changed; see the gateway log");
    }
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.CONTENT_TYPE)
          .putHeader("Cache-Control", "no-store").end((field == null ? problem.toJson(null)
              : problem.toJson(null).put("field", field)).encode());
    }
  }

  /** One request's inputs, each checked with a message that names the parameter or field. */
  static final class Call {
    private final RoutingContext ctx;
    private final Set<String> queryParams;

    Call(RoutingContext ctx, Set<String> queryParams) {
      this.ctx = ctx;
      this.queryParams = queryParams;
    }

    RoutingContext ctx() {
      return ctx;
    }

    void checkQuery() {
      for (String name : ctx.queryParams().names()) {
        if (!queryParams.contains(name)) {
          throw AdminError.badRequest("UNKNOWN_PARAMETER", name, "unknown query parameter '" + name + "'"
              + (queryParams.isEmpty() ? "; this endpoint takes none" : "; known: " + String.join(", ",
              new TreeSet<>(queryParams))));
        }
      }
    }

    String path(String name) {
      return ctx.pathParam(name);
    }

    String query(String name) {
      String value = ctx.queryParams().get(name);
      return value == null || value.isEmpty() ? null : value;
    }

    String query(String name, Pattern shape, String expected) {
      String value = query(name);
      if (value != null && !shape.matcher(value).matches()) {
        throw AdminError.badRequest("INVALID_PARAMETER", name, name + " must be " + expected);
      }
      return value;
    }

    /** {@code limit}: 1–500, default 50. */
    int limit() {
      String text = query("limit");
      if (text == null) {
        return 50;
      }
      int limit;
      try {
        limit = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 500) {
        throw AdminError.badRequest("INVALID_PARAMETER", "limit", "limit must be a whole number from 1 to 500");
      }
      return limit;
    }

    /** The position after which a page starts ({@code cursor} as returned in {@code next}), or null. */
    String cursor() {
      String text = query("cursor");
      if (text == null) {
        return null;
      }
      try {
        String decoded = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
        if (decoded.startsWith("c1:")) {
          return decoded.substring(3);
        }
      } catch (IllegalArgumentException e) {
        // falls through to the refusal
      }
      throw AdminError.badRequest("INVALID_PARAMETER", "cursor", "cursor is not one this API returned (use the value of "
          + "'next' from the previous page)");
    }

    static String cursorFor(String key) {
      return key == null ? null : Base64.getUrlEncoder().withoutPadding()
          .encodeToString(("c1:" + key).getBytes(StandardCharsets.UTF_8));
    }

    /** The version the caller last read ({@code If-Match}); required for updates. */
    int ifMatch() {
      String header = ctx.request().getHeader("If-Match");
      if (header == null) {
        throw new AdminError(new Problem(428, "PRECONDITION_REQUIRED", "Precondition required", "send If-Match "
            + "with the ETag you last read, so that a change made meanwhile by someone else is not overwritten"));
      }
      var m = IF_MATCH.matcher(header.trim());
      if (!m.matches()) {
        throw AdminError.badRequest("INVALID_HEADER", "If-Match must be one ETag as returned by this API, such as "
            + "\"3\"");
      }
      return Integer.parseInt(m.group(1));
    }

    /** The optional {@code If-Match} of a delete: null when absent. */
    Integer optionalIfMatch() {
      return ctx.request().getHeader("If-Match") == null ? null : ifMatch();
    }

    /** The JSON object body; refuses other media types, malformed JSON and fields not in {@code known}. */
    Body body(Set<String> known) {
      String type = ctx.request().getHeader("Content-Type");
      if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
        throw new AdminError(new Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type",
            "send the body as application/json"));
      }
      JsonObject json;
      try {
        Object parsed = io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
        if (!(parsed instanceof JsonObject object)) {
          throw AdminError.badRequest("INVALID_BODY", "the body must be a JSON object");
        }
        json = object;
      } catch (DecodeException | NullPointerException e) {
        throw AdminError.badRequest("INVALID_BODY", "the body is not valid JSON");
      }
      for (String field : json.fieldNames()) {
        if (!known.contains(field)) {
          throw AdminError.badRequest("UNKNOWN_FIELD", field, "unknown field '" + field + "'; known: "
              + String.join(", ", new TreeSet<>(known)));
        }
      }
      return new Body(json);
    }
  }

  /** A request body's fields, each read with a check that names it. */
  record Body(JsonObject json) {

    boolean has(String field) {
      return json.containsKey(field);
    }

    String string(String field, boolean required, int maxLength) {
      Object value = json.getValue(field);
      if (value == null) {
        if (required) {
          throw AdminError.invalid(field, "is required");
        }
        return null;
      }
      if (!(value instanceof String text)) {
        throw AdminError.invalid(field, "must be a string");
      }
      if (required && text.isBlank()) {
        throw AdminError.invalid(field, "must not be empty");
      }
      if (text.length() > maxLength) {
        throw AdminError.invalid(field, "must be at most " + maxLength + " characters");
      }
      if (text.chars().anyMatch(ch -> ch < 0x20)) {
        throw AdminError.invalid(field, "must not contain control characters");
      }
      return text;
    }

    String string(String field, boolean required, Pattern shape, String expected) {
      String value = string(field, required, 256);
      if (value != null && !shape.matcher(value).matches()) {
        throw AdminError.invalid(field, "must be " + expected);
      }
      return value;
    }

    Instant instant(String field) {
      String text = string(field, false, 64);
      if (text == null) {
        return null;
      }
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        throw AdminError.invalid(field, "must be an ISO-8601 instant such as 2026-12-01T08:00:00Z");
      }
    }

    /** A list of distinct strings, each matching {@code shape}. */
    List<String> strings(String field, boolean required, int maxItems, Pattern shape, String expected) {
      Object value = json.getValue(field);
      if (value == null) {
        if (required) {
          throw AdminError.invalid(field, "is required");
        }
        return null;
      }
      if (!(value instanceof JsonArray array)) {
        throw AdminError.invalid(field, "must be an array of strings");
      }
      if (array.size() > maxItems) {
        throw AdminError.invalid(field, "must have at most " + maxItems + " entries");
      }
      Set<String> out = new LinkedHashSet<>();
      for (int i = 0; i < array.size(); i++) {
        Object item = array.getValue(i);
        if (!(item instanceof String text) || !shape.matcher(text).matches()) {
          throw AdminError.invalid(field + "[" + i + "]", "must be " + expected);
        }
        if (!out.add(text)) {
          throw AdminError.invalid(field + "[" + i + "]", "'" + text + "' is listed twice");
        }
      }
      return new ArrayList<>(out);
    }
  }

  /**
   * A page of a short list read whole (a user's tokens or sessions, a group's members, the network
   * sets), in the order of {@code key}, after the call's cursor.
   */
  static <T> JsonObject pageOf(List<T> all, java.util.function.Function<T, String> key,
      java.util.function.Function<T, JsonObject> json, Call call) {
    int limit = call.limit();
    String after = call.cursor();
    List<T> sorted = all.stream().sorted(java.util.Comparator.comparing(key))
        .filter(item -> after == null || key.apply(item).compareTo(after) > 0).toList();
    List<T> items = sorted.size() > limit ? sorted.subList(0, limit) : sorted;
    return page(items.stream().map(json).toList(), sorted.size() > limit ? key.apply(items.get(limit - 1)) : null);
  }

  /** A page of items as the API returns it. */
  static JsonObject page(List<JsonObject> items, String nextKey) {
    return new JsonObject().put("items", new JsonArray(new ArrayList<>(items))).put("next", Call.cursorFor(nextKey));
  }

  static String iso(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
