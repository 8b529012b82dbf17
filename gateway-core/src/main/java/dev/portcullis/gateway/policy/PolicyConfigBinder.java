package dev.portcullis.gateway.policy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.portcullis.plugin.ConfigErrors;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * Binds a policy's options (plain maps and lists from the YAML) to its configuration record,
 * strictly: an unknown key or a wrong type is refused with the field's path. Absent options are
 * null (0/false for primitives): a plugin that needs to tell "absent" uses a boxed type.
 */
public final class PolicyConfigBinder {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
      .build();

  private PolicyConfigBinder() {
  }

  /** The bound record, or null after reporting to {@code errors}. */
  public static <C extends Record> C bind(Class<C> type, Map<String, Object> options, ConfigErrors errors) {
    try {
      return MAPPER.convertValue(options, type);
    } catch (IllegalArgumentException e) {
      Throwable cause = e.getCause() instanceof JsonMappingException ? e.getCause() : e;
      report(cause, errors);
      return null;
    }
  }

  private static void report(Throwable cause, ConfigErrors errors) {
    if (cause instanceof UnrecognizedPropertyException unknown) {
      String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
          .map(Object::toString).sorted().collect(Collectors.joining(", "));
      errors.add(path(unknown), "unknown option '" + unknown.getPropertyName() + "'"
          + (known.isEmpty() ? "" : "; known options: " + known));
    } else if (cause instanceof ValueInstantiationException invalid) {
      Throwable root = invalid.getCause() == null ? invalid : invalid.getCause();
      errors.add(path(invalid), root.getMessage());
    } else if (cause instanceof MismatchedInputException mismatch) {
      String type = mismatch.getTargetType() == null ? "another type" : describe(mismatch.getTargetType());
      errors.add(path(mismatch), "must be " + type);
    } else if (cause instanceof JsonMappingException mapping) {
      errors.add(path(mapping), mapping.getOriginalMessage());
    } else {
      errors.add("", String.valueOf(cause.getMessage()));
    }
  }

  private static String describe(Class<?> type) {
    if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping";
    }
    if (type == String.class) {
      return "a single value";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
      return "a number";
    }
    return "a " + type.getSimpleName();
  }

  private static String path(JsonMappingException e) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.toString();
  }
}
