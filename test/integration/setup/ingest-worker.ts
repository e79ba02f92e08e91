/**
 * A worker running the ingest stage alone on the test broker, reading
 * `input` and dead-lettering to `dlq`; logs silent unless TEST_LOG_LEVEL.
 */
import { inject } from 'vitest';
import { pino } from 'pino';
import { KafkajsTransport } from '../../../src/runtime/kafka/kafkajs-transport.js';
import type { RuntimeListener } from '../../../src/runtime/observer.js';
import { StreamWorker } from '../../../src/runtime/worker.js';
import { ingestStage, type IngestStageOptions } from '../../../src/stages/ingest/ingest-stage.js';

export function ingestWorker(options: {
  appId: string;
  input: string;
  dlq: string;
  stage?: Partial<IngestStageOptions>;
  listener?: RuntimeListener;
}): StreamWorker {
  return new StreamWorker({
    topology: {
      applicationId: options.appId,
      stages: [
        ingestStage({
          inputTopics: [options.input],
          toJoin: 'by-artifact',
          deadLetterTopic: options.dlq,
          unknownTypes: 'dead-letter',
          dedupeHorizonMs: 86_400_000,
          ...options.stage,
        }),
      ],
    },
    transport: new KafkajsTransport({ clientId: options.appId, brokers: inject('kafkaBrokers') }),
    logger: pino(
      { level: process.env.TEST_LOG_LEVEL ?? 'silent' },
      pino.destination(process.env.TEST_LOG_FILE ?? 1),
    ),
    settings: { retryInitialMs: 50, retryMaxMs: 200 },
    ...(options.listener ? { listener: options.listener } : {}),
  });
}
