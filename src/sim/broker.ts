import { EventEmitter } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client, type ConnectPacket } from 'aedes';
import type { Clock, Timer } from '../cardata/clock';
import type { StreamMessage } from '../cardata/wire';
import type { AccountRegistry } from './accounts';
import type { Certificates } from './certs';
import type { Faults } from './faults';
import { malformedPayload, oversizedPayload } from './stream-faults';
import type { TokenRegistry } from './tokens';

/** What happens on a second CONNECT for a GCID that already has a session; BMW's choice is undocumented (§11). */
export type DuplicatePolicy = 'drop-old' | 'refuse-new';

export type RefusalReason =
  | 'tls_handshake'
  | 'missing_credentials'
  | 'unknown_gcid'
  | 'rate_limited'
  | 'refuse_all_fault'
  | 'keepalive_too_long'
  | 'invalid_token'
  | 'expired_token'
  | 'token_of_other_gcid'
  | 'not_subscribed'
  | 'refuse_next_fault'
  | 'duplicate_gcid';

export type DisconnectReason =
  | 'id_token_expired'
  | 'revoked'
  | 'duplicate_gcid'
  | 'client_id_takeover'
  | 'forced'
  | 'broker_closed'
  | 'publish_forbidden'
  | 'keepalive_timeout'
  | 'client_error'
  | 'client_disconnect'
  | 'connection_lost';

export interface SimBrokerOptions {
  clock: Clock;
  accounts: AccountRegistry;
  tokens: TokenRegistry;
  faults: Faults;
  certificates: Certificates;
  duplicatePolicy?: DuplicatePolicy;
  /** Refuse a CONNECT whose keepalive exceeds this (0 = none, counts as infinite); BMW drops 60 s keepalives (§6.1). */
  maxKeepaliveSec?: number;
  /** CONNACK code of every refusal: 5 "Not authorized" is what BMW usually answers, 4 has been logged too (§6.3). */
  refusalCode?: 4 | 5;
}

export interface GcidStats {
  accepted: number;
  refused: number;
  /** Established sessions now. */
  current: number;
  /** Most established sessions ever at once; a well-behaved client keeps this at 1. */
  maxConcurrent: number;
  /** Accepted CONNECTs that arrived while another session of the GCID was established (the client overlapped). */
  overlappingConnects: number;
  delivered: number;
}

export interface BrokerStats {
  connectsAccepted: number;
  connectsRefused: number;
  refusedByReason: Partial<Record<RefusalReason, number>>;
  disconnectsByReason: Partial<Record<DisconnectReason, number>>;
  subscriptionsRefused: number;
  messagesPublished: number;
  /** Messages written to subscribers (one message to two subscribers counts twice). */
  messagesDelivered: number;
  perGcid: Record<string, GcidStats>;
}

export interface SimBrokerEvents {
  connected: [{ gcid: string; clientId: string }];
  disconnected: [{ gcid: string; clientId: string; reason: DisconnectReason }];
  refused: [{ gcid?: string; reason: RefusalReason; detail?: string }];
  subscribed: [{ gcid: string; clientId: string; topics: string[] }];
  subscriptionRefused: [{ gcid?: string; clientId: string; topic: string }];
}

interface Session {
  readonly client: Client;
  readonly gcid: string;
  readonly clientId: string;
  established: boolean;
  expiryTimer?: Timer;
  closeReason?: DisconnectReason;
}

/** aedes internals this broker relies on; both are covered by tests, so an aedes upgrade that moves them fails loudly. */
interface ClientInternals {
  /** Set when the client sent DISCONNECT before its socket closed. */
  _disconnected?: boolean;
  /** mqtt-packet's parser; its 'packet' event feeds aedes' handlers. */
  _parser?: EventEmitter;
}

type Verdict = { ok: true; gcid: string; tokenExpiresAt: number } | { ok: false; reason: RefusalReason; gcid?: string };

const RATE_WINDOW_MS = 60_000;

/**
 * BMW's CarData streaming broker: MQTT 3.1.1 over TLS 1.3, username = GCID, password = id_token, one session per
 * GCID, read-only topics `<gcid>/<vin>` at QoS 0, and the session ends when the id_token used at CONNECT expires
 * (reference/cardata-protocol.md §6, §9.18–25). Clients may not publish: a PUBLISH (or a will) from a client
 * disconnects it, so a client bug shows up instead of vanishing.
 *
 * Token expiry, rate limits and revocation run on the injected clock; aedes' own timers (keepalive at 1.5× the
 * client's keepalive, the 30 s CONNECT timeout) stay on the wall clock, since they guard real sockets.
 */
export class SimBroker extends EventEmitter<SimBrokerEvents> {
  readonly certificates: Certificates;
  readonly duplicatePolicy: DuplicatePolicy;
  private readonly clock: Clock;
  private readonly accounts: AccountRegistry;
  private readonly tokens: TokenRegistry;
  private readonly faults: Faults;
  private readonly maxKeepaliveSec: number;
  private readonly refusalCode: 4 | 5;
  private aedes?: Aedes;
  private server?: tls.Server;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Map<Client, Session>();
  private readonly keepalives = new WeakMap<Client, number>();
  private readonly attempts = new Map<string, number[]>();
  private readonly perGcid = new Map<string, GcidStats>();
  private readonly counters = {
    connectsAccepted: 0,
    connectsRefused: 0,
    refusedByReason: {} as Partial<Record<RefusalReason, number>>,
    disconnectsByReason: {} as Partial<Record<DisconnectReason, number>>,
    subscriptionsRefused: 0,
    messagesPublished: 0,
    messagesDelivered: 0,
  };
  private streamCount = 0;
  private malformedCount = 0;
  private readonly onRevoked = (gcid: string): void => {
    void this.closeMatching((s) => s.gcid === gcid, 'revoked');
  };

  constructor(options: SimBrokerOptions) {
    super();
    this.clock = options.clock;
    this.accounts = options.accounts;
    this.tokens = options.tokens;
    this.faults = options.faults;
    this.certificates = options.certificates;
    this.duplicatePolicy = options.duplicatePolicy ?? 'drop-old';
    this.maxKeepaliveSec = options.maxKeepaliveSec ?? 0;
    this.refusalCode = options.refusalCode ?? 5;
  }

  /** Start listening; resolves with the port (pass 0 for a free one). */
  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    if (this.server) throw new Error('the broker is already listening');
    const aedes = await Aedes.createBroker({
      preConnect: (client, packet, done) => this.preConnect(client, packet, done),
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizeSubscribe: (client, sub, done) => done(null, this.allowSubscription(client, sub.topic) ? sub : null),
      authorizePublish: (client, _packet, done) => done(this.forbidPublish(client)),
      authorizeForward: (client, packet) => this.countDelivery(client, packet),
    });
    aedes.on('clientReady', (client) => this.establish(client));
    aedes.on('clientDisconnect', (client) => this.endSession(client));
    aedes.on('keepaliveTimeout', (client) => this.markClosing(client, 'keepalive_timeout'));
    aedes.on('clientError', (client) => this.markClosing(client, 'client_error'));
    aedes.on('subscribe', (subs, client) => this.reportSubscribe(client, subs));

    const server = tls.createServer(
      { key: this.certificates.keyPem, cert: this.certificates.certPem, minVersion: 'TLSv1.3' },
      (socket) => aedes.handle(socket),
    );
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // A TLS 1.2 client lands here after OpenSSL answered it with a protocol_version alert.
    server.on('tlsClientError', (err) => this.refuse({ reason: 'tls_handshake' }, err.message));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw err;
    }
    this.aedes = aedes;
    this.server = server;
    this.tokens.on('revoked', this.onRevoked);
    return (server.address() as AddressInfo).port;
  }

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  /** Stop listening and close every session and socket at once. */
  async close(): Promise<void> {
    const { server, aedes } = this;
    if (!server || !aedes) return;
    this.server = undefined;
    this.aedes = undefined;
    this.tokens.off('revoked', this.onRevoked);
    for (const session of this.sessions.values()) session.closeReason ??= 'broker_closed';
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await serverClosed;
    for (const client of [...this.sessions.keys()]) this.endSession(client);
  }

  /**
   * Publish one stream message on `<gcid>/<vin>` (QoS 0, not retained). The faults `malformedEvery` and
   * `oversizedEvery` replace every Nth message of this broker.
   */
  async publish(gcid: string, vin: string, message: StreamMessage | string | Buffer): Promise<void> {
    const n = ++this.streamCount;
    const { malformedEvery, oversizedEvery } = this.faults.settings;
    const now = this.clock.now();
    if (malformedEvery > 0 && n % malformedEvery === 0) {
      return this.publishRaw(gcid, vin, malformedPayload(vin, gcid, now, this.malformedCount++));
    }
    if (oversizedEvery > 0 && n % oversizedEvery === 0) {
      return this.publishRaw(gcid, vin, oversizedPayload(vin, gcid, now));
    }
    return this.publishRaw(gcid, vin, message);
  }

  /** Publish exactly this payload, bypassing the stream faults. */
  async publishRaw(gcid: string, vin: string, payload: StreamMessage | string | Buffer): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) throw new Error('the broker is not listening');
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
    this.counters.messagesPublished++;
    await new Promise<void>((resolve, reject) => {
      aedes.publish(
        { cmd: 'publish', topic: `${gcid}/${vin}`, payload: body, qos: 0, retain: false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }

  /** Force-close the sessions of one GCID, or all (a broker-side drop). Resolves with how many were closed. */
  disconnect(gcid?: string): Promise<number> {
    return this.closeMatching((s) => gcid === undefined || s.gcid === gcid, 'forced');
  }

  /** Established sessions now, for one GCID or in total. */
  connections(gcid?: string): number {
    let count = 0;
    for (const s of this.sessions.values()) if (s.established && (gcid === undefined || s.gcid === gcid)) count++;
    return count;
  }

  /** The most established sessions one GCID ever had at once. */
  maxConcurrent(gcid: string): number {
    return this.perGcid.get(gcid)?.maxConcurrent ?? 0;
  }

  stats(): BrokerStats {
    const perGcid: Record<string, GcidStats> = {};
    for (const [gcid, g] of this.perGcid) perGcid[gcid] = { ...g, current: this.connections(gcid) };
    return {
      ...this.counters,
      refusedByReason: { ...this.counters.refusedByReason },
      disconnectsByReason: { ...this.counters.disconnectsByReason },
      perGcid,
    };
  }

  private preConnect(client: Client, packet: ConnectPacket, done: (err: Error | null, ok: boolean) => void): void {
    this.keepalives.set(client, packet.keepalive ?? 0);
    // BMW grants only QoS 0 (§6.2). aedes builds the SUBACK from the requested QoS before any hook can change it, so
    // the request is lowered as the packet leaves the parser, ahead of aedes' own listener.
    (client as unknown as ClientInternals)._parser?.prependListener('packet', (p: { cmd?: string } & object) => {
      if (p.cmd === 'subscribe')
        for (const sub of (p as { subscriptions: { qos: number }[] }).subscriptions) sub.qos = 0;
    });
    done(null, true);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const verdict = this.admit(client, username, password);
    if (!verdict.ok) {
      this.refuse(verdict);
      const error = new Error('Not authorized') as AuthenticateError;
      error.returnCode = this.refusalCode;
      done(error, false);
      return;
    }
    this.openSession(client, verdict.gcid, verdict.tokenExpiresAt);
    done(null, true);
  }

  private admit(client: Client, username: string | undefined, password: Buffer | undefined): Verdict {
    if (!username || !password?.length) return { ok: false, reason: 'missing_credentials' };
    const account = this.accounts.byGcid(username);
    if (!account) return { ok: false, reason: 'unknown_gcid' };
    const gcid = account.gcid;
    if (this.overRateLimit(gcid)) return { ok: false, reason: 'rate_limited', gcid };
    if (this.faults.settings.refuseAllConnects) return { ok: false, reason: 'refuse_all_fault', gcid };
    const keepalive = this.keepalives.get(client) ?? 0;
    if (this.maxKeepaliveSec > 0 && (keepalive === 0 || keepalive > this.maxKeepaliveSec)) {
      return { ok: false, reason: 'keepalive_too_long', gcid };
    }
    const check = this.tokens.checkIdToken(gcid, password.toString('utf8'));
    if (!check.ok) {
      const reason =
        check.reason === 'expired'
          ? 'expired_token'
          : check.reason === 'wrong_gcid'
            ? 'token_of_other_gcid'
            : 'invalid_token';
      return { ok: false, reason, gcid };
    }
    if (!account.subscribedStream) return { ok: false, reason: 'not_subscribed', gcid };
    // Issue #443: a token with plenty of life left refused anyway; consumed only by otherwise valid CONNECTs.
    if (this.faults.take('refuseConnects')) return { ok: false, reason: 'refuse_next_fault', gcid };
    if (this.duplicatePolicy === 'refuse-new') {
      // A newcomer with the same client ID is not refused: MQTT's takeover rule replaces the old session instead.
      for (const s of this.sessions.values()) {
        if (s.gcid === gcid && s.clientId !== client.id) return { ok: false, reason: 'duplicate_gcid', gcid };
      }
    }
    return { ok: true, gcid, tokenExpiresAt: check.expiresAt };
  }

  /** Counts every CONNECT naming a known GCID, refused ones too: BMW throttles attempts, not successes. */
  private overRateLimit(gcid: string): boolean {
    const now = this.clock.now();
    const recent = (this.attempts.get(gcid) ?? []).filter((t) => t > now - RATE_WINDOW_MS);
    recent.push(now);
    this.attempts.set(gcid, recent);
    const limit = this.faults.settings.connectRateLimitPerMin;
    return limit > 0 && recent.length > limit;
  }

  private refuse(verdict: { reason: RefusalReason; gcid?: string }, detail?: string): void {
    this.counters.connectsRefused++;
    this.counters.refusedByReason[verdict.reason] = (this.counters.refusedByReason[verdict.reason] ?? 0) + 1;
    if (verdict.gcid) this.gcidStats(verdict.gcid).refused++;
    this.emit('refused', { gcid: verdict.gcid, reason: verdict.reason, ...(detail ? { detail } : {}) });
  }

  private openSession(client: Client, gcid: string, tokenExpiresAt: number): void {
    const session: Session = { client, gcid, clientId: client.id, established: false };
    let overlapping = false;
    for (const other of this.sessions.values()) {
      // aedes closes the older holder of this client ID before it registers the newcomer (MQTT-3.1.4-2).
      if (other.clientId === client.id) other.closeReason ??= 'client_id_takeover';
      if (other.gcid === gcid && other.established) overlapping = true;
    }
    if (overlapping) this.gcidStats(gcid).overlappingConnects++;
    session.expiryTimer = this.clock.setTimeout(
      () => void this.closeSession(session, 'id_token_expired'),
      tokenExpiresAt - this.clock.now(),
    );
    this.sessions.set(client, session);
    // Also covers a socket that dies between CONNECT and CONNACK, for which aedes reports no disconnect.
    client.conn.once('close', () => this.endSession(client));
  }

  private establish(client: Client): void {
    const session = this.sessions.get(client);
    if (!session || client.closed) return;
    session.established = true;
    this.counters.connectsAccepted++;
    const stats = this.gcidStats(session.gcid);
    stats.accepted++;
    const peers = [...this.sessions.values()].filter((s) => s.established && s.gcid === session.gcid);
    stats.maxConcurrent = Math.max(stats.maxConcurrent, peers.length);
    this.emit('connected', { gcid: session.gcid, clientId: session.clientId });
    // The newcomer is accepted first and the older session dropped after, as the "other connection dropped" reports
    // describe (§6.3); the overlap is what maxConcurrent records.
    if (this.duplicatePolicy === 'drop-old') {
      for (const old of peers) if (old !== session) void this.closeSession(old, 'duplicate_gcid');
    }
  }

  private endSession(client: Client): void {
    const session = this.sessions.get(client);
    if (!session) return;
    this.sessions.delete(client);
    this.clock.clearTimeout(session.expiryTimer);
    if (!session.established) return;
    const internals = client as unknown as ClientInternals;
    const reason = session.closeReason ?? (internals._disconnected ? 'client_disconnect' : 'connection_lost');
    this.counters.disconnectsByReason[reason] = (this.counters.disconnectsByReason[reason] ?? 0) + 1;
    this.emit('disconnected', { gcid: session.gcid, clientId: session.clientId, reason });
  }

  private markClosing(client: Client, reason: DisconnectReason): void {
    const session = this.sessions.get(client);
    if (session) session.closeReason ??= reason;
  }

  /** A plain socket close: MQTT 3.1.1 has no server DISCONNECT, and BMW just drops the connection (§9.21). */
  private closeSession(session: Session, reason: DisconnectReason): Promise<void> {
    session.closeReason ??= reason;
    return new Promise((resolve) => session.client.close(() => resolve()));
  }

  private async closeMatching(match: (s: Session) => boolean, reason: DisconnectReason): Promise<number> {
    const victims = [...this.sessions.values()].filter(match);
    await Promise.all(victims.map((s) => this.closeSession(s, reason)));
    return victims.length;
  }

  private allowSubscription(client: Client, topic: string): boolean {
    const session = this.sessions.get(client);
    const prefix = `${session?.gcid}/`;
    const allowed =
      session !== undefined &&
      !this.faults.settings.refuseSubscriptions &&
      topic.startsWith(prefix) &&
      topic.length > prefix.length;
    if (!allowed) {
      this.counters.subscriptionsRefused++;
      this.emit('subscriptionRefused', { gcid: session?.gcid, clientId: client.id, topic });
    }
    return allowed;
  }

  private reportSubscribe(client: Client, subs: { topic: string; qos: number }[]): void {
    const session = this.sessions.get(client);
    // aedes reports refused entries too, with the 0x80 grant as their QoS.
    const topics = subs.filter((s) => s.qos !== 128).map((s) => s.topic);
    if (session && topics.length > 0)
      this.emit('subscribed', { gcid: session.gcid, clientId: session.clientId, topics });
  }

  private forbidPublish(client: Client | null): Error | null {
    if (!client) return null;
    // A will is also authorised here while its client is already closing; that must not rename the close.
    if (!client.closed) this.markClosing(client, 'publish_forbidden');
    return new Error('clients may not publish on the CarData stream');
  }

  private countDelivery(client: Client, packet: AedesPublishPacket): AedesPublishPacket {
    if (!packet.topic.startsWith('$')) {
      this.counters.messagesDelivered++;
      const session = this.sessions.get(client);
      if (session) this.gcidStats(session.gcid).delivered++;
    }
    return packet;
  }

  private gcidStats(gcid: string): GcidStats {
    let stats = this.perGcid.get(gcid);
    if (!stats) {
      stats = { accepted: 0, refused: 0, current: 0, maxConcurrent: 0, overlappingConnects: 0, delivered: 0 };
      this.perGcid.set(gcid, stats);
    }
    return stats;
  }
}
