package dev.cdstream.bench.pipeline;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One service/environment's window: counts and sums only. cdstream computes
 * the DORA metrics themselves (lead-time median, failure rate from incidents
 * linked to deployments, time to restore from detect/resolve pairs); this
 * baseline folds what those need in the simplest form, so its state per
 * window is six numbers.
 */
public record WindowCounts(
    long deployments,
    long rollbacks,
    long incidents,
    long resolved,
    long leadTimes,
    long leadTimeSumMs) {
  private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();

  public static WindowCounts empty() {
    return new WindowCounts(0, 0, 0, 0, 0, 0);
  }

  public WindowCounts add(Event event) {
    return switch (event.kind()) {
      case DEPLOYMENT -> event.leadTimeStart() < 0
          ? new WindowCounts(deployments + 1, rollbacks, incidents, resolved, leadTimes, leadTimeSumMs)
          : new WindowCounts(deployments + 1, rollbacks, incidents, resolved, leadTimes + 1,
              leadTimeSumMs + event.eventTime() - event.leadTimeStart());
      case ROLLBACK -> new WindowCounts(deployments, rollbacks + 1, incidents, resolved, leadTimes, leadTimeSumMs);
      case INCIDENT -> new WindowCounts(deployments, rollbacks, incidents + 1, resolved, leadTimes, leadTimeSumMs);
      case RESOLVED -> new WindowCounts(deployments, rollbacks, incidents, resolved + 1, leadTimes, leadTimeSumMs);
      default -> this;
    };
  }

  public String toJson(String key, String window, long start, long end) {
    return "{\"key\":\"" + new String(QUOTE.quoteAsString(key)) + "\",\"window\":\"" + window + "\",\"windowStart\":" + start
        + ",\"windowEnd\":" + end + ",\"deployments\":" + deployments + ",\"rollbacks\":" + rollbacks
        + ",\"incidents\":" + incidents + ",\"resolved\":" + resolved + ",\"leadTimes\":" + leadTimes
        + ",\"leadTimeSumMs\":" + leadTimeSumMs + "}";
  }

  public static Serde<WindowCounts> serde() {
    Serializer<WindowCounts> serializer = (topic, c) -> c == null ? null
        : ByteBuffer.allocate(48).putLong(c.deployments).putLong(c.rollbacks).putLong(c.incidents)
            .putLong(c.resolved).putLong(c.leadTimes).putLong(c.leadTimeSumMs).array();
    Deserializer<WindowCounts> deserializer = (topic, data) -> {
      if (data == null) return null;
      ByteBuffer in = ByteBuffer.wrap(data);
      return new WindowCounts(in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getLong(),
          in.getLong());
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
