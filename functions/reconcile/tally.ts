/** What one nightly reconciliation found for one source (written to metadata/reconciliation/). */
export interface SourceTally {
  readonly source: "stripe" | "recharge";
  /** Events (Stripe) or objects (Recharge) the provider's API listed for the window. */
  listed: number;
  /** Already in the lake (a webhook delivered it). */
  held: number;
  /** Missing, now fed through the door's path. */
  recovered: number;
  /** Listed but of a type no webhook endpoint subscribes to (Stripe): not the lake's, not fed. */
  ignored: number;
  /** Rejected by the door (named in `failures`: id and answer, never payload values). */
  failed: number;
  readonly recoveredIds: string[];
  readonly failures: string[];
}

export const emptyTally = (source: SourceTally["source"]): SourceTally => ({ source, listed: 0, ignored: 0, held: 0, recovered: 0, failed: 0, recoveredIds: [], failures: [] });
