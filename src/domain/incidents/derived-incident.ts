/** An incident a rule derived, before it becomes a CDEvent. */
export type IncidentPhase = 'detected' | 'resolved';

export interface IncidentAction {
  readonly phase: IncidentPhase;
  /** the rule that fired: vulnerability, failure-burst */
  readonly rule: string;
  /** stable subject id shared by the detected and the resolved event of one incident */
  readonly incidentId: string;
  /** event time of the trigger, epoch ms */
  readonly time: number;
  /** artifact key (digest or purl) the incident is about, when there is one */
  readonly artifact?: string | undefined;
  /** package-url of that artifact for the CDEvent artifactId, when known */
  readonly artifactPurl?: string | undefined;
  /** which rule fired and on what evidence, for people */
  readonly description: string;
}
