/**
 * What ingest writes towards the join for each valid event: the event
 * encoded whole again (`encodeStructured`, until aff4d71) against the bytes
 * it came in with its extensions appended (`encodeStructuredFrom`). The
 * bench generator's records are decoded, validated and given their
 * extensions once; then only the step that changed is timed, the two ways
 * in interleaved rounds in one process, so the machine's drift falls on
 * both. Prints µs per event and the ratio of the medians.
 *
 *   npm run bench:pass-on [-- --records 50000 --rounds 9]
 */
import { parseArgs } from 'node:util';
import { encodeStructured, encodeStructuredFrom } from '../src/cloudevents/envelope.js';
import { artifactKeyHook, ingested, type IngestedEvent } from '../src/stages/ingest/normalise.js';
import { EventValidator, ingestRecord } from '../src/validation/index.js';
import { EventGenerator } from './lib/events.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '9' },
  },
});

const validator = new EventValidator({ artifactKeyOf: artifactKeyHook });
const events: IngestedEvent[] = [];
for (const record of new EventGenerator(Number(values.records), {
  run: 'pass-on',
  seed: 7,
}).records()) {
  const results = ingestRecord({ value: record.value, headers: record.headers }, validator, {
    recordTimestamp: record.eventTime,
  });
  if (!Array.isArray(results)) continue;
  for (const result of results) {
    if (!result.ok) continue;
    try {
      events.push(ingested(result.event, record.eventTime));
    } catch {
      // a scan report ingest dead-letters: not forwarded
    }
  }
}
const passedOn = events.filter((event) => event.read !== undefined).length;

const ways = {
  'encoded whole': (event: IngestedEvent) => encodeStructured(event.envelope),
  'passed on': (event: IngestedEvent) =>
    event.read === undefined
      ? encodeStructured(event.envelope)
      : encodeStructuredFrom(event.read, event.envelope),
};
const timings = new Map<string, number[]>(Object.keys(ways).map((name) => [name, []]));
let bytes = 0;
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, write] of Object.entries(ways)) {
    const started = process.hrtime.bigint();
    for (const event of events) bytes += write(event).length;
    const us = Number(process.hrtime.bigint() - started) / 1e3 / events.length;
    timings.get(name)?.push(us);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(
  `${events.length} valid events (${passedOn} came structured), ${values.rounds} rounds interleaved; ${bytes} bytes written in all`,
);
for (const [name, us] of timings) {
  console.log(
    `${name.padEnd(14)} median ${median(us).toFixed(2)} µs/event (min ${Math.min(...us).toFixed(2)}, max ${Math.max(...us).toFixed(2)})`,
  );
}
const [whole, passed] = [...timings.values()].map(median);
console.log(`passed on / encoded whole: ${((passed ?? NaN) / (whole ?? NaN)).toFixed(2)}×`);
