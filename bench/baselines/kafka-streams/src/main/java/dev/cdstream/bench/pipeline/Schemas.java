package dev.cdstream.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The JSON Schema of each event type, compiled once and shared by the stream
 * threads: the official CDEvents schemas of every released spec version (the
 * newest release that lists a type wins), and cdstream's own schemas of the
 * other CloudEvents types (schemas/cloudevents/types.yaml). A `-draft` type
 * is checked against the released schema of its version in a looser envelope,
 * as cdstream's vocabulary does: either version key, subject.type optional.
 * Formats (date-time, uri-reference) are asserted.
 */
public final class Schemas {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DRAFT = "-draft";

  /** schema $id → content, read by the registry when it resolves an id or a $ref */
  private final Map<String, String> documents = new ConcurrentHashMap<>();
  /** CDEvents type → $id of its schema */
  private final Map<String, String> cdeventIds = new HashMap<>();
  /** other CloudEvents type → $id of its schema */
  private final Map<String, String> cloudEventIds = new HashMap<>();
  private final Map<String, Optional<Schema>> compiled = new ConcurrentHashMap<>();
  private final SchemaRegistry registry;

  public Schemas(Path cdeventsSpec, Path cloudEventSchemas) {
    try {
      loadCdevents(cdeventsSpec);
      loadCloudEvents(cloudEventSchemas);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SchemaRegistryConfig config = SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build();
    registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
        builder -> builder.schemaRegistryConfig(config).schemas(documents::get));
  }

  /** The schema of a CDEvents type, empty when no release (or draft of one) defines it. */
  public Optional<Schema> cdevent(String type) {
    return compiled.computeIfAbsent("cdevent " + type, k -> {
      if (cdeventIds.containsKey(type)) return Optional.of(compile(cdeventIds.get(type)));
      if (!type.endsWith(DRAFT)) return Optional.empty();
      String released = cdeventIds.get(type.substring(0, type.length() - DRAFT.length()));
      if (released == null) return Optional.empty();
      String id = released + DRAFT;
      documents.computeIfAbsent(id, draft -> draftOf(documents.get(released), draft, type));
      return Optional.of(compile(id));
    });
  }

  /** The schema of another CloudEvents type cdstream knows, empty when unknown. */
  public Optional<Schema> cloudEvent(String type) {
    return compiled.computeIfAbsent("cloudevent " + type,
        k -> Optional.ofNullable(cloudEventIds.get(type)).map(this::compile));
  }

  private Schema compile(String id) {
    Schema schema = registry.getSchema(SchemaLocation.of(id));
    schema.initializeValidators();
    return schema;
  }

  private void loadCdevents(Path spec) throws IOException {
    List<Path> releases;
    try (Stream<Path> dirs = Files.list(spec)) {
      releases = dirs.filter(dir -> dir.getFileName().toString().matches("v\\d+\\.\\d+\\.\\d+"))
          .sorted(Comparator.comparing(Schemas::releaseOrder).reversed())
          .toList();
    }
    if (releases.isEmpty()) throw new IOException("no CDEvents releases (v*.*.*) in " + spec);
    for (Path release : releases) {
      try (Stream<Path> files = Files.walk(release.resolve("schemas"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
          String content = Files.readString(file);
          JsonNode schema = JSON.readTree(content);
          String id = schema.path("$id").asText("");
          if (id.isEmpty()) continue;
          documents.put(id, content);
          for (JsonNode type : schema.path("properties").path("context").path("properties")
              .path("type").path("enum")) {
            cdeventIds.putIfAbsent(type.asText(), id);
          }
        }
      }
    }
  }

  private void loadCloudEvents(Path dir) throws IOException {
    JsonNode types = new YAMLMapper().readTree(dir.resolve("types.yaml").toFile());
    for (Map.Entry<String, JsonNode> entry : types.properties()) {
      String content = Files.readString(dir.resolve(entry.getValue().path("schema").asText()));
      String id = JSON.readTree(content).path("$id").asText();
      documents.putIfAbsent(id, content);
      cloudEventIds.put(entry.getKey(), id);
    }
  }

  /** The released schema with the draft type admitted, either version key, subject.type optional. */
  private static String draftOf(String released, String id, String draftType) {
    try {
      ObjectNode schema = (ObjectNode) JSON.readTree(released);
      schema.put("$id", id);
      ObjectNode context = (ObjectNode) schema.path("properties").path("context");
      ObjectNode contextProperties = (ObjectNode) context.path("properties");
      ((ArrayNode) contextProperties.path("type").path("enum")).add(draftType);
      JsonNode versionKey = contextProperties.has("version")
          ? contextProperties.get("version")
          : contextProperties.get("specversion");
      contextProperties.set("version", versionKey);
      contextProperties.set("specversion", versionKey);
      ArrayNode required = (ArrayNode) context.path("required");
      required.removeIf(key -> key.asText().equals("version") || key.asText().equals("specversion"));
      ArrayNode eitherKey = context.putArray("anyOf");
      eitherKey.addObject().putArray("required").add("version");
      eitherKey.addObject().putArray("required").add("specversion");
      JsonNode subjectRequired = schema.path("properties").path("subject").path("required");
      if (subjectRequired instanceof ArrayNode list) list.removeIf(key -> key.asText().equals("type"));
      return JSON.writeValueAsString(schema);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** v0.5.1 → a sortable key */
  private static String releaseOrder(Path dir) {
    String[] parts = dir.getFileName().toString().substring(1).split("\\.");
    StringBuilder key = new StringBuilder();
    for (String part : parts) key.append(String.format("%06d", Integer.parseInt(part)));
    return key.toString();
  }
}
