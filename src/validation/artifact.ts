import { isPlainObject } from '../cloudevents/structured-mode.js';

/**
 * The package-url of the artifact a CDEvent is about: `content.artifactId`
 * (builds, services, incidents), else the subject id of artifact events.
 */
export function artifactPurlOf(cdevent: unknown, subjectType: string): string | undefined {
  if (!isPlainObject(cdevent) || !isPlainObject(cdevent.subject)) return undefined;
  const { subject } = cdevent;
  const artifactId = isPlainObject(subject.content) ? subject.content.artifactId : undefined;
  if (typeof artifactId === 'string' && artifactId !== '') return artifactId;
  if (subjectType === 'artifact' && typeof subject.id === 'string') return subject.id;
  return undefined;
}
