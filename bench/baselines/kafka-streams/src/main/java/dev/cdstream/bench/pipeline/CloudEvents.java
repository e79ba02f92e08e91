package dev.cdstream.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A Kafka record as a validated CloudEvent in structured form: binary mode
 * (ce_* headers) is turned into structured JSON; a bare CDEvent is accepted
 * as its own data. A CDEvent is checked against the official schema of its
 * type and version, another CloudEvents type against cdstream's schema for
 * it; an unknown type is rejected (cdstream's default `unknownTypes:
 * dead-letter`). Rejections carry cdstream's dead-letter codes.
 */
public final class CloudEvents {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String CDEVENTS = "dev.cdevents.";
  private static final List<String> REQUIRED = List.of("specversion", "id", "source", "type");

  /** The event, its JSON (the input bytes when they already were structured) and its CDEvent. */
  public record Decoded(ObjectNode event, byte[] json, String type, JsonNode cdevent, long eventTime) {}

  public static final class Rejected extends Exception {
    public final String code;

    Rejected(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  private final Schemas schemas;

  public CloudEvents(Schemas schemas) {
    this.schemas = schemas;
  }

  public Decoded decode(byte[] value, Headers headers, long recordTime) throws Rejected {
    if (value == null || value.length == 0) throw new Rejected("EMPTY_VALUE", "the record has no value");
    Header binary = headers.lastHeader("ce_specversion");
    ObjectNode event = binary != null ? fromBinary(value, headers) : parseObject(value);
    byte[] json = binary != null ? write(event) : value;
    if (!event.has("specversion") && event.path("context").isObject()) {
      return checkCdevent(event, json, event.path("context").path("type").asText(""), event, recordTime);
    }
    for (String attribute : REQUIRED) {
      if (!event.path(attribute).isTextual() || event.path(attribute).asText().isEmpty()) {
        throw new Rejected("CE_MISSING_ATTRIBUTE", "the CloudEvent has no " + attribute);
      }
    }
    if (!event.path("specversion").asText().equals("1.0")) {
      throw new Rejected("CE_UNSUPPORTED_SPECVERSION", "specversion is not 1.0");
    }
    String type = event.path("type").asText();
    if (type.startsWith(CDEVENTS)) return checkCdevent(event, json, type, event.path("data"), recordTime);
    Schema schema = schemas.cloudEvent(type)
        .orElseThrow(() -> new Rejected("UNKNOWN_TYPE", "no schema for type " + type));
    check(schema, event);
    return new Decoded(event, json, type, null, timeOf(event.path("time"), recordTime));
  }

  private Decoded checkCdevent(ObjectNode event, byte[] json, String type, JsonNode cdevent,
      long recordTime) throws Rejected {
    if (!cdevent.isObject()) throw new Rejected("SCHEMA_VIOLATION", "the CDEvent is not an object");
    Optional<Schema> schema = schemas.cdevent(type);
    if (schema.isEmpty()) throw new Rejected("UNKNOWN_TYPE", "no CDEvents schema for type " + type);
    check(schema.get(), cdevent);
    if (!cdevent.path("context").path("type").asText().equals(type)) {
      throw new Rejected("TYPE_MISMATCH", "the CloudEvents type is not the CDEvent's context.type");
    }
    long time = timeOf(cdevent.path("context").path("timestamp"), timeOf(event.path("time"), recordTime));
    return new Decoded(event, json, type, cdevent, time);
  }

  private static void check(Schema schema, JsonNode node) throws Rejected {
    List<com.networknt.schema.Error> errors = schema.validate(node);
    if (!errors.isEmpty()) throw new Rejected("SCHEMA_VIOLATION", errors.get(0).toString());
  }

  private static ObjectNode parseObject(byte[] value) throws Rejected {
    JsonNode node;
    try {
      node = JSON.readTree(value);
    } catch (Exception e) {
      throw new Rejected("DECODE_JSON", "the value is not JSON");
    }
    if (!(node instanceof ObjectNode object)) throw new Rejected("DECODE_JSON", "the value is not a JSON object");
    return object;
  }

  private static ObjectNode fromBinary(byte[] value, Headers headers) throws Rejected {
    ObjectNode event = JSON.createObjectNode();
    String contentType = "";
    for (Header header : headers) {
      String text = new String(header.value(), StandardCharsets.UTF_8);
      if (header.key().startsWith("ce_")) event.put(header.key().substring(3), text);
      else if (header.key().equals("content-type")) contentType = text;
    }
    if (!contentType.isEmpty()) event.put("datacontenttype", contentType);
    if (contentType.contains("json")) {
      try {
        event.set("data", JSON.readTree(value));
      } catch (Exception e) {
        throw new Rejected("DECODE_JSON", "the data is not JSON");
      }
    } else {
      event.put("data", new String(value, StandardCharsets.UTF_8));
    }
    return event;
  }

  private static byte[] write(ObjectNode event) {
    try {
      return JSON.writeValueAsBytes(event);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** RFC 3339 text as epoch ms, else the fallback. */
  static long timeOf(JsonNode text, long fallback) {
    if (!text.isTextual()) return fallback;
    try {
      return OffsetDateTime.parse(text.asText()).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      return fallback;
    }
  }
}
