import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CdstreamError } from '../errors.js';
import type { FieldMap } from './field-types.js';

/** How the context and the subject of a CDEvent look in a spec release. */
export interface Envelope {
  versionKey: 'version' | 'specversion' | 'either';
  subjectType: 'required' | 'optional' | 'absent';
  links: boolean;
  uriFormats: boolean;
}

/** One (type, version) of the vocabulary, with everything needed to build its schema. */
export interface EventDefinition {
  /** without version, e.g. dev.cdevents.service.deployed */
  type: string;
  /** the value of subject.type in envelopes that have it, e.g. pipelineRun */
  subjectType: string;
  version: string;
  /** the spec releases that list this version; empty for seed drafts */
  specVersions: readonly string[];
  envelope: Envelope;
  content: FieldMap;
}

export interface Vocabulary {
  shapes: Readonly<Record<string, FieldMap>>;
  /** type → version → definition */
  events: ReadonlyMap<string, ReadonlyMap<string, EventDefinition>>;
}

export const CDEVENTS_TYPE_PREFIX = 'dev.cdevents.';
export const DEFAULT_VOCABULARY_URL = new URL(
  '../../schemas/cdevents/vocabulary.yaml',
  import.meta.url,
);

interface VocabularyFile {
  subjectTypes: Record<string, string>;
  shapes: Record<string, FieldMap>;
  envelopes: Record<string, Envelope>;
  releases: Record<string, { envelope: string; events: Record<string, TableRow> }>;
  drafts: { envelope: string; events: Record<string, TableRow & { validatesAs: string }> };
}

interface TableRow {
  version: string;
  content?: FieldMap;
}

export function loadVocabulary(url: URL = DEFAULT_VOCABULARY_URL): Vocabulary {
  const file = parse(readFileSync(url, 'utf8')) as VocabularyFile;
  const events = new Map<string, Map<string, EventDefinition>>();
  const versionsOf = (type: string): Map<string, EventDefinition> => {
    let versions = events.get(type);
    if (versions === undefined) events.set(type, (versions = new Map<string, EventDefinition>()));
    return versions;
  };

  for (const [specVersion, release] of Object.entries(file.releases)) {
    const envelope = envelopeNamed(file, release.envelope);
    for (const [name, row] of Object.entries(release.events)) {
      const type = CDEVENTS_TYPE_PREFIX + name;
      const versions = versionsOf(type);
      const content = row.content ?? {};
      const known = versions.get(row.version);
      if (known !== undefined && JSON.stringify(known.content) !== JSON.stringify(content)) {
        throw invalid(`${type} ${row.version} has different content in two releases`);
      }
      // releases are listed oldest first, so the newest release's envelope wins
      versions.set(row.version, {
        type,
        subjectType: subjectTypeOf(file, name),
        version: row.version,
        specVersions: [...(known?.specVersions ?? []), specVersion],
        envelope,
        content,
      });
    }
  }

  const draftEnvelope = envelopeNamed(file, file.drafts.envelope);
  for (const [name, row] of Object.entries(file.drafts.events)) {
    const type = CDEVENTS_TYPE_PREFIX + name;
    const released = events.get(type)?.get(row.validatesAs);
    if (released === undefined) {
      throw invalid(`draft ${type} ${row.version} names unreleased ${row.validatesAs}`);
    }
    versionsOf(type).set(row.version, {
      ...released,
      version: row.version,
      specVersions: [],
      envelope: draftEnvelope,
    });
  }
  return { shapes: file.shapes, events };
}

function envelopeNamed(file: VocabularyFile, name: string): Envelope {
  const envelope = file.envelopes[name];
  if (envelope === undefined) throw invalid(`unknown envelope "${name}"`);
  return envelope;
}

function subjectTypeOf(file: VocabularyFile, name: string): string {
  const subject = name.split('.')[0] ?? name;
  const subjectType = file.subjectTypes[subject];
  if (subjectType === undefined) throw invalid(`no subjectTypes entry for "${subject}"`);
  return subjectType;
}

function invalid(message: string): CdstreamError {
  return new CdstreamError('CONFIG_INVALID', `schemas/cdevents/vocabulary.yaml: ${message}`);
}
