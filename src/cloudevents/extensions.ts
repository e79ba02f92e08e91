/**
 * CloudEvents extension attributes cdstream adds to the events it forwards:
 * the contract between the stages and with downstream consumers (README,
 * "Event contracts"). Names follow the CloudEvents naming rule (lower-case
 * a-z0-9, at most 20 characters); values are strings, integers or booleans.
 */
export const EXTENSIONS = {
  /** canonical package-url of the artifact the event is about */
  artifact: 'cdsartifact',
  /** artifact identity used for joins: an image digest (sha256:…) or a canonical purl */
  artifactKey: 'cdsartifactkey',
  /** service that runs the artifact (from the join table), or that the event names */
  service: 'cdsservice',
  /** environment of that service */
  environment: 'cdsenvironment',
  /** false when the type is unknown and the topology passes unknown types through */
  validated: 'cdsvalidated',
  /** event time as RFC 3339 (CDEvent context.timestamp, else CloudEvents time, else record time) */
  eventTime: 'cdseventtime',
  /** scan reports, and deployments of a scanned artifact: findings per severity */
  vulnCritical: 'cdsvulncritical',
  vulnHigh: 'cdsvulnhigh',
  vulnMedium: 'cdsvulnmedium',
  vulnLow: 'cdsvulnlow',
  /** comma-separated ids of the critical / high findings (at most 50 each) */
  vulnCriticalIds: 'cdsvulncriticalids',
  vulnHighIds: 'cdsvulnhighids',
  /** deployments: RFC 3339 time the artifact was first built, packaged or published */
  leadTimeStart: 'cdsleadtimestart',
  /**
   * deployments: RFC 3339 earliest change.created / change.merged time of the
   * change an artifact.packaged of the artifact names (both at or before the
   * deployment); on the join's change facts to the aggregate, that time
   */
  changeLeadTimeStart: 'cdschangestart',
} as const;

export type ExtensionName = (typeof EXTENSIONS)[keyof typeof EXTENSIONS];

/** Kafka key of an enriched event whose service and environment are known. */
export const serviceEnvironmentKey = (service: string, environment: string): string =>
  `${service}/${environment}`;
