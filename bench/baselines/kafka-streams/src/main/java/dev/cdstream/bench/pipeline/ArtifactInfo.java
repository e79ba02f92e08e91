package dev.cdstream.bench.pipeline;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The artifact table's row: when the artifact was first built, packaged or
 * published (lead-time start), and the service/environment that last
 * deployed it or runs it in a ReplicaSet. cdstream keeps every placement and
 * picks the likeliest; this keeps the latest one.
 */
public record ArtifactInfo(long firstOrigin, String service, String environment) {
  static final long NONE = Long.MAX_VALUE;

  public static ArtifactInfo empty() {
    return new ArtifactInfo(NONE, null, null);
  }

  /** Whether an event changes the row: the table is built from these. */
  public static boolean informs(Event event) {
    return switch (event.kind()) {
      case ORIGIN -> true;
      case DEPLOYMENT, PLACEMENT -> event.hasPlace();
      default -> false;
    };
  }

  public ArtifactInfo with(Event event) {
    return switch (event.kind()) {
      case ORIGIN -> new ArtifactInfo(Math.min(firstOrigin, event.eventTime()), service, environment);
      case DEPLOYMENT, PLACEMENT -> new ArtifactInfo(firstOrigin, event.service(), event.environment());
      default -> this;
    };
  }

  /** The event with its place filled in from the table, and a deployment's lead-time start. */
  public static Event enrich(Event event, ArtifactInfo info) {
    if (info == null) return event;
    long start = event.kind() == Event.Kind.DEPLOYMENT && info.firstOrigin <= event.eventTime()
        ? info.firstOrigin
        : -1;
    if (event.hasPlace()) return event.placedAt(event.service(), event.environment(), start);
    if (info.service == null) return event;
    return event.placedAt(info.service, info.environment, start);
  }

  public static Serde<ArtifactInfo> serde() {
    Serializer<ArtifactInfo> serializer = (topic, info) -> {
      if (info == null) return null;
      byte[] service = Event.bytes(info.service);
      byte[] environment = Event.bytes(info.environment);
      ByteBuffer out = ByteBuffer.allocate(8 + 8 + Event.length(service) + Event.length(environment));
      out.putLong(info.firstOrigin);
      Event.put(out, service);
      Event.put(out, environment);
      return out.array();
    };
    Deserializer<ArtifactInfo> deserializer = (topic, data) -> {
      if (data == null) return null;
      ByteBuffer in = ByteBuffer.wrap(data);
      long firstOrigin = in.getLong();
      return new ArtifactInfo(firstOrigin, Event.string(Event.take(in)), Event.string(Event.take(in)));
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
