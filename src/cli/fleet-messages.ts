/** What a fleet host and its worker threads tell each other. */
export interface FleetThreadData {
  readonly topologyPath: string;
  readonly index: number;
}

export type ToThread =
  { readonly type: 'stop' } | { readonly type: 'metrics' | 'readiness'; readonly id: number };

export type FromThread =
  | { readonly type: 'running'; readonly stages: readonly string[]; readonly connection: object }
  | {
      readonly type: 'readiness';
      readonly id: number;
      readonly ready: boolean;
      readonly detail: object;
    }
  | { readonly type: 'metrics'; readonly id: number; readonly metrics: unknown }
  | { readonly type: 'start-failed'; readonly message: string; readonly exitCode: 1 | 2 }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'stopped' };
