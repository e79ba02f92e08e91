package dev.cdstream.bench.pipeline;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The join's answer as CloudEvents extension attributes (cdstream's names),
 * written into the structured event's top-level object without parsing it
 * again: the members go right after its opening brace.
 */
public final class Extensions {
  private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();

  private Extensions() {}

  public static Event added(Event event) {
    StringBuilder members = new StringBuilder();
    member(members, "cdsartifactkey", event.artifactKey());
    member(members, "cdseventtime", Instant.ofEpochMilli(event.eventTime()).toString());
    if (event.hasPlace()) {
      member(members, "cdsservice", event.service());
      member(members, "cdsenvironment", event.environment());
    }
    if (event.leadTimeStart() >= 0) {
      member(members, "cdsleadtimestart", Instant.ofEpochMilli(event.leadTimeStart()).toString());
    }
    byte[] json = event.json();
    int brace = 0;
    while (brace < json.length && json[brace] != '{') brace++;
    if (brace == json.length || members.isEmpty()) return event;
    int next = brace + 1;
    while (next < json.length && Character.isWhitespace(json[next])) next++;
    boolean emptyObject = next < json.length && json[next] == '}';
    if (emptyObject) members.setLength(members.length() - 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + members.length() + 8);
    out.write(json, 0, brace + 1);
    out.writeBytes(members.toString().getBytes(StandardCharsets.UTF_8));
    out.write(json, brace + 1, json.length - brace - 1);
    return event.withJson(out.toByteArray());
  }

  private static void member(StringBuilder members, String name, String value) {
    if (value == null) return;
    members.append('"').append(name).append("\":\"").append(QUOTE.quoteAsString(value)).append("\",");
  }
}
