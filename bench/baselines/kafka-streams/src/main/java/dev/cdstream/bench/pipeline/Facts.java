package dev.cdstream.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdstream.bench.pipeline.CloudEvents.Decoded;
import dev.cdstream.bench.pipeline.Event.Kind;
import java.util.Locale;

/**
 * What the join and the aggregate need of a validated event: its kind, the
 * artifact it is about (an image digest when the id names one, so a purl and
 * an image reference of the same image meet), and the service/environment it
 * names itself.
 */
public final class Facts {
  private static final String REPLICASET_ADD = "dev.knative.apiserver.resource.add";
  private static final String REPLICASET_UPDATE = "dev.knative.apiserver.resource.update";

  private Facts() {}

  /** `fallbackKey` keys an event about no artifact (the input record's key). */
  public static Event of(Decoded decoded, String fallbackKey) {
    JsonNode cdevent = decoded.cdevent();
    if (cdevent != null) return ofCdevent(decoded, cdevent, fallbackKey);
    String type = decoded.type();
    JsonNode data = decoded.event().path("data");
    if (type.startsWith("vmware.tanzu.apps.image.sbom.pushed.")) {
      return event(Kind.OTHER, decoded, artifactKey(decoded.event().path("image").asText(null), fallbackKey), null, null);
    }
    if ((type.equals(REPLICASET_ADD) || type.startsWith(REPLICASET_UPDATE))
        && data.path("kind").asText().equals("ReplicaSet")) {
      String image = null;
      for (JsonNode container : data.path("spec").path("template").path("spec").path("containers")) {
        if (container.path("name").asText().equals("workload")) image = container.path("image").asText(null);
      }
      JsonNode metadata = data.path("metadata");
      String service = metadata.path("labels").path("app.kubernetes.io/part-of").asText(null);
      String environment = metadata.path("namespace").asText(null);
      boolean runs = image != null && service != null && environment != null
          && data.path("spec").path("replicas").asInt(0) > 0;
      return event(runs ? Kind.PLACEMENT : Kind.OTHER, decoded, artifactKey(image, fallbackKey),
          runs ? service : null, runs ? environment : null);
    }
    return event(Kind.OTHER, decoded, fallbackKey, null, null);
  }

  private static Event ofCdevent(Decoded decoded, JsonNode cdevent, String fallbackKey) {
    String[] type = decoded.type().split("\\.");
    String subjectType = type.length > 2 ? type[2] : "";
    String predicate = type.length > 3 ? type[3] : "";
    JsonNode subject = cdevent.path("subject");
    JsonNode content = subject.path("content");
    String artifact = content.path("artifactId").asText(null);
    if (artifact == null && subjectType.equals("artifact")) artifact = subject.path("id").asText(null);
    String key = artifactKey(artifact, fallbackKey);
    String environment = content.path("environment").path("id").asText(null);
    return switch (subjectType + "." + predicate) {
      case "service.deployed", "service.upgraded" ->
          event(Kind.DEPLOYMENT, decoded, key, subject.path("id").asText(null), environment);
      case "service.rolledback" ->
          event(Kind.ROLLBACK, decoded, key, subject.path("id").asText(null), environment);
      case "build.finished", "artifact.packaged", "artifact.published" ->
          event(Kind.ORIGIN, decoded, key, null, null);
      case "incident.detected", "incident.reported" ->
          event(Kind.INCIDENT, decoded, key, content.path("service").path("id").asText(null), environment);
      case "incident.resolved" ->
          event(Kind.RESOLVED, decoded, key, content.path("service").path("id").asText(null), environment);
      default -> event(Kind.OTHER, decoded, key, null, null);
    };
  }

  private static Event event(Kind kind, Decoded decoded, String artifactKey, String service,
      String environment) {
    boolean placed = service != null && environment != null;
    return new Event(kind, decoded.eventTime(), artifactKey, placed ? service : null,
        placed ? environment : null, -1, decoded.json());
  }

  /** `sha256:<hex>` when the id names an image digest (purl `sha256%3A…` or image `@sha256:…`), else the id. */
  static String artifactKey(String id, String fallback) {
    if (id == null || id.isEmpty()) return fallback;
    String lower = id.toLowerCase(Locale.ROOT);
    int at = lower.indexOf("sha256:");
    int skip = 7;
    if (at < 0) {
      at = lower.indexOf("sha256%3a");
      skip = 9;
    }
    if (at < 0) return id;
    int end = at + skip;
    while (end < lower.length() && Character.digit(lower.charAt(end), 16) >= 0) end++;
    return "sha256:" + lower.substring(at + skip, end);
  }
}
