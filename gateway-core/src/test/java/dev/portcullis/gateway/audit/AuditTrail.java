package dev.portcullis.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Reads a plain journal directory back as JSON records, for assertions. */
public final class AuditTrail {

  private static final ObjectMapper JSON = new ObjectMapper();

  private AuditTrail() {
  }

  public static List<JsonNode> records(Path directory) {
    try {
      List<JsonNode> out = new ArrayList<>();
      for (SegmentFiles.Segment segment : SegmentFiles.list(directory)) {
        for (String line : Files.readAllLines(segment.path(), StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            out.add(JSON.readTree(line));
          }
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<JsonNode> matching(Path directory, Predicate<JsonNode> filter) {
    return records(directory).stream().filter(filter).toList();
  }

  /** Every byte of every segment, as text (for scanning for secrets). */
  public static String raw(Path directory) {
    try {
      StringBuilder all = new StringBuilder();
      for (SegmentFiles.Segment segment : SegmentFiles.list(directory)) {
        all.append(Files.readString(segment.path(), StandardCharsets.UTF_8));
      }
      return all.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A validator for the documented event schema ({@code docs/audit-event.schema.json}). */
  public static io.vertx.json.schema.Validator schemaValidator() throws IOException {
    return io.vertx.json.schema.Validator.create(
        io.vertx.json.schema.JsonSchema.of(new io.vertx.core.json.JsonObject(Files.readString(
            Path.of("../docs/audit-event.schema.json")))),
        new io.vertx.json.schema.JsonSchemaOptions().setDraft(io.vertx.json.schema.Draft.DRAFT202012)
            .setBaseUri("https://portcullis.dev/").setOutputFormat(io.vertx.json.schema.OutputFormat.Basic));
  }

  public static JournalVerifier.Report verify(Path dataDir) throws IOException {
    return JournalVerifier.create(CheckpointKey.publicFile(dataDir.resolve("audit-signing-key.pem")), null)
        .verify(dataDir.resolve("audit"));
  }
}
