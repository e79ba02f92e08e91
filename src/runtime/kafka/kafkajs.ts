/**
 * kafkajs, with some of its internals replaced before it loads (and its
 * request queue's timer and coordinator lookups fixed after; see
 * install-request-queue-schedule.ts and install-coordinator-cache.ts): the
 * read_committed filter (correctness, see aborted-transactions.ts), the
 * protocol encoder's zero-filled buffers, the quadratic grouping of a send's
 * messages by partition, the byte-at-a-time CRC-32C of record batches and
 * the layered encoding of produce requests and the Long arithmetic of
 * every fetched record's offset and timestamp (speed, see
 * install-unzeroed-encoder.ts, install-linear-grouping.ts,
 * install-crc32c.ts, install-sized-produce-encoding.ts and
 * install-number-record-decoder.ts). Every module of cdstream imports kafkajs from
 * here: the replacements have to be in Node's module cache before kafkajs'
 * own modules are first loaded.
 */
import './install-read-committed-filter.js';
import './install-unzeroed-encoder.js';
import './install-linear-grouping.js';
import './install-crc32c.js';
import './install-sized-produce-encoding.js';
import './install-number-record-decoder.js';
import kafkajsModule from 'kafkajs';
// after kafkajs: they patch prototypes (RequestQueue: no negative timer, kafkajs
// issue 1751; Cluster and Broker: coordinators remembered, not looked up per request)
import './install-request-queue-schedule.js';
import './install-coordinator-cache.js';

export * from 'kafkajs';
export { readCommittedFilterInstalled } from './install-read-committed-filter.js';
export { unzeroedEncoderInstalled } from './install-unzeroed-encoder.js';
export { linearGroupingInstalled } from './install-linear-grouping.js';
export { crc32cInstalled } from './install-crc32c.js';
export { sizedProduceEncodingInstalled } from './install-sized-produce-encoding.js';
export { numberRecordDecoderInstalled } from './install-number-record-decoder.js';
export { coordinatorCacheInstalled } from './install-coordinator-cache.js';

/**
 * The whole module, for kafkajs' error classes: kafkajs exports them through
 * an object spread, which Node cannot see as named exports of an ES module.
 */
export const kafkajs = kafkajsModule;
