/**
 * Accounting of the incidents producers report (`incident.detected`,
 * `.reported`, `.resolved` of any version): which are open, so that a
 * duplicate report does not open an incident twice and a resolve without an
 * open incident is still counted. An incident is identified by its subject
 * (source + id).
 */
export interface OpenProducerIncident {
  readonly detectedAt: number;
  readonly artifact?: string | undefined;
  /** the deployment the incident is linked to when it opened (failed deployment recovery time) */
  readonly failedDeployment?: { readonly eventId: string; readonly time: number } | undefined;
}

export type ProducerIncidentPhase = 'detected' | 'reported' | 'resolved';

export type ProducerIncidentOutcome =
  | { readonly kind: 'opened'; readonly open: OpenProducerIncident }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'resolved'; readonly detectedAt: number }
  | { readonly kind: 'resolved-without-open' };

export function accountProducerIncident(
  open: OpenProducerIncident | undefined,
  input: {
    readonly phase: ProducerIncidentPhase;
    readonly time: number;
    readonly artifact?: string | undefined;
  },
): ProducerIncidentOutcome {
  if (input.phase === 'resolved') {
    return open
      ? { kind: 'resolved', detectedAt: open.detectedAt }
      : { kind: 'resolved-without-open' };
  }
  if (open) return { kind: 'duplicate' };
  return { kind: 'opened', open: { detectedAt: input.time, artifact: input.artifact } };
}
