package dev.cdstream.bench.pipeline;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A validated event between the stages: what the join and the aggregate need
 * in fixed fields, and the structured CloudEvent itself, so the repartition
 * topics carry the whole event as cdstream's do. The aggregate reads the
 * fixed fields only and never parses the JSON again.
 */
public record Event(
    Kind kind,
    long eventTime,
    String artifactKey,
    String service,
    String environment,
    /** epoch ms of the artifact's first build, package or publish; -1 unknown */
    long leadTimeStart,
    byte[] json) {

  public enum Kind {
    /** service.deployed, service.upgraded: places the artifact, a deployment */
    DEPLOYMENT,
    /** service.rolledback */
    ROLLBACK,
    /** build.finished, artifact.packaged, artifact.published: where lead time starts */
    ORIGIN,
    /** incident.detected, incident.reported */
    INCIDENT,
    /** incident.resolved */
    RESOLVED,
    /** a Knative ReplicaSet with a workload container: places the artifact */
    PLACEMENT,
    OTHER,
    /** refused at ingest: goes to the dead-letter topic, `json` holds the record's value */
    REJECTED
  }

  public boolean hasPlace() {
    return service != null && environment != null;
  }

  /** The Kafka key after the join: service/environment when known, else the artifact. */
  public String outputKey() {
    return hasPlace() ? service + "/" + environment : artifactKey;
  }

  public Event placedAt(String service, String environment, long leadTimeStart) {
    return new Event(kind, eventTime, artifactKey, service, environment, leadTimeStart, json);
  }

  public Event withJson(byte[] json) {
    return new Event(kind, eventTime, artifactKey, service, environment, leadTimeStart, json);
  }

  public static Serde<Event> serde() {
    return Serdes.serdeFrom(new EventSerializer(), new EventDeserializer());
  }

  static final class EventSerializer implements Serializer<Event> {
    @Override
    public byte[] serialize(String topic, Event event) {
      if (event == null) return null;
      byte[] artifact = bytes(event.artifactKey);
      byte[] service = bytes(event.service);
      byte[] environment = bytes(event.environment);
      ByteBuffer out = ByteBuffer.allocate(1 + 8 + 8 + 4 * 4 + length(artifact) + length(service)
          + length(environment) + event.json.length);
      out.put((byte) event.kind.ordinal()).putLong(event.eventTime).putLong(event.leadTimeStart);
      put(out, artifact);
      put(out, service);
      put(out, environment);
      put(out, event.json);
      return out.array();
    }
  }

  static final class EventDeserializer implements Deserializer<Event> {
    private static final Kind[] KINDS = Kind.values();

    @Override
    public Event deserialize(String topic, byte[] data) {
      if (data == null) return null;
      ByteBuffer in = ByteBuffer.wrap(data);
      Kind kind = KINDS[in.get()];
      long eventTime = in.getLong();
      long leadTimeStart = in.getLong();
      String artifact = string(take(in));
      String service = string(take(in));
      String environment = string(take(in));
      return new Event(kind, eventTime, artifact, service, environment, leadTimeStart, take(in));
    }
  }

  static byte[] bytes(String value) {
    return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
  }

  static String string(byte[] value) {
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  static int length(byte[] value) {
    return value == null ? 0 : value.length;
  }

  /** length-prefixed, -1 for null */
  static void put(ByteBuffer out, byte[] value) {
    out.putInt(value == null ? -1 : value.length);
    if (value != null) out.put(value);
  }

  static byte[] take(ByteBuffer in) {
    int length = in.getInt();
    if (length < 0) return null;
    byte[] value = new byte[length];
    in.get(value);
    return value;
  }
}
