// Queries a transport passes on instead of answering (zone transfers, NOTIFY, TSIG: the engine
// returns ANSWER_HANDOFF), and the channel their answers come back through: one message for
// UDP, any number for TCP (AXFR), written as the client reads them.

export interface HandoffReply {
  /** Send these DNS messages (no length prefix); false when the client should read first (wait for whenWritable). */
  write(messages: Uint8Array[]): boolean;
  /** Call `cb` once the transport can take more (at once if it can), or once the connection closed. */
  whenWritable(cb: () => void): void;
  /** The answer is complete: the connection goes on with its next query. */
  end(): void;
  /** The client went away: nothing more will be written. */
  readonly closed: boolean;
}

/**
 * `query` is a copy the callee may keep; `client` the peer's IP literal as Node reports it.
 * Returns false when the query is not taken (too many UDP ones wait already): the transport
 * drops it and counts it.
 */
export type Handoff = (query: Uint8Array, client: string, tcp: boolean, reply: HandoffReply) => boolean;
