import { describe, expect, it } from 'vitest';
import { cdeventSchema } from '../../../src/validation/cdevent-schema.js';
import { loadVocabulary } from '../../../src/validation/vocabulary.js';

const vocabulary = loadVocabulary();
const releasedIn = (spec: string): string[] =>
  [...vocabulary.events.values()].flatMap((versions) =>
    [...versions.values()]
      .filter((d) => d.specVersions.includes(spec))
      .map((d) => `${d.type}.${d.version}`),
  );

describe('the CDEvents vocabulary table', () => {
  it('lists the 45 event types of 0.5.1 and every released spec version', () => {
    expect(releasedIn('0.5.1')).toHaveLength(45);
    expect(releasedIn('0.5.1')).toContain('dev.cdevents.change.created.0.4.0');
    for (const spec of ['0.1.2', '0.2.0', '0.3.0', '0.4.1', '0.5.0'])
      expect(releasedIn(spec).length).toBeGreaterThan(30);
  });

  it('gives each version the envelope of its newest release', () => {
    const deployed = vocabulary.events.get('dev.cdevents.service.deployed');
    expect(deployed?.get('0.1.1')?.specVersions).toEqual(['0.2.0', '0.3.0']);
    expect(deployed?.get('0.2.0')?.envelope.versionKey).toBe('version');
    expect(deployed?.get('0.3.0')?.envelope).toMatchObject({
      versionKey: 'specversion',
      subjectType: 'absent',
    });
  });

  it('maps each seed draft onto released content', () => {
    const draft = vocabulary.events.get('dev.cdevents.incident.reported')?.get('0.1.0-draft');
    expect(draft?.envelope.versionKey).toBe('either');
    expect(draft?.content.ticketURI).toBe('uri!');
  });

  it('builds a schema whose content lists the table fields and requirements', () => {
    const definition = vocabulary.events.get('dev.cdevents.artifact.packaged')?.get('0.3.0');
    if (definition === undefined) throw new Error('artifact.packaged 0.3.0 missing');
    const schema = cdeventSchema(definition, vocabulary) as {
      properties: { subject: { properties: { content: object } } };
    };
    expect(schema.properties.subject.properties.content).toMatchObject({
      required: ['change'],
      additionalProperties: false,
      properties: { sbom: { required: ['uri'] } },
    });
  });
});
