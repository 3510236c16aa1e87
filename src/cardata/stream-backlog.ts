/**
 * Node-RED delivers every output message in a later turn of the event loop (setImmediate), and Node reads up to
 * 32 × 64 KiB from a busy socket in one turn. Handed on as they arrived, thousands of BMW messages' outputs waited in
 * memory at once, and young-generation GC copying them doubled our CPU per message in `npm run bench`. So arrivals
 * wait here as raw payloads and are handed on a few per turn, after the previous turn's deliveries.
 */
export const MESSAGES_PER_TURN = 32;
/** Payloads waiting beyond this pause the socket, so a burst waits in the kernel's buffer rather than in our heap. */
export const MAX_WAITING = 4096;

export interface PausableSocket {
  pause(): unknown;
  resume(): unknown;
}

const EMPTY = Buffer.alloc(0);

/** Arrived payloads, handed on in arrival order, `perTurn` per turn of the event loop. */
export class StreamBacklog {
  private payloads: Buffer[] = [];
  private arrivals: number[] = [];
  private head = 0;
  private scheduled = false;
  private paused?: PausableSocket;
  private readonly nextTurn = () => this.handOn(this.perTurn);

  constructor(
    private readonly handle: (payload: Buffer, receivedAt: number) => void,
    private readonly perTurn = MESSAGES_PER_TURN,
    private readonly maxWaiting = MAX_WAITING,
  ) {}

  get waiting(): number {
    return this.payloads.length - this.head;
  }

  /** A payload that arrived at `receivedAt` on `socket`, which is paused while too many wait. */
  add(payload: Buffer, receivedAt: number, socket?: PausableSocket): void {
    this.payloads.push(payload);
    this.arrivals.push(receivedAt);
    this.schedule();
    if (this.waiting >= this.maxWaiting && !this.paused && socket) {
      this.paused = socket;
      socket.pause();
    }
  }

  /** Hand on up to `count` waiting payloads now (Infinity: all of them, as on stop); the rest wait for later turns. */
  handOn(count: number): void {
    this.scheduled = false;
    const end = Math.min(this.payloads.length, this.head + count);
    while (this.head < end) {
      const i = this.head++;
      const payload = this.payloads[i];
      this.payloads[i] = EMPTY; // handed on: not kept alive by the backlog
      this.handle(payload, this.arrivals[i]);
    }
    if (this.waiting === 0) {
      this.payloads = [];
      this.arrivals = [];
      this.head = 0;
    } else {
      this.schedule();
    }
    if (this.paused && this.waiting <= this.maxWaiting / 2) {
      const socket = this.paused;
      this.paused = undefined;
      socket.resume();
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.nextTurn);
  }
}
