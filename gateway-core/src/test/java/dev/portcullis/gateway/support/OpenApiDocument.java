package dev.portcullis.gateway.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIVersion;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * An OpenAPI 3.1 document, checked against the specification's own schema when loaded, and able
 * to say whether a response fits it: a documented operation, a documented status (or
 * {@code default}), a documented media type, the required headers and, for JSON, a body that
 * validates against the response's JSON Schema (2020-12, with the document's {@code $ref}s).
 * Written here because vertx-openapi's validator refuses media types such as
 * {@code application/problem+json}; its copy of the specification's schema is used as is.
 */
public final class OpenApiDocument {

  private static final String BASE = "https://portcullis.test/admin-openapi.json";

  private record Route(Pattern path, String template) {
  }

  private final JsonObject doc;
  private final SchemaRepository schemas;
  private final List<Route> routes = new ArrayList<>();

  private OpenApiDocument(JsonObject doc, SchemaRepository schemas) {
    this.doc = doc;
    this.schemas = schemas;
    for (String template : doc.getJsonObject("paths").fieldNames()) {
      routes.add(new Route(Pattern.compile("^" + template.replaceAll("\\{[^/]+}", "[^/]+") + "$"), template));
    }
  }

  public static OpenApiDocument load(Vertx vertx, JsonObject doc) {
    SchemaRepository repository = TestGateway.await(OpenAPIVersion.V3_1.getRepository(vertx, BASE));
    OutputUnit meta = TestGateway.await(OpenAPIVersion.V3_1.validateContract(vertx, repository, doc.copy()));
    if (!Boolean.TRUE.equals(meta.getValid())) {
      throw new AssertionError("not a valid OpenAPI 3.1 document: " + meta);
    }
    repository.dereference(BASE, JsonSchema.of(doc.copy())); // it annotates what it is given
    return new OpenApiDocument(doc, repository);
  }

  public String version() {
    return doc.getString("openapi");
  }

  /** The ids of the operations tagged with any of {@code tags}. */
  public List<String> operationIds(java.util.Set<String> tags) {
    List<String> out = new ArrayList<>();
    for (String path : doc.getJsonObject("paths").fieldNames()) {
      JsonObject item = doc.getJsonObject("paths").getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (item.getValue(method) instanceof JsonObject op && op.getJsonArray("tags", new JsonArray()).stream()
            .anyMatch(tags::contains)) {
          out.add(op.getString("operationId"));
        }
      }
    }
    return out;
  }

  public List<String> operationIds() {
    List<String> out = new ArrayList<>();
    for (String path : doc.getJsonObject("paths").fieldNames()) {
      JsonObject item = doc.getJsonObject("paths").getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (item.getValue(method) instanceof JsonObject op && op.containsKey("operationId")) {
          out.add(op.getString("operationId"));
        }
      }
    }
    return out;
  }

  /** Checks one response; returns the operation's id, or throws AssertionError saying what does not fit. */
  public String check(String method, String path, int status, String contentType, Function<String, String> header,
      String body) {
    Route route = routes.stream().filter(r -> r.path().matcher(path).matches()).findFirst()
        .orElseThrow(() -> new AssertionError("no path of the document matches " + path));
    String pointer = "/paths/" + escape(route.template()) + "/" + method.toLowerCase(Locale.ROOT);
    JsonObject operation = doc.getJsonObject("paths").getJsonObject(route.template())
        .getJsonObject(method.toLowerCase(Locale.ROOT));
    if (operation == null) {
      throw new AssertionError("the document has no " + method + " on " + route.template());
    }
    String code = Integer.toString(status);
    JsonObject responses = operation.getJsonObject("responses");
    String key = responses.containsKey(code) ? code : "default";
    if (!responses.containsKey(key)) {
      throw new AssertionError("status " + status + " is not documented");
    }
    JsonObject response = responses.getJsonObject(key);
    String responsePointer = pointer + "/responses/" + key;
    if (response.containsKey("$ref")) {
      responsePointer = response.getString("$ref").substring(1);
      response = resolve(responsePointer);
    }
    JsonObject headers = response.getJsonObject("headers", new JsonObject());
    for (String name : headers.fieldNames()) {
      JsonObject declared = headers.getJsonObject(name);
      if (declared.containsKey("$ref")) {
        declared = resolve(declared.getString("$ref").substring(1));
      }
      String value = header.apply(name);
      if (value == null) {
        if (declared.getBoolean("required", false)) {
          throw new AssertionError("the required header " + name + " is missing");
        }
        continue;
      }
      validate(new JsonObject().put("$ref", BASE + "#" + pointerOf(responsePointer, headers, name) + "/schema"),
          value, "header " + name);
    }
    JsonObject content = response.getJsonObject("content");
    if (body == null || body.isEmpty()) {
      if (content != null && !content.isEmpty()) {
        throw new AssertionError("the document promises a body");
      }
      return operation.getString("operationId");
    }
    if (content == null) {
      throw new AssertionError("the document promises no body");
    }
    String media = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    if (!content.containsKey(media)) {
      throw new AssertionError("media type " + media + " is not documented (" + content.fieldNames() + ")");
    }
    if (media.endsWith("json")) {
      Object parsed = body.trim().startsWith("[") ? new JsonArray(body) : new JsonObject(body);
      validate(new JsonObject().put("$ref", BASE + "#" + responsePointer + "/content/" + escape(media) + "/schema"),
          parsed, "body");
    }
    return operation.getString("operationId");
  }

  private String pointerOf(String responsePointer, JsonObject headers, String name) {
    JsonObject declared = headers.getJsonObject(name);
    return declared.containsKey("$ref") ? declared.getString("$ref").substring(1)
        : responsePointer + "/headers/" + escape(name);
  }

  private void validate(JsonObject schema, Object value, String what) {
    OutputUnit result = schemas.validator(JsonSchema.of(schema), new io.vertx.json.schema.JsonSchemaOptions()
        .setDraft(io.vertx.json.schema.Draft.DRAFT202012).setBaseUri(BASE)
        .setOutputFormat(io.vertx.json.schema.OutputFormat.Basic), false).validate(value);
    if (!Boolean.TRUE.equals(result.getValid())) {
      throw new AssertionError(what + " does not fit its schema: " + result);
    }
  }

  private JsonObject resolve(String pointer) {
    Object at = doc;
    for (String part : pointer.substring(1).split("/")) {
      at = ((JsonObject) at).getValue(part.replace("~1", "/").replace("~0", "~"));
    }
    return (JsonObject) at;
  }

  private static String escape(String segment) {
    return segment.replace("~", "~0").replace("/", "~1").replace("{", "%7B").replace("}", "%7D");
  }
}
