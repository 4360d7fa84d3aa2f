// Whether an endpoint is up, from its probe results: `fails` failures in a row take it down,
// `succs` successes in a row bring it back, so one lost probe never flaps an answer.
//
// An endpoint starts `unknown` and counts as up (no empty answer at boot); the first probe
// result decides its state at once (there is no history to smooth yet), and from then on the
// counters do.

export type EndpointState = 'unknown' | 'up' | 'down';

export class Hysteresis {
  state: EndpointState = 'unknown';
  private readonly fails: number;
  private readonly succs: number;
  /** Consecutive results that disagree with the state. */
  private streak = 0;

  constructor(fails: number, succs: number) {
    this.fails = fails;
    this.succs = succs;
  }

  /** Counts as up for selection: up, or not probed yet. */
  get usable(): boolean {
    return this.state !== 'down';
  }

  /** Feed one probe result; returns the new state if it changed, else null. */
  observe(ok: boolean): EndpointState | null {
    if (this.state === 'unknown') {
      this.state = ok ? 'up' : 'down';
      this.streak = 0;
      return this.state;
    }
    const agrees = ok === (this.state === 'up');
    if (agrees) {
      this.streak = 0;
      return null;
    }
    this.streak++;
    if (this.streak < (ok ? this.succs : this.fails)) return null;
    this.state = ok ? 'up' : 'down';
    this.streak = 0;
    return this.state;
  }
}
